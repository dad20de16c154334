//! The run queue each worker of the multi-thread scheduler owns: a bounded
//! ring of tasks that its worker pushes to and pops from without locks, and
//! that idle workers steal half of.
//!
//! [`local`] makes a queue and returns its two kinds of handle: the one
//! [`Local`], held by the owning worker (push, pop), and a [`Steal`], cloned
//! to every other worker (steal). A push into a full queue moves half of it to
//! an [`Overflow`] — the scheduler's inject queue — in one batch.
//!
//! # Positions
//!
//! Tasks are numbered by position in an unbounded sequence; position `p` lives
//! in slot `p & (capacity - 1)`. Positions are stored as wrapping `Index`
//! integers and only ever compared through wrapping differences, which never
//! exceed the capacity, itself at most `2^(Index::BITS - 1)`. Three positions
//! describe a queue:
//!
//! * `tail`: where the owner writes the next task. Only the owner changes it.
//! * `real` (the real head): the next task to leave. The owner advances it to
//!   pop or to move a batch to the overflow; a stealer advances it to claim a
//!   batch.
//! * `steal`: the first task that a stealer has claimed and not yet finished
//!   copying out; equal to `real` when no steal is in progress. The stealer
//!   moves it up to `real` when done; the owner moves it together with `real`
//!   while the two are equal.
//!
//! `steal` and `real` share one atomic word, `head`, changed only by
//! compare-exchange, so that a pop and a claim never both take a task. The
//! owner measures its room from `steal`, not `real`: slots that a stealer is
//! still copying out are not free yet.
//!
//! # The unsafe protocol
//!
//! Every `SAFETY:` comment in this module cites one of these rules.
//!
//! 1. **Who owns a position.** Always `steal ≤ real ≤ tail ≤ steal + capacity`
//!    (in wrapping order), and
//!    * positions in `[real, tail)` hold initialised tasks that belong to the
//!      queue;
//!    * positions in `[steal, real)` belong to the stealer that claimed them;
//!    * positions in `[tail, steal + capacity)` are free slots, written only
//!      by the owner.
//!
//!    Whoever moves `real` past a position takes its task and reads it out
//!    exactly once; nobody else reads it. The owner reads out what it takes
//!    before it next writes a slot. So no task is read twice, and none is
//!    overwritten.
//! 2. **Publishing.** The owner writes a slot, then stores the `tail` that
//!    covers it with `Release`; a stealer loads `tail` with `Acquire` before
//!    it claims and reads those slots.
//! 3. **One claim at a time.** A stealer claims (advances `real`, leaving
//!    `steal`) only from a `head` in which `steal == real`; while a claim is
//!    in progress no other stealer claims and the owner moves no batch to the
//!    overflow. The claiming stealer ends its claim by setting `steal` to
//!    `real` after its last read. `head` is only changed by `AcqRel`
//!    compare-exchange and loaded with `Acquire`, and the owner loads it
//!    before writing a free slot, so every read of a slot happens before the
//!    owner writes it again.
//! 4. **The owner** is whoever holds the queue's one `Local` (not `Clone`):
//!    everything that writes a slot or `tail` takes `&mut Local`. A stealer
//!    writes into the `Local` it steals into, as that queue's owner.
//! 5. **Freeing.** The ring is freed with the last handle. Dropping the
//!    `Local` takes and drops the tasks in `[real, tail)`; a stealer in the
//!    middle of a claim holds a `Steal`, so its claim ends before the ring is
//!    freed. A freed ring holds no task, and its `MaybeUninit` slots drop
//!    nothing.

#[cfg(all(test, loom))]
mod loom_tests;
#[cfg(all(test, not(loom)))]
mod tests;

use std::fmt;
use std::iter;
use std::mem::MaybeUninit;

use crate::loom::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use crate::loom::{Arc, UnsafeCell};

// `steal` and `real` share one atomic word: 32-bit positions where 64-bit
// atomics exist, 16-bit ones elsewhere.
#[cfg(target_has_atomic = "64")]
mod width {
    pub(super) use crate::loom::atomic::{AtomicU32 as AtomicIndex, AtomicU64 as AtomicPacked};
    /// A position (see the module doc).
    pub(super) type Index = u32;
    /// `steal` and `real`, side by side.
    pub(super) type Packed = u64;
}

#[cfg(not(target_has_atomic = "64"))]
mod width {
    pub(super) use crate::loom::atomic::{AtomicU16 as AtomicIndex, AtomicU32 as AtomicPacked};
    /// A position (see the module doc).
    pub(super) type Index = u16;
    /// `steal` and `real`, side by side.
    pub(super) type Packed = u32;
}

use self::width::{AtomicIndex, AtomicPacked, Index, Packed};

/// The largest capacity whose distances between positions `Index` can tell
/// apart from wrap-around.
const MAX_CAPACITY: usize = 1 << (Index::BITS - 1);

/// Where a full queue sends tasks: the scheduler's shared inject queue.
pub(crate) trait Overflow<T> {
    /// Takes one task.
    fn push(&self, task: T);

    /// Takes a batch of tasks, oldest first. It must take every one: tasks it
    /// leaves in `iter` are dropped with it.
    fn push_batch<I: Iterator<Item = T>>(&self, iter: I);
}

/// Makes an empty queue of `capacity` tasks and returns its two handles.
///
/// # Panics
///
/// If `capacity` is not a power of two from 2 to 2^31 (2^15 on targets
/// without 64-bit atomics).
pub(crate) fn local<T: 'static>(capacity: usize) -> (Steal<T>, Local<T>) {
    with_first_position(capacity, 0)
}

/// [`local`], numbering the first task `first` (tests start near the wrap).
fn with_first_position<T>(capacity: usize, first: Index) -> (Steal<T>, Local<T>) {
    assert!(
        capacity >= 2 && capacity.is_power_of_two() && capacity <= MAX_CAPACITY,
        "a local queue's capacity must be a power of two from 2 to {MAX_CAPACITY}, not {capacity}"
    );
    let inner = Arc::new(Inner {
        head: AtomicPacked::new(pack(first, first)),
        tail: AtomicIndex::new(first),
        buffer: (0..capacity)
            .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
            .collect(),
        mask: (capacity - 1) as Index,
    });
    (Steal(inner.clone()), Local { inner })
}

/// The owning worker's handle: pushes and pops. There is one per queue.
pub(crate) struct Local<T> {
    inner: Arc<Inner<T>>,
}

/// Another worker's handle: steals half of the queue.
pub(crate) struct Steal<T>(Arc<Inner<T>>);

/// The ring both handles share.
struct Inner<T> {
    /// `steal` in the high half, `real` in the low half.
    head: AtomicPacked,
    /// Written only by the owner (rule 4).
    tail: AtomicIndex,
    /// Position `p` lives in `buffer[p & mask]`; which positions hold a task
    /// is rule 1.
    buffer: Box<[UnsafeCell<MaybeUninit<T>>]>,
    /// `capacity - 1`.
    mask: Index,
}

// SAFETY: tasks cross threads through the ring, hence `T: Send`. Handles on
// several threads access slots only as rules 1–4 allow, which never races.
unsafe impl<T: Send> Sync for Inner<T> {}

// The handles' thread-safety promises, checked at compile time.
const _: fn() = || {
    fn send<X: Send>() {}
    fn sync<X: Sync>() {}
    send::<Local<Box<u8>>>();
    send::<Steal<Box<u8>>>();
    sync::<Steal<Box<u8>>>();
};

fn pack(steal: Index, real: Index) -> Packed {
    ((steal as Packed) << Index::BITS) | real as Packed
}

/// Splits `head` into `(steal, real)`.
fn unpack(head: Packed) -> (Index, Index) {
    ((head >> Index::BITS) as Index, head as Index)
}

impl<T> Inner<T> {
    fn capacity(&self) -> Index {
        self.mask + 1
    }

    /// Moves the task at `pos` out of its slot.
    ///
    /// # Safety
    ///
    /// The caller took `pos` (rule 1), and reads it only this once.
    unsafe fn take(&self, pos: Index) -> T {
        self.buffer[(pos & self.mask) as usize]
            // SAFETY: the slot holds an initialised task that nobody else
            // reads or writes now (the caller's contract).
            .with(|slot| unsafe { slot.read().assume_init() })
    }

    /// Writes `task` into the slot of `pos`.
    ///
    /// # Safety
    ///
    /// The caller is the owner (rule 4), `pos` is free (rule 1), and the
    /// caller loaded `head` with `Acquire` after the slot's last read
    /// (rule 3).
    unsafe fn put(&self, pos: Index, task: T) {
        self.buffer[(pos & self.mask) as usize]
            // SAFETY: the caller's contract: nobody else touches the slot.
            .with_mut(|slot| unsafe { slot.write(MaybeUninit::new(task)) });
    }
}

impl<T> Local<T> {
    /// How many tasks the queue holds when full.
    pub(crate) fn max_capacity(&self) -> usize {
        self.inner.capacity() as usize
    }

    /// Tasks in the queue, not counting those a stealer is taking out now.
    pub(crate) fn len(&self) -> usize {
        let (_, real) = unpack(self.inner.head.load(Acquire));
        let tail = self.inner.tail.load(Relaxed); // our own store (rule 4)
        tail.wrapping_sub(real) as usize
    }

    /// Whether the queue holds any task.
    pub(crate) fn has_tasks(&self) -> bool {
        self.len() != 0
    }

    /// How many tasks can be pushed without overflowing. Slots that a stealer
    /// is still copying out count as taken.
    pub(crate) fn remaining_slots(&self) -> usize {
        let (steal, _) = unpack(self.inner.head.load(Acquire));
        let tail = self.inner.tail.load(Relaxed);
        (self.inner.capacity() - tail.wrapping_sub(steal)) as usize
    }

    /// Pushes `tasks`, oldest first.
    ///
    /// # Panics
    ///
    /// If they do not fit: the caller checks
    /// [`remaining_slots`](Self::remaining_slots) first.
    pub(crate) fn push_back(&mut self, tasks: impl ExactSizeIterator<Item = T>) {
        let count = tasks.len();
        let room = self.remaining_slots();
        assert!(
            count <= room,
            "pushed {count} tasks into a local queue with room for {room}"
        );
        let mut tail = self.inner.tail.load(Relaxed);
        for task in tasks.take(count) {
            // SAFETY: `remaining_slots` loaded `head` with `Acquire` and found
            // `count` free positions from `tail` (rules 1, 3); we are the
            // owner (rule 4).
            unsafe { self.inner.put(tail, task) };
            tail = tail.wrapping_add(1);
            // Publish each task at once, so that a panicking iterator leaves
            // none written and unpublished (rule 2).
            self.inner.tail.store(tail, Release);
        }
    }

    /// Pushes `task`; if the queue is full, sends half of the queue and
    /// `task` to `overflow` in one batch instead, or — when a stealer is
    /// making room at this very moment — `task` alone.
    ///
    /// Returns how many tasks went to `overflow`: 0 if `task` was queued
    /// here.
    pub(crate) fn push_back_or_overflow<O: Overflow<T>>(
        &mut self,
        mut task: T,
        overflow: &O,
    ) -> usize {
        loop {
            let (steal, real) = unpack(self.inner.head.load(Acquire));
            let tail = self.inner.tail.load(Relaxed);
            if tail.wrapping_sub(steal) < self.inner.capacity() {
                // SAFETY: `tail - steal < capacity`, so `tail` is free
                // (rule 1), and `head` was loaded with `Acquire` (rule 3);
                // we are the owner (rule 4).
                unsafe { self.inner.put(tail, task) };
                self.inner.tail.store(tail.wrapping_add(1), Release); // rule 2
                return 0;
            }
            if steal != real {
                // The stealer frees slots soon; until it does, spare the
                // queue a batch move.
                overflow.push(task);
                return 1;
            }
            match self.overflow_half(real, task, overflow) {
                Ok(moved) => return moved,
                // A stealer claimed tasks first: look again.
                Err(returned) => task = returned,
            }
        }
    }

    /// Takes the older half of the full queue and sends it and `task` to
    /// `overflow`, if `head` still holds `real` as both `steal` and `real`;
    /// gives `task` back if a stealer has changed it since.
    fn overflow_half<O: Overflow<T>>(
        &mut self,
        real: Index,
        task: T,
        overflow: &O,
    ) -> Result<usize, T> {
        let half = self.inner.capacity() / 2;
        let end = real.wrapping_add(half);
        // `steal == real` in `head` means no claim is in progress (rule 3).
        if self
            .inner
            .head
            .compare_exchange(pack(real, real), pack(end, end), AcqRel, Acquire)
            .is_err()
        {
            return Err(task);
        }
        let taken = Taken {
            inner: &self.inner,
            next: real,
            end,
        };
        overflow.push_batch(taken.chain(iter::once(task)));
        Ok(half as usize + 1)
    }

    /// Pops the oldest task.
    pub(crate) fn pop(&mut self) -> Option<T> {
        let tail = self.inner.tail.load(Relaxed);
        let mut head = self.inner.head.load(Acquire);
        let taken = loop {
            let (steal, real) = unpack(head);
            if real == tail {
                return None;
            }
            let next = real.wrapping_add(1);
            // A claim in progress keeps its `steal` (rule 3).
            let new = if steal == real {
                pack(next, next)
            } else {
                pack(steal, next)
            };
            match self.inner.head.compare_exchange(head, new, AcqRel, Acquire) {
                Ok(_) => break real,
                Err(actual) => head = actual,
            }
        };
        // SAFETY: we moved `real` past `taken` (rule 1).
        Some(unsafe { self.inner.take(taken) })
    }
}

impl<T> Drop for Local<T> {
    fn drop(&mut self) {
        // Rule 5: empty the ring before it can be freed. A task whose drop
        // panics leaves the rest leaked, which is safe.
        while self.pop().is_some() {}
    }
}

impl<T> Steal<T> {
    /// Tasks in the queue: a snapshot, which may be stale at once.
    pub(crate) fn len(&self) -> usize {
        // `head` first: `tail` only grows, so it is not behind `real`. It may
        // be more than a capacity ahead if the owner ran on meanwhile.
        let (_, real) = unpack(self.0.head.load(Acquire));
        let tail = self.0.tail.load(Acquire);
        (tail.wrapping_sub(real) as usize).min(self.0.capacity() as usize)
    }

    /// Steals half of this queue's tasks (rounded up) into `dst`, the
    /// caller's own queue, and returns one of them to run at once.
    ///
    /// Returns `None` if this queue is empty, if another steal from it is in
    /// progress, or if `dst` is more than half full.
    pub(crate) fn steal_into(&self, dst: &mut Local<T>) -> Option<T> {
        debug_assert!(!Arc::ptr_eq(&self.0, &dst.inner), "stealing from itself");
        let room = dst.remaining_slots() as Index;
        if room < dst.inner.capacity() / 2 {
            return None;
        }
        let (first, count) = self.claim_half(room)?;
        let dst_tail = dst.inner.tail.load(Relaxed);
        for i in 0..count - 1 {
            // SAFETY: our claim covers `first..first + count` (rule 1).
            let task = unsafe { self.0.take(first.wrapping_add(i)) };
            // SAFETY: `remaining_slots` loaded `dst`'s `head` with `Acquire`
            // and found `room ≥ count` free positions from `dst_tail`
            // (rules 1, 3); we are `dst`'s owner (rule 4).
            unsafe { dst.inner.put(dst_tail.wrapping_add(i), task) };
        }
        // SAFETY: as above, the last position of the claim.
        let last = unsafe { self.0.take(first.wrapping_add(count - 1)) };
        self.end_claim(first);
        if count > 1 {
            // Rule 2, in `dst`.
            dst.inner
                .tail
                .store(dst_tail.wrapping_add(count - 1), Release);
        }
        Some(last)
    }

    /// Claims the older half of the tasks, rounded up, at most `limit` of
    /// them: returns the first position and the count.
    fn claim_half(&self, limit: Index) -> Option<(Index, Index)> {
        let mut head = self.0.head.load(Acquire);
        loop {
            let (steal, real) = unpack(head);
            if steal != real {
                // Another stealer's claim is in progress (rule 3).
                return None;
            }
            // Loaded after `head`, so not behind `real`; the tasks it covers
            // are visible (rule 2).
            let tail = self.0.tail.load(Acquire);
            let available = tail.wrapping_sub(real);
            let count = (available - available / 2).min(limit);
            if count == 0 {
                return None;
            }
            let claimed = pack(steal, real.wrapping_add(count));
            match self.0.head.compare_exchange(head, claimed, AcqRel, Acquire) {
                Ok(_) => return Some((real, count)),
                Err(actual) => head = actual,
            }
        }
    }

    /// Ends the claim that starts at `first`, after its last read (rule 3).
    fn end_claim(&self, first: Index) {
        let mut head = self.0.head.load(Acquire);
        loop {
            let (steal, real) = unpack(head);
            debug_assert_eq!(steal, first, "a claim ended by someone else");
            match self
                .0
                .head
                .compare_exchange(head, pack(real, real), AcqRel, Acquire)
            {
                Ok(_) => return,
                // The owner popped meanwhile.
                Err(actual) => head = actual,
            }
        }
    }
}

impl<T> Clone for Steal<T> {
    fn clone(&self) -> Self {
        Steal(self.0.clone())
    }
}

impl<T> fmt::Debug for Local<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Local")
            .field("len", &self.len())
            .field("capacity", &self.max_capacity())
            .finish()
    }
}

impl<T> fmt::Debug for Steal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Steal").field("len", &self.len()).finish()
    }
}

/// The tasks at positions `[next, end)`, which the owner took to send to the
/// overflow; read out one by one as the overflow asks.
struct Taken<'a, T> {
    inner: &'a Inner<T>,
    next: Index,
    end: Index,
}

impl<T> Iterator for Taken<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        if self.next == self.end {
            return None;
        }
        let pos = self.next;
        self.next = pos.wrapping_add(1);
        // SAFETY: the owner took `[next, end)` (rule 1), and reads each
        // position once, before its next write: `Taken` borrows the `Local`.
        Some(unsafe { self.inner.take(pos) })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.end.wrapping_sub(self.next) as usize;
        (left, Some(left))
    }
}

impl<T> Drop for Taken<'_, T> {
    fn drop(&mut self) {
        // An overflow that stopped early, or panicked: drop the rest rather
        // than leak them.
        for task in self.by_ref() {
            drop(task);
        }
    }
}
