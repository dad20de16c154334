//! A TCP connection.

use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use socket2::{Domain, Protocol, SockRef, Socket, Type};

use super::split::{self, OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::driver::readiness::Direction;
use crate::driver::source::{IoSource, Kind};
use crate::io::{AsyncRead, AsyncWrite, Interest, IoBuf, IoBufMut, ReadBuf, Ready};
use crate::net::addr::{each_addr, to_socket_addrs};
use crate::net::ToSocketAddrs;

/// A TCP stream between a local and a remote socket.
///
/// Reading and writing go through [`AsyncReadExt`](crate::io::AsyncReadExt)
/// and [`AsyncWriteExt`](crate::io::AsyncWriteExt). On io_uring a write
/// returns once its bytes are queued for the kernel; errors of a queued
/// write come back from the next write, `flush` or `shutdown`, so call
/// `flush` (or `shutdown`) where you need to know the bytes were sent.
///
/// ```
/// use zokio::io::AsyncWriteExt;
/// use zokio::net::{TcpListener, TcpStream};
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let mut stream = TcpStream::connect(listener.local_addr()?).await?;
/// stream.write_all(b"hello").await?;
/// stream.flush().await?;
/// # Ok(())
/// # }
/// ```
pub struct TcpStream {
    pub(super) io: IoSource,
}

impl TcpStream {
    /// The registered socket (for the driver's tests).
    #[cfg(test)]
    pub(crate) fn io_source(&self) -> &IoSource {
        &self.io
    }

    /// Connects to `addr`, trying each resolved address in turn.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped attempt is cancelled and its socket closed.
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        let addrs = to_socket_addrs(addr).await?;
        each_addr(addrs, |addr| async move {
            let socket = Socket::new(
                Domain::for_address(addr),
                Type::STREAM.nonblocking().cloexec(),
                Some(Protocol::TCP),
            )?;
            TcpStream::connect_fd(socket.into(), addr).await
        })
        .await
    }

    /// Registers a non-blocking socket and connects it to `addr`.
    pub(crate) async fn connect_fd(fd: OwnedFd, addr: SocketAddr) -> io::Result<TcpStream> {
        let io = IoSource::connect(fd, Kind::Stream, addr.into()).await?;
        Ok(TcpStream { io })
    }

    /// Registers a connected, non-blocking socket.
    pub(crate) fn from_fd(fd: OwnedFd) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: IoSource::new(fd, Kind::Stream)?,
        })
    }

    /// A stream `accept` returned (see [`IoSource::assume_ready`]).
    pub(crate) fn from_accepted(fd: OwnedFd) -> io::Result<TcpStream> {
        let stream = TcpStream::from_fd(fd)?;
        stream.io.assume_ready();
        Ok(stream)
    }

    /// Wraps a connected `std` stream; it is switched to non-blocking mode.
    ///
    /// Fails if called outside a runtime with I/O enabled.
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        TcpStream::from_fd(stream.into())
    }

    /// Takes the stream out of the runtime; it stays non-blocking. On
    /// io_uring, bytes the runtime already received but the program has
    /// not read are dropped, so call this before reading, as with Tokio's
    /// buffered types; bytes that arrive after it returns stay in the
    /// socket.
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        Ok(self.io.into_fd()?.into())
    }

    fn sock(&self) -> SockRef<'_> {
        SockRef::from(&self.io)
    }

    /// The local address of this end.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        as_inet(self.sock().local_addr()?)
    }

    /// The address of the peer.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        as_inet(self.sock().peer_addr()?)
    }

    /// `TCP_NODELAY`.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.sock().tcp_nodelay()
    }

    /// Sets `TCP_NODELAY` (turns Nagle's algorithm off when `true`).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.sock().set_tcp_nodelay(nodelay)
    }

    /// `SO_LINGER`.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        self.sock().linger()
    }

    /// Sets `SO_LINGER`; `Some(Duration::ZERO)` makes close reset the
    /// connection.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.sock().set_linger(linger)
    }

    /// `IP_TTL`.
    pub fn ttl(&self) -> io::Result<u32> {
        self.sock().ttl_v4()
    }

    /// Sets `IP_TTL`.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.sock().set_ttl_v4(ttl)
    }

    /// Takes the pending error of the socket (`SO_ERROR`), if any.
    ///
    /// ```
    /// use zokio::net::{TcpListener, TcpStream};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = TcpStream::connect(listener.local_addr()?).await?;
    /// assert!(stream.take_error()?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.sock().take_error()
    }

    /// Receives into `buf` without taking the bytes from the stream.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: nothing is consumed.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| {
            let mut buf = ReadBuf::new(buf);
            ready!(self.io.poll_peek(cx, &mut buf))?;
            Poll::Ready(Ok(buf.filled().len()))
        })
        .await
    }

    /// Polls a peek into `buf`; returns how many bytes it holds now.
    pub fn poll_peek(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<usize>> {
        let before = buf.filled().len();
        ready!(self.io.poll_peek(cx, buf))?;
        Poll::Ready(Ok(buf.filled().len() - before))
    }

    /// Waits until the stream is ready for a direction of `interest` and
    /// says which, as [`readable`](Self::readable) and
    /// [`writable`](Self::writable) would for each. (Streams have no
    /// `try_io`: on io_uring a stream receives ahead into a queue of its
    /// own, which a read of the descriptor would skip.)
    ///
    /// ```
    /// use zokio::io::{AsyncWriteExt, Interest};
    /// use zokio::net::{TcpListener, TcpStream};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut a = TcpStream::connect(listener.local_addr()?).await?;
    /// let (b, _) = listener.accept().await?;
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
    /// It may return when a read would still wait (as Tokio's does): a
    /// stream `accept` returned starts out assumed readable and writable.
    /// A `try_read` that then fails with `WouldBlock` clears that, and the
    /// next call waits; loop over the two.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn readable(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_read_ready(cx)).await
    }

    /// Waits until a write would not wait.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn writable(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_write_ready(cx)).await
    }

    /// Polls for read readiness.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready_for(cx, Direction::Read)
    }

    /// Polls for write readiness.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready_for(cx, Direction::Write)
    }

    /// Reads what is there without waiting; `WouldBlock` if nothing is.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_read(buf)
    }

    /// As [`try_read`](Self::try_read), into the first of `bufs` that is
    /// not empty.
    ///
    /// That one only, as `std`'s default `read_vectored` does: on io_uring
    /// the stream's bytes may wait in the runtime's receive queue, which a
    /// `readv` of the socket would skip, and reading on into the next
    /// buffer could meet an error after taking bytes, losing one or the
    /// other. A short read says nothing about what is left; call again for
    /// more.
    ///
    /// ```
    /// use std::io::IoSliceMut;
    /// use zokio::io::AsyncWriteExt;
    /// use zokio::net::{TcpListener, TcpStream};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// client.write_all(b"hello").await?;
    /// client.flush().await?;
    /// let (mut empty, mut head) = ([0u8; 0], [0u8; 8]);
    /// let n = loop {
    ///     server.readable().await?;
    ///     let mut bufs = [IoSliceMut::new(&mut empty), IoSliceMut::new(&mut head)];
    ///     match server.try_read_vectored(&mut bufs) {
    ///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
    ///         result => break result?,
    ///     }
    /// };
    /// assert_eq!(&head[..n], &b"hello"[..n]);
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
    /// use bytes::BytesMut;
    /// use zokio::io::AsyncWriteExt;
    /// use zokio::net::{TcpListener, TcpStream};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// client.write_all(b"hello").await?;
    /// client.flush().await?;
    /// let mut buf = BytesMut::with_capacity(64);
    /// while buf.len() < 5 {
    ///     server.readable().await?;
    ///     match server.try_read_buf(&mut buf) {
    ///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
    ///         result => assert!(result? > 0),
    ///     }
    /// }
    /// assert_eq!(&buf[..], b"hello");
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "bytes")]
    pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        crate::net::buf_mut::read_zeroed(buf, |dst| self.io.try_read(dst))
    }

    /// Writes without waiting; `WouldBlock` if the socket is full (or, on
    /// io_uring, an earlier write is still on its way).
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_write(&[IoSlice::new(buf)])
    }

    /// As [`try_write`](Self::try_write), from several buffers.
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.io.try_write(bufs)
    }

    /// Reads into `buf` (from its start, up to its capacity) and hands it
    /// back with the number of bytes read, which are at its start; its
    /// initialized length grows to at least that (clear a vector before
    /// reusing it). The buffer moves into the call, as io_uring needs of
    /// memory the kernel may write.
    ///
    /// ```
    /// use zokio::io::AsyncWriteExt;
    /// use zokio::net::{TcpListener, TcpStream};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// client.write_all(b"owned").await?;
    /// client.flush().await?;
    /// let (n, buf) = server.read_owned(Vec::with_capacity(64)).await;
    /// assert_eq!(&buf[..n?], b"owned");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: bytes are taken from the stream only when the call
    /// completes (the buffer is dropped with the future).
    pub async fn read_owned<B: IoBufMut>(&self, buf: B) -> (io::Result<usize>, B) {
        self.io.read_owned(buf).await
    }

    /// Writes all of `buf`'s initialized bytes and hands it back. On
    /// io_uring the kernel reads them straight from `buf`: no copy into a
    /// socket buffer first.
    ///
    /// ```
    /// use zokio::io::AsyncReadExt;
    /// use zokio::net::{TcpListener, TcpStream};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (mut server, _) = listener.accept().await?;
    /// let (result, buf) = client.write_all_owned(b"owned".to_vec()).await;
    /// result?;
    /// let mut got = [0u8; 5];
    /// server.read_exact(&mut got).await?;
    /// assert_eq!(&got, &buf[..]);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: a dropped call may have written part of the
    /// buffer. The buffer stays alive until the kernel is done with it.
    pub async fn write_all_owned<B: IoBuf + Send>(&self, buf: B) -> (io::Result<()>, B) {
        self.io.write_all_owned(buf).await
    }

    /// Splits the stream into halves that borrow it.
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split::split(self)
    }

    /// Splits the stream into owned halves, which can move to other tasks.
    /// Dropping the write half shuts the write side down.
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

    pub(super) fn poll_shutdown_priv(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_shutdown(cx)
    }

    /// Shuts the write side down once queued writes reached the kernel.
    pub(super) fn shutdown_write_when_flushed(&self) {
        self.io.shutdown_write_when_flushed();
    }
}

fn as_inet(addr: socket2::SockAddr) -> io::Result<SocketAddr> {
    addr.as_socket()
        .ok_or_else(|| io::Error::other("not a TCP/IP socket"))
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_read_priv(cx, buf)
    }
}

impl AsyncWrite for TcpStream {
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

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.raw_fd()
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .field("fd", &self.io.raw_fd())
            .finish()
    }
}
