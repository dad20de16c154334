//! The typed side of a task: poll, complete, cancel, join, free. Every
//! function here is reached through the vtable of one `Cell<F, S>`.

use std::any::Any;
use std::future::Future;
use std::mem::{self, ManuallyDrop};
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

use crate::runtime::context;
use crate::task::cell::{Cell, Header, Stage};
use crate::task::error::JoinError;
use crate::task::raw::RawTask;
use crate::task::state::{TransitionToIdle, TransitionToRunning};
use crate::task::waker::waker_ref;
use crate::task::{Notified, Schedule, Task};

/// Typed access to one task. Holds no reference of its own: each entry point
/// says which reference its caller gives up.
struct Harness<F: Future, S: 'static> {
    cell: NonNull<Cell<F, S>>,
}

impl<F: Future, S: Schedule> Harness<F, S> {
    /// # Safety
    /// `ptr` is the header of a live `Cell<F, S>` (rule 6).
    unsafe fn from_raw(ptr: NonNull<Header>) -> Self {
        Harness { cell: ptr.cast() }
    }

    fn cell(&self) -> &Cell<F, S> {
        // SAFETY: the caller of each entry point holds a reference (rule 1).
        unsafe { self.cell.as_ref() }
    }

    fn header(&self) -> &Header {
        &self.cell().header
    }

    fn raw(&self) -> RawTask {
        // SAFETY: the header is live (see `cell`).
        unsafe { RawTask::from_raw(self.cell.cast()) }
    }

    fn scheduler(&self) -> &S {
        &self.cell().scheduler
    }

    /// Replaces the stage, dropping what was there.
    ///
    /// # Safety
    /// The caller may write the stage (rule 2).
    unsafe fn set_stage(&self, stage: Stage<F>) {
        let _id = TaskIdGuard::enter(self.header().id);
        // SAFETY: the caller's contract.
        self.cell().stage.with_mut(|ptr| unsafe { *ptr = stage });
    }

    /// Drops the future or the output, catching a panic from its destructor.
    ///
    /// # Safety
    /// The caller may write the stage (rule 2).
    unsafe fn drop_stage(&self) -> Result<(), Box<dyn Any + Send>> {
        // SAFETY: the caller's contract. If a destructor unwinds, the slot
        // still holds `Consumed` afterwards (assignment writes the new value
        // on the unwind path too).
        panic::catch_unwind(AssertUnwindSafe(|| unsafe {
            self.set_stage(Stage::Consumed)
        }))
    }

    /// Entry point: the caller gives up a `Notified` reference.
    fn poll(self) {
        match self.header().state.transition_to_running() {
            TransitionToRunning::Success => match self.poll_future() {
                Poll::Ready(()) => self.complete(),
                Poll::Pending => match self.header().state.transition_to_idle() {
                    TransitionToIdle::Ok => {}
                    TransitionToIdle::OkNotified => {
                        // SAFETY: the transition took a new reference for
                        // the `Notified`.
                        let notified = unsafe { Notified::from_raw(self.raw()) };
                        // Once queued, the task may run and finish on another
                        // thread; the runner's reference keeps the cell (and
                        // the scheduler borrowed from it) alive until here.
                        self.scheduler().yield_now(notified);
                        // SAFETY: the runner's reference, given up.
                        unsafe { self.raw().drop_reference() };
                    }
                    // SAFETY: the runner held the last reference.
                    TransitionToIdle::OkDealloc => unsafe { self.raw().dealloc() },
                    TransitionToIdle::Cancelled => {
                        self.cancel();
                        self.complete();
                    }
                },
            },
            TransitionToRunning::Cancelled => {
                self.cancel();
                self.complete();
            }
            TransitionToRunning::Failed => {}
            // SAFETY: the transition dropped the last reference.
            TransitionToRunning::Dealloc => unsafe { self.raw().dealloc() },
        }
    }

    /// Polls the future once; on `Ready` (or a panic) stores the result.
    /// Requires `RUNNING`.
    fn poll_future(&self) -> Poll<()> {
        let header = self.header();
        let raw = self.raw();
        let waker = waker_ref(&raw);
        let mut cx = Context::from_waker(&waker);
        let polled = {
            let _id = TaskIdGuard::enter(header.id);
            panic::catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: we hold RUNNING, so the stage is ours (rule 2).
                self.cell()
                    .stage
                    .with_mut(|ptr| match unsafe { &mut *ptr } {
                        Stage::Running(future) => {
                            // SAFETY: the future never moves: it lives in the heap
                            // cell until it is dropped in place.
                            unsafe { Pin::new_unchecked(future) }.poll(&mut cx)
                        }
                        _ => unreachable!("a task was polled after it completed"),
                    })
            }))
        };
        let result = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(output)) => Ok(output),
            Err(payload) => {
                self.scheduler().unhandled_panic();
                Err(JoinError::panic(header.id, payload))
            }
        };
        self.store(result);
        Poll::Ready(())
    }

    /// Drops the future and stores the result. Requires `RUNNING`.
    fn store(&self, result: Result<F::Output, JoinError>) {
        // SAFETY: we hold RUNNING (rule 2).
        if unsafe { self.drop_stage() }.is_err() {
            // The future completed, but its destructor panicked.
            self.scheduler().unhandled_panic();
        }
        // SAFETY: as above; `Consumed` has no destructor to panic.
        unsafe { self.set_stage(Stage::Finished(result)) };
    }

    /// Drops the future and stores a cancellation error. Requires `RUNNING`.
    fn cancel(&self) {
        let id = self.header().id;
        // SAFETY: we hold RUNNING (rule 2).
        let err = match unsafe { self.drop_stage() } {
            Ok(()) => JoinError::cancelled(id),
            Err(payload) => JoinError::panic(id, payload),
        };
        // SAFETY: as above.
        unsafe { self.set_stage(Stage::Finished(Err(err))) };
    }

    /// Marks the task complete, hands the output on, leaves the owned list
    /// and drops the caller's reference. Requires `RUNNING`.
    fn complete(self) {
        let snapshot = self.header().state.transition_to_complete();
        let handed_on = panic::catch_unwind(AssertUnwindSafe(|| {
            if !snapshot.is_join_interested() {
                // No one will read the output (rule 2: it is ours).
                // SAFETY: COMPLETE without join interest: the stage is ours.
                if unsafe { self.drop_stage() }.is_err() {
                    self.scheduler().unhandled_panic();
                }
            } else if snapshot.is_join_waker_set() {
                // SAFETY: COMPLETE and JOIN_WAKER: the slot is ours (rule 3).
                unsafe { self.header().wake_join() };
                let prev = self.header().state.unset_join_waker_after_complete();
                if !prev.is_join_interested() {
                    // The handle went away meanwhile; the slot stayed ours.
                    // SAFETY: as above.
                    unsafe { self.header().set_join_waker(None) };
                }
            }
        }));
        if handed_on.is_err() {
            // A join waker panicked.
            self.scheduler().unhandled_panic();
        }
        // SAFETY: this is a borrowed view; `ManuallyDrop` keeps it from
        // dropping a reference it does not own.
        let me = ManuallyDrop::new(unsafe { Task::<S>::from_raw(self.raw()) });
        let count = match self.scheduler().release(&me) {
            Some(owned) => {
                // Its reference is dropped below, together with ours.
                mem::forget(owned);
                2
            }
            None => 1,
        };
        if self.header().state.transition_to_terminal(count) {
            // SAFETY: those were the last references.
            unsafe { self.raw().dealloc() }
        }
    }
}

/// Sets the current task id for the extent of a poll or a destructor.
struct TaskIdGuard(Option<crate::task::Id>);

impl TaskIdGuard {
    fn enter(id: crate::task::Id) -> TaskIdGuard {
        TaskIdGuard(context::set_current_task_id(Some(id)))
    }
}

impl Drop for TaskIdGuard {
    fn drop(&mut self) {
        context::set_current_task_id(self.0);
    }
}

/// # Safety
/// `ptr` is a live `Cell<F, S>`; the caller gives up a `Notified` reference.
pub(crate) unsafe fn poll<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller's contract.
    unsafe { Harness::<F, S>::from_raw(ptr) }.poll();
}

/// # Safety
/// `ptr` is a live `Cell<F, S>`; the caller gives up a reference, which the
/// new `Notified` takes over, and holds another until this returns (see
/// `RawTask::schedule`).
pub(crate) unsafe fn schedule<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller's contract.
    let harness = unsafe { Harness::<F, S>::from_raw(ptr) };
    // SAFETY: the caller's reference becomes the `Notified`'s.
    let notified = unsafe { Notified::from_raw(harness.raw()) };
    harness.scheduler().schedule(notified);
}

/// # Safety
/// `ptr` is a `Cell<F, S>` whose last reference is gone.
pub(crate) unsafe fn dealloc<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the cell was leaked from a `Box` in `RawTask::new`, and no
    // reference remains, so no one else can reach it (rule 1).
    let cell = unsafe { Box::from_raw(ptr.cast::<Cell<F, S>>().as_ptr()) };
    // The stage may still hold an output no one read; a panic in its
    // destructor must not unwind into whoever dropped the last reference.
    let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(cell)));
}

/// # Safety
/// `ptr` is a live `Cell<F, S>`; `dst` points to a
/// `Poll<Result<F::Output, JoinError>>`; the caller is the `JoinHandle`.
pub(crate) unsafe fn try_read_output<F: Future, S: Schedule>(
    ptr: NonNull<Header>,
    dst: *mut (),
    waker: &Waker,
) {
    // SAFETY: the caller's contract.
    let harness = unsafe { Harness::<F, S>::from_raw(ptr) };
    if !can_read_output(harness.header(), waker) {
        return;
    }
    // SAFETY: COMPLETE and joinable: the stage belongs to the handle (rule 2).
    let stage = harness
        .cell()
        .stage
        .with_mut(|ptr| unsafe { mem::replace(&mut *ptr, Stage::Consumed) });
    let output = match stage {
        Stage::Finished(output) => output,
        _ => panic!("JoinHandle polled after completion"),
    };
    let dst = dst as *mut Poll<Result<F::Output, JoinError>>;
    // SAFETY: the caller's contract on `dst`.
    unsafe { *dst = Poll::Ready(output) };
}

/// True if the task is complete; otherwise stores `waker` as the join waker.
fn can_read_output(header: &Header, waker: &Waker) -> bool {
    let snapshot = header.state.load();
    if snapshot.is_complete() {
        return true;
    }
    let published = if !snapshot.is_join_waker_set() {
        publish_join_waker(header, waker.clone())
    } else {
        // SAFETY: JOIN_WAKER set and not complete: shared reads are allowed.
        if unsafe { header.join_waker_will_wake(waker) } {
            return false;
        }
        header
            .state
            .unset_join_waker()
            .and_then(|_| publish_join_waker(header, waker.clone()))
    };
    match published {
        Ok(_) => false,
        Err(snapshot) => {
            debug_assert!(snapshot.is_complete());
            true
        }
    }
}

fn publish_join_waker(
    header: &Header,
    waker: Waker,
) -> Result<crate::task::state::Snapshot, crate::task::state::Snapshot> {
    // SAFETY: JOIN_WAKER is unset, so the slot is the handle's (rule 3).
    unsafe { header.set_join_waker(Some(waker)) };
    let res = header.state.set_join_waker();
    if res.is_err() {
        // Completed first: the slot is still ours; clear it.
        // SAFETY: as above.
        unsafe { header.set_join_waker(None) };
    }
    res
}

/// # Safety
/// `ptr` is a live `Cell<F, S>`; the caller gives up the `JoinHandle`.
pub(crate) unsafe fn drop_join_handle_slow<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller's contract.
    let harness = unsafe { Harness::<F, S>::from_raw(ptr) };
    let dropped = harness.header().state.transition_to_join_handle_dropped();
    if dropped.drop_output {
        // SAFETY: COMPLETE while joinable: the output is the handle's (rule
        // 2). A panicking destructor must not unwind out of a `drop`.
        let _ = unsafe { harness.drop_stage() };
    }
    if dropped.drop_waker {
        // SAFETY: the transition left the slot to the handle (rule 3).
        unsafe { harness.header().set_join_waker(None) };
    }
    // SAFETY: the handle's reference.
    unsafe { harness.raw().drop_reference() };
}

/// # Safety
/// `ptr` is a live `Cell<F, S>`; the caller gives up a reference.
pub(crate) unsafe fn shutdown<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller's contract.
    let harness = unsafe { Harness::<F, S>::from_raw(ptr) };
    if !harness.header().state.transition_to_shutdown() {
        // Running elsewhere (it will see CANCELLED) or already complete.
        // SAFETY: the caller's reference.
        unsafe { harness.raw().drop_reference() };
        return;
    }
    harness.cancel();
    harness.complete();
}
