//! UDP sockets.
//!
//! A datagram socket is driven by readiness on both backends: an operation
//! waits until the driver reports the socket readable (or writable), then
//! makes the non-blocking system call itself, and waits again if the call
//! finds nothing to do. On io_uring the wait is a one-shot `POLL_ADD`, on
//! the fallback an epoll edge.
//!
//! That shape makes every operation cancel safe: a datagram is taken from
//! the socket (or handed to it) only by a system call that runs inside one
//! poll and whose result that poll returns, so a future dropped while it
//! waits has taken nothing and sent nothing.
//!
//! The owned-buffer calls ([`owned`]) are the exception: on io_uring each
//! is one `SENDMSG` or `RECVMSG` into or out of the caller's buffer, with
//! no system call of its own and no copy, and a receive dropped too late
//! loses its datagram.

mod owned;
#[cfg(feature = "bytes")]
mod recv_buf;

use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::ops::Deref;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, RawFd};
use std::task::{Context, Poll};

use socket2::{Domain, Socket, Type};

use crate::driver::readiness::Direction;
use crate::driver::source::{IoSource, Kind};
use crate::io::{Interest, ReadBuf, Ready};
use crate::net::addr::{each_addr, to_socket_addrs};
use crate::net::ToSocketAddrs;

/// A `std` socket over a descriptor that something else owns, to use
/// `std`'s system-call wrappers and address conversions (the Unix sockets
/// use it too). The view never closes the descriptor.
pub(crate) struct StdView<'a, S> {
    socket: ManuallyDrop<S>,
    fd: PhantomData<BorrowedFd<'a>>,
}

impl<'a, S: FromRawFd> StdView<'a, S> {
    /// A view of `fd`, which must be a socket of the kind `S` wraps.
    pub(crate) fn new(fd: BorrowedFd<'a>) -> StdView<'a, S> {
        // SAFETY: `fd` stays open for `'a`, which the view cannot outlive.
        // The `ManuallyDrop` never runs `S`'s destructor, and `Deref` only
        // lends `&S`, so the descriptor cannot be closed or taken through
        // the view: `S` never really owns it.
        let socket = unsafe { S::from_raw_fd(fd.as_raw_fd()) };
        StdView {
            socket: ManuallyDrop::new(socket),
            fd: PhantomData,
        }
    }
}

impl<S> Deref for StdView<'_, S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.socket
    }
}

/// A UDP socket.
///
/// Made bound, by [`bind`](UdpSocket::bind) (or from a bound `std` socket
/// with [`from_std`](UdpSocket::from_std)). After
/// [`connect`](UdpSocket::connect) it talks to one peer with
/// [`send`](UdpSocket::send) and [`recv`](UdpSocket::recv); otherwise
/// [`send_to`](UdpSocket::send_to) and [`recv_from`](UdpSocket::recv_from)
/// name the peer each time.
///
/// Every method takes `&self`: share the socket between tasks with an
/// `Arc` to send and receive at the same time.
///
/// ```
/// use zokio::net::UdpSocket;
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let server = UdpSocket::bind("127.0.0.1:0").await?;
/// let client = UdpSocket::bind("127.0.0.1:0").await?;
/// client.send_to(b"ping", server.local_addr()?).await?;
///
/// let mut buf = [0; 16];
/// let (n, from) = server.recv_from(&mut buf).await?;
/// server.send_to(&buf[..n], from).await?;
///
/// let (n, _) = client.recv_from(&mut buf).await?;
/// assert_eq!(&buf[..n], b"ping");
/// # Ok(())
/// # }
/// ```
pub struct UdpSocket {
    io: IoSource,
}

impl UdpSocket {
    /// The registered socket (for the driver's tests).
    #[cfg(test)]
    pub(crate) fn io_source(&self) -> &IoSource {
        &self.io
    }

    /// Creates a socket bound to `addr`, trying each resolved address in
    /// turn until one binds. Port 0 lets the kernel pick a port.
    ///
    /// Fails outside a runtime with I/O enabled.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// assert_ne!(socket.local_addr()?.port(), 0);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the only wait is for name resolution, and no socket
    /// exists until the future completes.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        let addrs = to_socket_addrs(addr).await?;
        each_addr(addrs, |addr| async move { UdpSocket::bind_addr(addr) }).await
    }

    fn bind_addr(addr: SocketAddr) -> io::Result<UdpSocket> {
        let socket = Socket::new(
            Domain::for_address(addr),
            Type::DGRAM.nonblocking().cloexec(),
            None,
        )?;
        socket.bind(&addr.into())?;
        UdpSocket::register(socket)
    }

    fn register(socket: Socket) -> io::Result<UdpSocket> {
        Ok(UdpSocket {
            io: IoSource::new(socket.into(), Kind::Datagram)?,
        })
    }

    /// Wraps a `std` socket and registers it with the current runtime. The
    /// socket is switched to non-blocking mode (Tokio leaves that to the
    /// caller).
    ///
    /// Fails outside a runtime with I/O enabled.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let std_socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let addr = std_socket.local_addr()?;
    /// let socket = UdpSocket::from_std(std_socket)?;
    /// assert_eq!(socket.local_addr()?, addr);
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        UdpSocket::register(Socket::from(std::os::fd::OwnedFd::from(socket)))
    }

    /// Takes the socket out of the runtime. It stays in non-blocking mode;
    /// call `set_nonblocking(false)` on it for blocking use.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// let addr = socket.local_addr()?;
    /// let std_socket = socket.into_std()?;
    /// assert_eq!(std_socket.local_addr()?, addr);
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_std(self) -> io::Result<std::net::UdpSocket> {
        Ok(self.io.into_fd()?.into())
    }

    fn std(&self) -> StdView<'_, std::net::UdpSocket> {
        StdView::new(self.io.as_fd())
    }

    /// The address this socket is bound to.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// assert!(socket.local_addr()?.ip().is_loopback());
    /// # Ok(())
    /// # }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.std().local_addr()
    }

    /// The address this socket is connected to; an error of kind
    /// [`NotConnected`](io::ErrorKind::NotConnected) if it is not.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let peer = UdpSocket::bind("127.0.0.1:0").await?;
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// assert!(socket.peer_addr().is_err());
    /// socket.connect(peer.local_addr()?).await?;
    /// assert_eq!(socket.peer_addr()?, peer.local_addr()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.std().peer_addr()
    }

    /// Connects the socket to `addr` (the first resolved address that
    /// works): [`send`](Self::send) goes there, and only datagrams from
    /// there are received.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let peer = UdpSocket::bind("127.0.0.1:0").await?;
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.connect(peer.local_addr()?).await?;
    /// socket.send(b"hi").await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the only wait is for name resolution; the socket is
    /// connected, if at all, by the poll that completes the future.
    pub async fn connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        let addrs = to_socket_addrs(addr).await?;
        each_addr(addrs, |addr| async move { self.std().connect(addr) }).await
    }

    /// Waits until the socket can take a datagram.
    ///
    /// The wake-up can be spurious: a following `try_send` may still fail
    /// with `WouldBlock`.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let peer = UdpSocket::bind("127.0.0.1:0").await?;
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.connect(peer.local_addr()?).await?;
    /// socket.writable().await?;
    /// socket.try_send(b"hi")?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only waits.
    pub async fn writable(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_send_ready(cx)).await
    }

    /// Polls for write readiness; registers the task's waker if the socket
    /// is not ready. Only the last task to poll is sure to be woken.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// poll_fn(|cx| socket.poll_send_ready(cx)).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready_for(cx, Direction::Write)
    }

    /// Sends `buf` as one datagram to the connected peer; returns how many
    /// bytes were sent.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let peer = UdpSocket::bind("127.0.0.1:0").await?;
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.connect(peer.local_addr()?).await?;
    /// assert_eq!(socket.send(b"hello").await?, 5);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, the
    /// datagram was not sent.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.poll_send(cx, buf)).await
    }

    /// Polls to send `buf` to the connected peer; registers the task's
    /// waker if the socket cannot take it yet.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let peer = UdpSocket::bind("127.0.0.1:0").await?;
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.connect(peer.local_addr()?).await?;
    /// assert_eq!(poll_fn(|cx| socket.poll_send(cx, b"hi")).await?, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(cx, Direction::Write, |_| self.std().send(buf))
    }

    /// Sends to the connected peer without waiting; `WouldBlock` if the
    /// socket cannot take the datagram now.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let peer = UdpSocket::bind("127.0.0.1:0").await?;
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.connect(peer.local_addr()?).await?;
    /// socket.writable().await?;
    /// assert_eq!(socket.try_send(b"hi")?, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Write, |_| self.std().send(buf))
    }

    /// Waits until the socket is ready for a direction of `interest` and
    /// says which; a closed or failed socket counts as ready. Pair it with
    /// [`try_io`](Self::try_io) or the `try_*` methods.
    ///
    /// ```
    /// use zokio::io::Interest;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// let ready = socket.ready(Interest::READABLE | Interest::WRITABLE).await?;
    /// assert!(ready.is_writable());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only waits.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        std::future::poll_fn(|cx| self.io.poll_ready_interest(cx, interest)).await
    }

    /// Runs `f`, a non-blocking operation of the caller's own on this
    /// socket (through its descriptor), if the socket is ready for
    /// `interest`; otherwise returns `WouldBlock` without calling it. When
    /// `f` returns `WouldBlock`, the readiness it was tried on is cleared,
    /// so that the next [`ready`](Self::ready) waits for a new event; `f`
    /// must therefore only return `WouldBlock` when the socket said so.
    ///
    /// ```
    /// use zokio::io::Interest;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = (UdpSocket::bind("127.0.0.1:0").await?, UdpSocket::bind("127.0.0.1:0").await?);
    /// a.send_to(b"ping", b.local_addr()?).await?;
    /// b.ready(Interest::READABLE).await?;
    /// let mut buf = [0; 8];
    /// // Any non-blocking call on the socket; here one of its own.
    /// let n = b.try_io(Interest::READABLE, || b.try_recv(&mut buf))?;
    /// assert_eq!(&buf[..n], b"ping");
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.try_io_interest(interest, f)
    }

    /// Waits for `interest` and runs `f` (as [`try_io`](Self::try_io)),
    /// again after each `WouldBlock`, until it returns anything else.
    ///
    /// ```
    /// use zokio::io::Interest;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = (UdpSocket::bind("127.0.0.1:0").await?, UdpSocket::bind("127.0.0.1:0").await?);
    /// a.send_to(b"ping", b.local_addr()?).await?;
    /// let mut buf = [0; 8];
    /// let n = b.async_io(Interest::READABLE, || b.try_recv(&mut buf)).await?;
    /// assert_eq!(&buf[..n], b"ping");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropped while it waits, it has not called `f` since its
    /// last `WouldBlock`.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.async_io_interest(interest, f).await
    }

    /// Waits until a datagram (or an error) is waiting to be received.
    ///
    /// The wake-up can be spurious: a following `try_recv` may still fail
    /// with `WouldBlock`.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.send_to(b"self", socket.local_addr()?).await?;
    /// socket.readable().await?;
    /// let mut buf = [0; 8];
    /// let n = loop {
    ///     match socket.try_recv(&mut buf) {
    ///         Ok(n) => break n,
    ///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => socket.readable().await?,
    ///         Err(e) => return Err(e),
    ///     }
    /// };
    /// assert_eq!(&buf[..n], b"self");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only waits.
    pub async fn readable(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_recv_ready(cx)).await
    }

    /// Polls for read readiness; registers the task's waker if nothing is
    /// waiting. Only the last task to poll is sure to be woken.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.send_to(b"self", socket.local_addr()?).await?;
    /// poll_fn(|cx| socket.poll_recv_ready(cx)).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready_for(cx, Direction::Read)
    }

    /// Receives one datagram from the connected peer into `buf`; returns
    /// its length. A datagram longer than `buf` is cut to fit and the rest
    /// of it is lost.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// b.connect(a.local_addr()?).await?;
    /// a.send(b"hello").await?;
    /// let mut buf = [0; 16];
    /// let n = b.recv(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"hello");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no
    /// datagram was taken from the socket.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| {
            self.io
                .poll_io(cx, Direction::Read, |_| self.std().recv(buf))
        })
        .await
    }

    /// Polls to receive one datagram from the connected peer into the
    /// unfilled part of `buf` (cutting it to fit); registers the task's
    /// waker if none is waiting.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio::io::ReadBuf;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.connect(socket.local_addr()?).await?;
    /// socket.send(b"loop").await?;
    /// let mut storage = [0; 16];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// poll_fn(|cx| socket.poll_recv(cx, &mut buf)).await?;
    /// assert_eq!(buf.filled(), b"loop");
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.io.poll_io(cx, Direction::Read, |_| {
            let n = self.std().recv(buf.initialize_unfilled())?;
            buf.advance(n);
            Ok(())
        })
    }

    /// Receives from the connected peer without waiting; `WouldBlock` if
    /// no datagram is waiting.
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.connect(socket.local_addr()?).await?;
    /// let mut buf = [0; 16];
    /// assert_eq!(socket.try_recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Read, |_| self.std().recv(buf))
    }

    /// Sends `buf` as one datagram to `target` (its first resolved
    /// address); returns how many bytes were sent.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let peer = UdpSocket::bind("127.0.0.1:0").await?;
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// assert_eq!(socket.send_to(b"hello", peer.local_addr()?).await?, 5);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, the
    /// datagram was not sent.
    pub async fn send_to<A: ToSocketAddrs>(&self, buf: &[u8], target: A) -> io::Result<usize> {
        let target = to_socket_addrs(target)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to send to"))?;
        std::future::poll_fn(|cx| self.poll_send_to(cx, buf, target)).await
    }

    /// Polls to send `buf` to `target`; registers the task's waker if the
    /// socket cannot take it yet.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let peer = UdpSocket::bind("127.0.0.1:0").await?;
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// let target = peer.local_addr()?;
    /// assert_eq!(poll_fn(|cx| socket.poll_send_to(cx, b"hi", target)).await?, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(cx, Direction::Write, |_| self.std().send_to(buf, target))
    }

    /// Sends to `target` without waiting; `WouldBlock` if the socket cannot
    /// take the datagram now.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let peer = UdpSocket::bind("127.0.0.1:0").await?;
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.writable().await?;
    /// assert_eq!(socket.try_send_to(b"hi", peer.local_addr()?)?, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.io
            .try_io(Direction::Write, |_| self.std().send_to(buf, target))
    }

    /// Receives one datagram into `buf`; returns its length and sender. A
    /// datagram longer than `buf` is cut to fit and the rest of it is
    /// lost.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// let sender = UdpSocket::bind("127.0.0.1:0").await?;
    /// sender.send_to(b"hello", socket.local_addr()?).await?;
    /// let mut buf = [0; 16];
    /// let (n, from) = socket.recv_from(&mut buf).await?;
    /// assert_eq!((&buf[..n], from), (&b"hello"[..], sender.local_addr()?));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no
    /// datagram was taken from the socket.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        std::future::poll_fn(|cx| {
            self.io
                .poll_io(cx, Direction::Read, |_| self.std().recv_from(buf))
        })
        .await
    }

    /// Polls to receive one datagram into the unfilled part of `buf`
    /// (cutting it to fit); returns the sender. Registers the task's waker
    /// if none is waiting.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio::io::ReadBuf;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.send_to(b"loop", socket.local_addr()?).await?;
    /// let mut storage = [0; 16];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// let from = poll_fn(|cx| socket.poll_recv_from(cx, &mut buf)).await?;
    /// assert_eq!((buf.filled(), from), (&b"loop"[..], socket.local_addr()?));
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        self.io.poll_io(cx, Direction::Read, |_| {
            let (n, from) = self.std().recv_from(buf.initialize_unfilled())?;
            buf.advance(n);
            Ok(from)
        })
    }

    /// Receives one datagram without waiting; `WouldBlock` if none is
    /// waiting.
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// let mut buf = [0; 16];
    /// let err = socket.try_recv_from(&mut buf).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::WouldBlock);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(Direction::Read, |_| self.std().recv_from(buf))
    }

    /// Copies the next datagram from the connected peer into `buf` without
    /// taking it from the socket: the next receive gets it again.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.connect(socket.local_addr()?).await?;
    /// socket.send(b"again").await?;
    /// let mut buf = [0; 16];
    /// let n = socket.peek(&mut buf).await?;
    /// assert_eq!(socket.recv(&mut buf).await?, n);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: peeking takes nothing.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| {
            self.io
                .poll_io(cx, Direction::Read, |_| self.std().peek(buf))
        })
        .await
    }

    /// Polls to peek at the next datagram from the connected peer, into the
    /// unfilled part of `buf`.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio::io::ReadBuf;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.connect(socket.local_addr()?).await?;
    /// socket.send(b"loop").await?;
    /// let mut storage = [0; 16];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// poll_fn(|cx| socket.poll_peek(cx, &mut buf)).await?;
    /// assert_eq!(buf.filled(), b"loop");
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.io.poll_io(cx, Direction::Read, |_| {
            let n = self.std().peek(buf.initialize_unfilled())?;
            buf.advance(n);
            Ok(())
        })
    }

    /// Peeks at the next datagram from the connected peer without waiting;
    /// `WouldBlock` if none is waiting.
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.connect(socket.local_addr()?).await?;
    /// let mut buf = [0; 16];
    /// assert_eq!(socket.try_peek(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Read, |_| self.std().peek(buf))
    }

    /// Copies the next datagram into `buf` without taking it from the
    /// socket; returns its length (cut to fit) and sender.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.send_to(b"again", socket.local_addr()?).await?;
    /// let mut buf = [0; 16];
    /// let peeked = socket.peek_from(&mut buf).await?;
    /// assert_eq!(socket.recv_from(&mut buf).await?, peeked);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: peeking takes nothing.
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        std::future::poll_fn(|cx| {
            self.io
                .poll_io(cx, Direction::Read, |_| self.std().peek_from(buf))
        })
        .await
    }

    /// Polls to peek at the next datagram, into the unfilled part of
    /// `buf`; returns the sender.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio::io::ReadBuf;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.send_to(b"loop", socket.local_addr()?).await?;
    /// let mut storage = [0; 16];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// let from = poll_fn(|cx| socket.poll_peek_from(cx, &mut buf)).await?;
    /// assert_eq!(from, socket.local_addr()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_peek_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        self.io.poll_io(cx, Direction::Read, |_| {
            let (n, from) = self.std().peek_from(buf.initialize_unfilled())?;
            buf.advance(n);
            Ok(from)
        })
    }

    /// Peeks at the next datagram without waiting; `WouldBlock` if none is
    /// waiting.
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// let mut buf = [0; 16];
    /// let err = socket.try_peek_from(&mut buf).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::WouldBlock);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(Direction::Read, |_| self.std().peek_from(buf))
    }

    /// The sender of the next datagram, which stays in the socket.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.send_to(b"who", socket.local_addr()?).await?;
    /// assert_eq!(socket.peek_sender().await?, socket.local_addr()?);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: peeking takes nothing.
    pub async fn peek_sender(&self) -> io::Result<SocketAddr> {
        std::future::poll_fn(|cx| {
            self.io
                .poll_io(cx, Direction::Read, |_| self.peek_sender_now())
        })
        .await
    }

    /// The sender of the next datagram, without waiting; `WouldBlock` if
    /// none is waiting.
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// assert_eq!(socket.try_peek_sender().unwrap_err().kind(), ErrorKind::WouldBlock);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.try_io(Direction::Read, |_| self.peek_sender_now())
    }

    fn peek_sender_now(&self) -> io::Result<SocketAddr> {
        // Linux returns the sender of a datagram peeked into an empty
        // buffer, without an error for the bytes that did not fit.
        self.std().peek_from(&mut []).map(|(_, from)| from)
    }

    /// Whether `SO_BROADCAST` is set.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// assert!(!socket.broadcast()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn broadcast(&self) -> io::Result<bool> {
        self.std().broadcast()
    }

    /// Sets `SO_BROADCAST`: allows sending to a broadcast address.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("0.0.0.0:0").await?;
    /// socket.set_broadcast(true)?;
    /// assert!(socket.broadcast()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.std().set_broadcast(on)
    }

    /// Whether multicast datagrams this socket sends (IPv4) loop back to
    /// this host (`IP_MULTICAST_LOOP`).
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// assert!(socket.multicast_loop_v4()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.std().multicast_loop_v4()
    }

    /// Sets `IP_MULTICAST_LOOP`.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.set_multicast_loop_v4(false)?;
    /// assert!(!socket.multicast_loop_v4()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.std().set_multicast_loop_v4(on)
    }

    /// How many hops multicast datagrams (IPv4) may take
    /// (`IP_MULTICAST_TTL`).
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// assert_eq!(socket.multicast_ttl_v4()?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.std().multicast_ttl_v4()
    }

    /// Sets `IP_MULTICAST_TTL`.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.set_multicast_ttl_v4(4)?;
    /// assert_eq!(socket.multicast_ttl_v4()?, 4);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.std().set_multicast_ttl_v4(ttl)
    }

    /// Whether multicast datagrams this socket sends (IPv6) loop back to
    /// this host (`IPV6_MULTICAST_LOOP`).
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let Ok(socket) = UdpSocket::bind("[::1]:0").await else { return Ok(()) };
    /// assert!(socket.multicast_loop_v6()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.std().multicast_loop_v6()
    }

    /// Sets `IPV6_MULTICAST_LOOP`.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let Ok(socket) = UdpSocket::bind("[::1]:0").await else { return Ok(()) };
    /// socket.set_multicast_loop_v6(false)?;
    /// assert!(!socket.multicast_loop_v6()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.std().set_multicast_loop_v6(on)
    }

    /// The time-to-live of unicast datagrams this socket sends (`IP_TTL`).
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// assert!(socket.ttl()? > 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.std().ttl()
    }

    /// Sets `IP_TTL`.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.set_ttl(60)?;
    /// assert_eq!(socket.ttl()?, 60);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.std().set_ttl(ttl)
    }

    /// Joins the IPv4 multicast group `multiaddr` on the interface with
    /// address `interface` (`0.0.0.0` lets the kernel choose).
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("0.0.0.0:0").await?;
    /// // Hosts without a multicast route refuse, with an error.
    /// if socket.join_multicast_v4(Ipv4Addr::new(224, 0, 0, 123), Ipv4Addr::LOCALHOST).is_ok() {
    ///     socket.leave_multicast_v4(Ipv4Addr::new(224, 0, 0, 123), Ipv4Addr::LOCALHOST)?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.std().join_multicast_v4(&multiaddr, &interface)
    }

    /// Leaves an IPv4 multicast group joined with
    /// [`join_multicast_v4`](Self::join_multicast_v4).
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("0.0.0.0:0").await?;
    /// // Leaving a group never joined is an error.
    /// assert!(socket.leave_multicast_v4(Ipv4Addr::new(224, 0, 0, 123), Ipv4Addr::UNSPECIFIED).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.std().leave_multicast_v4(&multiaddr, &interface)
    }

    /// Joins the IPv6 multicast group `multiaddr` on the interface with
    /// index `interface` (0 lets the kernel choose).
    ///
    /// ```
    /// use std::net::Ipv6Addr;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let Ok(socket) = UdpSocket::bind("[::]:0").await else { return Ok(()) };
    /// let group = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x123);
    /// // Hosts without IPv6 multicast refuse, with an error.
    /// if socket.join_multicast_v6(&group, 0).is_ok() {
    ///     socket.leave_multicast_v6(&group, 0)?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.std().join_multicast_v6(multiaddr, interface)
    }

    /// Leaves an IPv6 multicast group joined with
    /// [`join_multicast_v6`](Self::join_multicast_v6).
    ///
    /// ```
    /// use std::net::Ipv6Addr;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let Ok(socket) = UdpSocket::bind("[::]:0").await else { return Ok(()) };
    /// let group = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x123);
    /// assert!(socket.leave_multicast_v6(&group, 0).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.std().leave_multicast_v6(multiaddr, interface)
    }

    /// Takes the pending error of the socket (`SO_ERROR`), such as an ICMP
    /// "port unreachable" for an earlier datagram, if any.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// assert!(socket.take_error()?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.std().take_error()
    }
}

impl TryFrom<std::net::UdpSocket> for UdpSocket {
    type Error = io::Error;

    /// As [`UdpSocket::from_std`].
    fn try_from(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        UdpSocket::from_std(socket)
    }
}

impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.io.raw_fd()
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("addr", &self.local_addr().ok())
            .field("fd", &self.io.raw_fd())
            .finish()
    }
}
