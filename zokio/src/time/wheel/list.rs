//! Doubly linked lists of wheel entries, threaded through the slab by index.
//!
//! A list is only a head and a tail; the links live in the entries, so
//! linking and unlinking never allocate and an entry can leave any position
//! of its list in constant time.

use slab::Slab;

use super::entry::{Entry, NIL};

/// A list of entries in insertion order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct List {
    head: u32,
    tail: u32,
}

impl List {
    pub(super) const EMPTY: List = List {
        head: NIL,
        tail: NIL,
    };

    pub(super) fn is_empty(&self) -> bool {
        self.head == NIL
    }

    /// Links `key`, which must be in no list, at the back.
    pub(super) fn push_back(&mut self, entries: &mut Slab<Entry>, key: u32) {
        let entry = &mut entries[key as usize];
        entry.prev = self.tail;
        entry.next = NIL;
        if self.tail == NIL {
            self.head = key;
        } else {
            entries[self.tail as usize].next = key;
        }
        self.tail = key;
    }

    /// Unlinks and returns the front entry.
    pub(super) fn pop_front(&mut self, entries: &mut Slab<Entry>) -> Option<u32> {
        if self.head == NIL {
            return None;
        }
        let key = self.head;
        self.unlink(entries, key);
        Some(key)
    }

    /// Unlinks `key`, which must be in this list.
    pub(super) fn unlink(&mut self, entries: &mut Slab<Entry>, key: u32) {
        let entry = &mut entries[key as usize];
        let (prev, next) = (entry.prev, entry.next);
        entry.prev = NIL;
        entry.next = NIL;
        if prev == NIL {
            debug_assert_eq!(self.head, key, "unlinking an entry of another list");
            self.head = next;
        } else {
            entries[prev as usize].next = next;
        }
        if next == NIL {
            debug_assert_eq!(self.tail, key, "unlinking an entry of another list");
            self.tail = prev;
        } else {
            entries[next as usize].prev = prev;
        }
    }
}
