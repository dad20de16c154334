//! The values of a channel: a linked list of blocks of slots that any
//! number of senders fill without a lock and the one receiver empties.
//!
//! A sender claims a *position* with one `fetch_add` on the tail word, finds
//! the block holding that position by walking the list from the tail block,
//! writes its value into the slot and sets the slot's bit in the block's
//! `ready` word. The receiver reads positions in order: a slot whose bit is
//! clear means "empty for now". Blocks the receiver has emptied are put back
//! at the end of the list for reuse (or freed), once no sender can still
//! hold a pointer to them. The rules that make this sound are rules 1 to 6
//! of the [module](super).
//!
//! Positions step by [`STEP`] (2), so that bit 0 of the tail word can say
//! that the receiver closed the list; all position arithmetic wraps.

use std::mem::MaybeUninit;
use std::ptr::{self, addr_of_mut, NonNull};

use crate::loom::atomic::{
    AtomicPtr, AtomicUsize,
    Ordering::{AcqRel, Acquire, Relaxed, Release},
};
use crate::loom::UnsafeCell;

/// Slots per block. Small under loom, so that the models cross blocks.
#[cfg(not(loom))]
const BLOCK_CAP: usize = if usize::BITS >= 64 { 32 } else { 16 };
#[cfg(loom)]
const BLOCK_CAP: usize = 2;

/// Distance between two consecutive positions.
const STEP: usize = 2;
/// Positions covered by one block.
const SPAN: usize = BLOCK_CAP * STEP;
/// Bit 0 of the tail word: the receiver closed the list.
const CLOSED: usize = 1;
/// Every ready bit of a block.
const ALL_READY: usize = (1 << BLOCK_CAP) - 1;
/// In a block's `ready` word: the tail block moved past this block and
/// `released_at` is written (rule 4).
const RELEASED: usize = 1 << BLOCK_CAP;
/// In a block's `ready` word: the receiver waits for the value of a position
/// in this block, and the sender that writes it must wake it (rule 9).
const RX_WAITING: usize = 1 << (BLOCK_CAP + 1);
/// How often a reclaimed block tries to join the end of the list before it
/// is freed instead; bounds the spare blocks a list keeps.
const RECYCLE_TRIES: usize = 3;

fn slot_index(pos: usize) -> usize {
    (pos / STEP) % BLOCK_CAP
}

fn block_start(pos: usize) -> usize {
    pos & !(SPAN - 1)
}

/// `a >= b` for positions, which wrap.
fn reached(a: usize, b: usize) -> bool {
    (a.wrapping_sub(b) as isize) >= 0
}

struct Block<T> {
    /// The position of slot 0, a multiple of `SPAN`.
    ///
    /// # Invariant
    /// Written only while the block is unreachable by other threads, before
    /// it is published; read-only while it is reachable (rule 2).
    start: UnsafeCell<usize>,
    /// The block after this one, or null.
    next: AtomicPtr<Block<T>>,
    /// Bit `i`: slot `i` holds a value (rule 1); then `RELEASED` and
    /// `RX_WAITING`.
    ready: AtomicUsize,
    /// The tail position read by the sender that moved the tail block past
    /// this block.
    ///
    /// # Invariant
    /// Written once by that sender before it sets `RELEASED` (rule 4).
    released_at: UnsafeCell<usize>,
    /// # Invariant
    /// Slot `i` is initialised while bit `i` of `ready` is set and the
    /// receiver has not read it (rule 1).
    slots: [UnsafeCell<MaybeUninit<T>>; BLOCK_CAP],
    #[cfg(loom)]
    _leak_check: loom::alloc::Track<()>,
}

impl<T> Block<T> {
    /// A new, unpublished block starting at `start`.
    fn allocate(start: usize) -> NonNull<Block<T>> {
        // Initialised in place: a block is large, and moving it through the
        // stack into a `Box` would copy every slot.
        let block = Box::into_raw(Box::new(MaybeUninit::<Block<T>>::uninit())).cast::<Block<T>>();
        // SAFETY: `block` is a fresh allocation with the layout of
        // `Block<T>`; every field is written before the `Box` is rebuilt in
        // `dealloc`. The slots hold `MaybeUninit`, which needs no value.
        unsafe {
            addr_of_mut!((*block).start).write(UnsafeCell::new(start));
            addr_of_mut!((*block).next).write(AtomicPtr::new(ptr::null_mut()));
            addr_of_mut!((*block).ready).write(AtomicUsize::new(0));
            addr_of_mut!((*block).released_at).write(UnsafeCell::new(0));
            for i in 0..BLOCK_CAP {
                addr_of_mut!((*block).slots[i]).write(UnsafeCell::new(MaybeUninit::uninit()));
            }
            #[cfg(loom)]
            addr_of_mut!((*block)._leak_check).write(loom::alloc::Track::new(()));
            NonNull::new_unchecked(block)
        }
    }

    /// Frees a block whose slots hold no value.
    ///
    /// # Safety
    /// Nobody else can reach the block (rules 5, 6).
    unsafe fn dealloc(block: NonNull<Block<T>>) {
        // SAFETY: allocated by `allocate` as a `Box` of this layout and
        // unreachable (caller); the slots are `MaybeUninit`, so nothing is
        // dropped twice.
        let mut block = unsafe { Box::from_raw(block.as_ptr()) };
        block.before_free();
        drop(block);
    }

    /// Loom does not see memory being freed: touching every cell makes it
    /// report any access by another thread that is not ordered before.
    #[cfg(loom)]
    fn before_free(&mut self) {
        self.start.with_mut(|_| ());
        self.released_at.with_mut(|_| ());
        self.ready.with_mut(|_| ());
        for slot in &self.slots {
            slot.with_mut(|_| ());
        }
    }

    #[cfg(not(loom))]
    #[inline(always)]
    fn before_free(&mut self) {}

    fn start(&self) -> usize {
        // SAFETY: the block is reachable by the caller, so `start` is
        // read-only (rule 2).
        self.start.with(|start| unsafe { *start })
    }

    /// Every slot was written: no sender will look for its position in
    /// this block any more (rule 3).
    fn is_final(&self) -> bool {
        // Acquire: each writer's walk happens before the caller moves the
        // tail block past this one.
        self.ready.load(Acquire) & ALL_READY == ALL_READY
    }

    /// Writes the value of a claimed position and marks its slot ready;
    /// returns whether the receiver waits for a value in this block.
    ///
    /// # Safety
    /// The caller claimed the position of slot `index` in this block and
    /// writes it once (rule 1); the block is live (rule 5).
    unsafe fn write(&self, index: usize, value: T) -> bool {
        // SAFETY: the slot is the claimer's until its ready bit is set
        // (rule 1).
        self.slots[index].with_mut(|slot| unsafe { (*slot).write(value) });
        // Release publishes the value; Acquire makes the waker that the
        // receiver registered before it set `RX_WAITING` visible (rule 9).
        // The bit is clear (a slot is written once per use of the block), so
        // adding sets it; unlike an `or` whose result is used, an add is one
        // instruction on x86.
        self.ready.fetch_add(1 << index, AcqRel) & RX_WAITING != 0
    }

    /// Takes the value of a ready slot.
    ///
    /// # Safety
    /// The caller is the receiver, loaded the slot's ready bit set with
    /// `Acquire`, and reads the slot only once (rule 1).
    unsafe fn take(&self, index: usize) -> T {
        // SAFETY: the slot was written and is the receiver's now (rule 1).
        self.slots[index].with_mut(|slot| unsafe { (*slot).assume_init_read() })
    }

    /// The next block, allocating and linking one if there is none yet.
    ///
    /// # Safety
    /// Every block from this one on stays live during the call: the caller
    /// is a sender that has not written its value yet, or the receiver and
    /// this is its head block (rule 5).
    unsafe fn next_or_grow(&self) -> NonNull<Block<T>> {
        if let Some(next) = NonNull::new(self.next.load(Acquire)) {
            return next;
        }
        let new = Block::allocate(self.start().wrapping_add(SPAN));
        // Release publishes the new block's fields (rule 2).
        match self
            .next
            .compare_exchange(ptr::null_mut(), new.as_ptr(), AcqRel, Acquire)
        {
            Ok(_) => new,
            Err(winner) => {
                // SAFETY: a failed exchange read a non-null pointer.
                let winner = unsafe { NonNull::new_unchecked(winner) };
                // Another sender linked a block first; ours goes further
                // down, to be used later rather than wasted.
                // SAFETY: the blocks after this one are live (caller), and
                // `new` is unpublished, so ours (rule 2).
                unsafe { append(winner, new, usize::MAX) };
                winner
            }
        }
    }

    /// Sets `RELEASED`, recording the tail position read after the tail
    /// block moved past this block.
    ///
    /// # Safety
    /// The caller's compare-and-swap moved the tail block from this block
    /// to the next (rule 4).
    unsafe fn release(&self, tail_pos: usize) {
        // SAFETY: only the sender whose exchange moved the tail block writes
        // it, once, and nobody reads it before `RELEASED` is set (rule 4).
        self.released_at.with_mut(|at| unsafe { *at = tail_pos });
        self.ready.fetch_or(RELEASED, Release);
    }

    /// Whether the receiver, at `rx_pos`, may reclaim this block (rule 5).
    fn is_reclaimable(&self, rx_pos: usize) -> bool {
        if self.ready.load(Acquire) & RELEASED == 0 {
            return false;
        }
        // SAFETY: written before `RELEASED`, which we loaded with `Acquire`,
        // and never again (rule 4).
        let released_at = self.released_at.with(|at| unsafe { *at });
        reached(rx_pos, released_at)
    }
}

/// Links `block` at the end of the list, searching from `from`; gives up
/// after `tries` failed attempts. Whether it was linked.
///
/// # Safety
/// Every block from `from` on stays live during the call (rule 5), and
/// `block` is unreachable by other threads (rule 2).
unsafe fn append<T>(mut from: NonNull<Block<T>>, block: NonNull<Block<T>>, tries: usize) -> bool {
    // SAFETY: unreachable, so ours (caller).
    let new = unsafe { block.as_ref() };
    for _ in 0..tries {
        // SAFETY: live (caller).
        let last = unsafe { from.as_ref() };
        // SAFETY: unpublished, so ours to write (rule 2).
        new.start
            .with_mut(|start| unsafe { *start = last.start().wrapping_add(SPAN) });
        match last
            .next
            .compare_exchange(ptr::null_mut(), block.as_ptr(), AcqRel, Acquire)
        {
            Ok(_) => return true,
            // SAFETY: a failed exchange read a non-null pointer.
            Err(next) => from = unsafe { NonNull::new_unchecked(next) },
        }
    }
    false
}

/// The senders' end of the list.
pub(super) struct Tail<T> {
    /// The next position to claim, with `CLOSED` in bit 0.
    word: AtomicUsize,
    /// A block at or before the block of every position that a sender
    /// claimed but has not found yet (rule 3).
    block: AtomicPtr<Block<T>>,
}

/// The receiver's end of the list.
///
/// # Invariant
/// Used by the receiver only (rule 7), or by the last user of the channel
/// (rule 6).
pub(super) struct Head<T> {
    /// The block holding `pos`, or the block just before it.
    block: NonNull<Block<T>>,
    /// The oldest block not reclaimed yet; `block` or before it.
    free: NonNull<Block<T>>,
    /// The next position to read.
    pos: usize,
    /// The receiver set `RX_WAITING` in the block of `pos` and has not taken
    /// the value at `pos` since.
    armed: bool,
}

/// A new, empty list.
pub(super) fn list<T>() -> (Tail<T>, Head<T>) {
    let first = Block::allocate(0);
    let tail = Tail {
        word: AtomicUsize::new(0),
        block: AtomicPtr::new(first.as_ptr()),
    };
    let head = Head {
        block: first,
        free: first,
        pos: 0,
        armed: false,
    };
    (tail, head)
}

impl<T> Tail<T> {
    /// Claims the next position and writes `value` there; `Ok(true)` if the
    /// receiver waits for it and must be woken. While the list is closed the
    /// value comes back, unless `after_close` (a bounded channel's reserved
    /// capacity may still be used then).
    pub(super) fn push(&self, value: T, after_close: bool) -> Result<bool, T> {
        // Acquire: pairs with the read-modify-write of rule 4.
        let word = self.word.fetch_add(STEP, Acquire);
        if word & CLOSED != 0 && !after_close {
            return Err(value);
        }
        let pos = word & !CLOSED;
        // SAFETY: `pos` is ours and not written yet (rule 1).
        let block = unsafe { self.find_block(pos) };
        // SAFETY: the position is ours, in this block, and the block stays
        // live until we have written it (rule 5).
        Ok(unsafe { block.as_ref().write(slot_index(pos), value) })
    }

    /// The block holding `pos`; moves the tail block forward over final
    /// blocks on the way.
    ///
    /// # Safety
    /// The caller claimed `pos` and has not written it.
    unsafe fn find_block(&self, pos: usize) -> NonNull<Block<T>> {
        let start = block_start(pos);
        let mut block = self.block.load(Acquire);
        let mut advance = true;
        loop {
            // SAFETY: the tail block is never null; while our position is
            // unwritten, every block from the tail block we loaded on is
            // live (rule 5).
            let current = unsafe { &*block };
            if current.start() == start {
                // SAFETY: never null, see above.
                return unsafe { NonNull::new_unchecked(block) };
            }
            // SAFETY: see above; our position is not written yet.
            let next = unsafe { current.next_or_grow() }.as_ptr();
            // Only the first sender to pass a final block moves the tail;
            // one that loses the race leaves the rest to the winner.
            if advance {
                advance = current.is_final()
                    && self
                        .block
                        .compare_exchange(block, next, Release, Relaxed)
                        .is_ok();
                if advance {
                    // A read-modify-write reads the latest position (rule 4).
                    let tail_pos = self.word.fetch_add(0, AcqRel) & !CLOSED;
                    // SAFETY: our exchange moved the tail past `current`.
                    unsafe { current.release(tail_pos) };
                }
            }
            block = next;
        }
    }

    /// Closes the list; returns the first position that no value will be
    /// pushed to, except with `after_close`.
    pub(super) fn close(&self) -> usize {
        self.word.fetch_or(CLOSED, AcqRel) & !CLOSED
    }

    pub(super) fn is_closed(&self) -> bool {
        self.word.load(Acquire) & CLOSED != 0
    }

    /// The next position to claim.
    pub(super) fn position(&self) -> usize {
        self.word.load(Acquire) & !CLOSED
    }

    /// Puts an emptied block back at the end of the list, or frees it.
    ///
    /// # Safety
    /// The caller is the receiver and may reclaim `block` (rule 5).
    unsafe fn recycle(&self, block: NonNull<Block<T>>) {
        // SAFETY: reclaimable, so nobody else reaches it (rule 5).
        let spare = unsafe { block.as_ref() };
        spare.ready.store(0, Relaxed);
        spare.next.store(ptr::null_mut(), Relaxed);
        // Only the receiver reclaims blocks, and it does not while it is
        // here: the tail block and the blocks after it stay live.
        let tail = self.block.load(Acquire);
        // SAFETY: the tail block is never null; see above for liveness, and
        // `block` is unreachable (rule 5).
        let linked = unsafe { append(NonNull::new_unchecked(tail), block, RECYCLE_TRIES) };
        if !linked {
            // SAFETY: still unreachable.
            unsafe { Block::dealloc(block) };
        }
    }
}

impl<T> Head<T> {
    /// The next position to read.
    pub(super) fn position(&self) -> usize {
        self.pos
    }

    /// Takes the value at the next position, if it is written.
    ///
    /// # Safety
    /// The caller is the receiver or the last user of the channel
    /// (rules 6, 7).
    pub(super) unsafe fn pop(&mut self, tail: &Tail<T>) -> Option<T> {
        // SAFETY: the caller is the receiver.
        let block = unsafe { self.find_head(tail) }?;
        // SAFETY: the head block is never reclaimed (rule 5).
        let block = unsafe { block.as_ref() };
        let index = slot_index(self.pos);
        if block.ready.load(Acquire) & (1 << index) == 0 {
            return None;
        }
        self.pos = self.pos.wrapping_add(STEP);
        if self.armed {
            // The wait is over: later sends into this block need not wake.
            self.armed = false;
            block.ready.fetch_and(!RX_WAITING, Relaxed);
        }
        // SAFETY: the bit was loaded set with `Acquire`, and `pos` moved
        // past the slot, so it is read once (rule 1).
        Some(unsafe { block.take(index) })
    }

    /// Before the receiver waits: sets `RX_WAITING` in the block of the next
    /// position (linking that block if it is not there yet), so that the
    /// sender writing that position wakes the receiver. The receiver's waker
    /// must be registered first, and the receiver must look at the position
    /// again afterwards (rule 9).
    ///
    /// # Safety
    /// As for [`pop`](Self::pop).
    pub(super) unsafe fn arm(&mut self, tail: &Tail<T>) {
        // SAFETY: the caller is the receiver.
        let block = match unsafe { self.find_head(tail) } {
            Some(block) => block,
            None => {
                // The position is the first of a block nobody linked yet.
                // SAFETY: the head block and those after it are live
                // (rule 5).
                self.block = unsafe { self.block.as_ref().next_or_grow() };
                // SAFETY: the caller is the receiver.
                unsafe { self.reclaim(tail) };
                self.block
            }
        };
        self.armed = true;
        // Release: the waker registered before is visible to the sender that
        // sees the flag. The word this reads comes before any later load of
        // it, so the receiver's next look sees every value written before.
        // SAFETY: the head block is never reclaimed (rule 5).
        unsafe { block.as_ref() }.ready.fetch_or(RX_WAITING, AcqRel);
    }

    /// Whether the value at the next position is written. Moves nothing.
    ///
    /// # Safety
    /// The caller is the receiver, or holds a shared reference to it
    /// (rule 7).
    pub(super) unsafe fn has_value(&self) -> bool {
        let start = block_start(self.pos);
        let mut block = self.block;
        loop {
            // SAFETY: the head block and the blocks after it are not
            // reclaimed while the receiver does not move (rule 5).
            let current = unsafe { block.as_ref() };
            if current.start() == start {
                return current.ready.load(Acquire) & (1 << slot_index(self.pos)) != 0;
            }
            match NonNull::new(current.next.load(Acquire)) {
                Some(next) => block = next,
                None => return false,
            }
        }
    }

    /// The block holding `pos`, moving the head there if it is linked, and
    /// reclaiming the blocks left behind.
    ///
    /// # Safety
    /// As for [`pop`](Self::pop).
    #[inline]
    unsafe fn find_head(&mut self, tail: &Tail<T>) -> Option<NonNull<Block<T>>> {
        // SAFETY: the head block is never reclaimed (rule 5).
        if unsafe { self.block.as_ref() }.start() == block_start(self.pos) {
            return Some(self.block);
        }
        // SAFETY: as for this function.
        unsafe { self.advance_head(tail) }
    }

    /// The slow half of [`find_head`](Self::find_head): the next position
    /// lies beyond the head block.
    ///
    /// # Safety
    /// As for [`pop`](Self::pop).
    #[cold]
    unsafe fn advance_head(&mut self, tail: &Tail<T>) -> Option<NonNull<Block<T>>> {
        let start = block_start(self.pos);
        loop {
            // SAFETY: the head block is never reclaimed (rule 5).
            let head = unsafe { self.block.as_ref() };
            if head.start() == start {
                return Some(self.block);
            }
            self.block = NonNull::new(head.next.load(Acquire))?;
            // SAFETY: the caller is the receiver.
            unsafe { self.reclaim(tail) };
        }
    }

    /// Recycles the blocks behind the head that no sender can reach any
    /// more, oldest first.
    ///
    /// # Safety
    /// As for [`pop`](Self::pop).
    unsafe fn reclaim(&mut self, tail: &Tail<T>) {
        while self.free != self.block {
            // SAFETY: blocks from `free` on are not reclaimed yet.
            let oldest = unsafe { self.free.as_ref() };
            if !oldest.is_reclaimable(self.pos) {
                return;
            }
            let block = self.free;
            // Behind the head, so it has a next block.
            // SAFETY: non-null, as the head comes after it.
            self.free = unsafe { NonNull::new_unchecked(oldest.next.load(Acquire)) };
            // SAFETY: behind the head and reclaimable (rule 5).
            unsafe { tail.recycle(block) };
        }
    }

    /// Drops every value still in the list and frees every block.
    ///
    /// # Safety
    /// The caller is the last user of the channel (rule 6).
    pub(super) unsafe fn drop_all(&mut self, tail: &Tail<T>) {
        // Every sender is gone: each claimed position that will ever be
        // written is written, and the first unwritten one ends the values.
        // SAFETY: the last user (caller).
        while let Some(value) = unsafe { self.pop(tail) } {
            drop(value);
        }
        let mut block = Some(self.free);
        while let Some(current) = block {
            // SAFETY: the last user owns every block (rule 6).
            block = NonNull::new(unsafe { current.as_ref() }.next.load(Acquire));
            // SAFETY: as above; every value was taken.
            unsafe { Block::dealloc(current) };
        }
    }
}

/// The number of positions from `from` to `to`.
pub(super) fn distance(from: usize, to: usize) -> usize {
    to.wrapping_sub(from) / STEP
}
