//! A TCP listening socket.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::task::{ready, Context, Poll};

use socket2::{Domain, Protocol, SockRef, Socket, Type};

use super::TcpStream;
use crate::driver::source::{IoSource, Kind};
use crate::net::addr::{each_addr, to_socket_addrs};
use crate::net::ToSocketAddrs;

/// A TCP socket server, listening for connections.
///
/// ```
/// use zokio::io::{AsyncReadExt, AsyncWriteExt};
/// use zokio::net::{TcpListener, TcpStream};
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// zokio::spawn(async move {
///     let (mut socket, _) = listener.accept().await.unwrap();
///     let mut buf = [0; 5];
///     socket.read_exact(&mut buf).await.unwrap();
///     socket.write_all(&buf).await.unwrap();
/// });
/// let mut client = TcpStream::connect(addr).await?;
/// client.write_all(b"hello").await?;
/// let mut echoed = [0; 5];
/// client.read_exact(&mut echoed).await?;
/// assert_eq!(&echoed, b"hello");
/// # Ok(())
/// # }
/// ```
pub struct TcpListener {
    io: IoSource,
}

impl TcpListener {
    /// Binds a listener to `addr` (each resolved address in turn, until
    /// one works), with `SO_REUSEADDR` set as Tokio does.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: nothing is bound until the future completes.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        let addrs = to_socket_addrs(addr).await?;
        each_addr(addrs, |addr| async move { TcpListener::bind_addr(addr) }).await
    }

    fn bind_addr(addr: SocketAddr) -> io::Result<TcpListener> {
        let socket = Socket::new(
            Domain::for_address(addr),
            Type::STREAM.nonblocking().cloexec(),
            Some(Protocol::TCP),
        )?;
        socket.set_reuse_address(true)?;
        socket.bind(&addr.into())?;
        socket.listen(1024)?;
        TcpListener::from_fd(socket.into())
    }

    /// Registers a bound, listening, non-blocking socket.
    pub(crate) fn from_fd(fd: OwnedFd) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: IoSource::new(fd, Kind::Listener)?,
        })
    }

    /// Accepts a connection.
    ///
    /// An error such as `EMFILE` (out of file descriptors) is returned to
    /// the caller; the listener stays usable, and the next call tries again.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a connection the kernel accepted for a call that was
    /// then dropped waits for the next call.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        std::future::poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for a connection; registers the task's waker if there is none.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (fd, peer) = ready!(self.io.poll_accept(cx))?;
        // io_uring's multishot accept returns no address: ask for it.
        let peer = match peer {
            Some(peer) => peer,
            None => SockRef::from(&fd).peer_addr()?,
        }
        .as_socket()
        .ok_or_else(|| io::Error::other("accepted a socket that is not TCP/IP"))?;
        Poll::Ready(Ok((TcpStream::from_accepted(fd)?, peer)))
    }

    /// Wraps a `std` listener; it is switched to non-blocking mode.
    ///
    /// Fails if called outside a runtime with I/O enabled.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        TcpListener::from_fd(listener.into())
    }

    /// Takes the listener out of the runtime; it stays non-blocking.
    /// Connections accepted by io_uring but not yet returned by `accept`
    /// are closed; connections that arrive after it returns wait in the
    /// backlog.
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        Ok(self.io.into_fd()?.into())
    }

    /// The address this listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        SockRef::from(&self.io)
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::other("not a TCP/IP socket"))
    }

    /// Takes the pending error of the socket (`SO_ERROR`), if any.
    ///
    /// ```
    /// use zokio::net::TcpListener;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// assert!(listener.take_error()?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        SockRef::from(&self.io).take_error()
    }

    /// `IP_TTL`.
    pub fn ttl(&self) -> io::Result<u32> {
        SockRef::from(&self.io).ttl_v4()
    }

    /// Sets `IP_TTL`.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        SockRef::from(&self.io).set_ttl_v4(ttl)
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.raw_fd()
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("addr", &self.local_addr().ok())
            .field("fd", &self.io.raw_fd())
            .finish()
    }
}
