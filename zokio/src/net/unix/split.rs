//! The halves of a [`UnixStream`]: borrowed ([`split`](UnixStream::split))
//! or owned ([`into_split`](UnixStream::into_split)).
//!
//! The driver keeps a stream's reads and writes apart, so the halves share
//! the stream without a lock; the owned halves share it through an `Arc`.

use std::fmt;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::{SocketAddr, UnixStream};
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The read half of [`UnixStream::split`].
///
/// ```
/// use zokio::io::{AsyncReadExt, AsyncWriteExt};
/// use zokio::net::UnixStream;
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (mut a, mut b) = UnixStream::pair()?;
/// b.write_all(b"hi").await?;
/// let (mut read, _write) = a.split();
/// let mut buf = [0; 2];
/// read.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"hi");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct ReadHalf<'a>(&'a UnixStream);

/// The write half of [`UnixStream::split`]. Shutting it down shuts the
/// stream's write side down.
///
/// ```
/// use zokio::io::{AsyncReadExt, AsyncWriteExt};
/// use zokio::net::UnixStream;
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (mut a, mut b) = UnixStream::pair()?;
/// let (_read, mut write) = a.split();
/// write.write_all(b"hi").await?;
/// write.shutdown().await?;
/// let mut got = Vec::new();
/// b.read_to_end(&mut got).await?;
/// assert_eq!(got, b"hi");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct WriteHalf<'a>(&'a UnixStream);

/// The read half of [`UnixStream::into_split`]; it can move to another
/// task.
///
/// ```
/// use zokio::io::{AsyncReadExt, AsyncWriteExt};
/// use zokio::net::UnixStream;
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (a, mut b) = UnixStream::pair()?;
/// let (mut read, _write) = a.into_split();
/// let reader = zokio::spawn(async move {
///     let mut buf = [0; 2];
///     read.read_exact(&mut buf).await.map(|_| buf)
/// });
/// b.write_all(b"hi").await?;
/// assert_eq!(&reader.await.unwrap()?, b"hi");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct OwnedReadHalf {
    inner: Arc<UnixStream>,
}

/// The write half of [`UnixStream::into_split`]; it can move to another
/// task. Dropping it shuts the write side down once its queued writes are
/// sent, unless it is given to [`forget`](OwnedWriteHalf::forget) or
/// [`reunite`](OwnedWriteHalf::reunite).
///
/// ```
/// use zokio::io::{AsyncReadExt, AsyncWriteExt};
/// use zokio::net::UnixStream;
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (a, mut b) = UnixStream::pair()?;
/// let (_read, mut write) = a.into_split();
/// write.write_all(b"hi").await?;
/// drop(write);
/// let mut got = Vec::new();
/// b.read_to_end(&mut got).await?;
/// assert_eq!(got, b"hi");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct OwnedWriteHalf {
    inner: Arc<UnixStream>,
    shutdown_on_drop: bool,
}

/// The error of [`OwnedReadHalf::reunite`]: the halves came from different
/// streams. Both are handed back.
///
/// ```
/// use zokio::net::UnixStream;
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (a, b) = UnixStream::pair()?;
/// let (read_a, _write_a) = a.into_split();
/// let (_read_b, write_b) = b.into_split();
/// let err = read_a.reunite(write_b).unwrap_err();
/// let (_read_a, _write_b) = (err.0, err.1);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves of two different Unix streams")
    }
}

impl std::error::Error for ReuniteError {}

pub(super) fn split(stream: &mut UnixStream) -> (ReadHalf<'_>, WriteHalf<'_>) {
    (ReadHalf(stream), WriteHalf(stream))
}

pub(super) fn into_split(stream: UnixStream) -> (OwnedReadHalf, OwnedWriteHalf) {
    let inner = Arc::new(stream);
    let read = OwnedReadHalf {
        inner: inner.clone(),
    };
    let write = OwnedWriteHalf {
        inner,
        shutdown_on_drop: true,
    };
    (read, write)
}

impl OwnedReadHalf {
    /// Puts the stream back together from its two halves; fails, handing
    /// both back, if `other` is the write half of another stream.
    ///
    /// ```
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixStream::pair()?;
    /// let (read, write) = a.into_split();
    /// let a = read.reunite(write).unwrap();
    /// a.writable().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<UnixStream, ReuniteError> {
        if !Arc::ptr_eq(&self.inner, &other.inner) {
            return Err(ReuniteError(self, other));
        }
        let mut write = other;
        write.shutdown_on_drop = false;
        drop(write);
        Ok(Arc::into_inner(self.inner).expect("both halves of the stream were given back"))
    }
}

impl OwnedWriteHalf {
    /// Puts the stream back together; as [`OwnedReadHalf::reunite`].
    ///
    /// ```
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixStream::pair()?;
    /// let (read, write) = a.into_split();
    /// let a = write.reunite(read).unwrap();
    /// a.writable().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn reunite(self, other: OwnedReadHalf) -> Result<UnixStream, ReuniteError> {
        other.reunite(self)
    }

    /// Drops the half without shutting the write side down.
    ///
    /// ```
    /// use zokio::net::UnixStream;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixStream::pair()?;
    /// let (_read, write) = a.into_split();
    /// write.forget();
    /// // `b` sees no end of stream while the read half keeps `a` open.
    /// assert!(b.try_read(&mut [0; 1]).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn forget(mut self) {
        self.shutdown_on_drop = false;
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            self.inner.shutdown_write_when_flushed();
        }
    }
}

impl AsRef<UnixStream> for ReadHalf<'_> {
    fn as_ref(&self) -> &UnixStream {
        self.0
    }
}

impl AsRef<UnixStream> for WriteHalf<'_> {
    fn as_ref(&self) -> &UnixStream {
        self.0
    }
}

impl AsRef<UnixStream> for OwnedReadHalf {
    fn as_ref(&self) -> &UnixStream {
        &self.inner
    }
}

impl AsRef<UnixStream> for OwnedWriteHalf {
    fn as_ref(&self) -> &UnixStream {
        &self.inner
    }
}

impl AsyncRead for ReadHalf<'_> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.0.poll_read_priv(cx, buf)
    }
}

impl AsyncRead for OwnedReadHalf {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.inner.poll_read_priv(cx, buf)
    }
}

/// `AsyncWrite` for a write half: everything goes to the shared stream.
macro_rules! write_half {
    ($half:ty, $stream:ident => $get:expr) => {
        impl AsyncWrite for $half {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                let $stream = &*self;
                $get.poll_write_priv(cx, &[IoSlice::new(buf)])
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                let $stream = &*self;
                $get.poll_write_priv(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let $stream = &*self;
                $get.poll_flush_priv(cx)
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let $stream = &*self;
                $get.poll_shutdown_priv(cx)
            }
        }
    };
}

write_half!(WriteHalf<'_>, half => half.0);
write_half!(OwnedWriteHalf, half => half.inner);

/// A half's methods, as the whole stream's. For example:
///
/// ```
/// use zokio::io::AsyncWriteExt;
/// use zokio::net::UnixStream;
///
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (a, b) = UnixStream::pair()?;
/// let (read, mut write) = a.into_split();
/// assert!(read.peer_addr()?.is_unnamed());
/// write.write_all(b"hi").await?;
/// b.readable().await?;
/// let mut buf = [0u8; 2];
/// assert_eq!(b.try_read(&mut buf)?, 2);
/// write.writable().await?;
/// assert_eq!(write.try_write(b"yo")?, 2);
/// # drop(read);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
impl OwnedReadHalf {
    read_half_methods!(UnixStream, SocketAddr);
}

impl ReadHalf<'_> {
    read_half_methods!(UnixStream, SocketAddr);
}

impl OwnedWriteHalf {
    write_half_methods!(UnixStream, SocketAddr);
}

impl WriteHalf<'_> {
    write_half_methods!(UnixStream, SocketAddr);
}
