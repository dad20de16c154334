//! The per-thread runtime context: which runtime this thread is in, which
//! scheduler core it holds, which task it polls and how much budget is left.
//!
//! Everything lives in one `thread_local!` so that a hot path (spawn, wake,
//! budget check) pays for one TLS access.

use std::cell::{Cell, RefCell};
use std::ptr;

use crate::runtime::coop::Budget;
use crate::runtime::scheduler;
use crate::runtime::TryCurrentError;
use crate::task::Id;

struct Context {
    /// The runtime entered on this thread (`Runtime::enter`, `block_on`).
    handle: RefCell<Option<scheduler::Handle>>,
    /// The scheduler core this thread holds while it runs tasks; null when
    /// none. Set only by [`set_scheduler`], for the extent of a borrow.
    scheduler: Cell<*const scheduler::Context>,
    /// The task being polled on this thread.
    current_task: Cell<Option<Id>>,
    /// Whether this thread is driving a runtime (inside `block_on` or a
    /// worker loop); blocking on a runtime from here would deadlock.
    in_runtime: Cell<bool>,
    /// The cooperative budget of the current poll.
    budget: Cell<Budget>,
    /// Budget-forced yields on this thread (a metric).
    forced_yields: Cell<u64>,
}

thread_local! {
    static CONTEXT: Context = const {
        Context {
            handle: RefCell::new(None),
            scheduler: Cell::new(ptr::null()),
            current_task: Cell::new(None),
            in_runtime: Cell::new(false),
            budget: Cell::new(Budget::unconstrained()),
            forced_yields: Cell::new(0),
        }
    };
}

/// Runs `f` with the handle of the runtime this thread is in.
#[inline]
pub(crate) fn with_current<R>(
    f: impl FnOnce(&scheduler::Handle) -> R,
) -> Result<R, TryCurrentError> {
    match CONTEXT.try_with(|cx| cx.handle.borrow().as_ref().map(f)) {
        Ok(Some(ret)) => Ok(ret),
        Ok(None) => Err(TryCurrentError::missing_context()),
        Err(_) => Err(TryCurrentError::thread_local_destroyed()),
    }
}

/// Restores the previously entered runtime when dropped.
#[derive(Debug)]
pub(crate) struct SetCurrentGuard {
    prev: Option<scheduler::Handle>,
}

/// Makes `handle` the current runtime of this thread until the guard drops.
pub(crate) fn set_current(handle: &scheduler::Handle) -> SetCurrentGuard {
    let prev = CONTEXT.with(|cx| cx.handle.borrow_mut().replace(handle.clone()));
    SetCurrentGuard { prev }
}

impl Drop for SetCurrentGuard {
    fn drop(&mut self) {
        let prev = self.prev.take();
        // During thread teardown the context may be gone already.
        let _ = CONTEXT.try_with(|cx| *cx.handle.borrow_mut() = prev);
    }
}

/// Marks this thread as driving a runtime until dropped.
#[derive(Debug)]
pub(crate) struct EnterRuntimeGuard {
    _current: SetCurrentGuard,
}

/// Enters `handle` as the runtime this thread drives.
///
/// # Panics
///
/// If this thread already drives a runtime: blocking here would stop the
/// tasks of the outer runtime and could deadlock.
#[track_caller]
pub(crate) fn enter_runtime(handle: &scheduler::Handle) -> EnterRuntimeGuard {
    let nested = CONTEXT.with(|cx| cx.in_runtime.replace(true));
    if nested {
        panic!(
            "Cannot start a runtime from within a runtime. This happens because a function \
             (like `block_on`) attempted to block the current thread while the thread is being \
             used to drive asynchronous tasks."
        );
    }
    EnterRuntimeGuard {
        _current: set_current(handle),
    }
}

impl Drop for EnterRuntimeGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|cx| cx.in_runtime.set(false));
    }
}

/// Runs `f` with this thread marked as not driving a runtime, so that `f`
/// may block on one (`block_in_place`).
pub(crate) fn exit_runtime<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = CONTEXT.try_with(|cx| cx.in_runtime.set(self.0));
        }
    }
    let was = CONTEXT
        .try_with(|cx| cx.in_runtime.replace(false))
        .unwrap_or(false);
    let _reset = Reset(was);
    f()
}

/// Whether this thread is inside `block_on` or a worker loop.
pub(crate) fn is_in_runtime() -> bool {
    CONTEXT.try_with(|cx| cx.in_runtime.get()).unwrap_or(false)
}

/// Runs `f` with `sched` installed as the core this thread holds.
pub(crate) fn set_scheduler<R>(sched: &scheduler::Context, f: impl FnOnce() -> R) -> R {
    struct Reset(*const scheduler::Context);
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = CONTEXT.try_with(|cx| cx.scheduler.set(self.0));
        }
    }
    let prev = CONTEXT.with(|cx| cx.scheduler.replace(sched));
    let _reset = Reset(prev);
    f()
}

/// Runs `f` with the core this thread holds, if any.
#[inline]
pub(crate) fn with_scheduler<R>(f: impl FnOnce(Option<&scheduler::Context>) -> R) -> R {
    let ptr = CONTEXT
        .try_with(|cx| cx.scheduler.get())
        .unwrap_or(ptr::null());
    // SAFETY: a non-null pointer was installed by `set_scheduler` from a live
    // reference and is reset before that borrow ends (also on unwind), so it
    // points to a live `scheduler::Context` for as long as it is set. The
    // context is only touched from this thread.
    f(unsafe { ptr.as_ref() })
}

/// Sets the id of the task polled on this thread; returns the previous one.
#[inline]
pub(crate) fn set_current_task_id(id: Option<Id>) -> Option<Id> {
    CONTEXT
        .try_with(|cx| cx.current_task.replace(id))
        .unwrap_or(None)
}

/// The id of the task polled on this thread.
pub(crate) fn current_task_id() -> Option<Id> {
    CONTEXT.try_with(|cx| cx.current_task.get()).unwrap_or(None)
}

/// Runs `f` with this thread's budget cell; `None` during thread teardown.
#[inline]
pub(crate) fn with_budget_cell<R>(f: impl FnOnce(&Cell<Budget>) -> R) -> Option<R> {
    CONTEXT.try_with(|cx| f(&cx.budget)).ok()
}

/// Counts a yield forced by the budget.
pub(crate) fn count_forced_yield() {
    let _ = CONTEXT.try_with(|cx| cx.forced_yields.set(cx.forced_yields.get() + 1));
}

/// Budget-forced yields on this thread so far.
pub(crate) fn forced_yields() -> u64 {
    CONTEXT.try_with(|cx| cx.forced_yields.get()).unwrap_or(0)
}
