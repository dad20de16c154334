//! A ring of provided buffers (`IORING_REGISTER_PBUF_RING`): the kernel picks
//! a free buffer for each multishot receive, so an idle connection holds no
//! receive buffer at all.
//!
//! # Invariants
//!
//! * The ring memory and the buffers stay allocated, unmoved, until the ring
//!   is unregistered or the io_uring is closed: both allocations belong to
//!   this value, and it is dropped only after its io_uring ([`Drop`] of the
//!   driver drops the ring first).
//! * Only the thread that reaps completions touches the ring's tail: buffers
//!   are handed back from completion handlers, which run on that thread.

use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::io;
use std::sync::atomic::{AtomicU16, Ordering};

use io_uring::types::BufRingEntry;
use io_uring::IoUring;

/// The buffer group id of the one buffer ring a driver registers.
pub(crate) const GROUP: u16 = 0;

pub(crate) struct BufRing {
    /// `entries` ring slots, page aligned.
    ring: *mut BufRingEntry,
    ring_layout: Layout,
    /// `entries * buf_size` bytes of buffers.
    buffers: *mut u8,
    buffers_layout: Layout,
    entries: u16,
    buf_size: usize,
    /// Our copy of the tail; published to the kernel after each change.
    tail: u16,
}

// SAFETY: the raw pointers are owned allocations; the reaping thread is the
// only one that uses them (module invariants), and the driver that owns the
// ring moves between threads only as a whole.
unsafe impl Send for BufRing {}

impl BufRing {
    /// Allocates `entries` buffers of `buf_size` bytes and registers them
    /// with `ring`. `entries` must be a power of two.
    pub(crate) fn register(ring: &IoUring, entries: u16, buf_size: usize) -> io::Result<BufRing> {
        debug_assert!(entries.is_power_of_two());
        let ring_layout = Layout::from_size_align(
            usize::from(entries) * std::mem::size_of::<BufRingEntry>(),
            4096,
        )
        .map_err(io::Error::other)?;
        let buffers_layout = Layout::from_size_align(usize::from(entries) * buf_size, 64)
            .map_err(io::Error::other)?;
        // SAFETY: both layouts have a non-zero size.
        let ring_mem = unsafe { alloc_zeroed(ring_layout) }.cast::<BufRingEntry>();
        // SAFETY: as above. Zeroed pages are not touched until the kernel
        // writes them, so an idle runtime does not pay for them in RSS.
        let buffers = unsafe { alloc_zeroed(buffers_layout) };
        if ring_mem.is_null() || buffers.is_null() {
            // SAFETY: each pointer is freed only if it was allocated.
            unsafe {
                if !ring_mem.is_null() {
                    dealloc(ring_mem.cast(), ring_layout);
                }
                if !buffers.is_null() {
                    dealloc(buffers, buffers_layout);
                }
            }
            return Err(io::Error::from(io::ErrorKind::OutOfMemory));
        }
        let mut this = BufRing {
            ring: ring_mem,
            ring_layout,
            buffers,
            buffers_layout,
            entries,
            buf_size,
            tail: 0,
        };
        // SAFETY: the ring memory is valid for `entries` slots and lives
        // until this value drops, after the io_uring (module invariants).
        unsafe {
            ring.submitter()
                .register_buf_ring_with_flags(this.ring as u64, entries, GROUP, 0)?;
        }
        for bid in 0..entries {
            this.push(bid);
        }
        this.publish();
        Ok(this)
    }

    /// The first `len` bytes of buffer `bid`, which the kernel just filled.
    pub(crate) fn filled(&self, bid: u16, len: usize) -> &[u8] {
        assert!(bid < self.entries && len <= self.buf_size);
        // SAFETY: in bounds (checked above); the kernel handed this buffer to
        // us with the completion and does not write it until it is recycled.
        unsafe {
            std::slice::from_raw_parts(self.buffers.add(usize::from(bid) * self.buf_size), len)
        }
    }

    /// Gives buffer `bid` back to the kernel.
    pub(crate) fn recycle(&mut self, bid: u16) {
        self.push(bid);
        self.publish();
    }

    fn push(&mut self, bid: u16) {
        let mask = self.entries - 1;
        // SAFETY: `tail & mask` is a slot of the ring; the kernel reads slots
        // only up to the published tail, and this one is past it.
        let entry = unsafe { &mut *self.ring.add(usize::from(self.tail & mask)) };
        // SAFETY: in bounds of the buffers allocation.
        let addr = unsafe { self.buffers.add(usize::from(bid) * self.buf_size) };
        entry.set_addr(addr as u64);
        entry.set_len(self.buf_size as u32);
        entry.set_bid(bid);
        self.tail = self.tail.wrapping_add(1);
    }

    fn publish(&self) {
        // SAFETY: the tail field overlays the first slot's reserved field,
        // which is 2-byte aligned and shared with the kernel as an atomic.
        let tail = unsafe { &*BufRingEntry::tail(self.ring).cast::<AtomicU16>() };
        tail.store(self.tail, Ordering::Release);
    }
}

impl Drop for BufRing {
    fn drop(&mut self) {
        // SAFETY: allocated in `register` with these layouts; the io_uring
        // that used them is gone (module invariants).
        unsafe {
            dealloc(self.ring.cast(), self.ring_layout);
            dealloc(self.buffers, self.buffers_layout);
        }
    }
}
