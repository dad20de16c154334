//! A Unix datagram socket, driven by readiness as a UDP socket is (see the
//! module docs of [`UdpSocket`](crate::net::UdpSocket) for why that makes
//! every operation cancel safe).

mod owned;
#[cfg(feature = "bytes")]
mod recv_buf;

use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::path::Path;
use std::task::{Context, Poll};

use socket2::{Domain, SockAddr, Socket, Type};

use super::SocketAddr;
use crate::driver::readiness::Direction;
use crate::driver::source::{IoSource, Kind};
use crate::io::{Interest, ReadBuf, Ready};
use crate::net::udp::StdView;

/// A Unix datagram socket.
///
/// Bound to a path ([`bind`](UnixDatagram::bind)), unbound
/// ([`unbound`](UnixDatagram::unbound): it can send, and receive once
/// connected to a peer) or one of a connected [`pair`](UnixDatagram::pair).
/// Datagrams keep their boundaries, and on Linux a full receiver makes the
/// sender wait rather than losing datagrams.
///
/// ```
/// use zokio::net::UnixDatagram;
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (a, b) = UnixDatagram::pair()?;
/// a.send(b"one").await?;
/// a.send(b"two").await?;
/// let mut buf = [0; 8];
/// let n = b.recv(&mut buf).await?;
/// assert_eq!(&buf[..n], b"one");
/// let n = b.recv(&mut buf).await?;
/// assert_eq!(&buf[..n], b"two");
/// # Ok(())
/// # }
/// ```
pub struct UnixDatagram {
    io: IoSource,
}

impl UnixDatagram {
    /// Creates a socket bound to `path` (the socket file is created; it is
    /// left behind when the socket is dropped). Fails if the path exists,
    /// and outside a runtime with I/O enabled.
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let path = std::env::temp_dir().join(format!("zokio-doc-dgram-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let socket = UnixDatagram::bind(&path)?;
    /// assert_eq!(socket.local_addr()?.as_pathname(), Some(path.as_path()));
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixDatagram> {
        let addr = SockAddr::unix(path)?;
        let socket = UnixDatagram::new_socket()?;
        socket.bind(&addr)?;
        UnixDatagram::from_fd(socket.into())
    }

    /// Creates a socket bound to no address. It can send to bound sockets;
    /// to receive it must first [`connect`](Self::connect) (replies need an
    /// address to go to).
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let path = std::env::temp_dir().join(format!("zokio-doc-unbound-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = UnixDatagram::bind(&path)?;
    /// let client = UnixDatagram::unbound()?;
    /// client.send_to(b"hello", &path).await?;
    /// let mut buf = [0; 8];
    /// let (n, from) = server.recv_from(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"hello");
    /// assert!(from.is_unnamed());
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_fd(UnixDatagram::new_socket()?.into())
    }

    /// Creates two sockets connected to each other (`socketpair`).
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// b.send(b"back").await?;
    /// let mut buf = [0; 8];
    /// assert_eq!(a.recv(&mut buf).await?, 4);
    /// # Ok(())
    /// # }
    /// ```
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = Socket::pair(Domain::UNIX, Type::DGRAM.nonblocking().cloexec(), None)?;
        Ok((
            UnixDatagram::from_fd(a.into())?,
            UnixDatagram::from_fd(b.into())?,
        ))
    }

    fn new_socket() -> io::Result<Socket> {
        Socket::new(Domain::UNIX, Type::DGRAM.nonblocking().cloexec(), None)
    }

    fn from_fd(fd: OwnedFd) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            io: IoSource::new(fd, Kind::Datagram)?,
        })
    }

    /// Wraps a `std` socket and registers it with the current runtime; it
    /// is switched to non-blocking mode.
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = std::os::unix::net::UnixDatagram::pair()?;
    /// let a = UnixDatagram::from_std(a)?;
    /// b.send(b"hi")?;
    /// assert_eq!(a.recv(&mut [0; 8]).await?, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_std(datagram: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        datagram.set_nonblocking(true)?;
        UnixDatagram::from_fd(datagram.into())
    }

    /// Takes the socket out of the runtime; it stays non-blocking.
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// let a = a.into_std()?;
    /// a.send(b"hi")?;
    /// assert_eq!(b.recv(&mut [0; 8]).await?, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixDatagram> {
        Ok(self.io.into_fd()?.into())
    }

    fn std(&self) -> StdView<'_, std::os::unix::net::UnixDatagram> {
        StdView::new(self.io.as_fd())
    }

    /// Connects the socket to the one bound at `path`:
    /// [`send`](Self::send) goes there, and only datagrams from there are
    /// received.
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let path = std::env::temp_dir().join(format!("zokio-doc-dconnect-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = UnixDatagram::bind(&path)?;
    /// let client = UnixDatagram::unbound()?;
    /// client.connect(&path)?;
    /// client.send(b"hi").await?;
    /// assert_eq!(server.recv(&mut [0; 8]).await?, 2);
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn connect<P: AsRef<Path>>(&self, path: P) -> io::Result<()> {
        self.std().connect(path)
    }

    /// The address this socket is bound to (unnamed if it is not).
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UnixDatagram::unbound()?;
    /// assert!(socket.local_addr()?.is_unnamed());
    /// # Ok(())
    /// # }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.std().local_addr()
    }

    /// The address of the connected peer; an error of kind
    /// [`NotConnected`](io::ErrorKind::NotConnected) if there is none.
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixDatagram::pair()?;
    /// assert!(a.peer_addr()?.is_unnamed());
    /// assert!(UnixDatagram::unbound()?.peer_addr().is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.std().peer_addr()
    }

    /// Takes the pending error of the socket (`SO_ERROR`), if any.
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixDatagram::pair()?;
    /// assert!(a.take_error()?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.std().take_error()
    }

    /// Shuts down the read side, the write side or both.
    ///
    /// ```
    /// use std::net::Shutdown;
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixDatagram::pair()?;
    /// a.shutdown(Shutdown::Write)?;
    /// assert!(a.send(b"late").await.is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.std().shutdown(how)
    }

    /// Waits until the socket can take a datagram. The wake-up can be
    /// spurious: a following `try_send` may still fail with `WouldBlock`.
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixDatagram::pair()?;
    /// a.writable().await?;
    /// assert_eq!(a.try_send(b"hi")?, 2);
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
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixDatagram::pair()?;
    /// poll_fn(|cx| a.poll_send_ready(cx)).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready_for(cx, Direction::Write)
    }

    /// Waits until the socket is ready for a direction of `interest` and
    /// says which; a closed or failed socket counts as ready. Pair it with
    /// [`try_io`](Self::try_io) or the `try_*` methods.
    ///
    /// ```
    /// use zokio::io::Interest;
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UnixDatagram::unbound()?;
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
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"ping").await?;
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
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"ping").await?;
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

    /// Waits until a datagram (or an error) is waiting. The wake-up can be
    /// spurious: a following `try_recv` may still fail with `WouldBlock`.
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"hi").await?;
    /// b.readable().await?;
    /// assert_eq!(b.try_recv(&mut [0; 8])?, 2);
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
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"hi").await?;
    /// poll_fn(|cx| b.poll_recv_ready(cx)).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready_for(cx, Direction::Read)
    }

    /// Sends `buf` as one datagram to the connected peer.
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixDatagram::pair()?;
    /// assert_eq!(a.send(b"hello").await?, 5);
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
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixDatagram::pair()?;
    /// assert_eq!(poll_fn(|cx| a.poll_send(cx, b"hi")).await?, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(cx, Direction::Write, |_| self.std().send(buf))
    }

    /// Sends to the connected peer without waiting; `WouldBlock` if the
    /// peer's queue is full.
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixDatagram::pair()?;
    /// assert_eq!(a.try_send(b"hi")?, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Write, |_| self.std().send(buf))
    }

    /// Sends `buf` as one datagram to the socket bound at `target`.
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let path = std::env::temp_dir().join(format!("zokio-doc-send-to-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = UnixDatagram::bind(&path)?;
    /// assert_eq!(UnixDatagram::unbound()?.send_to(b"hi", &path).await?, 2);
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, the
    /// datagram was not sent.
    pub async fn send_to<P: AsRef<Path>>(&self, buf: &[u8], target: P) -> io::Result<usize> {
        let target = SockAddr::unix(target)?;
        std::future::poll_fn(|cx| {
            self.io
                .poll_io(cx, Direction::Write, |_| self.send_to_now(buf, &target))
        })
        .await
    }

    /// Polls to send `buf` to the socket bound at `target`; registers the
    /// task's waker if the socket cannot take it yet.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let path = std::env::temp_dir().join(format!("zokio-doc-poll-send-to-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = UnixDatagram::bind(&path)?;
    /// let client = UnixDatagram::unbound()?;
    /// assert_eq!(poll_fn(|cx| client.poll_send_to(cx, b"hi", &path)).await?, 2);
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_send_to<P: AsRef<Path>>(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: P,
    ) -> Poll<io::Result<usize>> {
        let target = match SockAddr::unix(target) {
            Ok(target) => target,
            Err(err) => return Poll::Ready(Err(err)),
        };
        self.io
            .poll_io(cx, Direction::Write, |_| self.send_to_now(buf, &target))
    }

    /// Sends to the socket bound at `target` without waiting; `WouldBlock`
    /// if its queue is full.
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let path = std::env::temp_dir().join(format!("zokio-doc-try-send-to-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = UnixDatagram::bind(&path)?;
    /// assert_eq!(UnixDatagram::unbound()?.try_send_to(b"hi", &path)?, 2);
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_send_to<P: AsRef<Path>>(&self, buf: &[u8], target: P) -> io::Result<usize> {
        let target = SockAddr::unix(target)?;
        self.io
            .try_io(Direction::Write, |_| self.send_to_now(buf, &target))
    }

    /// One `sendto`, with the address converted once by the caller rather
    /// than on every retry.
    fn send_to_now(&self, buf: &[u8], target: &SockAddr) -> io::Result<usize> {
        socket2::SockRef::from(&self.io).send_to(buf, target)
    }

    /// Receives one datagram from the connected peer into `buf`; returns
    /// its length. A datagram longer than `buf` is cut to fit and the rest
    /// of it is lost.
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"hello").await?;
    /// let mut buf = [0; 3];
    /// assert_eq!(b.recv(&mut buf).await?, 3);
    /// assert_eq!(&buf, b"hel");
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

    /// Polls to receive one datagram into the unfilled part of `buf`
    /// (cutting it to fit); registers the task's waker if none is waiting.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio::io::ReadBuf;
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"hi").await?;
    /// let mut storage = [0; 8];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// poll_fn(|cx| b.poll_recv(cx, &mut buf)).await?;
    /// assert_eq!(buf.filled(), b"hi");
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
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixDatagram::pair()?;
    /// assert_eq!(a.try_recv(&mut [0; 8]).unwrap_err().kind(), ErrorKind::WouldBlock);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Read, |_| self.std().recv(buf))
    }

    /// Receives one datagram into `buf`; returns its length (cut to fit,
    /// as [`recv`](Self::recv)) and the sender's address.
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"hi").await?;
    /// let mut buf = [0; 8];
    /// let (n, from) = b.recv_from(&mut buf).await?;
    /// assert_eq!(n, 2);
    /// assert!(from.is_unnamed());
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
    /// (cutting it to fit); returns the sender's address.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio::io::ReadBuf;
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"hi").await?;
    /// let mut storage = [0; 8];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// let from = poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await?;
    /// assert!(from.is_unnamed());
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
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"hi").await?;
    /// b.readable().await?;
    /// assert_eq!(b.try_recv_from(&mut [0; 8])?.0, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(Direction::Read, |_| self.std().recv_from(buf))
    }
}

impl TryFrom<std::os::unix::net::UnixDatagram> for UnixDatagram {
    type Error = io::Error;

    /// As [`UnixDatagram::from_std`].
    fn try_from(datagram: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(datagram)
    }
}

impl AsRawFd for UnixDatagram {
    fn as_raw_fd(&self) -> RawFd {
        self.io.raw_fd()
    }
}

impl AsFd for UnixDatagram {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .field("fd", &self.io.raw_fd())
            .finish()
    }
}
