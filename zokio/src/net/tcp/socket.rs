//! A TCP socket that is neither listening nor connected yet: set options,
//! bind, then turn it into a [`TcpListener`] or a [`TcpStream`].
//!
//! The socket is created non-blocking and close-on-exec and is not yet
//! registered with the I/O driver, so creating one and setting its options
//! works outside a runtime; [`listen`](TcpSocket::listen) and
//! [`connect`](TcpSocket::connect) register it with the runtime they run in.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

use super::{TcpListener, TcpStream};

/// A TCP socket to configure before it listens or connects.
///
/// Options such as `SO_REUSEADDR` or the buffer sizes must often be set
/// before `bind`, `listen` or `connect`; [`TcpListener::bind`] and
/// [`TcpStream::connect`] leave no room for that, this type does.
///
/// ```
/// use zokio::net::TcpSocket;
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let socket = TcpSocket::new_v4()?;
/// socket.set_reuseaddr(true)?;
/// socket.bind("127.0.0.1:0".parse().unwrap())?;
/// let listener = socket.listen(128)?;
///
/// let client = TcpSocket::new_v4()?;
/// client.set_nodelay(true)?;
/// let stream = client.connect(listener.local_addr()?).await?;
/// assert_eq!(stream.peer_addr()?, listener.local_addr()?);
/// # Ok(())
/// # }
/// ```
pub struct TcpSocket {
    inner: Socket,
}

impl TcpSocket {
    /// Creates an IPv4 TCP socket.
    ///
    /// ```
    /// let socket = zokio::net::TcpSocket::new_v4()?;
    /// assert!(!socket.reuseaddr()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV4)
    }

    /// Creates an IPv6 TCP socket.
    ///
    /// ```
    /// let socket = zokio::net::TcpSocket::new_v6()?;
    /// socket.set_reuseaddr(true)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV6)
    }

    fn new(domain: Domain) -> io::Result<TcpSocket> {
        let inner = Socket::new(
            domain,
            Type::STREAM.nonblocking().cloexec(),
            Some(Protocol::TCP),
        )?;
        Ok(TcpSocket { inner })
    }

    /// Sets `SO_KEEPALIVE`: the kernel probes an idle connection and
    /// reports it broken when the peer stops answering.
    ///
    /// ```
    /// let socket = zokio::net::TcpSocket::new_v4()?;
    /// socket.set_keepalive(true)?;
    /// assert!(socket.keepalive()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        self.inner.set_keepalive(keepalive)
    }

    /// Whether `SO_KEEPALIVE` is set.
    ///
    /// ```
    /// let socket = zokio::net::TcpSocket::new_v4()?;
    /// assert!(!socket.keepalive()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn keepalive(&self) -> io::Result<bool> {
        self.inner.keepalive()
    }

    /// Sets `SO_REUSEADDR`: a listener may bind an address that closed
    /// connections still hold in `TIME_WAIT`.
    ///
    /// ```
    /// let socket = zokio::net::TcpSocket::new_v4()?;
    /// socket.set_reuseaddr(true)?;
    /// assert!(socket.reuseaddr()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_reuseaddr(&self, reuseaddr: bool) -> io::Result<()> {
        self.inner.set_reuse_address(reuseaddr)
    }

    /// Whether `SO_REUSEADDR` is set.
    ///
    /// ```
    /// let socket = zokio::net::TcpSocket::new_v4()?;
    /// assert!(!socket.reuseaddr()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn reuseaddr(&self) -> io::Result<bool> {
        self.inner.reuse_address()
    }

    /// Sets `SO_REUSEPORT`: several sockets that all set it may bind the
    /// same address, and the kernel spreads incoming connections over them.
    ///
    /// ```
    /// let socket = zokio::net::TcpSocket::new_v4()?;
    /// socket.set_reuseport(true)?;
    /// assert!(socket.reuseport()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_reuseport(&self, reuseport: bool) -> io::Result<()> {
        self.inner.set_reuse_port(reuseport)
    }

    /// Whether `SO_REUSEPORT` is set.
    ///
    /// ```
    /// let socket = zokio::net::TcpSocket::new_v4()?;
    /// assert!(!socket.reuseport()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn reuseport(&self) -> io::Result<bool> {
        self.inner.reuse_port()
    }

    /// Asks for a send buffer of `size` bytes (`SO_SNDBUF`). Linux doubles
    /// the value for its own bookkeeping and clamps it to system limits, so
    /// [`send_buffer_size`](Self::send_buffer_size) reads back something
    /// else.
    ///
    /// ```
    /// let socket = zokio::net::TcpSocket::new_v4()?;
    /// socket.set_send_buffer_size(64 * 1024)?;
    /// assert!(socket.send_buffer_size()? >= 64 * 1024);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_send_buffer_size(size as usize)
    }

    /// The send buffer size the kernel uses (`SO_SNDBUF`).
    ///
    /// ```
    /// let socket = zokio::net::TcpSocket::new_v4()?;
    /// assert!(socket.send_buffer_size()? > 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        self.inner.send_buffer_size().map(saturate)
    }

    /// Asks for a receive buffer of `size` bytes (`SO_RCVBUF`); as with
    /// [`set_send_buffer_size`](Self::set_send_buffer_size), the kernel
    /// adjusts the value.
    ///
    /// ```
    /// let socket = zokio::net::TcpSocket::new_v4()?;
    /// socket.set_recv_buffer_size(64 * 1024)?;
    /// assert!(socket.recv_buffer_size()? >= 64 * 1024);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_recv_buffer_size(size as usize)
    }

    /// The receive buffer size the kernel uses (`SO_RCVBUF`).
    ///
    /// ```
    /// let socket = zokio::net::TcpSocket::new_v4()?;
    /// assert!(socket.recv_buffer_size()? > 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        self.inner.recv_buffer_size().map(saturate)
    }

    /// Sets `SO_LINGER`. `None` (the default) lets close return at once
    /// while the kernel sends what is left; `Some(Duration::ZERO)` makes
    /// close reset the connection.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let socket = zokio::net::TcpSocket::new_v4()?;
    /// socket.set_linger(Some(Duration::from_secs(1)))?;
    /// assert_eq!(socket.linger()?, Some(Duration::from_secs(1)));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.inner.set_linger(linger)
    }

    /// `SO_LINGER`, as [`set_linger`](Self::set_linger) takes it.
    ///
    /// ```
    /// let socket = zokio::net::TcpSocket::new_v4()?;
    /// assert_eq!(socket.linger()?, None);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        self.inner.linger()
    }

    /// Sets `TCP_NODELAY`: `true` sends small writes at once instead of
    /// coalescing them (Nagle's algorithm off).
    ///
    /// ```
    /// let socket = zokio::net::TcpSocket::new_v4()?;
    /// socket.set_nodelay(true)?;
    /// assert!(socket.nodelay()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.set_tcp_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// ```
    /// let socket = zokio::net::TcpSocket::new_v4()?;
    /// assert!(!socket.nodelay()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.tcp_nodelay()
    }

    /// Sets the IPv4 type-of-service byte (`IP_TOS`) of outgoing packets.
    ///
    /// ```
    /// let socket = zokio::net::TcpSocket::new_v4()?;
    /// socket.set_tos_v4(0x10)?;
    /// assert_eq!(socket.tos_v4()?, 0x10);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_tos_v4(&self, tos: u32) -> io::Result<()> {
        self.inner.set_tos_v4(tos)
    }

    /// The IPv4 type-of-service byte (`IP_TOS`).
    ///
    /// ```
    /// let socket = zokio::net::TcpSocket::new_v4()?;
    /// assert_eq!(socket.tos_v4()?, 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn tos_v4(&self) -> io::Result<u32> {
        self.inner.tos_v4()
    }

    /// The address the socket is bound to.
    ///
    /// ```
    /// let socket = zokio::net::TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// assert!(socket.local_addr()?.ip().is_loopback());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::other("not a TCP/IP socket"))
    }

    /// Takes the pending error of the socket (`SO_ERROR`), if any.
    ///
    /// ```
    /// let socket = zokio::net::TcpSocket::new_v4()?;
    /// assert!(socket.take_error()?.is_none());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }

    /// Binds the socket to `addr`; port 0 lets the kernel pick one.
    ///
    /// ```
    /// let socket = zokio::net::TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// assert_ne!(socket.local_addr()?.port(), 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.bind(&addr.into())
    }

    /// Connects to `addr` and registers the connection with the current
    /// runtime. The socket is consumed: on failure it is closed.
    ///
    /// A refused connection is an error of kind
    /// [`ConnectionRefused`](io::ErrorKind::ConnectionRefused).
    ///
    /// ```
    /// use zokio::net::{TcpListener, TcpSocket};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let stream = TcpSocket::new_v4()?.connect(listener.local_addr()?).await?;
    /// let (_, peer) = listener.accept().await?;
    /// assert_eq!(peer, stream.local_addr()?);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in the sense that nothing is left behind: dropping the
    /// future abandons the attempt and closes the socket. The socket itself
    /// cannot be recovered, so a retry needs a new `TcpSocket`.
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        let fd = self.into_nonblocking_fd()?;
        TcpStream::connect_fd(fd, addr).await
    }

    /// Starts listening with room for `backlog` pending connections (the
    /// kernel caps it at `net.core.somaxconn`) and registers the listener
    /// with the current runtime.
    ///
    /// Fails outside a runtime with I/O enabled.
    ///
    /// ```
    /// use zokio::net::TcpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// let listener = socket.listen(1024)?;
    /// assert!(listener.local_addr()?.ip().is_loopback());
    /// # Ok(())
    /// # }
    /// ```
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        self.inner
            .listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
        TcpListener::from_fd(self.into_nonblocking_fd()?)
    }

    /// Wraps the socket of a `std` stream, for instance one made elsewhere
    /// that has not connected yet. It is switched to non-blocking mode when
    /// it listens or connects.
    ///
    /// ```
    /// use zokio::net::TcpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let server = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let std_stream = std::net::TcpStream::connect(server.local_addr()?)?;
    /// let socket = TcpSocket::from_std_stream(std_stream);
    /// assert_eq!(socket.local_addr()?.ip(), server.local_addr()?.ip());
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_std_stream(std_stream: std::net::TcpStream) -> TcpSocket {
        TcpSocket {
            inner: Socket::from(OwnedFd::from(std_stream)),
        }
    }

    /// The descriptor, non-blocking as the driver needs it: a socket from
    /// [`from_std_stream`](Self::from_std_stream) or `from_raw_fd` may be
    /// blocking.
    fn into_nonblocking_fd(self) -> io::Result<OwnedFd> {
        self.inner.set_nonblocking(true)?;
        Ok(self.inner.into())
    }
}

fn saturate(size: usize) -> u32 {
    u32::try_from(size).unwrap_or(u32::MAX)
}

impl AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl AsFd for TcpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl FromRawFd for TcpSocket {
    /// Wraps a TCP socket descriptor.
    ///
    /// # Safety
    ///
    /// `fd` must be an open TCP socket that nothing else owns or closes.
    unsafe fn from_raw_fd(fd: RawFd) -> TcpSocket {
        TcpSocket {
            // SAFETY: the caller hands over sole ownership of an open
            // socket, which is what `Socket::from_raw_fd` requires.
            inner: unsafe { Socket::from_raw_fd(fd) },
        }
    }
}

impl IntoRawFd for TcpSocket {
    fn into_raw_fd(self) -> RawFd {
        self.inner.into_raw_fd()
    }
}

impl fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpSocket")
            .field("addr", &self.local_addr().ok())
            .field("fd", &self.inner.as_raw_fd())
            .finish()
    }
}
