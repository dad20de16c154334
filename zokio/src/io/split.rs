//! [`split`]: a stream's reading and writing halves, for two tasks.
//!
//! # Implementation
//!
//! Both halves share the stream behind a mutex in an `Arc`, and each poll
//! locks it for the length of one `poll_*` call. Such a call never blocks,
//! so a half that finds the lock taken waits at most for one poll of the
//! other half, running on another thread; that is cheaper than an
//! asynchronous lock, which would need a waker registration per poll.
//!
//! The stream is pinned in the `Arc`'s heap block: it does not move there,
//! and [`ReadHalf::unsplit`], the only way to take it out, requires
//! `T: Unpin`. The private `Shared` type holds that as its invariant, which
//! makes pinning the locked stream for a poll sound.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::loom::{lock, Arc, Mutex};

/// The reading half of a stream; made by [`split`].
///
/// ```
/// use zokio::io::{duplex, split, AsyncReadExt, AsyncWriteExt};
///
/// #[zokio::main]
/// async fn main() -> std::io::Result<()> {
///     let (stream, mut peer) = duplex(64);
///     let (mut rd, mut wr) = split(stream);
///     let writer = zokio::spawn(async move { wr.write_all(b"from a task").await });
///     let mut buf = [0; 11];
///     peer.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"from a task");
///     peer.write_all(b"back").await?;
///     rd.read_exact(&mut buf[..4]).await?;
///     assert_eq!(&buf[..4], b"back");
///     writer.await.unwrap()
/// }
/// ```
#[derive(Debug)]
pub struct ReadHalf<T> {
    stream: Shared<T>,
}

/// The writing half of a stream; made by [`split`].
///
/// ```
/// use zokio::io::{duplex, split, AsyncReadExt, AsyncWriteExt};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let (stream, mut peer) = duplex(64);
///     let (_rd, mut wr) = split(stream);
///     wr.write_all(b"hi").await?;
///     wr.shutdown().await?;
///     let mut all = Vec::new();
///     peer.read_to_end(&mut all).await?;
///     assert_eq!(all, b"hi");
///     Ok(())
/// }
/// ```
#[derive(Debug)]
pub struct WriteHalf<T> {
    stream: Shared<T>,
}

/// The stream that both halves of a split share.
///
/// # Invariant
///
/// The stream is pinned: it stays in the `Arc`'s heap block until the block
/// is freed, except when [`into_inner`](Shared::into_inner) takes it out,
/// which requires `T: Unpin`.
#[derive(Debug)]
struct Shared<T>(Arc<Mutex<T>>);

impl<T> Shared<T> {
    /// Runs `f` on the pinned stream, locked for the call.
    fn with_pinned<R>(&self, f: impl FnOnce(Pin<&mut T>) -> R) -> R {
        let mut guard = lock(&self.0);
        // SAFETY: the stream does not move until its block is freed or
        // `T: Unpin` (type invariant).
        f(unsafe { Pin::new_unchecked(&mut *guard) })
    }

    fn same_stream(&self, other: &Shared<T>) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The stream, if this is the last reference to it.
    fn into_inner(self) -> Option<T>
    where
        T: Unpin,
    {
        let stream = Arc::try_unwrap(self.0).ok()?;
        Some(
            stream
                .into_inner()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }
}

/// Splits a stream into a reading half and a writing half, which can be
/// moved to different tasks and used at the same time.
///
/// Each poll of a half locks the stream for that poll only.
/// [`ReadHalf::unsplit`] puts the halves back together.
///
/// ```
/// use zokio::io::{duplex, split};
///
/// let (stream, _peer) = duplex(64);
/// let (rd, wr) = split(stream);
/// assert!(rd.is_pair_of(&wr));
/// let _stream = rd.unsplit(wr);
/// ```
pub fn split<T>(stream: T) -> (ReadHalf<T>, WriteHalf<T>)
where
    T: AsyncRead + AsyncWrite,
{
    let stream = Arc::new(Mutex::new(stream));
    (
        ReadHalf {
            stream: Shared(stream.clone()),
        },
        WriteHalf {
            stream: Shared(stream),
        },
    )
}

impl<T> ReadHalf<T> {
    /// Whether `other` is the writing half of the same stream.
    ///
    /// ```
    /// use zokio::io::{duplex, split};
    ///
    /// let (a, b) = duplex(64);
    /// let (a_rd, a_wr) = split(a);
    /// let (_b_rd, b_wr) = split(b);
    /// assert!(a_rd.is_pair_of(&a_wr));
    /// assert!(!a_rd.is_pair_of(&b_wr));
    /// ```
    pub fn is_pair_of(&self, other: &WriteHalf<T>) -> bool {
        self.stream.same_stream(&other.stream)
    }

    /// Puts the two halves of a stream back together.
    ///
    /// # Panics
    ///
    /// If `wr` is not this half's pair.
    ///
    /// ```
    /// use zokio::io::{split, AsyncReadExt, AsyncWriteExt, SimplexStream};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let (rd, mut wr) = split(SimplexStream::new_unsplit(16));
    ///     wr.write_all(b"kept").await?;
    ///     let mut pipe = rd.unsplit(wr);
    ///     let mut buf = [0; 4];
    ///     pipe.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"kept");
    ///     Ok(())
    /// }
    /// ```
    #[track_caller]
    pub fn unsplit(self, wr: WriteHalf<T>) -> T
    where
        T: Unpin,
    {
        assert!(
            self.is_pair_of(&wr),
            "ReadHalf::unsplit: the halves are of different streams"
        );
        drop(wr);
        self.stream
            .into_inner()
            .expect("both halves were given back, so no other reference remains")
    }
}

impl<T> WriteHalf<T> {
    /// Whether `other` is the reading half of the same stream.
    ///
    /// ```
    /// use zokio::io::{duplex, split};
    ///
    /// let (a, _b) = duplex(64);
    /// let (rd, wr) = split(a);
    /// assert!(wr.is_pair_of(&rd));
    /// ```
    pub fn is_pair_of(&self, other: &ReadHalf<T>) -> bool {
        other.is_pair_of(self)
    }
}

impl<T: AsyncRead> AsyncRead for ReadHalf<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.stream.with_pinned(|stream| stream.poll_read(cx, buf))
    }
}

impl<T: AsyncWrite> AsyncWrite for WriteHalf<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.stream.with_pinned(|stream| stream.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.stream
            .with_pinned(|stream| stream.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        lock(&self.stream.0).is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.stream.with_pinned(|stream| stream.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.stream.with_pinned(|stream| stream.poll_shutdown(cx))
    }
}
