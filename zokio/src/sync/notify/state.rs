//! The state word of a `Notify`: what it holds, and its epoch.
//!
//! | bits     | meaning | changed by |
//! |----------|---------|------------|
//! | `0..2`   | `EMPTY`: nothing stored, nobody waits; `NOTIFIED`: a `notify_one` permit is stored; `WAITING`: the `waiting` list is not empty | `WAITING` is entered and left only under the lock; `EMPTY` ⇄ `NOTIFIED` also without it (`notify_one`, a first poll) |
//! | `2..`    | the epoch: how many times `notify_waiters` ran | `notify_waiters`: under the lock while `WAITING`, by a plain compare-and-swap otherwise |
//!
//! A `Notified` future takes the epoch when it is created; a different
//! epoch later means that `notify_waiters` ran since, so the future is
//! notified. That makes `notify_waiters` atomic with respect to new
//! `notified()` calls: a future created after the increment cannot be
//! woken by it, one created before always is.
//!
//! Every access is `SeqCst`, as the epoch is read by a plain load in
//! `notified()` and must order with the increments around it.

use std::fmt;

use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};

const EMPTY: usize = 0;
const WAITING: usize = 1;
const NOTIFIED: usize = 2;
const KIND_MASK: usize = 0b11;
const EPOCH_ONE: usize = 1 << 2;

/// The atomic state word.
pub(super) struct State {
    word: AtomicUsize,
}

/// A copy of the state word at one instant.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Snapshot(usize);

/// Outcome of storing a `notify_one` permit.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StorePermit {
    /// A permit is stored now (or was already).
    Stored,
    /// Somebody waits: take the lock and wake a waiter instead.
    Waiting,
}

/// Outcome of a `notify_waiters` increment.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NextEpoch {
    /// The epoch moved on; nobody was waiting.
    Done,
    /// Somebody waits: under the lock, move the epoch on together with the
    /// waiters.
    Waiting,
}

/// Outcome of a first poll's look at the word.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Register {
    /// Notified: `notify_waiters` ran since the future was created, or a
    /// stored permit was taken.
    Notified,
    /// Nothing for it yet. Under the lock, the word is now `WAITING` and
    /// the future must queue before unlocking.
    Wait,
}

impl State {
    #[cfg(not(loom))]
    pub(super) const fn new() -> State {
        State {
            word: AtomicUsize::new(EMPTY),
        }
    }

    /// As above; loom's atomics have no `const` constructor.
    #[cfg(loom)]
    pub(super) fn new() -> State {
        State {
            word: AtomicUsize::new(EMPTY),
        }
    }

    pub(super) fn load(&self) -> Snapshot {
        Snapshot(self.word.load(SeqCst))
    }

    /// Applies `f` atomically; `f` returns the next word (or `None` to leave
    /// it) and a result.
    fn update<R>(&self, mut f: impl FnMut(Snapshot) -> (Option<Snapshot>, R)) -> R {
        let mut current = self.load();
        loop {
            let (next, out) = f(current);
            let Some(next) = next else { return out };
            match self
                .word
                .compare_exchange_weak(current.0, next.0, SeqCst, SeqCst)
            {
                Ok(_) => return out,
                Err(actual) => current = Snapshot(actual),
            }
        }
    }

    /// `notify_one`: stores a permit unless somebody waits.
    pub(super) fn store_permit(&self) -> StorePermit {
        self.update(|cur| match cur.kind() {
            WAITING => (None, StorePermit::Waiting),
            NOTIFIED => (None, StorePermit::Stored),
            _ => (Some(cur.with_kind(NOTIFIED)), StorePermit::Stored),
        })
    }

    /// `notify_waiters`: moves the epoch on unless somebody waits. A stored
    /// permit stays.
    pub(super) fn next_epoch(&self) -> NextEpoch {
        self.update(|cur| match cur.kind() {
            WAITING => (None, NextEpoch::Waiting),
            _ => (
                Some(Snapshot(cur.0.wrapping_add(EPOCH_ONE))),
                NextEpoch::Done,
            ),
        })
    }

    /// `notify_waiters` under the lock while `WAITING`: moves the epoch on
    /// and empties the word, as every waiter is being woken.
    pub(super) fn next_epoch_and_empty(&self) {
        self.update(|cur| {
            debug_assert_eq!(cur.kind(), WAITING);
            let next = Snapshot(cur.0.wrapping_add(EPOCH_ONE)).with_kind(EMPTY);
            (Some(next), ())
        });
    }

    /// A first poll, without the lock: takes a stored permit. `Wait` here
    /// means only that the lock is needed.
    pub(super) fn take_permit(&self, epoch: usize) -> Register {
        self.update(|cur| {
            if cur.epoch() != epoch {
                (None, Register::Notified)
            } else if cur.kind() == NOTIFIED {
                (Some(cur.with_kind(EMPTY)), Register::Notified)
            } else {
                (None, Register::Wait)
            }
        })
    }

    /// A first poll, under the lock: takes a stored permit, or makes the
    /// word `WAITING` for the caller to queue.
    pub(super) fn register(&self, epoch: usize) -> Register {
        self.update(|cur| {
            if cur.epoch() != epoch {
                (None, Register::Notified)
            } else {
                match cur.kind() {
                    NOTIFIED => (Some(cur.with_kind(EMPTY)), Register::Notified),
                    EMPTY => (Some(cur.with_kind(WAITING)), Register::Wait),
                    _ => (None, Register::Wait),
                }
            }
        })
    }

    /// Under the lock, when the `waiting` list became empty.
    pub(super) fn waiting_to_empty(&self) {
        self.update(|cur| {
            debug_assert_eq!(cur.kind(), WAITING);
            (Some(cur.with_kind(EMPTY)), ())
        });
    }
}

impl Snapshot {
    pub(super) fn epoch(self) -> usize {
        self.0 >> 2
    }

    fn kind(self) -> usize {
        self.0 & KIND_MASK
    }

    fn with_kind(self, kind: usize) -> Snapshot {
        Snapshot((self.0 & !KIND_MASK) | kind)
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind() {
            EMPTY => "empty",
            WAITING => "waiting",
            _ => "notified",
        };
        f.debug_struct("State")
            .field("kind", &format_args!("{kind}"))
            .field("epoch", &self.epoch())
            .finish()
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.load().fmt(f)
    }
}
