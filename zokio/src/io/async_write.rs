//! The [`AsyncWrite`] trait and its implementations for standard types.

use std::io::{self, IoSlice};
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A sink of bytes that a task writes without blocking its thread.
///
/// This is [`std::io::Write`] for tasks, plus a way to close the stream:
/// instead of blocking while the sink is full, each method returns
/// `Poll::Pending` and arranges for the task to be woken when it can make
/// progress. Most code calls the methods of
/// [`AsyncWriteExt`](super::AsyncWriteExt) instead.
///
/// ```
/// use std::io;
/// use std::pin::Pin;
/// use std::task::{Context, Poll};
/// use zokio::io::{AsyncWrite, AsyncWriteExt};
///
/// /// Counts the bytes written to it.
/// #[derive(Default)]
/// struct Counter {
///     bytes: usize,
/// }
///
/// impl AsyncWrite for Counter {
///     fn poll_write(
///         mut self: Pin<&mut Self>,
///         _cx: &mut Context<'_>,
///         buf: &[u8],
///     ) -> Poll<io::Result<usize>> {
///         self.bytes += buf.len();
///         Poll::Ready(Ok(buf.len()))
///     }
///
///     fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
///         Poll::Ready(Ok(()))
///     }
///
///     fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
///         Poll::Ready(Ok(()))
///     }
/// }
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> io::Result<()> {
///     let mut counter = Counter::default();
///     counter.write_all(b"twelve bytes").await?;
///     assert_eq!(counter.bytes, 12);
///     Ok(())
/// }
/// ```
pub trait AsyncWrite {
    /// Tries to write some of `buf`.
    ///
    /// * `Poll::Ready(Ok(n))`: the first `n` bytes were written. `n` is 0
    ///   only when `buf` is empty or the sink can take no more bytes, ever.
    /// * `Poll::Pending`: nothing was written; the task in `cx` is woken when
    ///   the sink may take more.
    /// * `Poll::Ready(Err(e))`: an I/O error; nothing was written.
    ///
    /// ```
    /// use std::pin::Pin;
    /// use zokio::future::poll_fn;
    /// use zokio::io::AsyncWrite;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut sink = Vec::new();
    ///     let n = poll_fn(|cx| Pin::new(&mut sink).poll_write(cx, b"abc")).await?;
    ///     assert_eq!((n, &sink[..]), (3, &b"abc"[..]));
    ///     Ok(())
    /// }
    /// ```
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>>;

    /// Tries to push everything written so far out of any intermediate
    /// buffer, to where it is going.
    ///
    /// ```
    /// use std::pin::Pin;
    /// use zokio::future::poll_fn;
    /// use zokio::io::{AsyncWrite, BufWriter};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut writer = BufWriter::new(Vec::new());
    ///     poll_fn(|cx| Pin::new(&mut writer).poll_write(cx, b"abc")).await?;
    ///     assert!(writer.get_ref().is_empty());
    ///     poll_fn(|cx| Pin::new(&mut writer).poll_flush(cx)).await?;
    ///     assert_eq!(writer.get_ref(), b"abc");
    ///     Ok(())
    /// }
    /// ```
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Tries to close the sink for writing, after flushing it.
    ///
    /// For a stream this is a half-close: the peer reads end of file once it
    /// has read everything before it (a TCP stream sends its FIN). Writes
    /// after a successful shutdown fail or are lost, depending on the sink.
    ///
    /// ```
    /// use std::pin::Pin;
    /// use zokio::future::poll_fn;
    /// use zokio::io::{duplex, AsyncReadExt, AsyncWrite};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let (mut a, mut b) = duplex(64);
    ///     poll_fn(|cx| Pin::new(&mut a).poll_shutdown(cx)).await?;
    ///     let mut rest = Vec::new();
    ///     assert_eq!(b.read_to_end(&mut rest).await?, 0);
    ///     Ok(())
    /// }
    /// ```
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Like [`poll_write`](AsyncWrite::poll_write), from several buffers in
    /// order.
    ///
    /// The default writes the first non-empty buffer with `poll_write`; a
    /// sink that can do better overrides it and
    /// [`is_write_vectored`](AsyncWrite::is_write_vectored).
    ///
    /// ```
    /// use std::io::IoSlice;
    /// use std::pin::Pin;
    /// use zokio::future::poll_fn;
    /// use zokio::io::AsyncWrite;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut sink = Vec::new();
    ///     let bufs = [IoSlice::new(b"ab"), IoSlice::new(b"cd")];
    ///     let n = poll_fn(|cx| Pin::new(&mut sink).poll_write_vectored(cx, &bufs)).await?;
    ///     assert_eq!(&sink[..n], &b"abcd"[..n]);
    ///     Ok(())
    /// }
    /// ```
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let first = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map_or(&[][..], |b| &**b);
        self.poll_write(cx, first)
    }

    /// Whether [`poll_write_vectored`](AsyncWrite::poll_write_vectored) does
    /// better than writing the first buffer. Callers use this to decide
    /// whether gathering their data into one buffer is worth it.
    ///
    /// ```
    /// use zokio::io::{sink, AsyncWrite};
    ///
    /// assert!(Vec::<u8>::new().is_write_vectored());
    /// assert!(!sink().is_write_vectored());
    /// ```
    fn is_write_vectored(&self) -> bool {
        false
    }
}

impl<T: ?Sized + AsyncWrite + Unpin> AsyncWrite for Box<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut **self).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut **self).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut **self).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut **self).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        (**self).is_write_vectored()
    }
}

impl<T: ?Sized + AsyncWrite + Unpin> AsyncWrite for &mut T {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut **self).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut **self).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut **self).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut **self).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        (**self).is_write_vectored()
    }
}

impl<P> AsyncWrite for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncWrite,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().as_mut().poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().as_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().as_mut().poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().as_mut().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        (**self).is_write_vectored()
    }
}

/// Writing to a vector appends to it; it never waits and never fails.
impl AsyncWrite for Vec<u8> {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(io::Write::write_vectored(self.get_mut(), bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }
}

/// Writing to a cursor does what [`std::io::Write`] does for it (overwrite
/// from the position, growing a vector or stopping at the end of a fixed
/// buffer); it never waits.
impl<T> AsyncWrite for io::Cursor<T>
where
    io::Cursor<T>: io::Write,
    T: Unpin,
{
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(io::Write::write(self.get_mut(), buf))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(io::Write::flush(self.get_mut()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(io::Write::write_vectored(self.get_mut(), bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }
}
