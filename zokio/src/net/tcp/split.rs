//! The halves of a [`TcpStream`]: borrowed ([`split`](TcpStream::split))
//! or owned ([`into_split`](TcpStream::into_split)).
//!
//! Reads and writes of a stream use separate state in the driver, so the
//! halves need no lock between them.

use std::fmt;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::TcpStream;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The read half of a borrowed split.
#[derive(Debug)]
pub struct ReadHalf<'a>(&'a TcpStream);

/// The write half of a borrowed split.
#[derive(Debug)]
pub struct WriteHalf<'a>(&'a TcpStream);

/// The read half of an owned split.
#[derive(Debug)]
pub struct OwnedReadHalf {
    inner: Arc<TcpStream>,
}

/// The write half of an owned split; dropping it shuts the write side down
/// (once queued writes are sent).
#[derive(Debug)]
pub struct OwnedWriteHalf {
    inner: Arc<TcpStream>,
    shutdown_on_drop: bool,
}

/// The two halves given to [`OwnedReadHalf::reunite`] were not of one
/// stream; they are handed back.
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same socket")
    }
}

impl std::error::Error for ReuniteError {}

pub(super) fn split(stream: &mut TcpStream) -> (ReadHalf<'_>, WriteHalf<'_>) {
    (ReadHalf(stream), WriteHalf(stream))
}

pub(super) fn into_split(stream: TcpStream) -> (OwnedReadHalf, OwnedWriteHalf) {
    let inner = Arc::new(stream);
    (
        OwnedReadHalf {
            inner: inner.clone(),
        },
        OwnedWriteHalf {
            inner,
            shutdown_on_drop: true,
        },
    )
}

impl OwnedReadHalf {
    /// Puts the stream back together.
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        if !Arc::ptr_eq(&self.inner, &other.inner) {
            return Err(ReuniteError(self, other));
        }
        let mut other = other;
        other.shutdown_on_drop = false;
        let inner = other.inner.clone();
        drop(other);
        drop(self);
        Ok(Arc::try_unwrap(inner).expect("both halves were given back"))
    }
}

impl OwnedWriteHalf {
    /// Puts the stream back together.
    pub fn reunite(self, other: OwnedReadHalf) -> Result<TcpStream, ReuniteError> {
        other.reunite(self)
    }

    /// Drops the half without shutting the write side down.
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

impl AsRef<TcpStream> for OwnedReadHalf {
    fn as_ref(&self) -> &TcpStream {
        &self.inner
    }
}

impl AsRef<TcpStream> for OwnedWriteHalf {
    fn as_ref(&self) -> &TcpStream {
        &self.inner
    }
}

impl AsRef<TcpStream> for ReadHalf<'_> {
    fn as_ref(&self) -> &TcpStream {
        self.0
    }
}

impl AsRef<TcpStream> for WriteHalf<'_> {
    fn as_ref(&self) -> &TcpStream {
        self.0
    }
}

macro_rules! read_impl {
    ($t:ty, $s:ident => $e:expr) => {
        impl AsyncRead for $t {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                let $s = &*self;
                $e.poll_read_priv(cx, buf)
            }
        }
    };
}

macro_rules! write_impl {
    ($t:ty, $s:ident => $e:expr) => {
        impl AsyncWrite for $t {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                let $s = &*self;
                $e.poll_write_priv(cx, &[IoSlice::new(buf)])
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                let $s = &*self;
                $e.poll_write_priv(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let $s = &*self;
                $e.poll_flush_priv(cx)
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let $s = &*self;
                $e.poll_shutdown_priv(cx)
            }
        }
    };
}

read_impl!(ReadHalf<'_>, s => s.0);
write_impl!(WriteHalf<'_>, s => s.0);
read_impl!(OwnedReadHalf, s => s.inner);
write_impl!(OwnedWriteHalf, s => s.inner);

/// Peeking, which only a TCP stream's read halves have.
macro_rules! peek_methods {
    () => {
        /// Reads without taking the bytes off the socket, as
        /// [`TcpStream::peek`].
        ///
        /// # Cancel safety
        ///
        /// Cancel safe, as the stream's.
        pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
            AsRef::<TcpStream>::as_ref(self).peek(buf).await
        }

        /// As [`TcpStream::poll_peek`].
        pub fn poll_peek(
            &self,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<usize>> {
            AsRef::<TcpStream>::as_ref(self).poll_peek(cx, buf)
        }
    };
}

/// A half's methods, as the whole stream's. For example:
///
/// ```
/// use zokio::io::{AsyncReadExt, AsyncWriteExt};
/// use zokio::net::{TcpListener, TcpStream};
///
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let mut client = TcpStream::connect(listener.local_addr()?).await?;
/// let (server, _) = listener.accept().await?;
/// let (read, mut write) = server.into_split();
/// assert_eq!(read.peer_addr()?, client.local_addr()?);
/// write.write_all(b"hi").await?;
/// let mut buf = [0u8; 2];
/// client.read_exact(&mut buf).await?;
/// client.write_all(b"yo").await?;
/// let mut peeked = [0u8; 2];
/// assert_eq!(read.peek(&mut peeked).await?, 2);
/// read.readable().await?;
/// assert_eq!(read.try_read(&mut buf)?, 2);
/// assert_eq!(&buf, b"yo");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
impl OwnedReadHalf {
    read_half_methods!(TcpStream, std::net::SocketAddr);
    peek_methods!();
}

impl ReadHalf<'_> {
    read_half_methods!(TcpStream, std::net::SocketAddr);
    peek_methods!();
}

impl OwnedWriteHalf {
    write_half_methods!(TcpStream, std::net::SocketAddr);
}

impl WriteHalf<'_> {
    write_half_methods!(TcpStream, std::net::SocketAddr);
}
