//! Readiness of one I/O resource, shared by the driver that learns it and
//! the tasks that wait for it.
//!
//! The state word holds the ready bits and a tick that counts every change
//! the driver makes. A task that tried an operation and got `WouldBlock`
//! clears the bits it saw, but only if no newer event came in meanwhile
//! (the tick still matches): an event is never lost between the attempt and
//! the clear.

use std::sync::atomic::{AtomicUsize, Ordering::AcqRel, Ordering::Acquire};
use std::sync::Mutex;
use std::task::{Context, Waker};

/// Which way a task waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

pub(crate) const READABLE: usize = 1;
pub(crate) const WRITABLE: usize = 1 << 1;
pub(crate) const READ_CLOSED: usize = 1 << 2;
pub(crate) const WRITE_CLOSED: usize = 1 << 3;
pub(crate) const ERROR: usize = 1 << 4;
/// The driver shut down (set with every other bit): nothing will change
/// any more.
pub(crate) const SHUTDOWN: usize = 1 << 5;
const READY_MASK: usize = 0xffff;
/// Wakers taken from the lists per lock hold in [`Readiness::set`].
const WAKE_BATCH: usize = 8;
const TICK_SHIFT: u32 = 16;

impl Direction {
    /// The bits that let a task of this direction make progress.
    pub(crate) fn mask(self) -> usize {
        match self {
            Direction::Read => READABLE | READ_CLOSED | ERROR | SHUTDOWN,
            Direction::Write => WRITABLE | WRITE_CLOSED | ERROR | SHUTDOWN,
        }
    }
}

/// What a task saw when it found the resource ready.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadyEvent {
    pub(crate) ready: usize,
    tick: usize,
}

impl ReadyEvent {
    /// The same event, seeing only the bits of `mask`: clearing it clears
    /// only those.
    pub(crate) fn only(self, mask: usize) -> ReadyEvent {
        ReadyEvent {
            ready: self.ready & mask,
            tick: self.tick,
        }
    }
}

#[derive(Debug, Default)]
struct Waiters {
    readers: Vec<Waker>,
    writers: Vec<Waker>,
}

/// The readiness of one resource.
#[derive(Debug, Default)]
pub(crate) struct Readiness {
    state: AtomicUsize,
    waiters: Mutex<Waiters>,
}

impl Readiness {
    /// Adds `ready` bits (from the driver) and wakes whoever they concern.
    pub(crate) fn set(&self, ready: usize) {
        let mut current = self.state.load(Acquire);
        loop {
            let tick = (current >> TICK_SHIFT).wrapping_add(1);
            let next = (tick << TICK_SHIFT) | (current & READY_MASK) | ready;
            match self.state.compare_exchange(current, next, AcqRel, Acquire) {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
        let read = ready & Direction::Read.mask() != 0;
        let write = ready & Direction::Write.mask() != 0;
        // Woken outside the lock (a waker may run code that waits here
        // again), a few at a time from a stack batch: no allocation per
        // event, and the lists keep their capacity.
        let mut batch: [Option<Waker>; WAKE_BATCH] = Default::default();
        loop {
            let mut taken = 0;
            let more = {
                let mut waiters = self.waiters.lock().unwrap_or_else(|p| p.into_inner());
                while taken < WAKE_BATCH {
                    let next = if read && !waiters.readers.is_empty() {
                        waiters.readers.pop()
                    } else if write {
                        waiters.writers.pop()
                    } else {
                        None
                    };
                    let Some(waker) = next else { break };
                    batch[taken] = Some(waker);
                    taken += 1;
                }
                (read && !waiters.readers.is_empty()) || (write && !waiters.writers.is_empty())
            };
            for waker in batch[..taken].iter_mut() {
                if let Some(waker) = waker.take() {
                    waker.wake();
                }
            }
            if !more {
                return;
            }
        }
    }

    /// The current bits for `direction`, without waiting.
    pub(crate) fn peek(&self, direction: Direction) -> Option<ReadyEvent> {
        self.peek_mask(direction.mask())
    }

    /// The current bits among `mask`, without waiting.
    pub(crate) fn peek_mask(&self, mask: usize) -> Option<ReadyEvent> {
        let current = self.state.load(Acquire);
        let ready = current & mask;
        (ready != 0).then_some(ReadyEvent {
            ready,
            tick: current >> TICK_SHIFT,
        })
    }

    /// Ready at once if the resource is ready for `direction`; otherwise
    /// registers the task's waker. Returns `Pending` with `true` when the
    /// caller should (re)arm the driver for this direction: the waiter list
    /// was empty.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Result<ReadyEvent, bool> {
        if let Some(event) = self.peek(direction) {
            return Ok(event);
        }
        let mut waiters = self.waiters.lock().unwrap_or_else(|p| p.into_inner());
        // Check again under the lock: `set` takes it after changing the
        // state, so a change after this check finds our waker.
        if let Some(event) = self.peek(direction) {
            return Ok(event);
        }
        let list = match direction {
            Direction::Read => &mut waiters.readers,
            Direction::Write => &mut waiters.writers,
        };
        let first = list.is_empty();
        if !list.iter().any(|w| w.will_wake(cx.waker())) {
            list.push(cx.waker().clone());
        }
        Err(first)
    }

    /// Clears what `event` saw, unless a newer event came in since. Closed
    /// and error bits stay: they are final.
    pub(crate) fn clear(&self, event: ReadyEvent) {
        let clearable = event.ready & (READABLE | WRITABLE);
        let mut current = self.state.load(Acquire);
        loop {
            if current >> TICK_SHIFT != event.tick {
                return;
            }
            let next = current & !clearable;
            match self.state.compare_exchange(current, next, AcqRel, Acquire) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }

    /// Wakes every waiter (the driver is shutting down).
    pub(crate) fn wake_all(&self) {
        self.set(READ_CLOSED | WRITE_CLOSED | ERROR | SHUTDOWN);
    }
}
