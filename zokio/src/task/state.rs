//! The task state word: six flag bits and a reference count in one atomic.
//!
//! | bit            | meaning                                   | set by                    | cleared by |
//! |----------------|-------------------------------------------|---------------------------|------------|
//! | `RUNNING`      | someone holds the future (poll or cancel) | `transition_to_running`, `transition_to_shutdown` | `transition_to_idle`, `transition_to_complete` |
//! | `COMPLETE`     | the future is gone; output or error stored | `transition_to_complete` | never      |
//! | `NOTIFIED`     | the task must be polled again             | wakers, abort             | `transition_to_running` |
//! | `CANCELLED`    | abort or shutdown asked for cancellation  | abort, shutdown           | never      |
//! | `JOIN_INTEREST`| a `JoinHandle` exists and wants the output | spawn                    | `JoinHandle` drop |
//! | `JOIN_WAKER`   | the join waker slot is published to the runtime | `JoinHandle` poll   | `JoinHandle` (to replace it), the runtime after completion |
//!
//! The bits above `REF_SHIFT` count references: every `Task`, `Notified`,
//! `JoinHandle`, `AbortHandle` and `Waker` owns one. The task is freed when
//! the count reaches zero.
//!
//! Every transition is a named method returning a `#[must_use]` value built
//! from a `Copy` [`Snapshot`] of the word.

use std::fmt;

use crate::loom::atomic::{
    AtomicUsize,
    Ordering::{AcqRel, Acquire, Release},
};

const RUNNING: usize = 1 << 0;
const COMPLETE: usize = 1 << 1;
const NOTIFIED: usize = 1 << 2;
const CANCELLED: usize = 1 << 3;
const JOIN_INTEREST: usize = 1 << 4;
const JOIN_WAKER: usize = 1 << 5;

const LIFECYCLE: usize = RUNNING | COMPLETE;
const REF_SHIFT: usize = 6;
const REF_ONE: usize = 1 << REF_SHIFT;
const REF_MASK: usize = !(REF_ONE - 1);

/// A new task: referenced by its owned-list entry, its first `Notified` and
/// its `JoinHandle`; notified (it is about to be queued) and joinable.
const INITIAL: usize = (3 * REF_ONE) | JOIN_INTEREST | NOTIFIED;

/// The atomic state word.
pub(crate) struct State {
    word: AtomicUsize,
}

/// A copy of the state word at one instant.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

/// What `transition_to_running` decided.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransitionToRunning {
    /// The caller now holds the future and must poll it.
    Success,
    /// The caller holds the future and must cancel it.
    Cancelled,
    /// The task was running or complete; the caller's reference was dropped.
    Failed,
    /// As `Failed`, and that was the last reference: free the task.
    Dealloc,
}

/// What `transition_to_idle` decided after a `Pending` poll.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransitionToIdle {
    /// Idle; the runner's reference was dropped.
    Ok,
    /// Woken during the poll: the runner keeps its reference as a new
    /// `Notified` and must queue it.
    OkNotified,
    /// Idle, and the runner held the last reference: free the task.
    OkDealloc,
    /// Aborted during the poll: the runner still holds the future and must
    /// cancel it.
    Cancelled,
}

/// What a waker must do.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransitionToNotified {
    /// Nothing: the task is queued, running or complete.
    DoNothing,
    /// Queue the task: the caller owns a reference for the new `Notified`.
    Submit,
    /// Nothing to queue, and the caller's reference was the last: free it.
    Dealloc,
}

/// What dropping a `JoinHandle` must clean up.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JoinHandleDropped {
    /// The task completed while joinable, so the handle owns the output.
    pub(crate) drop_output: bool,
    /// The handle owns the join waker slot and must clear it.
    pub(crate) drop_waker: bool,
}

impl State {
    pub(crate) fn new() -> State {
        State {
            word: AtomicUsize::new(INITIAL),
        }
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.word.load(Acquire))
    }

    /// Applies `f` atomically; `f` returns the next word and a result.
    fn update<T>(&self, mut f: impl FnMut(Snapshot) -> (Option<Snapshot>, T)) -> T {
        let mut current = self.load();
        loop {
            let (next, out) = f(current);
            let Some(next) = next else { return out };
            match self
                .word
                .compare_exchange_weak(current.0, next.0, AcqRel, Acquire)
            {
                Ok(_) => return out,
                Err(actual) => current = Snapshot(actual),
            }
        }
    }

    /// Called with a `Notified` reference by the scheduler about to poll.
    pub(crate) fn transition_to_running(&self) -> TransitionToRunning {
        self.update(|cur| {
            debug_assert!(cur.is_notified());
            let mut next = cur;
            if !cur.is_idle() {
                next.ref_dec();
                let action = if next.ref_count() == 0 {
                    TransitionToRunning::Dealloc
                } else {
                    TransitionToRunning::Failed
                };
                return (Some(next), action);
            }
            next.0 |= RUNNING;
            next.0 &= !NOTIFIED;
            let action = if cur.is_cancelled() {
                TransitionToRunning::Cancelled
            } else {
                TransitionToRunning::Success
            };
            (Some(next), action)
        })
    }

    /// Called by the runner after a `Pending` poll.
    pub(crate) fn transition_to_idle(&self) -> TransitionToIdle {
        self.update(|cur| {
            debug_assert!(cur.is_running());
            if cur.is_cancelled() {
                return (None, TransitionToIdle::Cancelled);
            }
            let mut next = cur;
            next.0 &= !RUNNING;
            let action = if cur.is_notified() {
                // A new reference for the `Notified`: the runner keeps its
                // own while the scheduler queues the task, which another
                // thread may run (and free) before `yield_now` returns.
                next.ref_inc();
                TransitionToIdle::OkNotified
            } else {
                next.ref_dec();
                if next.ref_count() == 0 {
                    TransitionToIdle::OkDealloc
                } else {
                    TransitionToIdle::Ok
                }
            };
            (Some(next), action)
        })
    }

    /// Called by the runner once the output (or error) is stored. Returns the
    /// word after the transition.
    pub(crate) fn transition_to_complete(&self) -> Snapshot {
        let prev = Snapshot(self.word.fetch_xor(RUNNING | COMPLETE, AcqRel));
        debug_assert!(prev.is_running() && !prev.is_complete());
        Snapshot(prev.0 ^ (RUNNING | COMPLETE))
    }

    /// Drops `count` references after completion; true if the task must be
    /// freed.
    pub(crate) fn transition_to_terminal(&self, count: usize) -> bool {
        let prev = Snapshot(self.word.fetch_sub(count * REF_ONE, AcqRel));
        debug_assert!(prev.ref_count() >= count);
        prev.ref_count() == count
    }

    /// `Waker::wake`: consumes the waker's reference.
    pub(crate) fn transition_to_notified_by_val(&self) -> TransitionToNotified {
        self.update(|cur| {
            let mut next = cur;
            let action = if cur.is_running() {
                // The runner sees NOTIFIED and requeues; it holds a reference,
                // so ours cannot be the last.
                next.0 |= NOTIFIED;
                next.ref_dec();
                debug_assert!(next.ref_count() > 0);
                TransitionToNotified::DoNothing
            } else if cur.is_complete() || cur.is_notified() {
                next.ref_dec();
                if next.ref_count() == 0 {
                    TransitionToNotified::Dealloc
                } else {
                    TransitionToNotified::DoNothing
                }
            } else {
                // A new reference for the `Notified`; the waker's is dropped
                // only after the scheduler returns (it lives in the task).
                next.0 |= NOTIFIED;
                next.ref_inc();
                TransitionToNotified::Submit
            };
            (Some(next), action)
        })
    }

    /// `Waker::wake_by_ref`: takes a new reference if the task must be queued.
    pub(crate) fn transition_to_notified_by_ref(&self) -> TransitionToNotified {
        self.update(|cur| {
            if cur.is_complete() || cur.is_notified() {
                (None, TransitionToNotified::DoNothing)
            } else if cur.is_running() {
                (
                    Some(Snapshot(cur.0 | NOTIFIED)),
                    TransitionToNotified::DoNothing,
                )
            } else {
                let mut next = Snapshot(cur.0 | NOTIFIED);
                next.ref_inc();
                (Some(next), TransitionToNotified::Submit)
            }
        })
    }

    /// Abort: marks the task cancelled; true if the caller must queue it (a
    /// new reference was taken for the `Notified`).
    pub(crate) fn transition_to_notified_and_cancel(&self) -> bool {
        self.update(|cur| {
            if cur.is_cancelled() || cur.is_complete() {
                (None, false)
            } else if cur.is_running() || cur.is_notified() {
                // The runner, or the queued poll, will see CANCELLED.
                (Some(Snapshot(cur.0 | NOTIFIED | CANCELLED)), false)
            } else {
                let mut next = Snapshot(cur.0 | NOTIFIED | CANCELLED);
                next.ref_inc();
                (Some(next), true)
            }
        })
    }

    /// Shutdown: marks the task cancelled and, if it is idle, takes the
    /// future (sets `RUNNING`). True if the caller must cancel it now.
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.update(|cur| {
            let mut next = Snapshot(cur.0 | CANCELLED);
            let acquired = cur.is_idle();
            if acquired {
                next.0 |= RUNNING;
            }
            (Some(next), acquired)
        })
    }

    /// The common case of dropping a `JoinHandle` of a task that never ran:
    /// one CAS from the initial state. Err if the state is anything else.
    pub(crate) fn drop_join_handle_fast(&self) -> Result<(), ()> {
        self.word
            .compare_exchange(
                INITIAL,
                (INITIAL - REF_ONE) & !JOIN_INTEREST,
                Release,
                Acquire,
            )
            .map(drop)
            .map_err(drop)
    }

    /// Drops the join interest; says what the handle must clean up. The
    /// caller still owns its reference.
    pub(crate) fn transition_to_join_handle_dropped(&self) -> JoinHandleDropped {
        self.update(|cur| {
            debug_assert!(cur.is_join_interested());
            let mut next = Snapshot(cur.0 & !JOIN_INTEREST);
            if !cur.is_complete() {
                // Take the waker slot back: the runtime will never read it.
                next.0 &= !JOIN_WAKER;
            }
            let out = JoinHandleDropped {
                drop_output: cur.is_complete(),
                drop_waker: !next.is_join_waker_set(),
            };
            (Some(next), out)
        })
    }

    /// Publishes the join waker slot to the runtime. Err (with the current
    /// word) if the task completed first; the slot then stays the caller's.
    pub(crate) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.update(|cur| {
            debug_assert!(cur.is_join_interested() && !cur.is_join_waker_set());
            if cur.is_complete() {
                return (None, Err(cur));
            }
            let next = Snapshot(cur.0 | JOIN_WAKER);
            (Some(next), Ok(next))
        })
    }

    /// Takes the join waker slot back from the runtime to replace the waker.
    /// Err if the task completed first (the runtime may be reading it).
    pub(crate) fn unset_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.update(|cur| {
            debug_assert!(cur.is_join_interested() && cur.is_join_waker_set());
            if cur.is_complete() {
                return (None, Err(cur));
            }
            let next = Snapshot(cur.0 & !JOIN_WAKER);
            (Some(next), Ok(next))
        })
    }

    /// After completion and the join wake-up, the runtime gives the slot
    /// back. Returns the word before; if the join interest was gone by then,
    /// the runtime must clear the slot itself.
    pub(crate) fn unset_join_waker_after_complete(&self) -> Snapshot {
        let prev = Snapshot(self.word.fetch_and(!JOIN_WAKER, AcqRel));
        debug_assert!(prev.is_complete() && prev.is_join_waker_set());
        prev
    }

    pub(crate) fn ref_inc(&self) {
        let prev = self
            .word
            .fetch_add(REF_ONE, crate::loom::atomic::Ordering::Relaxed);
        // A count this large means references are leaked in a loop; abort
        // rather than wrap around into a use-after-free.
        if prev > isize::MAX as usize {
            std::process::abort();
        }
    }

    /// Drops one reference; true if it was the last.
    pub(crate) fn ref_dec(&self) -> bool {
        let prev = Snapshot(self.word.fetch_sub(REF_ONE, AcqRel));
        debug_assert!(prev.ref_count() >= 1);
        prev.ref_count() == 1
    }
}

impl Snapshot {
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }

    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }

    pub(crate) fn is_idle(self) -> bool {
        self.0 & LIFECYCLE == 0
    }

    pub(crate) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }

    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }

    pub(crate) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }

    pub(crate) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }

    pub(crate) fn ref_count(self) -> usize {
        (self.0 & REF_MASK) >> REF_SHIFT
    }

    fn ref_inc(&mut self) {
        self.0 += REF_ONE;
    }

    fn ref_dec(&mut self) {
        debug_assert!(self.ref_count() > 0);
        self.0 -= REF_ONE;
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.load().fmt(f)
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("notified", &self.is_notified())
            .field("cancelled", &self.is_cancelled())
            .field("join_interest", &self.is_join_interested())
            .field("join_waker", &self.is_join_waker_set())
            .field("refs", &self.ref_count())
            .finish()
    }
}
