//! [`Split`]: a buffered reader's segments between delimiters.

use std::io;
use std::mem;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::read_until::poll_read_until;
use crate::future::poll_fn;
use crate::io::AsyncBufRead;

/// The segments of a buffered reader between occurrences of a delimiter
/// byte, without the delimiter; made by
/// [`AsyncBufReadExt::split`](crate::io::AsyncBufReadExt::split).
///
/// ```
/// use zokio::io::{AsyncBufReadExt, BufReader};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let mut fields = BufReader::new(&b"a,bc,,d"[..]).split(b',');
///     let mut all = Vec::new();
///     while let Some(field) = fields.next_segment().await? {
///         all.push(field);
///     }
///     assert_eq!(all, [&b"a"[..], b"bc", b"", b"d"]);
///     Ok(())
/// }
/// ```
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Split<R> {
    /// Structurally pinned (rules of [`crate::io`]'s pin projection).
    reader: R,
    delim: u8,
    /// The bytes of the segment being read.
    buf: Vec<u8>,
    /// How many bytes of `buf` this segment's reads have moved so far.
    read: usize,
}

pub(crate) fn split<R>(reader: R, delim: u8) -> Split<R> {
    Split {
        reader,
        delim,
        buf: Vec::new(),
        read: 0,
    }
}

impl<R> Split<R> {
    fn project(self: Pin<&mut Self>) -> (Pin<&mut R>, u8, &mut Vec<u8>, &mut usize) {
        // SAFETY: `reader` is structurally pinned and the other fields are
        // not (pin projection rules 1-3 in `crate::io`).
        unsafe {
            let me = self.get_unchecked_mut();
            (
                Pin::new_unchecked(&mut me.reader),
                me.delim,
                &mut me.buf,
                &mut me.read,
            )
        }
    }
}

impl<R: AsyncBufRead> Split<R> {
    /// The next segment, or `None` at end of file.
    ///
    /// # Errors
    ///
    /// The reader's error; the part of the segment read so far is kept for
    /// the next call.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe. If the future is dropped before it completes, the part
    /// of the segment read so far stays in the `Split`, and the next call
    /// returns the whole segment.
    ///
    /// ```
    /// use zokio::io::{AsyncBufReadExt, BufReader};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut records = BufReader::new(&b"r1\0r2\0"[..]).split(0);
    ///     assert_eq!(records.next_segment().await?, Some(b"r1".to_vec()));
    ///     assert_eq!(records.next_segment().await?, Some(b"r2".to_vec()));
    ///     assert_eq!(records.next_segment().await?, None);
    ///     Ok(())
    /// }
    /// ```
    pub async fn next_segment(&mut self) -> io::Result<Option<Vec<u8>>>
    where
        R: Unpin,
    {
        poll_fn(|cx| Pin::new(&mut *self).poll_next_segment(cx)).await
    }

    /// Polls for the next segment: `Poll::Ready(Ok(None))` at end of file.
    ///
    /// ```
    /// use std::pin::Pin;
    /// use zokio::future::poll_fn;
    /// use zokio::io::{AsyncBufReadExt, BufReader};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut words = BufReader::new(&b"hello world"[..]).split(b' ');
    ///     let word = poll_fn(|cx| Pin::new(&mut words).poll_next_segment(cx)).await?;
    ///     assert_eq!(word.as_deref(), Some(&b"hello"[..]));
    ///     Ok(())
    /// }
    /// ```
    pub fn poll_next_segment(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<Vec<u8>>>> {
        let (reader, delim, buf, read) = self.project();
        let n = ready!(poll_read_until(reader, cx, delim, buf, read))?;
        if n == 0 && buf.is_empty() {
            return Poll::Ready(Ok(None));
        }
        let mut segment = mem::take(buf);
        if segment.last() == Some(&delim) {
            segment.pop();
        }
        Poll::Ready(Ok(Some(segment)))
    }
}
