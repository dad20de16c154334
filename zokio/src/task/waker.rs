//! Wakers that point at a task: each owns one task reference.
//!
//! The waker vtable is not generic: every operation goes through the task's
//! own [`Vtable`](crate::task::raw::Vtable), reached from the header.

use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

use crate::task::cell::Header;
use crate::task::raw::RawTask;
use crate::task::state::TransitionToNotified;

static WAKER_VTABLE: RawWakerVTable =
    RawWakerVTable::new(clone_waker, wake_by_val, wake_by_ref, drop_waker);

/// A waker borrowed for one poll: it uses the runner's reference and never
/// drops one.
pub(crate) struct WakerRef<'a> {
    waker: ManuallyDrop<Waker>,
    _task: PhantomData<&'a RawTask>,
}

/// Makes a borrowed waker for the task the caller holds a reference to.
///
/// The waker's pointer is the task's own raw pointer, not one made from a
/// `&Header`: waking reaches the rest of the task's allocation (its
/// scheduler, its stage), which a pointer derived from a reference to the
/// header alone may not touch.
pub(crate) fn waker_ref(task: &RawTask) -> WakerRef<'_> {
    let raw = RawWaker::new(task.header_ptr().as_ptr() as *const (), &WAKER_VTABLE);
    WakerRef {
        // SAFETY: the vtable's functions uphold the `RawWaker` contract; the
        // `ManuallyDrop` keeps this borrowed waker from dropping a reference
        // it does not own.
        waker: ManuallyDrop::new(unsafe { Waker::from_raw(raw) }),
        _task: PhantomData,
    }
}

impl Deref for WakerRef<'_> {
    type Target = Waker;

    fn deref(&self) -> &Waker {
        &self.waker
    }
}

/// # Safety
/// `ptr` is the raw pointer of a live task whose reference the waker owns
/// (or borrows, for `WakerRef`).
unsafe fn raw_task(ptr: *const ()) -> RawTask {
    // SAFETY: the pointer came from a `RawTask`, so it is non-null and live.
    unsafe { RawTask::from_raw(NonNull::new_unchecked(ptr as *mut Header)) }
}

unsafe fn clone_waker(ptr: *const ()) -> RawWaker {
    // SAFETY: the waker's contract (see `raw_task`).
    let task = unsafe { raw_task(ptr) };
    task.ref_inc();
    RawWaker::new(ptr, &WAKER_VTABLE)
}

unsafe fn wake_by_val(ptr: *const ()) {
    // SAFETY: the waker's contract; this consumes the waker's reference.
    let task = unsafe { raw_task(ptr) };
    match task.header().state.transition_to_notified_by_val() {
        // SAFETY: the transition took a new reference for the `Notified`;
        // ours keeps the task alive until the scheduler returns, then goes.
        TransitionToNotified::Submit => unsafe {
            task.schedule();
            task.drop_reference();
        },
        // SAFETY: our reference was the last.
        TransitionToNotified::Dealloc => unsafe { task.dealloc() },
        TransitionToNotified::DoNothing => {}
    }
}

unsafe fn wake_by_ref(ptr: *const ()) {
    // SAFETY: the waker's contract; the waker keeps its reference.
    let task = unsafe { raw_task(ptr) };
    if task.header().state.transition_to_notified_by_ref() == TransitionToNotified::Submit {
        // SAFETY: the transition took a new reference for the `Notified`.
        unsafe { task.schedule() }
    }
}

unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: the waker's contract; this gives up the waker's reference.
    unsafe { raw_task(ptr).drop_reference() }
}
