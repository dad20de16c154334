//! The [`AsyncRead`] trait and its implementations for standard types.

use std::io;
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::ReadBuf;

/// A source of bytes that a task reads without blocking its thread.
///
/// This is [`std::io::Read`] for tasks: instead of blocking until data
/// arrives, [`poll_read`](AsyncRead::poll_read) returns `Poll::Pending` and
/// arranges for the task to be woken when it can make progress. Most code
/// calls the methods of [`AsyncReadExt`](super::AsyncReadExt) instead.
///
/// ```
/// use std::io;
/// use std::pin::Pin;
/// use std::task::{Context, Poll};
/// use zokio::io::{AsyncRead, AsyncReadExt, ReadBuf};
///
/// /// Yields `remaining` bytes of `b'z'`, then end of file.
/// struct Zs {
///     remaining: usize,
/// }
///
/// impl AsyncRead for Zs {
///     fn poll_read(
///         mut self: Pin<&mut Self>,
///         _cx: &mut Context<'_>,
///         buf: &mut ReadBuf<'_>,
///     ) -> Poll<io::Result<()>> {
///         let n = self.remaining.min(buf.remaining());
///         buf.initialize_unfilled_to(n).fill(b'z');
///         buf.advance(n);
///         self.remaining -= n;
///         Poll::Ready(Ok(()))
///     }
/// }
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> io::Result<()> {
///     let mut text = String::new();
///     Zs { remaining: 3 }.read_to_string(&mut text).await?;
///     assert_eq!(text, "zzz");
///     Ok(())
/// }
/// ```
pub trait AsyncRead {
    /// Tries to read data into the unfilled part of `buf`.
    ///
    /// * `Poll::Ready(Ok(()))` with the filled region grown: that many bytes
    ///   were read.
    /// * `Poll::Ready(Ok(()))` with the filled region unchanged, although
    ///   `buf` had room: end of file.
    /// * `Poll::Pending`: no data yet; the task in `cx` is woken when there
    ///   may be.
    /// * `Poll::Ready(Err(e))`: an I/O error.
    ///
    /// An implementation only appends to `buf` (it never replaces it with
    /// another buffer), and reads nothing when it returns `Pending` or an
    /// error.
    ///
    /// ```
    /// use std::pin::Pin;
    /// use zokio::future::poll_fn;
    /// use zokio::io::{AsyncRead, ReadBuf};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut source: &[u8] = b"hello";
    ///     let mut storage = [0u8; 3];
    ///     let mut buf = ReadBuf::new(&mut storage);
    ///     poll_fn(|cx| Pin::new(&mut source).poll_read(cx, &mut buf)).await?;
    ///     assert_eq!(buf.filled(), b"hel");
    ///     assert_eq!(source, b"lo");
    ///     Ok(())
    /// }
    /// ```
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>>;
}

impl<T: ?Sized + AsyncRead + Unpin> AsyncRead for Box<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut **self).poll_read(cx, buf)
    }
}

impl<T: ?Sized + AsyncRead + Unpin> AsyncRead for &mut T {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut **self).poll_read(cx, buf)
    }
}

impl<P> AsyncRead for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncRead,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().as_mut().poll_read(cx, buf)
    }
}

/// Reading from a byte slice takes bytes off its front.
impl AsyncRead for &[u8] {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = self.len().min(buf.remaining());
        let (head, tail) = self.split_at(n);
        buf.put_slice(head);
        *self = tail;
        Poll::Ready(Ok(()))
    }
}

/// Reading from a cursor reads from its position and moves it forward.
impl<T: AsRef<[u8]> + Unpin> AsyncRead for io::Cursor<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let data = self.get_ref().as_ref();
        // A position past the end (or past `usize::MAX`) reads as end of file.
        let start = usize::try_from(self.position())
            .unwrap_or(usize::MAX)
            .min(data.len());
        let n = (data.len() - start).min(buf.remaining());
        buf.put_slice(&data[start..start + n]);
        if n > 0 {
            self.set_position((start + n) as u64);
        }
        Poll::Ready(Ok(()))
    }
}
