//! A hierarchical timer wheel with one tick per millisecond.
//!
//! Six levels of 64 slots cover 64^6 ticks (about 795 days) ahead of
//! `elapsed`, the last tick the wheel has reached; deadlines farther away
//! wait in an overflow list and are placed again when the top level comes
//! round. Inserting and removing a timer cost O(1). Advancing visits only
//! occupied slots: an entry found in a higher level is placed again (lower
//! down) when the wheel reaches its slot, and fires once the wheel reaches
//! its own tick, so timers fire in deadline order and never early.
//!
//! Entries live in a [`Slab`] and are linked into their slot by index. The
//! wheel never runs a waker: it hands them to its caller, which wakes them
//! outside its lock.

mod entry;
mod level;
mod list;
#[cfg(test)]
mod tests;

use std::array;
use std::task::Waker;

use slab::Slab;

pub(crate) use entry::TimerKey;
use entry::{Entry, Location, NIL};
use level::{Level, SLOT_BITS};
use list::List;

/// Levels in the wheel.
const LEVELS: usize = 6;
/// Bits of a tick the levels resolve together: one rotation of the top
/// level spans `1 << WHEEL_BITS` ticks.
const WHEEL_BITS: u32 = SLOT_BITS * LEVELS as u32;

/// The wheel: every pending timer, by deadline.
#[derive(Debug)]
pub(crate) struct Wheel {
    entries: Slab<Entry>,
    levels: [Level; LEVELS],
    /// Entries whose deadline no level can hold yet.
    overflow: List,
    /// Entries that are due, waiting for `poll` to hand out their wakers.
    pending: List,
    /// The tick the wheel has reached: every entry due at or before it is
    /// pending or gone.
    elapsed: u64,
    /// The generation the next entry gets.
    next_generation: u64,
}

/// What `reset` did to a timer.
#[derive(Debug)]
pub(crate) enum Reset {
    /// The timer now waits for its new deadline.
    Moved,
    /// The new deadline has passed: the timer is removed; here is its waker.
    Due(Waker),
    /// No such timer: it fired (or was removed) before.
    Gone,
}

/// The next point at which the wheel must stop: a slot of a level (or the
/// overflow list when `level == LEVELS`) and the tick at which it begins.
#[derive(Debug, Clone, Copy)]
struct Stop {
    level: usize,
    slot: usize,
    tick: u64,
}

impl Wheel {
    /// An empty wheel at tick 0.
    pub(crate) fn new() -> Wheel {
        Wheel {
            entries: Slab::new(),
            levels: array::from_fn(Level::new),
            overflow: List::EMPTY,
            pending: List::EMPTY,
            elapsed: 0,
            next_generation: 0,
        }
    }

    /// The tick the wheel has reached.
    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// Timers in the wheel (waiting or due, not yet handed out).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Adds a timer due at tick `deadline`, or gives the waker back if that
    /// tick has already been reached.
    ///
    /// # Panics
    ///
    /// With more than `u32::MAX - 1` timers at once.
    pub(crate) fn insert(&mut self, deadline: u64, waker: Waker) -> Result<TimerKey, Waker> {
        if deadline <= self.elapsed {
            return Err(waker);
        }
        let index = match u32::try_from(self.entries.vacant_key()) {
            Ok(index) if index != NIL => index,
            _ => panic!("too many timers in one runtime"),
        };
        let generation = self.next_generation;
        self.next_generation += 1;
        self.entries.insert(Entry {
            deadline,
            generation,
            waker,
            location: Location::Pending,
            prev: NIL,
            next: NIL,
        });
        self.place(index);
        Ok(TimerKey { index, generation })
    }

    /// The waker of a timer that has not fired, to replace it.
    pub(crate) fn waker_mut(&mut self, key: TimerKey) -> Option<&mut Waker> {
        let index = self.find(key)?;
        Some(&mut self.entries[index as usize].waker)
    }

    /// Removes a timer that has not fired, returning its waker.
    pub(crate) fn remove(&mut self, key: TimerKey) -> Option<Waker> {
        let index = self.find(key)?;
        self.unlink(index);
        Some(self.entries.remove(index as usize).waker)
    }

    /// Moves a timer that has not fired to a new deadline.
    pub(crate) fn reset(&mut self, key: TimerKey, deadline: u64) -> Reset {
        let Some(index) = self.find(key) else {
            return Reset::Gone;
        };
        self.unlink(index);
        if deadline <= self.elapsed {
            return Reset::Due(self.entries.remove(index as usize).waker);
        }
        self.entries[index as usize].deadline = deadline;
        self.place(index);
        Reset::Moved
    }

    /// The tick at which the wheel must next be polled, `None` without
    /// timers. It may come before the earliest deadline: the wheel then
    /// only moves entries down a level.
    pub(crate) fn next_expiration(&self) -> Option<u64> {
        if !self.pending.is_empty() {
            return Some(self.elapsed);
        }
        self.next_stop().map(|stop| stop.tick)
    }

    /// Advances towards tick `now`, returning the waker of the next timer
    /// due by then, or `None` once every such timer has been returned (the
    /// wheel has then reached `now`). Timers come out in deadline order.
    pub(crate) fn poll(&mut self, now: u64) -> Option<Waker> {
        loop {
            if let Some(index) = self.pending.pop_front(&mut self.entries) {
                return Some(self.entries.remove(index as usize).waker);
            }
            match self.next_stop() {
                Some(stop) if stop.tick <= now => self.advance_to(stop),
                _ => {
                    self.elapsed = self.elapsed.max(now);
                    return None;
                }
            }
        }
    }

    /// Removes every timer, returning their wakers, and moves the wheel to
    /// the end of time: later insertions are due at once.
    pub(crate) fn close(&mut self) -> Vec<Waker> {
        let wakers = self.entries.drain().map(|entry| entry.waker).collect();
        self.levels = array::from_fn(Level::new);
        self.overflow = List::EMPTY;
        self.pending = List::EMPTY;
        self.elapsed = u64::MAX;
        wakers
    }

    /// The entry `key` names, if it is still in the wheel.
    fn find(&self, key: TimerKey) -> Option<u32> {
        match self.entries.get(key.index as usize) {
            Some(entry) if entry.generation == key.generation => Some(key.index),
            _ => None,
        }
    }

    /// Links an unlinked entry where its deadline belongs, given `elapsed`.
    fn place(&mut self, index: u32) {
        let deadline = self.entries[index as usize].deadline;
        let location = if deadline <= self.elapsed {
            self.pending.push_back(&mut self.entries, index);
            Location::Pending
        } else {
            // The highest base-64 digit in which the deadline differs from
            // `elapsed` picks the level (see `level.rs`).
            let highest_bit = 63 - (self.elapsed ^ deadline).leading_zeros();
            let level = (highest_bit / SLOT_BITS) as usize;
            if level < LEVELS {
                let slot = self.levels[level].slot_of(deadline);
                self.levels[level].push(&mut self.entries, index, slot);
                Location::Slot {
                    level: level as u8,
                    slot: slot as u8,
                }
            } else {
                self.overflow.push_back(&mut self.entries, index);
                Location::Overflow
            }
        };
        self.entries[index as usize].location = location;
    }

    /// Unlinks an entry from whichever list holds it.
    fn unlink(&mut self, index: u32) {
        match self.entries[index as usize].location {
            Location::Slot { level, slot } => {
                self.levels[level as usize].unlink(&mut self.entries, index, slot as usize)
            }
            Location::Overflow => self.overflow.unlink(&mut self.entries, index),
            Location::Pending => self.pending.unlink(&mut self.entries, index),
        }
    }

    /// The earliest occupied slot. Lower levels always come first (see
    /// `level.rs`), and the overflow list waits for the top level's next
    /// rotation.
    fn next_stop(&self) -> Option<Stop> {
        for (level, slots) in self.levels.iter().enumerate() {
            if let Some((slot, tick)) = slots.next_occupied(self.elapsed) {
                return Some(Stop { level, slot, tick });
            }
        }
        if self.overflow.is_empty() {
            return None;
        }
        Some(Stop {
            level: LEVELS,
            slot: 0,
            tick: ((self.elapsed >> WHEEL_BITS) + 1) << WHEEL_BITS,
        })
    }

    /// Moves the wheel to `stop` and places that slot's entries again:
    /// those due now become pending, the others go down a level.
    fn advance_to(&mut self, stop: Stop) {
        debug_assert!(stop.tick > self.elapsed, "the wheel went backwards");
        self.elapsed = stop.tick;
        let mut list = if stop.level == LEVELS {
            std::mem::replace(&mut self.overflow, List::EMPTY)
        } else {
            self.levels[stop.level].take(stop.slot)
        };
        while let Some(index) = list.pop_front(&mut self.entries) {
            self.place(index);
        }
    }
}
