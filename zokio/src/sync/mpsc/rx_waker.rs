//! The receiver's waker: one task registers it, any sender wakes it.
//!
//! | bit           | meaning                                   | set by            | cleared by |
//! |---------------|-------------------------------------------|-------------------|------------|
//! | `REGISTERING` | the receiver is writing the waker slot    | `register`        | `register`, when it is done |
//! | `WAKING`      | a sender is taking the waker out to wake it | `wake`          | that `wake`, or `register` if it saw `WAKING` arrive while it wrote |
//!
//! Whoever sets one of the bits on an idle word owns the slot until it
//! clears it (rule 8 of the [module](super)). A `wake` that finds
//! `REGISTERING` set leaves the slot alone: the receiver sees `WAKING` when
//! it finishes and wakes the waker it just stored.

use std::fmt;
use std::task::Waker;

use crate::loom::atomic::{
    AtomicUsize,
    Ordering::{AcqRel, Acquire},
};
use crate::loom::UnsafeCell;

const IDLE: usize = 0;
const REGISTERING: usize = 1 << 0;
const WAKING: usize = 1 << 1;

/// An atomic slot for the receiver's waker.
pub(super) struct RxWaker {
    state: AtomicUsize,
    /// # Invariant
    /// Accessed only by the owner of the state word (rule 8).
    waker: UnsafeCell<Option<Waker>>,
}

/// What `begin_register` decided.
#[must_use]
enum BeginRegister {
    /// The slot is the receiver's until `end_register`.
    Owned,
    /// A sender is waking the previous waker; the slot is not ours.
    Waking,
}

/// What `end_register` decided.
#[must_use]
enum EndRegister {
    /// The waker is published.
    Published,
    /// A sender tried to wake during the registration: the slot is still the
    /// receiver's, and the waker it stored must be woken.
    WokenMeanwhile,
}

/// What `begin_wake` decided.
#[must_use]
enum BeginWake {
    /// The slot is this sender's until `end_wake`.
    Owned,
    /// The receiver is registering, or another sender is waking: nothing to
    /// do.
    Busy,
}

impl RxWaker {
    pub(super) fn new() -> RxWaker {
        RxWaker {
            state: AtomicUsize::new(IDLE),
            waker: UnsafeCell::new(None),
        }
    }

    /// Stores the waker of the receiving task. The caller must check the
    /// channel again afterwards: a value that arrived before the waker was
    /// published woke the previous one.
    pub(super) fn register(&self, waker: &Waker) {
        match self.begin_register() {
            BeginRegister::Owned => {}
            // A wake is under way: make sure this task polls again.
            BeginRegister::Waking => return waker.wake_by_ref(),
        }
        // SAFETY: `begin_register` moved the word from idle, so the slot is
        // ours (rule 8).
        self.waker.with_mut(|slot| unsafe {
            match &*slot {
                Some(current) if current.will_wake(waker) => {}
                _ => *slot = Some(waker.clone()),
            }
        });
        if let EndRegister::WokenMeanwhile = self.end_register() {
            // SAFETY: a failed `end_register` leaves the slot ours (rule 8).
            let waker = self.waker.with_mut(|slot| unsafe { (*slot).take() });
            self.state.swap(IDLE, AcqRel);
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    /// Wakes the registered waker, if any.
    pub(super) fn wake(&self) {
        if let BeginWake::Owned = self.begin_wake() {
            // SAFETY: `begin_wake` moved the word from idle, so the slot is
            // ours (rule 8).
            let waker = self.waker.with_mut(|slot| unsafe { (*slot).take() });
            // AcqRel: a `wake` that found `WAKING` set and did nothing
            // published its value before; the wake below must carry it.
            self.state.fetch_and(!WAKING, AcqRel);
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    fn begin_register(&self) -> BeginRegister {
        match self
            .state
            .compare_exchange(IDLE, REGISTERING, Acquire, Acquire)
        {
            Ok(_) => BeginRegister::Owned,
            Err(state) => {
                // Only the receiver registers, so only `WAKING` can be set.
                debug_assert_eq!(state, WAKING);
                BeginRegister::Waking
            }
        }
    }

    fn end_register(&self) -> EndRegister {
        match self
            .state
            .compare_exchange(REGISTERING, IDLE, AcqRel, Acquire)
        {
            Ok(_) => EndRegister::Published,
            Err(_) => EndRegister::WokenMeanwhile,
        }
    }

    fn begin_wake(&self) -> BeginWake {
        if self.state.fetch_or(WAKING, AcqRel) == IDLE {
            BeginWake::Owned
        } else {
            BeginWake::Busy
        }
    }
}

impl fmt::Debug for RxWaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RxWaker")
            .field("state", &self.state.load(Acquire))
            .finish()
    }
}
