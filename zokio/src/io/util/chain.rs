//! [`Chain`]: one reader, then another.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::{AsyncBufRead, AsyncRead, ReadBuf};

/// A reader that reads all of one reader, then all of another; made by
/// [`AsyncReadExt::chain`](crate::io::AsyncReadExt::chain).
///
/// ```
/// use zokio::io::AsyncReadExt;
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let mut reader = (&b"ab"[..]).chain(&b"cd"[..]);
///     let mut all = Vec::new();
///     reader.read_to_end(&mut all).await?;
///     assert_eq!(all, b"abcd");
///     Ok(())
/// }
/// ```
#[derive(Debug)]
#[must_use = "readers do nothing unless polled"]
pub struct Chain<T, U> {
    /// Structurally pinned (rules of [`crate::io`]'s pin projection).
    first: T,
    /// Structurally pinned, as `first`.
    second: U,
    /// Whether `first` reached end of file.
    done_first: bool,
}

pub(crate) fn chain<T, U>(first: T, second: U) -> Chain<T, U> {
    Chain {
        first,
        second,
        done_first: false,
    }
}

impl<T, U> Chain<T, U> {
    /// The two readers.
    ///
    /// ```
    /// use zokio::io::AsyncReadExt;
    ///
    /// let reader = (&b"a"[..]).chain(&b"b"[..]);
    /// assert_eq!(reader.get_ref(), (&&b"a"[..], &&b"b"[..]));
    /// ```
    pub fn get_ref(&self) -> (&T, &U) {
        (&self.first, &self.second)
    }

    /// The two readers, mutably. Reading from them directly may confuse the
    /// chain about where it is.
    ///
    /// ```
    /// use zokio::io::AsyncReadExt;
    ///
    /// let mut reader = (&b"a"[..]).chain(&b"b"[..]);
    /// *reader.get_mut().1 = &b"c"[..];
    /// assert_eq!(*reader.get_ref().1, b"c");
    /// ```
    pub fn get_mut(&mut self) -> (&mut T, &mut U) {
        (&mut self.first, &mut self.second)
    }

    /// The two readers, pinned.
    ///
    /// ```
    /// use std::pin::pin;
    /// use zokio::io::AsyncReadExt;
    ///
    /// let reader = pin!((&b"a"[..]).chain(&b"b"[..]));
    /// let (first, _second) = reader.get_pin_mut();
    /// assert_eq!(*first, b"a");
    /// ```
    pub fn get_pin_mut(self: Pin<&mut Self>) -> (Pin<&mut T>, Pin<&mut U>) {
        let (first, second, _) = self.project();
        (first, second)
    }

    /// The two readers back.
    ///
    /// ```
    /// use zokio::io::AsyncReadExt;
    ///
    /// let (first, second) = (&b"a"[..]).chain(&b"b"[..]).into_inner();
    /// assert_eq!((first, second), (&b"a"[..], &b"b"[..]));
    /// ```
    pub fn into_inner(self) -> (T, U) {
        (self.first, self.second)
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut T>, Pin<&mut U>, &mut bool) {
        // SAFETY: both readers are structurally pinned and `done_first` is
        // not (pin projection rules 1-3 in `crate::io`).
        unsafe {
            let me = self.get_unchecked_mut();
            (
                Pin::new_unchecked(&mut me.first),
                Pin::new_unchecked(&mut me.second),
                &mut me.done_first,
            )
        }
    }
}

impl<T: AsyncRead, U: AsyncRead> AsyncRead for Chain<T, U> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let (first, second, done_first) = self.project();
        if !*done_first {
            let before = buf.filled().len();
            ready!(first.poll_read(cx, buf))?;
            // An empty buffer says nothing about end of file.
            if buf.filled().len() > before || buf.remaining() == 0 {
                return Poll::Ready(Ok(()));
            }
            *done_first = true;
        }
        second.poll_read(cx, buf)
    }
}

impl<T: AsyncBufRead, U: AsyncBufRead> AsyncBufRead for Chain<T, U> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let (first, second, done_first) = self.project();
        if !*done_first {
            match ready!(first.poll_fill_buf(cx))? {
                [] => *done_first = true,
                data => return Poll::Ready(Ok(data)),
            }
        }
        second.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let (first, second, done_first) = self.project();
        if *done_first {
            second.consume(amt)
        } else {
            first.consume(amt)
        }
    }
}
