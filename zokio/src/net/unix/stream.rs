//! A Unix stream connection.

use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use socket2::{Domain, SockAddr, Socket, Type};

use super::split::{self, OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use super::{SocketAddr, UCred};
use crate::driver::readiness::Direction;
use crate::driver::source::{IoSource, Kind};
use crate::io::{AsyncRead, AsyncWrite, Interest, ReadBuf, Ready};
use crate::net::udp::StdView;

/// A connected Unix stream socket.
///
/// Reading and writing go through [`AsyncReadExt`](crate::io::AsyncReadExt)
/// and [`AsyncWriteExt`](crate::io::AsyncWriteExt). As with
/// [`TcpStream`](crate::net::TcpStream), a write on io_uring returns once
/// its bytes are queued for the kernel, and the error of a queued write
/// comes back from the next write, `flush` or `shutdown`.
///
/// ```
/// use zokio::io::{AsyncReadExt, AsyncWriteExt};
/// use zokio::net::UnixStream;
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (mut a, mut b) = UnixStream::pair()?;
/// a.write_all(b"hello").await?;
/// a.shutdown().await?;
/// let mut got = Vec::new();
/// b.read_to_end(&mut got).await?;
/// assert_eq!(got, b"hello");
/// # Ok(())
/// # }
/// ```
pub struct UnixStream {
    io: IoSource,
}

impl UnixStream {
    /// Connects to the socket bound at `path`.
    ///
    /// A listener whose backlog is full refuses at once with an error of
    /// kind [`WouldBlock`](io::ErrorKind::WouldBlock) rather than waiting,
    /// as Unix sockets do in non-blocking mode.
    ///
    /// ```
    /// use zokio::net::{UnixListener, UnixStream};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let path = std::env::temp_dir().join(format!("zokio-doc-connect-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// let stream = UnixStream::connect(&path).await?;
    /// assert_eq!(stream.peer_addr()?.as_pathname(), Some(path.as_path()));
    /// # drop(listener);
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in the sense that nothing is left behind: dropping the
    /// future abandons the attempt and closes the socket.
    pub async fn connect<P: AsRef<Path>>(path: P) -> io::Result<UnixStream> {
        let addr = SockAddr::unix(path)?;
        let socket = Socket::new(Domain::UNIX, Type::STREAM.nonblocking().cloexec(), None)?;
        let io = IoSource::connect(socket.into(), Kind::Stream, addr).await?;
        Ok(UnixStream { io })
    }

    /// Creates two streams connected to each other (`socketpair`).
    ///
    /// Fails outside a runtime with I/O enabled.
    ///
    /// ```
    /// use zokio::io::{AsyncReadExt, AsyncWriteExt};
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (mut a, mut b) = UnixStream::pair()?;
    /// a.write_all(b"ping").await?;
    /// let mut buf = [0; 4];
    /// b.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"ping");
    /// # Ok(())
    /// # }
    /// ```
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = Socket::pair(Domain::UNIX, Type::STREAM.nonblocking().cloexec(), None)?;
        Ok((
            UnixStream::from_fd(a.into())?,
            UnixStream::from_fd(b.into())?,
        ))
    }

    /// Registers a connected, non-blocking stream socket.
    pub(super) fn from_fd(fd: OwnedFd) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: IoSource::new(fd, Kind::Stream)?,
        })
    }

    /// A stream `accept` returned (see [`IoSource::assume_ready`]).
    pub(super) fn from_accepted(fd: OwnedFd) -> io::Result<UnixStream> {
        let stream = UnixStream::from_fd(fd)?;
        stream.io.assume_ready();
        Ok(stream)
    }

    /// Wraps a connected `std` stream and registers it with the current
    /// runtime; it is switched to non-blocking mode.
    ///
    /// Fails outside a runtime with I/O enabled.
    ///
    /// ```
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let a = UnixStream::from_std(a)?;
    /// a.writable().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        UnixStream::from_fd(stream.into())
    }

    /// Takes the stream out of the runtime; it stays non-blocking. On
    /// io_uring, bytes the runtime already received but the program has
    /// not read are dropped, so call this before reading; bytes that
    /// arrive after it returns stay in the socket.
    ///
    /// ```
    /// use std::io::Write;
    /// use zokio::io::AsyncReadExt;
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (mut a, b) = UnixStream::pair()?;
    /// let mut b = b.into_std()?;
    /// b.set_nonblocking(false)?;
    /// b.write_all(b"x")?;
    /// let mut buf = [0; 1];
    /// a.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"x");
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixStream> {
        Ok(self.io.into_fd()?.into())
    }

    fn std(&self) -> StdView<'_, std::os::unix::net::UnixStream> {
        StdView::new(self.io.as_fd())
    }

    /// The address of this end: unnamed unless it was bound.
    ///
    /// ```
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixStream::pair()?;
    /// assert!(a.local_addr()?.is_unnamed());
    /// # Ok(())
    /// # }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.std().local_addr()
    }

    /// The address of the peer: the path it is bound to, or unnamed.
    ///
    /// ```
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixStream::pair()?;
    /// assert!(a.peer_addr()?.is_unnamed());
    /// # Ok(())
    /// # }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.std().peer_addr()
    }

    /// The credentials of the process at the other end (see [`UCred`]).
    ///
    /// ```
    /// use std::os::unix::fs::MetadataExt;
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixStream::pair()?;
    /// // `/proc/self` belongs to this process's user.
    /// assert_eq!(a.peer_cred()?.uid(), std::fs::metadata("/proc/self")?.uid());
    /// # Ok(())
    /// # }
    /// ```
    pub fn peer_cred(&self) -> io::Result<UCred> {
        super::ucred::peer_cred(self.as_fd())
    }

    /// Takes the pending error of the socket (`SO_ERROR`), if any.
    ///
    /// ```
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixStream::pair()?;
    /// assert!(a.take_error()?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.std().take_error()
    }

    /// Waits until the stream is ready for a direction of `interest` and
    /// says which, as [`readable`](Self::readable) and
    /// [`writable`](Self::writable) would for each. (Streams have no
    /// `try_io`: on io_uring a stream receives ahead into a queue of its
    /// own, which a read of the descriptor would skip.)
    ///
    /// ```
    /// use zokio::io::{AsyncWriteExt, Interest};
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (mut a, b) = UnixStream::pair()?;
    /// a.write_all(b"ping").await?;
    /// let ready = b.ready(Interest::READABLE | Interest::WRITABLE).await?;
    /// assert!(ready.is_writable());
    /// assert!(b.ready(Interest::READABLE).await?.is_readable());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only waits.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        std::future::poll_fn(|cx| self.io.poll_stream_ready(cx, interest)).await
    }

    /// Waits until a read would not wait (data, end of stream or an error).
    ///
    /// ```
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixStream::pair()?;
    /// drop(a);
    /// b.readable().await?;
    /// assert_eq!(b.try_read(&mut [0; 8])?, 0); // end of stream
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// It may return when a read would still wait, as on a TCP stream
    /// (see [`TcpStream::readable`](crate::net::TcpStream::readable)).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only waits.
    pub async fn readable(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_read_ready(cx)).await
    }

    /// Polls for read readiness; registers the task's waker if the stream
    /// is not ready. Only the last task to poll is sure to be woken.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixStream::pair()?;
    /// drop(a);
    /// poll_fn(|cx| b.poll_read_ready(cx)).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready_for(cx, Direction::Read)
    }

    /// Waits until a write would not wait. On io_uring that includes the
    /// earlier writes having reached the kernel.
    ///
    /// ```
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixStream::pair()?;
    /// a.writable().await?;
    /// assert_eq!(a.try_write(b"hi")?, 2);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only waits.
    pub async fn writable(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_write_ready(cx)).await
    }

    /// Polls for write readiness; registers the task's waker if the stream
    /// is not ready. Only the last task to poll is sure to be woken.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixStream::pair()?;
    /// poll_fn(|cx| a.poll_write_ready(cx)).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready_for(cx, Direction::Write)
    }

    /// Reads what is there without waiting; `WouldBlock` if nothing is,
    /// `Ok(0)` at the end of the stream.
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixStream::pair()?;
    /// let mut buf = [0; 8];
    /// assert_eq!(a.try_read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_read(buf)
    }

    /// As [`try_read`](Self::try_read), into the first of `bufs` that is
    /// not empty, and that one only, as on a TCP stream (see
    /// [`TcpStream::try_read_vectored`](crate::net::TcpStream::try_read_vectored)
    /// for why).
    ///
    /// ```
    /// use std::io::IoSliceMut;
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixStream::pair()?;
    /// a.writable().await?;
    /// a.try_write(b"hey")?;
    /// b.readable().await?;
    /// let (mut empty, mut buf) = ([0u8; 0], [0u8; 8]);
    /// let n = b.try_read_vectored(&mut [IoSliceMut::new(&mut empty), IoSliceMut::new(&mut buf)])?;
    /// assert_eq!(&buf[..n], b"hey");
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        match bufs.iter_mut().find(|buf| !buf.is_empty()) {
            Some(buf) => self.io.try_read(buf),
            None => self.io.try_read(&mut []),
        }
    }

    /// As [`try_read`](Self::try_read), into the spare room of `buf`
    /// (its first chunk), which is advanced over the bytes read. Needs the
    /// `bytes` feature.
    ///
    /// ```
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixStream::pair()?;
    /// a.writable().await?;
    /// a.try_write(b"hey")?;
    /// b.readable().await?;
    /// let mut buf = Vec::with_capacity(8);
    /// assert_eq!(b.try_read_buf(&mut buf)?, 3);
    /// assert_eq!(buf, b"hey");
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "bytes")]
    pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        crate::net::buf_mut::read_zeroed(buf, |dst| self.io.try_read(dst))
    }

    /// Writes without waiting; `WouldBlock` if the socket is full (or, on
    /// io_uring, an earlier write is still on its way).
    ///
    /// ```
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixStream::pair()?;
    /// a.writable().await?;
    /// assert_eq!(a.try_write(b"hey")?, 3);
    /// b.readable().await?;
    /// let mut buf = [0; 8];
    /// assert_eq!(b.try_read(&mut buf)?, 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_write(&[IoSlice::new(buf)])
    }

    /// As [`try_write`](Self::try_write), gathering from several buffers.
    ///
    /// ```
    /// use std::io::IoSlice;
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixStream::pair()?;
    /// a.writable().await?;
    /// let n = a.try_write_vectored(&[IoSlice::new(b"he"), IoSlice::new(b"y")])?;
    /// assert_eq!(n, 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.io.try_write(bufs)
    }

    /// Splits the stream into a read half and a write half that borrow
    /// it, for reading and writing at once within one task.
    ///
    /// ```
    /// use zokio::io::{AsyncReadExt, AsyncWriteExt};
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (mut a, mut b) = UnixStream::pair()?;
    /// let (mut read, mut write) = a.split();
    /// write.write_all(b"to b").await?;
    /// b.write_all(b"to a").await?;
    /// let mut buf = [0; 4];
    /// read.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"to a");
    /// # Ok(())
    /// # }
    /// ```
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split::split(self)
    }

    /// Splits the stream into owned halves, which can move to other tasks.
    /// Dropping the write half shuts the write side down (once its queued
    /// writes are sent); [`OwnedReadHalf::reunite`] puts the stream back
    /// together.
    ///
    /// ```
    /// use zokio::io::{AsyncReadExt, AsyncWriteExt};
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, mut b) = UnixStream::pair()?;
    /// let (_read, mut write) = a.into_split();
    /// let writer = zokio::spawn(async move { write.write_all(b"bye").await });
    /// writer.await.unwrap()?;
    /// let mut got = Vec::new();
    /// b.read_to_end(&mut got).await?; // the dropped write half shut down
    /// assert_eq!(got, b"bye");
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split::into_split(self)
    }

    pub(super) fn poll_read_priv(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.io.poll_read(cx, buf)
    }

    pub(super) fn poll_write_priv(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write(cx, bufs)
    }

    pub(super) fn poll_flush_priv(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_flush(cx)
    }

    /// Flushes, then shuts the write side down: the peer reads the end of
    /// the stream after the last byte written.
    pub(super) fn poll_shutdown_priv(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_shutdown(cx)
    }

    /// Shuts the write side down once queued writes reached the kernel.
    pub(super) fn shutdown_write_when_flushed(&self) {
        self.io.shutdown_write_when_flushed();
    }
}

impl AsyncRead for UnixStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_read_priv(cx, buf)
    }
}

impl AsyncWrite for UnixStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_priv(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_priv(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush_priv(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_shutdown_priv(cx)
    }
}

impl TryFrom<std::os::unix::net::UnixStream> for UnixStream {
    type Error = io::Error;

    /// As [`UnixStream::from_std`].
    fn try_from(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        UnixStream::from_std(stream)
    }
}

impl AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.raw_fd()
    }
}

impl AsFd for UnixStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .field("fd", &self.io.raw_fd())
            .finish()
    }
}
