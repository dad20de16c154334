//! The state word of a semaphore: the free permits and two flags.
//!
//! | bits      | meaning | set by | cleared by |
//! |-----------|---------|--------|------------|
//! | `CLOSED`  | the semaphore is closed: acquiring fails | `close` | never |
//! | `WAITERS` | the wait list is not empty | an acquire that queues (under the lock) | whoever empties the list (under the lock) |
//! | `2..`     | free permits: neither held nor assigned to a waiter | releases, `add_permits` | acquires, `forget_permits` |
//!
//! **Invariant:** while `WAITERS` is set and `CLOSED` is not, there are no
//! free permits: a release then goes under the lock and assigns its permits
//! to the waiters in order (strict FIFO), and the permit count only grows
//! again when the list empties. So a newcomer can never overtake a waiter,
//! and the uncontended paths are one compare-and-swap each, with no lock.
//!
//! Every transition is a named method returning a `#[must_use]` value. The
//! read-modify-writes are `AcqRel`: a permit handed from one holder to the
//! next carries the first holder's writes (a `Mutex`'s data) along.

use std::fmt;

use crate::loom::atomic::{
    AtomicUsize,
    Ordering::{AcqRel, Acquire},
};

const CLOSED: usize = 1 << 0;
const WAITERS: usize = 1 << 1;
const PERMIT_SHIFT: u32 = 2;

/// The most permits a semaphore can hold; see
/// [`Semaphore::MAX_PERMITS`](super::Semaphore::MAX_PERMITS). Leaves the
/// sum of two counts representable after the shift.
pub(super) const MAX_PERMITS: usize = usize::MAX >> 3;

/// The atomic state word.
pub(super) struct State {
    word: AtomicUsize,
}

/// A copy of the state word at one instant.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Snapshot(usize);

/// Outcome of the lock-free acquire.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TryAcquire {
    /// The permits are the caller's.
    Acquired,
    /// Too few free permits, or waiters queued ahead (FIFO): nothing taken.
    NoPermits,
    /// The semaphore is closed: nothing taken.
    Closed,
}

/// Outcome of the acquire made under the wait-list lock.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AcquireOrQueue {
    /// The permits are the caller's.
    Acquired,
    /// The semaphore is closed: nothing taken.
    Closed,
    /// The caller took every free permit and set `WAITERS`: it must queue
    /// now, before releasing the lock, still wanting `remaining` (> 0).
    Queue { remaining: usize },
}

/// Outcome of the lock-free release.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Release {
    /// The permits are free again.
    Released,
    /// Waiters are queued: the caller must take the lock and assign the
    /// permits to them.
    Contended,
}

impl State {
    /// A semaphore with `permits` free permits, open, with no waiter.
    #[cfg(not(loom))]
    pub(super) const fn new(permits: usize) -> State {
        State {
            word: AtomicUsize::new(checked_permits(permits) << PERMIT_SHIFT),
        }
    }

    /// As above; loom's atomics have no `const` constructor.
    #[cfg(loom)]
    pub(super) fn new(permits: usize) -> State {
        State {
            word: AtomicUsize::new(checked_permits(permits) << PERMIT_SHIFT),
        }
    }

    pub(super) fn load(&self) -> Snapshot {
        Snapshot(self.word.load(Acquire))
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
                .compare_exchange_weak(current.0, next.0, AcqRel, Acquire)
            {
                Ok(_) => return out,
                Err(actual) => current = Snapshot(actual),
            }
        }
    }

    /// Takes `n` free permits, without the lock. Taking none always works
    /// on an open semaphore.
    pub(super) fn try_acquire(&self, n: usize) -> TryAcquire {
        self.update(|cur| {
            if cur.is_closed() {
                (None, TryAcquire::Closed)
            } else if n == 0 {
                (None, TryAcquire::Acquired)
            } else if cur.has_waiters() || cur.permits() < n {
                (None, TryAcquire::NoPermits)
            } else {
                (
                    Some(cur.with_permits(cur.permits() - n)),
                    TryAcquire::Acquired,
                )
            }
        })
    }

    /// Takes `n` free permits, or every free one and sets `WAITERS`. The
    /// caller holds the wait-list lock, so `WAITERS` cannot change under it.
    pub(super) fn acquire_or_queue(&self, n: usize) -> AcquireOrQueue {
        self.update(|cur| {
            if cur.is_closed() {
                (None, AcquireOrQueue::Closed)
            } else if n == 0 {
                (None, AcquireOrQueue::Acquired)
            } else if !cur.has_waiters() && cur.permits() >= n {
                let next = cur.with_permits(cur.permits() - n);
                (Some(next), AcquireOrQueue::Acquired)
            } else {
                // With `WAITERS` set there are no free permits (invariant).
                let remaining = n - cur.permits();
                let next = Snapshot(cur.0 | WAITERS).with_permits(0);
                (Some(next), AcquireOrQueue::Queue { remaining })
            }
        })
    }

    /// Frees `n` permits, without the lock, unless waiters must get them.
    ///
    /// # Panics
    /// If the free permits would exceed `MAX_PERMITS`.
    pub(super) fn release(&self, n: usize) -> Release {
        self.update(|cur| {
            if cur.has_waiters() && !cur.is_closed() {
                (None, Release::Contended)
            } else {
                (
                    Some(cur.with_permits(add_permits(cur, n))),
                    Release::Released,
                )
            }
        })
    }

    /// Under the wait-list lock, after assigning what the waiters wanted:
    /// frees the `n` permits left over and sets `WAITERS` to whether any
    /// waiter is left. While open with waiters left, `n` is zero.
    ///
    /// # Panics
    /// If the free permits would exceed `MAX_PERMITS`.
    pub(super) fn settle(&self, n: usize, waiters_left: bool) {
        self.update(|cur| {
            debug_assert!(n == 0 || !waiters_left || cur.is_closed());
            let flags = if waiters_left {
                cur.0 | WAITERS
            } else {
                cur.0 & !WAITERS
            };
            let next = Snapshot(flags).with_permits(add_permits(cur, n));
            (Some(next).filter(|next| *next != cur), ())
        })
    }

    /// Closes the semaphore; says whether it was open.
    pub(super) fn close(&self) -> bool {
        Snapshot(self.word.fetch_or(CLOSED, AcqRel)).is_closed()
    }

    /// Removes up to `n` free permits; returns how many.
    pub(super) fn forget(&self, n: usize) -> usize {
        self.update(|cur| {
            let taken = n.min(cur.permits());
            if taken == 0 {
                (None, 0)
            } else {
                (Some(cur.with_permits(cur.permits() - taken)), taken)
            }
        })
    }
}

/// `permits`, if a semaphore may hold that many.
const fn checked_permits(permits: usize) -> usize {
    assert!(
        permits <= MAX_PERMITS,
        "a semaphore may hold at most `Semaphore::MAX_PERMITS` permits"
    );
    permits
}

/// `cur.permits() + n`, checked against `MAX_PERMITS`.
fn add_permits(cur: Snapshot, n: usize) -> usize {
    match cur.permits().checked_add(n) {
        Some(sum) if sum <= MAX_PERMITS => sum,
        _ => panic!(
            "adding {n} permits to a semaphore would exceed `Semaphore::MAX_PERMITS` ({MAX_PERMITS})"
        ),
    }
}

impl Snapshot {
    pub(super) fn permits(self) -> usize {
        self.0 >> PERMIT_SHIFT
    }

    pub(super) fn is_closed(self) -> bool {
        self.0 & CLOSED != 0
    }

    pub(super) fn has_waiters(self) -> bool {
        self.0 & WAITERS != 0
    }

    fn with_permits(self, permits: usize) -> Snapshot {
        debug_assert!(permits <= MAX_PERMITS);
        Snapshot((self.0 & (CLOSED | WAITERS)) | (permits << PERMIT_SHIFT))
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("State")
            .field("permits", &self.permits())
            .field("closed", &self.is_closed())
            .field("waiters", &self.has_waiters())
            .finish()
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.load().fmt(f)
    }
}
