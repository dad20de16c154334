//! [`duplex`] and [`simplex`]: in-memory pipes with a bounded buffer.
//!
//! A [`SimplexStream`] is one direction: a byte queue with room for
//! `max_buf_size` bytes, the waker of a reader waiting for data and the
//! waker of a writer waiting for room. A [`DuplexStream`] is one end of two
//! of them, shared with the other end: it reads from one and writes to the
//! other. The queues sit behind a mutex; every critical section is a copy
//! into or out of the queue, and wakers are woken after the lock is
//! released.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

use crate::io::{split, AsyncRead, AsyncWrite, ReadBuf, ReadHalf, WriteHalf};
use crate::loom::{lock, Arc, Mutex};
use crate::runtime::coop;

/// One end of a bidirectional in-memory pipe; made in pairs by [`duplex`].
///
/// What one end writes, the other reads, in order. Each direction buffers
/// up to `max_buf_size` bytes; a writer that finds the buffer full waits
/// until the reader makes room.
///
/// Shutting an end down ([`shutdown`](crate::io::AsyncWriteExt::shutdown))
/// closes its direction: the other end reads what is buffered, then end of
/// file. Dropping an end closes both directions: the other end reads what is
/// buffered, then end of file, and its writes fail with `BrokenPipe`.
///
/// ```
/// use zokio::io::{duplex, AsyncReadExt, AsyncWriteExt};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let (mut client, mut server) = duplex(64);
///     let echo = zokio::spawn(async move {
///         let mut buf = [0; 5];
///         server.read_exact(&mut buf).await?;
///         server.write_all(&buf).await
///     });
///     client.write_all(b"hello").await?;
///     let mut reply = [0; 5];
///     client.read_exact(&mut reply).await?;
///     assert_eq!(&reply, b"hello");
///     echo.await.unwrap()
/// }
/// ```
#[derive(Debug)]
pub struct DuplexStream {
    read: Arc<Mutex<SimplexStream>>,
    write: Arc<Mutex<SimplexStream>>,
}

/// Two connected [`DuplexStream`]s, each buffering up to `max_buf_size`
/// bytes in the direction it writes to. With a `max_buf_size` of 0 no byte
/// ever gets through.
///
/// ```
/// use zokio::io::{duplex, AsyncReadExt, AsyncWriteExt};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let (mut a, mut b) = duplex(1024);
///     a.write_all(b"to b").await?;
///     b.write_all(b"to a").await?;
///     let mut buf = [0; 4];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"to b");
///     a.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"to a");
///     Ok(())
/// }
/// ```
pub fn duplex(max_buf_size: usize) -> (DuplexStream, DuplexStream) {
    let one = Arc::new(Mutex::new(SimplexStream::new_unsplit(max_buf_size)));
    let two = Arc::new(Mutex::new(SimplexStream::new_unsplit(max_buf_size)));
    (
        DuplexStream {
            read: one.clone(),
            write: two.clone(),
        },
        DuplexStream {
            read: two,
            write: one,
        },
    )
}

impl AsyncRead for DuplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let budget = ready!(coop::poll_proceed(cx));
        let (poll, wake) = lock(&self.read).read_into(cx, buf);
        finish(poll, wake, budget)
    }
}

impl AsyncWrite for DuplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let budget = ready!(coop::poll_proceed(cx));
        let (poll, wake) = lock(&self.write).write_from(cx, bufs);
        finish(poll, wake, budget)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let wake = lock(&self.write).close_write();
        wake_opt(wake);
        Poll::Ready(Ok(()))
    }
}

impl Drop for DuplexStream {
    fn drop(&mut self) {
        let wake = lock(&self.write).close_write();
        wake_opt(wake);
        let wake = lock(&self.read).close_read();
        wake_opt(wake);
    }
}

/// A unidirectional in-memory pipe with a buffer of at most `max_buf_size`
/// bytes: what is written to it is read from it, in order.
///
/// Used whole, it is a bounded byte queue; [`simplex`] splits one into a
/// reading and a writing half. After
/// [`shutdown`](crate::io::AsyncWriteExt::shutdown) reads return what is
/// buffered, then end of file, and writes fail with `BrokenPipe`.
///
/// ```
/// use zokio::io::{AsyncReadExt, AsyncWriteExt, SimplexStream};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let mut pipe = SimplexStream::new_unsplit(16);
///     pipe.write_all(b"queued").await?;
///     pipe.shutdown().await?;
///     let mut all = String::new();
///     pipe.read_to_string(&mut all).await?;
///     assert_eq!(all, "queued");
///     Ok(())
/// }
/// ```
#[derive(Debug)]
pub struct SimplexStream {
    /// # Invariant
    /// `buffer.len() <= max_buf_size`.
    buffer: VecDeque<u8>,
    max_buf_size: usize,
    /// Set for good when the writing side is shut down or dropped (the
    /// reader drains the buffer, then reads end of file) or the reading side
    /// is dropped (writes fail with `BrokenPipe`).
    is_closed: bool,
    /// The reader waiting for data, woken by a write or a close.
    read_waker: Option<Waker>,
    /// The writer waiting for room, woken by a read or a close.
    write_waker: Option<Waker>,
}

/// A pipe whose halves are the two ends of a [`SimplexStream`] of
/// `max_buf_size` bytes.
///
/// The reading half reads end of file only once the writing half is shut
/// down: dropping the writing half does not close the pipe (the halves share
/// one stream).
///
/// ```
/// use zokio::io::{simplex, AsyncReadExt, AsyncWriteExt};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let (mut rx, mut tx) = simplex(8);
///     let writer = zokio::spawn(async move {
///         tx.write_all(b"more than eight bytes").await?;
///         tx.shutdown().await
///     });
///     let mut all = String::new();
///     rx.read_to_string(&mut all).await?;
///     assert_eq!(all, "more than eight bytes");
///     writer.await.unwrap()
/// }
/// ```
pub fn simplex(max_buf_size: usize) -> (ReadHalf<SimplexStream>, WriteHalf<SimplexStream>) {
    split(SimplexStream::new_unsplit(max_buf_size))
}

impl SimplexStream {
    /// A pipe that buffers up to `max_buf_size` bytes, used whole.
    ///
    /// ```
    /// use zokio::io::SimplexStream;
    ///
    /// let _pipe = SimplexStream::new_unsplit(1024);
    /// ```
    pub fn new_unsplit(max_buf_size: usize) -> SimplexStream {
        SimplexStream {
            buffer: VecDeque::new(),
            max_buf_size,
            is_closed: false,
            read_waker: None,
            write_waker: None,
        }
    }

    /// Moves buffered bytes into `buf`. Returns the poll result and the
    /// waiting writer to wake (after the caller releases any lock).
    fn read_into(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> (Poll<io::Result<()>>, Option<Waker>) {
        if buf.remaining() == 0 {
            return (Poll::Ready(Ok(())), None);
        }
        if self.buffer.is_empty() {
            if self.is_closed {
                return (Poll::Ready(Ok(())), None);
            }
            register(&mut self.read_waker, cx);
            return (Poll::Pending, None);
        }
        let (front, back) = self.buffer.as_slices();
        let from_front = front.len().min(buf.remaining());
        buf.put_slice(&front[..from_front]);
        let from_back = back.len().min(buf.remaining());
        buf.put_slice(&back[..from_back]);
        self.buffer.drain(..from_front + from_back);
        (Poll::Ready(Ok(())), self.write_waker.take())
    }

    /// Appends as much of `bufs` as there is room for. Returns the poll
    /// result and the waiting reader to wake (after the caller releases any
    /// lock).
    fn write_from(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> (Poll<io::Result<usize>>, Option<Waker>) {
        if self.is_closed {
            return (Poll::Ready(Err(io::ErrorKind::BrokenPipe.into())), None);
        }
        if bufs.iter().all(|b| b.is_empty()) {
            return (Poll::Ready(Ok(0)), None);
        }
        let room = self.max_buf_size - self.buffer.len();
        if room == 0 {
            register(&mut self.write_waker, cx);
            return (Poll::Pending, None);
        }
        let mut left = room;
        for b in bufs {
            let n = b.len().min(left);
            self.buffer.extend(&b[..n]);
            left -= n;
            if left == 0 {
                break;
            }
        }
        (Poll::Ready(Ok(room - left)), self.read_waker.take())
    }

    /// The writing side is done; returns the reader to wake.
    fn close_write(&mut self) -> Option<Waker> {
        self.is_closed = true;
        self.read_waker.take()
    }

    /// The reading side is gone; returns the writer to wake.
    fn close_read(&mut self) -> Option<Waker> {
        self.is_closed = true;
        self.write_waker.take()
    }
}

impl AsyncRead for SimplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let budget = ready!(coop::poll_proceed(cx));
        let (poll, wake) = self.get_mut().read_into(cx, buf);
        finish(poll, wake, budget)
    }
}

impl AsyncWrite for SimplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let budget = ready!(coop::poll_proceed(cx));
        let (poll, wake) = self.get_mut().write_from(cx, bufs);
        finish(poll, wake, budget)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        wake_opt(self.get_mut().close_write());
        Poll::Ready(Ok(()))
    }
}

/// Stores the task's waker in `slot` unless it is already there.
fn register(slot: &mut Option<Waker>, cx: &Context<'_>) {
    match slot {
        Some(waker) if waker.will_wake(cx.waker()) => {}
        _ => *slot = Some(cx.waker().clone()),
    }
}

fn wake_opt(waker: Option<Waker>) {
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// Wakes the peer (the lock is released by now) and keeps the budget unit
/// spent if the operation made progress.
fn finish<T>(poll: Poll<T>, wake: Option<Waker>, budget: coop::RestoreOnPending) -> Poll<T> {
    wake_opt(wake);
    if poll.is_ready() {
        budget.made_progress();
    }
    poll
}
