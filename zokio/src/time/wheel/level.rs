//! One level of the wheel: 64 slots, each spanning `64^level` ticks.
//!
//! Level 0 slots span one tick, level 1 slots 64 ticks, and so on. An entry
//! sits in the level of the highest base-64 digit in which its deadline
//! differs from the wheel's `elapsed`, in the slot named by that digit of
//! the deadline. Hence, relative to `elapsed`:
//!
//! * every occupied slot of a level comes strictly after the slot `elapsed`
//!   is in (the deadline is later and agrees on all higher digits);
//! * every entry of a level is due before any entry of a higher level.

use slab::Slab;

use super::entry::Entry;
use super::list::List;

/// Bits of a tick that one level resolves.
pub(super) const SLOT_BITS: u32 = 6;
/// Slots per level.
pub(super) const SLOTS: usize = 1 << SLOT_BITS;

/// One level's slots.
#[derive(Debug)]
pub(super) struct Level {
    /// Bit `i` is set iff slot `i` holds an entry.
    occupied: u64,
    /// `SLOT_BITS * level`: the position of this level's digit in a tick.
    shift: u32,
    slots: [List; SLOTS],
}

impl Level {
    pub(super) fn new(level: usize) -> Level {
        Level {
            occupied: 0,
            shift: SLOT_BITS * level as u32,
            slots: [List::EMPTY; SLOTS],
        }
    }

    /// This level's digit of `tick`: the slot an entry due then goes to.
    pub(super) fn slot_of(&self, tick: u64) -> usize {
        ((tick >> self.shift) as usize) & (SLOTS - 1)
    }

    pub(super) fn push(&mut self, entries: &mut Slab<Entry>, key: u32, slot: usize) {
        self.slots[slot].push_back(entries, key);
        self.occupied |= 1 << slot;
    }

    pub(super) fn unlink(&mut self, entries: &mut Slab<Entry>, key: u32, slot: usize) {
        let list = &mut self.slots[slot];
        list.unlink(entries, key);
        if list.is_empty() {
            self.occupied &= !(1 << slot);
        }
    }

    /// Empties `slot`, returning its entries (still linked to each other).
    pub(super) fn take(&mut self, slot: usize) -> List {
        self.occupied &= !(1 << slot);
        std::mem::replace(&mut self.slots[slot], List::EMPTY)
    }

    /// The first occupied slot after the one `elapsed` is in, with the tick
    /// at which that slot's span begins.
    pub(super) fn next_occupied(&self, elapsed: u64) -> Option<(usize, u64)> {
        let current = self.slot_of(elapsed);
        let later = match current {
            c if c == SLOTS - 1 => 0,
            c => self.occupied & (u64::MAX << (c + 1)),
        };
        debug_assert_eq!(
            self.occupied & !later,
            0,
            "a level holds an entry at or before the current slot"
        );
        if later == 0 {
            return None;
        }
        let slot = later.trailing_zeros() as usize;
        let rotation = 1u64 << (self.shift + SLOT_BITS);
        let rotation_start = elapsed & !(rotation - 1);
        Some((slot, rotation_start + ((slot as u64) << self.shift)))
    }
}
