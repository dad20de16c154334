//! [`Take`]: at most so many bytes of a reader.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::{AsyncBufRead, AsyncRead, ReadBuf};

/// A reader that reads at most a limit of bytes from another one, then
/// reports end of file; made by
/// [`AsyncReadExt::take`](crate::io::AsyncReadExt::take).
///
/// ```
/// use zokio::io::AsyncReadExt;
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let mut reader = (&b"hello world"[..]).take(5);
///     let mut hello = String::new();
///     reader.read_to_string(&mut hello).await?;
///     assert_eq!(hello, "hello");
///     assert_eq!(reader.limit(), 0);
///     Ok(())
/// }
/// ```
#[derive(Debug)]
#[must_use = "readers do nothing unless polled"]
pub struct Take<R> {
    /// Structurally pinned (rules of [`crate::io`]'s pin projection).
    inner: R,
    limit: u64,
}

pub(crate) fn take<R>(inner: R, limit: u64) -> Take<R> {
    Take { inner, limit }
}

impl<R> Take<R> {
    /// How many bytes may still be read before end of file.
    ///
    /// ```
    /// use zokio::io::AsyncReadExt;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut reader = (&b"abcdef"[..]).take(4);
    ///     reader.read_u8().await?;
    ///     assert_eq!(reader.limit(), 3);
    ///     Ok(())
    /// }
    /// ```
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Sets how many bytes may still be read, whatever was read before.
    ///
    /// ```
    /// use zokio::io::AsyncReadExt;
    ///
    /// let mut reader = (&b"abc"[..]).take(0);
    /// reader.set_limit(2);
    /// assert_eq!(reader.limit(), 2);
    /// ```
    pub fn set_limit(&mut self, limit: u64) {
        self.limit = limit;
    }

    /// The underlying reader.
    ///
    /// ```
    /// use zokio::io::AsyncReadExt;
    ///
    /// let reader = (&b"abc"[..]).take(1);
    /// assert_eq!(*reader.get_ref(), b"abc");
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The underlying reader, mutably. Reading from it directly does not
    /// count against the limit.
    ///
    /// ```
    /// use zokio::io::AsyncReadExt;
    ///
    /// let mut reader = (&b"abc"[..]).take(1);
    /// *reader.get_mut() = &b"xyz"[..];
    /// assert_eq!(*reader.get_ref(), b"xyz");
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The underlying reader, pinned.
    ///
    /// ```
    /// use std::pin::pin;
    /// use zokio::io::AsyncReadExt;
    ///
    /// let reader = pin!((&b"abc"[..]).take(1));
    /// assert_eq!(*reader.get_pin_mut(), b"abc");
    /// ```
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().0
    }

    /// The underlying reader back; what is past the limit is still in it.
    ///
    /// ```
    /// use zokio::io::AsyncReadExt;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut reader = (&b"head|body"[..]).take(5);
    ///     let mut head = Vec::new();
    ///     reader.read_to_end(&mut head).await?;
    ///     assert_eq!(reader.into_inner(), b"body");
    ///     Ok(())
    /// }
    /// ```
    pub fn into_inner(self) -> R {
        self.inner
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut R>, &mut u64) {
        // SAFETY: `inner` is structurally pinned and `limit` is not (pin
        // projection rules 1-3 in `crate::io`).
        unsafe {
            let me = self.get_unchecked_mut();
            (Pin::new_unchecked(&mut me.inner), &mut me.limit)
        }
    }
}

impl<R: AsyncRead> AsyncRead for Take<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let (inner, limit) = self.project();
        if *limit == 0 {
            return Poll::Ready(Ok(()));
        }
        let max = usize::try_from(*limit).unwrap_or(usize::MAX);
        let mut part = buf.take(max);
        let start = part.filled().as_ptr();
        ready!(inner.poll_read(cx, &mut part))?;
        assert_eq!(
            start,
            part.filled().as_ptr(),
            "AsyncRead::poll_read replaced the buffer it was given"
        );
        let n = part.filled().len();
        // SAFETY: the `n` bytes filled into `part` are initialized and, as
        // the pointer check shows, they are `buf`'s first unfilled bytes.
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        *limit -= n as u64;
        Poll::Ready(Ok(()))
    }
}

impl<R: AsyncBufRead> AsyncBufRead for Take<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let (inner, limit) = self.project();
        if *limit == 0 {
            return Poll::Ready(Ok(&[]));
        }
        let data = ready!(inner.poll_fill_buf(cx))?;
        let len = usize::try_from(*limit)
            .unwrap_or(usize::MAX)
            .min(data.len());
        Poll::Ready(Ok(&data[..len]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let (inner, limit) = self.project();
        // A caller may not consume more than it was shown, which is at most
        // the limit; clamp anyway so that the count never wraps.
        let amt = usize::try_from(*limit).unwrap_or(usize::MAX).min(amt);
        *limit -= amt as u64;
        inner.consume(amt);
    }
}
