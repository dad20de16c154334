//! A Unix listening socket.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::path::Path;
use std::task::{ready, Context, Poll};

use socket2::{Domain, SockAddr, Socket, Type};

use super::{SocketAddr, UnixStream};
use crate::driver::source::{IoSource, Kind};
use crate::net::udp::StdView;

/// How many connections may wait to be accepted; the kernel caps it at
/// `net.core.somaxconn`.
const BACKLOG: i32 = 1024;

/// A Unix socket server, listening for connections on a path.
///
/// The socket file stays behind when the listener is dropped: remove it
/// before binding the same path again.
///
/// ```
/// use zokio::io::{AsyncReadExt, AsyncWriteExt};
/// use zokio::net::{UnixListener, UnixStream};
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let path = std::env::temp_dir().join(format!("zokio-doc-listener-{}", std::process::id()));
/// # let _ = std::fs::remove_file(&path);
/// let listener = UnixListener::bind(&path)?;
/// zokio::spawn(async move {
///     let (mut stream, _) = listener.accept().await.unwrap();
///     stream.write_all(b"welcome").await.unwrap();
/// });
/// let mut client = UnixStream::connect(&path).await?;
/// let mut got = Vec::new();
/// client.read_to_end(&mut got).await?;
/// assert_eq!(got, b"welcome");
/// std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
pub struct UnixListener {
    io: IoSource,
}

impl UnixListener {
    /// Creates the socket file at `path` and listens on it. Fails if the
    /// path exists, and outside a runtime with I/O enabled.
    ///
    /// ```
    /// use zokio::net::UnixListener;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let path = std::env::temp_dir().join(format!("zokio-doc-bind-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// assert!(UnixListener::bind(&path).is_err()); // the file exists now
    /// drop(listener);
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixListener> {
        let addr = SockAddr::unix(path)?;
        let socket = Socket::new(Domain::UNIX, Type::STREAM.nonblocking().cloexec(), None)?;
        socket.bind(&addr)?;
        socket.listen(BACKLOG)?;
        UnixListener::from_fd(socket.into())
    }

    fn from_fd(fd: OwnedFd) -> io::Result<UnixListener> {
        Ok(UnixListener {
            io: IoSource::new(fd, Kind::Listener)?,
        })
    }

    /// Wraps a `std` listener and registers it with the current runtime;
    /// it is switched to non-blocking mode.
    ///
    /// Fails outside a runtime with I/O enabled.
    ///
    /// ```
    /// use zokio::net::UnixListener;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let path = std::env::temp_dir().join(format!("zokio-doc-from-std-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::from_std(std::os::unix::net::UnixListener::bind(&path)?)?;
    /// assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        UnixListener::from_fd(listener.into())
    }

    /// Takes the listener out of the runtime; it stays non-blocking. On
    /// io_uring, connections accepted but not yet returned by
    /// [`accept`](Self::accept) are closed; connections that arrive after
    /// it returns wait in the backlog.
    ///
    /// ```
    /// use zokio::net::UnixListener;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let path = std::env::temp_dir().join(format!("zokio-doc-into-std-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?.into_std()?;
    /// assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixListener> {
        Ok(self.io.into_fd()?.into())
    }

    /// The address the listener is bound to.
    ///
    /// ```
    /// use zokio::net::UnixListener;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let path = std::env::temp_dir().join(format!("zokio-doc-local-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        StdView::<std::os::unix::net::UnixListener>::new(self.io.as_fd()).local_addr()
    }

    /// Takes the pending error of the socket (`SO_ERROR`), if any.
    ///
    /// ```
    /// use zokio::net::UnixListener;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let path = std::env::temp_dir().join(format!("zokio-doc-error-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// assert!(listener.take_error()?.is_none());
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        StdView::<std::os::unix::net::UnixListener>::new(self.io.as_fd()).take_error()
    }

    /// Accepts a connection; returns it with the peer's address (unnamed
    /// unless the peer bound its socket).
    ///
    /// An error such as `EMFILE` (out of file descriptors) is returned to
    /// the caller; the listener stays usable.
    ///
    /// ```
    /// use zokio::net::{UnixListener, UnixStream};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let path = std::env::temp_dir().join(format!("zokio-doc-accept-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// let _client = UnixStream::connect(&path).await?;
    /// let (_stream, peer) = listener.accept().await?;
    /// assert!(peer.is_unnamed());
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a connection accepted for a call that was then dropped
    /// waits for the next call.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        std::future::poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for a connection; registers the task's waker if there is
    /// none. Only the last task to poll is sure to be woken.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio::net::{UnixListener, UnixStream};
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let path = std::env::temp_dir().join(format!("zokio-doc-poll-accept-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// let _client = UnixStream::connect(&path).await?;
    /// let (_stream, _peer) = poll_fn(|cx| listener.poll_accept(cx)).await?;
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let (fd, _) = ready!(self.io.poll_accept(cx))?;
        // `std`'s `SocketAddr` cannot be built from the address an accept
        // wrote (the readiness driver's; io_uring's comes without one), so
        // `std` asks the kernel for it again.
        let stream = std::os::unix::net::UnixStream::from(fd);
        let peer = stream.peer_addr()?;
        Poll::Ready(Ok((UnixStream::from_accepted(stream.into())?, peer)))
    }
}

impl TryFrom<std::os::unix::net::UnixListener> for UnixListener {
    type Error = io::Error;

    /// As [`UnixListener::from_std`].
    fn try_from(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        UnixListener::from_std(listener)
    }
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.raw_fd()
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("addr", &self.local_addr().ok())
            .field("fd", &self.io.raw_fd())
            .finish()
    }
}
