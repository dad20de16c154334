//! Wakers collected under a lock and woken after it is released.

use std::fmt;
use std::mem::MaybeUninit;
use std::task::Waker;

/// Up to [`CAPACITY`](Self::CAPACITY) wakers, on the stack.
///
/// A primitive pops waiters under its lock, pushes their wakers here, and
/// calls [`wake_all`](Self::wake_all) once the lock is released, so that no
/// woken task runs into a lock its waker holds. When [`is_full`](Self::is_full),
/// release the lock, wake, and lock again to go on.
pub(crate) struct WakeList {
    /// # Invariant
    /// The first `len` slots are initialised (rule 5 of the
    /// [module](super)).
    slots: [MaybeUninit<Waker>; WakeList::CAPACITY],
    len: usize,
}

impl WakeList {
    /// How many wakers fit.
    pub(crate) const CAPACITY: usize = 32;

    /// An empty list; costs no initialisation of the slots.
    pub(crate) fn new() -> WakeList {
        WakeList {
            slots: [const { MaybeUninit::uninit() }; WakeList::CAPACITY],
            len: 0,
        }
    }

    /// Whether another waker fits.
    pub(crate) fn is_full(&self) -> bool {
        self.len == Self::CAPACITY
    }

    /// Adds `waker` (or nothing, for a waiter that registered none).
    ///
    /// # Panics
    /// If the list is full.
    pub(crate) fn push(&mut self, waker: Option<Waker>) {
        let Some(waker) = waker else { return };
        assert!(!self.is_full(), "WakeList overflow");
        self.slots[self.len].write(waker);
        self.len += 1;
    }

    /// Wakes every waker and empties the list.
    pub(crate) fn wake_all(&mut self) {
        // Taken out one by one, so that a panicking waker drops only itself
        // here and the rest in `Drop`.
        while self.len > 0 {
            self.len -= 1;
            // SAFETY: the slot was below `len`, so it is initialised; `len`
            // no longer covers it, so it is read exactly once (rule 5).
            let waker = unsafe { self.slots[self.len].assume_init_read() };
            waker.wake();
        }
    }
}

impl Drop for WakeList {
    fn drop(&mut self) {
        for slot in &mut self.slots[..self.len] {
            // SAFETY: below `len`, so initialised (rule 5); dropped once, as
            // the list is going away.
            unsafe { slot.assume_init_drop() };
        }
    }
}

impl fmt::Debug for WakeList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WakeList").field("len", &self.len).finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::task::Wake;

    use super::*;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    #[test]
    fn wakes_each_once_and_drops_the_rest() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let mut list = WakeList::new();
        for _ in 0..WakeList::CAPACITY {
            list.push(Some(Waker::from(count.clone())));
        }
        list.push(None);
        assert!(list.is_full());
        list.wake_all();
        assert_eq!(count.0.load(SeqCst), WakeList::CAPACITY);
        assert!(!list.is_full());
        list.push(Some(Waker::from(count.clone())));
        drop(list);
        assert_eq!(count.0.load(SeqCst), WakeList::CAPACITY);
        assert_eq!(Arc::strong_count(&count), 1);
    }
}
