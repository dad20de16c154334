//! `Handle`: a cloneable reference to a runtime.

use std::fmt;
use std::future::Future;

use crate::runtime::{context, scheduler, RuntimeFlavor, RuntimeMetrics};
use crate::task::{self, JoinHandle};

/// A cloneable reference to a runtime, usable from any thread to spawn
/// tasks or block on futures.
///
/// ```
/// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
/// let handle = rt.handle().clone();
/// let join = std::thread::spawn(move || handle.spawn(async { 5 })).join().unwrap();
/// assert_eq!(rt.block_on(join).unwrap(), 5);
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: scheduler::Handle,
}

/// Restores the previously entered runtime when dropped; see
/// [`Handle::enter`].
#[must_use = "dropping the guard leaves the runtime context at once"]
pub struct EnterGuard<'a> {
    _guard: context::SetCurrentGuard,
    _handle: std::marker::PhantomData<&'a Handle>,
}

impl Handle {
    /// The handle of the runtime this thread is in.
    ///
    /// # Panics
    ///
    /// Outside a runtime: use [`try_current`](Handle::try_current) to find out
    /// without panicking.
    #[track_caller]
    pub fn current() -> Handle {
        Handle {
            inner: scheduler::Handle::current(),
        }
    }

    /// The handle of the runtime this thread is in, or why there is none.
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::with_current(|inner| Handle {
            inner: inner.clone(),
        })
    }

    /// Makes this runtime the current one of this thread until the guard
    /// drops, so that `zokio::spawn` and timers work outside `block_on`.
    pub fn enter(&self) -> EnterGuard<'_> {
        EnterGuard {
            _guard: context::set_current(&self.inner),
            _handle: std::marker::PhantomData,
        }
    }

    /// Spawns a task on this runtime, from any thread.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.spawn(future, task::Id::next())
    }

    /// Runs a blocking closure on this runtime's blocking pool, from any
    /// thread; see [`task::spawn_blocking`](crate::task::spawn_blocking).
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let handle = rt.handle().clone();
    /// let job = std::thread::spawn(move || handle.spawn_blocking(|| 6 * 7))
    ///     .join()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(job).unwrap(), 42);
    /// ```
    ///
    /// # Panics
    ///
    /// If the pool has no thread and the OS refuses to start one.
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner
            .blocking_spawner()
            .spawn_blocking(&self.inner, func)
    }

    /// Runs `future` to completion on this thread. On a current-thread
    /// runtime this also drives the runtime's tasks and timers, unless
    /// another thread is already driving them (then it waits for the future
    /// alone). Tokio's `Handle::block_on` never drives a current-thread
    /// runtime's tasks; Zokio's does when it can.
    ///
    /// # Panics
    ///
    /// If called from within a runtime (it would block its thread).
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.inner.block_on(future)
    }

    /// The runtime's identifier: the same through every handle of the
    /// runtime, different from that of every other runtime alive.
    ///
    /// ```
    /// let a = zokio::runtime::Runtime::new().unwrap();
    /// let b = zokio::runtime::Runtime::new().unwrap();
    /// assert_eq!(a.handle().id(), a.handle().clone().id());
    /// assert_ne!(a.handle().id(), b.handle().id());
    /// ```
    pub fn id(&self) -> Id {
        Id(self.inner.address())
    }

    /// The flavour of the runtime.
    pub fn runtime_flavor(&self) -> RuntimeFlavor {
        match self.inner {
            scheduler::Handle::CurrentThread(_) => RuntimeFlavor::CurrentThread,
            scheduler::Handle::MultiThread(_) => RuntimeFlavor::MultiThread,
            scheduler::Handle::PerCore(_) => RuntimeFlavor::ThreadPerCore,
        }
    }

    /// Which I/O driver this runtime's sockets use, or `None` if it was
    /// built without I/O.
    ///
    /// ```
    /// use zokio::runtime::{Builder, IoBackend};
    ///
    /// let rt = Builder::new_current_thread()
    ///     .enable_io()
    ///     .io_backend(IoBackend::Poll)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(rt.handle().io_backend(), Some(IoBackend::Poll));
    /// ```
    pub fn io_backend(&self) -> Option<crate::runtime::IoBackend> {
        self.inner.driver().io_backend()
    }

    /// A view of the runtime's counters.
    pub fn metrics(&self) -> RuntimeMetrics {
        RuntimeMetrics::new(self.inner.clone())
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("flavor", &self.runtime_flavor())
            .finish()
    }
}

impl fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish()
    }
}

/// Why [`Handle::try_current`] found no runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TryCurrentError {
    kind: TryCurrentErrorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TryCurrentErrorKind {
    NoContext,
    ThreadLocalDestroyed,
}

impl TryCurrentError {
    pub(crate) fn missing_context() -> TryCurrentError {
        TryCurrentError {
            kind: TryCurrentErrorKind::NoContext,
        }
    }

    pub(crate) fn thread_local_destroyed() -> TryCurrentError {
        TryCurrentError {
            kind: TryCurrentErrorKind::ThreadLocalDestroyed,
        }
    }

    /// True if the thread is in no runtime.
    pub fn is_missing_context(&self) -> bool {
        self.kind == TryCurrentErrorKind::NoContext
    }

    /// True if the thread's runtime context was already destroyed (the
    /// thread is exiting).
    pub fn is_thread_local_destroyed(&self) -> bool {
        self.kind == TryCurrentErrorKind::ThreadLocalDestroyed
    }

    pub(crate) fn spawn_message(&self) -> String {
        format!("`zokio::spawn` failed: {self}")
    }
}

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            TryCurrentErrorKind::NoContext => f.write_str(
                "there is no reactor running, must be called from the context of a Zokio runtime",
            ),
            TryCurrentErrorKind::ThreadLocalDestroyed => f.write_str(
                "the Zokio context thread-local variable has been destroyed (the thread is exiting)",
            ),
        }
    }
}

impl std::error::Error for TryCurrentError {}

/// A runtime's identifier (see [`Handle::id`]); unique among the runtimes
/// alive at the same time, and possibly reused after one is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Id(std::num::NonZeroUsize);

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:x}", self.0)
    }
}
