//! [`Lines`]: a buffered reader's lines, one at a time.

use std::io;
use std::mem;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::read_until::poll_read_until;
use crate::future::poll_fn;
use crate::io::AsyncBufRead;

/// The lines of a buffered reader, without their `\n` or `\r\n`; made by
/// [`AsyncBufReadExt::lines`](crate::io::AsyncBufReadExt::lines).
///
/// A line cut short by an error or a cancelled
/// [`next_line`](Lines::next_line) is kept, and the next call goes on with
/// it.
///
/// ```
/// use zokio::io::{AsyncBufReadExt, BufReader};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let mut lines = BufReader::new(&b"one\r\ntwo\nthree"[..]).lines();
///     let mut all = Vec::new();
///     while let Some(line) = lines.next_line().await? {
///         all.push(line);
///     }
///     assert_eq!(all, ["one", "two", "three"]);
///     Ok(())
/// }
/// ```
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Lines<R> {
    /// Structurally pinned (rules of [`crate::io`]'s pin projection).
    reader: R,
    /// The bytes of the line being read.
    buf: Vec<u8>,
    /// How many bytes of `buf` this line's reads have moved so far.
    read: usize,
}

pub(crate) fn lines<R>(reader: R) -> Lines<R> {
    Lines {
        reader,
        buf: Vec::new(),
        read: 0,
    }
}

impl<R> Lines<R> {
    /// The reader.
    ///
    /// ```
    /// use zokio::io::{AsyncBufReadExt, BufReader};
    ///
    /// let lines = BufReader::new(&b"a\nb"[..]).lines();
    /// assert_eq!(lines.get_ref().capacity(), 8 * 1024);
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// The reader, mutably. Reading from it directly skips what it yields
    /// from the lines.
    ///
    /// ```
    /// use zokio::io::{AsyncBufReadExt, BufReader};
    ///
    /// let mut lines = BufReader::new(&b"a\nb"[..]).lines();
    /// let _reader: &mut BufReader<&[u8]> = lines.get_mut();
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// The reader back. Part of a line read by a cancelled or failed
    /// [`next_line`](Lines::next_line) is lost.
    ///
    /// ```
    /// use zokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut lines = BufReader::new(&b"first\nrest"[..]).lines();
    ///     assert_eq!(lines.next_line().await?.as_deref(), Some("first"));
    ///     let mut rest = String::new();
    ///     lines.into_inner().read_to_string(&mut rest).await?;
    ///     assert_eq!(rest, "rest");
    ///     Ok(())
    /// }
    /// ```
    pub fn into_inner(self) -> R {
        self.reader
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut R>, &mut Vec<u8>, &mut usize) {
        // SAFETY: `reader` is structurally pinned and the other fields are
        // not (pin projection rules 1-3 in `crate::io`).
        unsafe {
            let me = self.get_unchecked_mut();
            (
                Pin::new_unchecked(&mut me.reader),
                &mut me.buf,
                &mut me.read,
            )
        }
    }
}

impl<R: AsyncBufRead> Lines<R> {
    /// The next line, or `None` at end of file.
    ///
    /// # Errors
    ///
    /// `InvalidData` if the line is not UTF-8 (the line is skipped), or the
    /// reader's error (the part read so far is kept for the next call).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe. If the future is dropped before it completes, the part
    /// of the line read so far stays in the `Lines`, and the next call
    /// returns the whole line.
    ///
    /// ```
    /// use zokio::io::{AsyncBufReadExt, BufReader};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut lines = BufReader::new(&b"only\n"[..]).lines();
    ///     assert_eq!(lines.next_line().await?.as_deref(), Some("only"));
    ///     assert_eq!(lines.next_line().await?, None);
    ///     Ok(())
    /// }
    /// ```
    pub async fn next_line(&mut self) -> io::Result<Option<String>>
    where
        R: Unpin,
    {
        poll_fn(|cx| Pin::new(&mut *self).poll_next_line(cx)).await
    }

    /// Polls for the next line: `Poll::Ready(Ok(None))` at end of file.
    ///
    /// ```
    /// use std::pin::Pin;
    /// use zokio::future::poll_fn;
    /// use zokio::io::{AsyncBufReadExt, BufReader};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut lines = BufReader::new(&b"x\ny\n"[..]).lines();
    ///     let line = poll_fn(|cx| Pin::new(&mut lines).poll_next_line(cx)).await?;
    ///     assert_eq!(line.as_deref(), Some("x"));
    ///     Ok(())
    /// }
    /// ```
    pub fn poll_next_line(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<String>>> {
        let (reader, buf, read) = self.project();
        let n = ready!(poll_read_until(reader, cx, b'\n', buf, read))?;
        if n == 0 && buf.is_empty() {
            return Poll::Ready(Ok(None));
        }
        let mut line = mem::take(buf);
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        Poll::Ready(
            String::from_utf8(line)
                .map(Some)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
        )
    }
}
