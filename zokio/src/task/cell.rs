//! The memory of one task: a header every scheduler can read without knowing
//! the future's type, then the scheduler handle, then the future or its
//! output. One allocation holds all of it.

use std::future::Future;
use std::ptr::NonNull;
use std::task::Waker;

use crate::loom::UnsafeCell;
use crate::task::error::JoinError;
use crate::task::raw::Vtable;
use crate::task::state::State;
use crate::task::Id;

/// The type-erased part of a task. It is the first field of a `repr(C)`
/// [`Cell`], so a `NonNull<Header>` is also a pointer to the whole cell
/// (rule 6 of the module doc). 64 bytes on 64-bit targets: one cache line,
/// hot fields first.
#[repr(C)]
pub(crate) struct Header {
    pub(crate) state: State,
    pub(crate) vtable: &'static Vtable,
    pub(crate) id: Id,
    /// Id of the owned-task list this task is in; 0 when in none.
    /// # Invariant
    /// Accessed only by the thread that holds the owning list (rule 4).
    pub(crate) owner: UnsafeCell<u64>,
    /// Links of the owned-task list (rule 4).
    pub(crate) owned_prev: UnsafeCell<Option<NonNull<Header>>>,
    pub(crate) owned_next: UnsafeCell<Option<NonNull<Header>>>,
    /// The waker of the task awaiting the `JoinHandle` (rule 3).
    pub(crate) join_waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the header's cells are only touched under the protocol of the
// module doc (rules 2–4); the state word is atomic.
unsafe impl Send for Header {}
// SAFETY: as above.
unsafe impl Sync for Header {}

/// What the future slot holds.
pub(crate) enum Stage<F: Future> {
    /// The future, not yet complete.
    Running(F),
    /// The output or the error, waiting for the `JoinHandle`.
    Finished(Result<F::Output, JoinError>),
    /// Nothing: the output was taken or dropped.
    Consumed,
}

/// The whole task.
#[repr(C)]
pub(crate) struct Cell<F: Future, S> {
    pub(crate) header: Header,
    /// Where to queue the task when it is woken; immutable (rule 5).
    pub(crate) scheduler: S,
    /// The future or its output (rule 2).
    pub(crate) stage: UnsafeCell<Stage<F>>,
}

impl<F: Future, S> Cell<F, S> {
    pub(crate) fn new(future: F, scheduler: S, id: Id, vtable: &'static Vtable) -> Box<Self> {
        Box::new(Cell {
            header: Header {
                state: State::new(),
                vtable,
                id,
                owner: UnsafeCell::new(0),
                owned_prev: UnsafeCell::new(None),
                owned_next: UnsafeCell::new(None),
                join_waker: UnsafeCell::new(None),
            },
            scheduler,
            stage: UnsafeCell::new(Stage::Running(future)),
        })
    }
}

impl Header {
    /// Replaces the join waker.
    ///
    /// # Safety
    /// The caller owns the join waker slot (rule 3).
    pub(crate) unsafe fn set_join_waker(&self, waker: Option<Waker>) {
        // SAFETY: the caller owns the slot (rule 3), so no one else reads or
        // writes it now.
        self.join_waker.with_mut(|slot| unsafe { *slot = waker });
    }

    /// Whether the stored join waker would wake the same task as `waker`.
    ///
    /// # Safety
    /// The slot is published (`JOIN_WAKER` set) and the task is not complete,
    /// so the runtime only reads it, never writes it (rule 3).
    pub(crate) unsafe fn join_waker_will_wake(&self, waker: &Waker) -> bool {
        // SAFETY: see the function's contract: shared reads only.
        self.join_waker.with(|slot| unsafe {
            (*slot)
                .as_ref()
                .is_some_and(|stored| stored.will_wake(waker))
        })
    }

    /// Wakes the joiner.
    ///
    /// # Safety
    /// The runtime owns the slot: the task is complete and `JOIN_WAKER` set.
    pub(crate) unsafe fn wake_join(&self) {
        // SAFETY: see the function's contract (rule 3).
        self.join_waker.with(|slot| unsafe {
            if let Some(waker) = (*slot).as_ref() {
                waker.wake_by_ref();
            }
        })
    }
}
