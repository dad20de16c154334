//! Tasks: spawning, joining, aborting, and the task core underneath.
//!
//! # The task core
//!
//! A task is one heap allocation (`cell::Cell`): a 64-byte header (state
//! word, vtable, id, owned-list links, join waker), the scheduler handle, then
//! the future, replaced in place by its output. Handles to it —
//! `Task` (the owned-list entry), `Notified` (a run-queue entry),
//! [`JoinHandle`], [`AbortHandle`] and wakers — each own one reference
//! counted in the state word.
//!
//! ## The unsafe protocol
//!
//! Every `SAFETY:` comment in this module cites one of these rules.
//!
//! 1. **References.** The cell is freed exactly once, by whoever drops the
//!    last reference; each handle listed above owns exactly one, and a
//!    `RawTask` alone owns none. While a thread holds a reference, the header
//!    is alive.
//! 2. **The stage** (future or output) is accessed only by the holder of the
//!    `RUNNING` bit. Once `COMPLETE` is set it belongs to the `JoinHandle` if
//!    `JOIN_INTEREST` was set at that moment, otherwise to the completing
//!    thread, which drops it at once.
//! 3. **The join waker slot** belongs to the `JoinHandle` while `JOIN_WAKER`
//!    is unset, and to the runtime while it is set. The handle writes it only
//!    when it owns it and publishes it by setting `JOIN_WAKER` (which fails
//!    once `COMPLETE` is set). While published and not complete, both sides
//!    may only read it. After completion the runtime wakes it and unsets
//!    `JOIN_WAKER`, clearing the slot itself if the handle is gone.
//! 4. **Owned-list links and the owner field** are touched only by the thread
//!    that holds the scheduler core owning that list, or the lock of that
//!    list where a scheduler shares it between threads.
//! 5. **The scheduler handle** in the cell is never written after creation and
//!    is `Sync`, so any thread holding a reference may use it. Queuing a
//!    `Notified` gives its reference away (another thread may run and free
//!    the task before the call returns), so whoever calls the scheduler holds
//!    a second reference until it returns.
//! 6. **Layout.** `Header` is the first field of the `repr(C)` cell, so a
//!    header pointer is a cell pointer; the vtable functions, monomorphised
//!    per cell type, are the only code that casts it back.

mod block_in_place;
pub(crate) mod cell;
mod consume_budget;
mod error;
#[cfg(all(test, not(loom)))]
mod handoff_tests;
pub(crate) mod harness;
mod id;
mod join;
mod join_set;
pub(crate) mod list;
mod local;
#[cfg(all(test, loom))]
mod loom_tests;
pub(crate) mod raw;
pub(crate) mod state;
mod task_local;
mod task_tracker;
mod unconstrained;
pub(crate) mod waker;
mod yield_now;

pub use block_in_place::block_in_place;
pub use consume_budget::consume_budget;
pub use error::JoinError;
pub use id::{id, try_id, Id};
pub use join::{AbortHandle, JoinHandle};
pub use join_set::JoinSet;
pub use local::{spawn_local, LocalSet};
pub use task_local::{AccessError, LocalKey};
pub use task_tracker::{TaskTracker, TaskTrackerToken, TaskTrackerWaitFuture, TrackedFuture};
pub use unconstrained::{unconstrained, Unconstrained};
pub use yield_now::yield_now;

/// Futures returned by this module's types, at the paths Tokio gives them.
pub mod futures {
    pub use super::task_local::TaskLocalFuture;
}

use std::future::Future;
use std::mem;

use crate::runtime::scheduler;
use raw::RawTask;

/// How a task reaches its scheduler. Implemented by each scheduler's shared
/// handle; `Sync` because wakers run on any thread (rule 5).
pub(crate) trait Schedule: Sync + Sized + 'static {
    /// Removes the task from the owned list, returning the list's reference,
    /// or `None` if it is in no list of this scheduler.
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>>;

    /// Queues a task that was woken.
    fn schedule(&self, task: Notified<Self>);

    /// Queues a task that woke itself during its poll (a yield): behind the
    /// others, so that it cannot starve them.
    fn yield_now(&self, task: Notified<Self>) {
        self.schedule(task);
    }

    /// A task panicked (or a destructor did); the scheduler applies its
    /// unhandled-panic policy.
    fn unhandled_panic(&self) {}
}

/// The owned-list entry of a task: one reference.
pub(crate) struct Task<S: 'static> {
    raw: RawTask,
    _scheduler: std::marker::PhantomData<S>,
}

/// A run-queue entry: one reference, and the right to poll the task once.
pub(crate) struct Notified<S: 'static>(Task<S>);

// SAFETY: a task handle may move to any thread; a task whose future is not
// `Send` is only ever polled by its `LocalSet`'s thread, which its scheduler
// guarantees.
unsafe impl<S: Schedule> Send for Task<S> {}
// SAFETY: as above.
unsafe impl<S: Schedule> Send for Notified<S> {}

impl<S: 'static> Task<S> {
    /// # Safety
    /// The caller gives the new `Task` one reference to a task whose
    /// scheduler type is `S`.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Task<S> {
        Task {
            raw,
            _scheduler: std::marker::PhantomData,
        }
    }

    pub(crate) fn raw(&self) -> RawTask {
        self.raw
    }

    /// Gives up the handle without dropping its reference.
    pub(crate) fn into_raw(self) -> RawTask {
        let raw = self.raw;
        mem::forget(self);
        raw
    }

    /// Cancels the task now if it is idle (its future is dropped here), or
    /// marks it cancelled if it is running; consumes the reference.
    pub(crate) fn shutdown(self) {
        // SAFETY: this handle's reference is given up.
        unsafe { self.into_raw().shutdown() }
    }
}

impl<S: 'static> Drop for Task<S> {
    fn drop(&mut self) {
        // SAFETY: this handle's reference.
        unsafe { self.raw.drop_reference() }
    }
}

impl<S: 'static> Notified<S> {
    /// # Safety
    /// As [`Task::from_raw`]; the reference is a run-queue entry's.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Notified<S> {
        // SAFETY: the caller's contract.
        Notified(unsafe { Task::from_raw(raw) })
    }

    /// The task's id.
    pub(crate) fn id(&self) -> Id {
        self.0.raw.id()
    }

    /// Polls the task (or cancels it if it was aborted). Must be called on a
    /// thread allowed to poll it (the scheduler's).
    pub(crate) fn run(self) {
        let raw = self.0.into_raw();
        // SAFETY: the `Notified` reference is given up to the poll.
        unsafe { raw.poll() }
    }
}

/// Allocates a task: its owned-list entry, first run-queue entry and join
/// handle (three references).
pub(crate) fn new_task<F, S>(
    future: F,
    scheduler: S,
    id: Id,
) -> (Task<S>, Notified<S>, JoinHandle<F::Output>)
where
    F: Future + 'static,
    S: Schedule,
{
    let raw = RawTask::new(future, scheduler, id);
    // SAFETY: `RawTask::new` made three references; each handle takes one,
    // and the output type of the task is `F::Output`.
    unsafe {
        (
            Task::from_raw(raw),
            Notified::from_raw(raw),
            JoinHandle::new(raw),
        )
    }
}

/// Runs a blocking closure on a thread of the current runtime's blocking
/// pool, so that it does not stall the threads that run tasks.
///
/// Use it for work that blocks or computes for long: blocking system calls,
/// libraries with a blocking API, heavy CPU work. The pool starts threads on
/// demand, up to [`max_blocking_threads`]; more jobs than that wait in a
/// queue. The closure runs inside the runtime's context, so
/// [`Handle::current`](crate::runtime::Handle::current) and
/// [`zokio::spawn`](crate::spawn) work in it.
///
/// The returned [`JoinHandle`] resolves to the closure's value, or to a
/// [`JoinError`] that [is a panic](JoinError::is_panic) if it panicked.
///
/// [`max_blocking_threads`]: crate::runtime::Builder::max_blocking_threads
///
/// ```
/// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let digest = zokio::task::spawn_blocking(|| {
///         // Stands for something slow.
///         (1..=1_000u64).sum::<u64>()
///     });
///     assert_eq!(digest.await.unwrap(), 500_500);
/// });
/// ```
///
/// # Cancellation
///
/// A blocking closure cannot be interrupted. [`JoinHandle::abort`] cancels
/// the job only if it has not started (it never will; the handle resolves
/// as cancelled); once started it runs to the end. Likewise at shutdown:
/// queued jobs are cancelled, running ones are waited for up to
/// [`Runtime::shutdown_timeout`](crate::runtime::Runtime::shutdown_timeout).
/// Awaiting the handle is cancel safe, as for every [`JoinHandle`].
///
/// # Panics
///
/// If called outside a Zokio runtime; and if the pool has no thread and
/// the OS refuses to start one (the message carries the OS error). In that
/// case the closure is dropped unrun. If the pool has a thread, a refusal
/// only leaves the job queued for it.
#[track_caller]
pub fn spawn_blocking<F, R>(func: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    // The handle is cloned out of the context (rather than used in
    // `with_current`) so that a panic points at the caller, and so that the
    // closure, dropped here if the runtime is shutting down, may use the
    // context from its destructor.
    let handle = match scheduler::Handle::with_current(scheduler::Handle::clone) {
        Ok(handle) => handle,
        Err(err) => panic!("`zokio::task::spawn_blocking` failed: {err}"),
    };
    handle.blocking_spawner().spawn_blocking(&handle, func)
}

/// Spawns a task on the current runtime.
///
/// The task starts running in the background right away; the returned
/// [`JoinHandle`] awaits its output. Dropping the handle detaches the task.
///
/// ```
/// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let handle = zokio::spawn(async { 1 + 2 });
///     assert_eq!(handle.await.unwrap(), 3);
/// });
/// ```
///
/// # Panics
///
/// If called outside a Zokio runtime.
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let id = Id::next();
    match scheduler::Handle::with_current(|handle| handle.spawn(future, id)) {
        Ok(handle) => handle,
        Err(err) => panic!("{}", err.spawn_message()),
    }
}
