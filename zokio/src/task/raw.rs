//! A type-erased pointer to a task and the vtable that recovers its type.

use std::future::Future;
use std::ptr::NonNull;
use std::task::Waker;

use crate::task::cell::{Cell, Header};
use crate::task::harness;
use crate::task::{Id, Schedule};

/// Operations on a task whose future and scheduler types are erased. Each
/// function is monomorphised for one `Cell<F, S>`.
pub(crate) struct Vtable {
    /// Polls (or cancels) the task; consumes a `Notified` reference.
    pub(crate) poll: unsafe fn(NonNull<Header>),
    /// Queues the task; consumes a reference that becomes the `Notified`'s.
    pub(crate) schedule: unsafe fn(NonNull<Header>),
    /// Frees the task; called when the last reference is gone.
    pub(crate) dealloc: unsafe fn(NonNull<Header>),
    /// Reads the output into a `*mut Poll<Result<F::Output, JoinError>>`, or
    /// registers the waker.
    pub(crate) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// Drops a `JoinHandle` (not the fast path); consumes its reference.
    pub(crate) drop_join_handle_slow: unsafe fn(NonNull<Header>),
    /// Cancels the task at shutdown; consumes a reference.
    pub(crate) shutdown: unsafe fn(NonNull<Header>),
}

/// The vtable of `Cell<F, S>`.
fn vtable<F: Future, S: Schedule>() -> &'static Vtable {
    &Vtable {
        poll: harness::poll::<F, S>,
        schedule: harness::schedule::<F, S>,
        dealloc: harness::dealloc::<F, S>,
        try_read_output: harness::try_read_output::<F, S>,
        drop_join_handle_slow: harness::drop_join_handle_slow::<F, S>,
        shutdown: harness::shutdown::<F, S>,
    }
}

/// A pointer to a live task. Copying it copies no reference: the owner of a
/// reference decides what a `RawTask` may do (rule 1).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawTask {
    ptr: NonNull<Header>,
}

impl RawTask {
    /// Allocates a task holding three references (owned list, first
    /// `Notified`, `JoinHandle`).
    pub(crate) fn new<F, S>(future: F, scheduler: S, id: Id) -> RawTask
    where
        F: Future,
        S: Schedule,
    {
        let cell = Cell::new(future, scheduler, id, vtable::<F, S>());
        let ptr = NonNull::from(Box::leak(cell)).cast::<Header>();
        RawTask { ptr }
    }

    /// # Safety
    /// `ptr` points to the header of a live task.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> RawTask {
        RawTask { ptr }
    }

    pub(crate) fn header_ptr(self) -> NonNull<Header> {
        self.ptr
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: whoever holds this `RawTask` holds a reference to the task
        // (rule 1), so the header is alive.
        unsafe { self.ptr.as_ref() }
    }

    pub(crate) fn id(self) -> Id {
        self.header().id
    }

    /// # Safety
    /// The caller gives up a `Notified` reference.
    pub(crate) unsafe fn poll(self) {
        // SAFETY: the vtable matches the cell; the caller's contract.
        unsafe { (self.header().vtable.poll)(self.ptr) }
    }

    /// # Safety
    /// The caller gives up a reference, which becomes the `Notified`'s, and
    /// holds another until this returns: the scheduler lives in the task,
    /// and another thread may run and free the task once it is queued.
    pub(crate) unsafe fn schedule(self) {
        // SAFETY: the vtable matches the cell; the caller's contract.
        unsafe { (self.header().vtable.schedule)(self.ptr) }
    }

    /// # Safety
    /// The caller gave up the last reference.
    pub(crate) unsafe fn dealloc(self) {
        // SAFETY: the vtable matches the cell; the caller's contract.
        unsafe { (self.header().vtable.dealloc)(self.ptr) }
    }

    /// # Safety
    /// `dst` points to a `Poll<Result<F::Output, JoinError>>` of this task's
    /// output type; the caller holds the join interest.
    pub(crate) unsafe fn try_read_output(self, dst: *mut (), waker: &Waker) {
        // SAFETY: the vtable matches the cell; the caller's contract.
        unsafe { (self.header().vtable.try_read_output)(self.ptr, dst, waker) }
    }

    /// # Safety
    /// The caller gives up the `JoinHandle`'s reference and join interest.
    pub(crate) unsafe fn drop_join_handle_slow(self) {
        // SAFETY: the vtable matches the cell; the caller's contract.
        unsafe { (self.header().vtable.drop_join_handle_slow)(self.ptr) }
    }

    /// # Safety
    /// The caller gives up a reference (the owned list's).
    pub(crate) unsafe fn shutdown(self) {
        // SAFETY: the vtable matches the cell; the caller's contract.
        unsafe { (self.header().vtable.shutdown)(self.ptr) }
    }

    /// Takes a new reference.
    pub(crate) fn ref_inc(self) {
        self.header().state.ref_inc();
    }

    /// # Safety
    /// The caller gives up a reference.
    pub(crate) unsafe fn drop_reference(self) {
        if self.header().state.ref_dec() {
            // SAFETY: that was the last reference.
            unsafe { self.dealloc() }
        }
    }

    /// Aborts the task from any thread: it is cancelled at its next poll, or
    /// queued for one now if it is idle.
    pub(crate) fn remote_abort(self) {
        if self.header().state.transition_to_notified_and_cancel() {
            // SAFETY: the transition took a reference for the `Notified`.
            unsafe { self.schedule() }
        }
    }
}
