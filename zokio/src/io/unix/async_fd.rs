//! [`AsyncFd`]: waiting for readiness of a descriptor that something else
//! owns and reads or writes itself.
//!
//! The descriptor is registered as a datagram socket is (see
//! `driver::source`): on io_uring each wait is a one-shot `POLL_ADD`, on
//! the fallback an edge-triggered epoll registration. The runtime never
//! reads, writes or closes it. A wait returns a guard holding what the
//! driver saw; the caller makes its own non-blocking call and, when that
//! finds nothing to do (`WouldBlock`), clears the guard's readiness so the
//! next wait is for a new event.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

use super::guard::{AsyncFdReadyGuard, AsyncFdReadyMutGuard};
use crate::driver::readiness::ReadyEvent;
use crate::driver::source::IoSource;
use crate::io::Interest;

/// A descriptor registered with the runtime for readiness, as Tokio's
/// `AsyncFd`.
///
/// `inner` owns the descriptor, which must be in non-blocking mode (the
/// caller's calls must fail with `WouldBlock` rather than wait). Dropping
/// the `AsyncFd` drops `inner` after the registration; [`into_inner`]
/// takes it back registered nowhere.
///
/// Regular files and directories are refused (`PermissionDenied`, as
/// epoll refuses them): they are always "ready", and a read of them
/// blocks on the disk.
///
/// ```
/// use std::io::Read;
/// use std::os::unix::net::UnixStream;
/// use zokio::io::unix::AsyncFd;
///
/// # zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let (a, b) = UnixStream::pair()?;
/// a.set_nonblocking(true)?;
/// let a = AsyncFd::new(a)?;
/// std::io::Write::write_all(&mut &b, b"ping")?;
/// let mut buf = [0u8; 4];
/// let n = loop {
///     let mut guard = a.readable().await?;
///     match guard.try_io(|a| (&mut a.get_ref()).read(&mut buf)) {
///         Ok(result) => break result?,
///         Err(_would_block) => continue,
///     }
/// };
/// assert_eq!(&buf[..n], b"ping");
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
///
/// [`into_inner`]: AsyncFd::into_inner
pub struct AsyncFd<T: AsRawFd> {
    /// `None` only once `into_inner` or `drop` took it; dropped before
    /// `inner`, which may close the descriptor.
    io: Option<IoSource>,
    inner: Option<T>,
    interest: Interest,
}

/// The error of [`AsyncFd::try_new`]: why the registration failed, and the
/// value it was for.
pub struct AsyncFdTryNewError<T> {
    inner: T,
    cause: io::Error,
}

impl<T> AsyncFdTryNewError<T> {
    /// The value given to `try_new`, and the error.
    pub fn into_parts(self) -> (T, io::Error) {
        (self.inner, self.cause)
    }
}

impl<T> fmt::Display for AsyncFdTryNewError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.cause, f)
    }
}

impl<T> fmt::Debug for AsyncFdTryNewError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.cause, f)
    }
}

impl<T> std::error::Error for AsyncFdTryNewError<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}

impl<T> From<AsyncFdTryNewError<T>> for io::Error {
    fn from(err: AsyncFdTryNewError<T>) -> io::Error {
        err.cause
    }
}

/// Refuses what epoll refuses, on both backends, so that a program does
/// not depend on which one runs: `POLL_ADD` would report a regular file
/// ready for ever.
fn check_pollable(fd: RawFd) -> io::Result<()> {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `stat` is valid for writes of a `struct stat`.
    if unsafe { libc::fstat(fd, stat.as_mut_ptr()) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fstat` succeeded, so it filled `stat`.
    let kind = unsafe { stat.assume_init() }.st_mode & libc::S_IFMT;
    if kind == libc::S_IFREG || kind == libc::S_IFDIR {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "AsyncFd: a regular file or directory has no readiness to wait for",
        ));
    }
    Ok(())
}

impl<T: AsRawFd> AsyncFd<T> {
    /// Registers `inner`'s descriptor for reads and writes with the
    /// current runtime. Fails outside a runtime with I/O enabled, and for
    /// regular files and directories.
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        AsyncFd::with_interest(inner, Interest::READABLE | Interest::WRITABLE)
    }

    /// As [`new`](AsyncFd::new), for `interest` only: waits for the other
    /// direction never end.
    pub fn with_interest(inner: T, interest: Interest) -> io::Result<AsyncFd<T>> {
        AsyncFd::try_with_interest(inner, interest).map_err(io::Error::from)
    }

    /// As [`new`](AsyncFd::new), handing `inner` back on failure.
    pub fn try_new(inner: T) -> Result<AsyncFd<T>, AsyncFdTryNewError<T>> {
        AsyncFd::try_with_interest(inner, Interest::READABLE | Interest::WRITABLE)
    }

    /// As [`with_interest`](AsyncFd::with_interest), handing `inner` back
    /// on failure.
    pub fn try_with_interest(
        inner: T,
        interest: Interest,
    ) -> Result<AsyncFd<T>, AsyncFdTryNewError<T>> {
        let fd = inner.as_raw_fd();
        let registered = check_pollable(fd).and_then(|()| {
            // SAFETY: `inner` owns `fd` and is dropped (or handed back)
            // only after the `IoSource`: see `io`'s field order, `Drop`
            // and `into_inner`.
            unsafe { IoSource::borrowed(fd) }
        });
        match registered {
            Ok(io) => Ok(AsyncFd {
                io: Some(io),
                inner: Some(inner),
                interest,
            }),
            Err(cause) => Err(AsyncFdTryNewError { inner, cause }),
        }
    }

    /// The value holding the descriptor.
    pub fn get_ref(&self) -> &T {
        self.inner.as_ref().expect("present until into_inner")
    }

    /// The value holding the descriptor, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.as_mut().expect("present until into_inner")
    }

    /// Deregisters the descriptor and hands the value back; its
    /// descriptor stays open.
    pub fn into_inner(mut self) -> T {
        drop(self.io.take());
        self.inner.take().expect("present until into_inner")
    }

    pub(super) fn source(&self) -> &IoSource {
        self.io.as_ref().expect("present until into_inner")
    }

    /// Waits for `interest`, limited to what the descriptor was registered
    /// for; an error once the runtime's driver has shut down.
    fn poll_event(&self, cx: &mut Context<'_>, interest: Interest) -> Poll<io::Result<ReadyEvent>> {
        let wanted = Interest::from_parts(
            interest.is_readable() && self.interest.is_readable(),
            interest.is_writable() && self.interest.is_writable(),
        );
        let Some(wanted) = wanted else {
            return Poll::Pending;
        };
        self.source().poll_ready_event(cx, wanted)
    }

    /// Polls for read readiness; the guard says what was seen.
    pub fn poll_read_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        self.poll_event(cx, Interest::READABLE)
            .map_ok(|event| AsyncFdReadyGuard::new(self, event, Interest::READABLE))
    }

    /// As [`poll_read_ready`](AsyncFd::poll_read_ready), with a guard that
    /// gives mutable access.
    pub fn poll_read_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let event = std::task::ready!(self.poll_event(cx, Interest::READABLE))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard::new(
            self,
            event,
            Interest::READABLE,
        )))
    }

    /// Polls for write readiness; the guard says what was seen.
    pub fn poll_write_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        self.poll_event(cx, Interest::WRITABLE)
            .map_ok(|event| AsyncFdReadyGuard::new(self, event, Interest::WRITABLE))
    }

    /// As [`poll_write_ready`](AsyncFd::poll_write_ready), with a guard
    /// that gives mutable access.
    pub fn poll_write_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let event = std::task::ready!(self.poll_event(cx, Interest::WRITABLE))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard::new(
            self,
            event,
            Interest::WRITABLE,
        )))
    }

    /// Waits until the descriptor is ready for any direction of
    /// `interest`. Cancel safe.
    pub async fn ready(&self, interest: Interest) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        let event = poll_fn(|cx| self.poll_event(cx, interest)).await?;
        Ok(AsyncFdReadyGuard::new(self, event, interest))
    }

    /// As [`ready`](AsyncFd::ready), with a guard that gives mutable
    /// access.
    pub async fn ready_mut(
        &mut self,
        interest: Interest,
    ) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        let event = poll_fn(|cx| self.poll_event(cx, interest)).await?;
        Ok(AsyncFdReadyMutGuard::new(self, event, interest))
    }

    /// Waits until a read may not block. Cancel safe.
    pub async fn readable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::READABLE).await
    }

    /// As [`readable`](AsyncFd::readable), with mutable access.
    pub async fn readable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::READABLE).await
    }

    /// Waits until a write may not block. Cancel safe.
    pub async fn writable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::WRITABLE).await
    }

    /// As [`writable`](AsyncFd::writable), with mutable access.
    pub async fn writable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::WRITABLE).await
    }

    /// Waits for `interest` and runs `f`, again after each `WouldBlock`
    /// (whose readiness it clears first).
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let mut guard = self.ready(interest).await?;
            if let Ok(result) = guard.try_io(|fd| f(fd.get_ref())) {
                return result;
            }
        }
    }

    /// As [`async_io`](AsyncFd::async_io), with mutable access.
    pub async fn async_io_mut<R>(
        &mut self,
        interest: Interest,
        mut f: impl FnMut(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let mut guard = self.ready_mut(interest).await?;
            if let Ok(result) = guard.try_io(|fd| f(fd.get_mut())) {
                return result;
            }
        }
    }

    /// Runs `f` if the descriptor is ready for `interest` now, else fails
    /// with `WouldBlock`; a `WouldBlock` from `f` clears the readiness it
    /// was tried on.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.source()
            .try_io_interest(interest, || f(self.get_ref()))
    }
}

impl<T: AsRawFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.get_ref().as_raw_fd()
    }
}

impl<T: AsRawFd + AsFd> AsFd for AsyncFd<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd")
            .field("inner", &self.inner)
            .finish()
    }
}

impl<T: AsRawFd> Drop for AsyncFd<T> {
    fn drop(&mut self) {
        // The registration goes first: `inner` may close the descriptor.
        drop(self.io.take());
    }
}
