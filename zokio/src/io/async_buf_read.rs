//! The [`AsyncBufRead`] trait and its implementations for standard types.

use std::io;
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::AsyncRead;

/// A reader with an internal buffer, which lends it out so that callers can
/// look for a delimiter without copying.
///
/// This is [`std::io::BufRead`] for tasks. A caller asks for the buffered
/// data with [`poll_fill_buf`](AsyncBufRead::poll_fill_buf), which reads more
/// only when the buffer is empty, then says how much of it it used with
/// [`consume`](AsyncBufRead::consume). Most code calls the methods of
/// [`AsyncBufReadExt`](super::AsyncBufReadExt) instead, and wraps a plain
/// reader in a [`BufReader`](super::BufReader) to get one.
///
/// ```
/// use zokio::io::{AsyncBufReadExt, BufReader};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let mut reader = BufReader::new(&b"key=value\n"[..]);
///     let mut key = Vec::new();
///     reader.read_until(b'=', &mut key).await?;
///     assert_eq!(key, b"key=");
///     Ok(())
/// }
/// ```
pub trait AsyncBufRead: AsyncRead {
    /// Tries to return the buffered data, reading more first if the buffer
    /// is empty. An empty slice means end of file.
    ///
    /// The data stays buffered until [`consume`](AsyncBufRead::consume)d.
    ///
    /// ```
    /// use std::pin::Pin;
    /// use zokio::future::poll_fn;
    /// use zokio::io::AsyncBufRead;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut reader: &[u8] = b"abc";
    ///     let len = poll_fn(|cx| {
    ///         Pin::new(&mut reader).poll_fill_buf(cx).map_ok(|data| data.len())
    ///     })
    ///     .await?;
    ///     assert_eq!(len, 3);
    ///     Ok(())
    /// }
    /// ```
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>>;

    /// Marks the first `amt` bytes of the buffered data as used, so that
    /// later reads do not return them. `amt` should be at most the length
    /// of what [`poll_fill_buf`](AsyncBufRead::poll_fill_buf) returned.
    ///
    /// ```
    /// use std::pin::Pin;
    /// use zokio::io::AsyncBufRead;
    ///
    /// let mut reader: &[u8] = b"abc";
    /// Pin::new(&mut reader).consume(2);
    /// assert_eq!(reader, b"c");
    /// ```
    fn consume(self: Pin<&mut Self>, amt: usize);
}

impl<T: ?Sized + AsyncBufRead + Unpin> AsyncBufRead for Box<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        Pin::new(&mut **self.get_mut()).poll_fill_buf(cx)
    }

    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        Pin::new(&mut **self).consume(amt)
    }
}

impl<T: ?Sized + AsyncBufRead + Unpin> AsyncBufRead for &mut T {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        Pin::new(&mut **self.get_mut()).poll_fill_buf(cx)
    }

    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        Pin::new(&mut **self).consume(amt)
    }
}

impl<P> AsyncBufRead for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncBufRead,
{
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.get_mut().as_mut().poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.get_mut().as_mut().consume(amt)
    }
}

/// A byte slice is its own buffer.
impl AsyncBufRead for &[u8] {
    fn poll_fill_buf(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        Poll::Ready(Ok(*self.get_mut()))
    }

    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        *self = &self[amt.min(self.len())..];
    }
}

/// A cursor's buffer is its data from the position on.
impl<T: AsRef<[u8]> + Unpin> AsyncBufRead for io::Cursor<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        Poll::Ready(io::BufRead::fill_buf(self.get_mut()))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        io::BufRead::consume(self.get_mut(), amt)
    }
}
