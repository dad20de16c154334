//! A timer as the wheel stores it, and the key that names it.

use std::task::Waker;

/// The end of a list: no entry.
pub(super) const NIL: u32 = u32::MAX;

/// Names one timer in the wheel.
///
/// The slab reuses indices, so the key also carries the generation the
/// entry was given at insertion. A key whose timer has fired (and whose slot
/// now holds another timer) misses instead of touching a stranger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimerKey {
    pub(super) index: u32,
    pub(super) generation: u64,
}

/// The list an entry is linked into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Location {
    /// A slot of one level.
    Slot { level: u8, slot: u8 },
    /// Too far in the future for any level.
    Overflow,
    /// Due; fired by the next `Wheel::poll`.
    Pending,
}

/// One pending timer.
#[derive(Debug)]
pub(super) struct Entry {
    /// The tick at which the timer is due.
    pub(super) deadline: u64,
    /// Unique over the wheel's life; see [`TimerKey`].
    pub(super) generation: u64,
    /// Woken when the timer fires.
    pub(super) waker: Waker,
    /// Which list `prev` and `next` belong to.
    pub(super) location: Location,
    pub(super) prev: u32,
    pub(super) next: u32,
}
