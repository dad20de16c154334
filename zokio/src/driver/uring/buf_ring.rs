//! A ring of provided buffers (`IORING_REGISTER_PBUF_RING`): the kernel picks
//! a free buffer for each multishot receive, so an idle connection holds no
//! receive buffer at all.
//!
//! The ring hands the kernel only a few of its buffers at first and more
//! each time it runs out ([`BufRing::grow`], on a receive's `ENOBUFS`). The
//! kernel takes buffers in ring order and each is handed back as soon as its
//! bytes are read, so the buffers cycle: all of them are written in turn
//! however few are busy at once. With every buffer handed out, a 4 KiB echo
//! over 50 connections wrote a megabyte of buffers round and round, more
//! than a core's L2 cache holds, and the kernel's copy into them (and ours
//! out of them) missed the cache; with as many buffers as the busiest moment
//! needs, the same bytes stay in cache.
//!
//! A filled buffer can be *lent* to the socket it was filled for
//! ([`BufRing::lend`]): the socket's reader copies straight out of it into
//! its own buffer, one copy instead of two (into the socket's queue, then
//! out of it), and the [`Lent`] gives the buffer back when it is dropped,
//! on whichever thread reads. Returned buffers wait in a list that the
//! reaper hands to the kernel ([`BufRing::reclaim`]) before it handles new
//! completions. At most half the buffers are lent at once, so that sockets
//! whose readers do not read cannot starve the ring; past that, a receive
//! copies.
//!
//! # Invariants
//!
//! * Every buffer is in exactly one place: with the kernel (pushed, not yet
//!   picked), in a completion being handled, in a [`Lent`], or in the list
//!   of returns. So the kernel never writes a buffer that is being read.
//! * The ring memory stays allocated, unmoved, until the ring is
//!   unregistered or the io_uring is closed: it belongs to this value, which
//!   is dropped only after its io_uring ([`Drop`] of the driver unregisters
//!   the ring first, or leaks this value while the kernel may still hold
//!   buffers). The buffers' memory ([`Buffers`]) lives until this value and
//!   every [`Lent`] are gone.
//! * Only the thread that reaps completions touches the ring's tail: buffers
//!   are pushed from completion handlers and from [`BufRing::reclaim`],
//!   which run on that thread.

use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::io;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use io_uring::types::BufRingEntry;
use io_uring::IoUring;

use crate::driver::lock;

/// The buffer group id of the one buffer ring a driver registers.
pub(crate) const GROUP: u16 = 0;

/// The buffers' memory, and the way lent buffers come back.
struct Buffers {
    /// `layout.size()` bytes: buffers of `size` bytes each.
    memory: *mut u8,
    layout: Layout,
    size: usize,
    /// How many are lent now.
    lent: AtomicUsize,
    /// Lent buffers given back and not yet pushed to the ring.
    returned: Mutex<Vec<u16>>,
}

// SAFETY: `memory` is an owned allocation. A buffer's bytes are read only
// by the one `Lent` that holds it, or by the reaper while a completion hands
// it over, and written only by the kernel while it is the kernel's (module
// invariants); the rest is atomic or behind a mutex.
unsafe impl Send for Buffers {}
// SAFETY: as above.
unsafe impl Sync for Buffers {}

impl Buffers {
    /// The start of buffer `bid`, which must be one of them.
    fn buffer(&self, bid: u16) -> *mut u8 {
        let offset = usize::from(bid) * self.size;
        assert!(offset < self.layout.size());
        // SAFETY: in bounds of the allocation (checked above).
        unsafe { self.memory.add(offset) }
    }
}

impl Drop for Buffers {
    fn drop(&mut self) {
        // SAFETY: allocated in `BufRing::register` with this layout; neither
        // a ring nor a `Lent` uses it any more (module invariants).
        unsafe { dealloc(self.memory, self.layout) };
    }
}

/// A filled buffer lent to a socket's receive queue: the bytes not read
/// yet. The buffer goes back to its ring when this is dropped.
pub(crate) struct Lent {
    buffers: Arc<Buffers>,
    bid: u16,
    /// The unread bytes are `start..end` of the buffer.
    start: usize,
    end: usize,
}

impl Lent {
    /// The bytes not read yet.
    pub(crate) fn bytes(&self) -> &[u8] {
        // SAFETY: `start..end` lies in buffer `bid` (`lend` checked `end`);
        // `self.buffers` keeps the memory alive, and the kernel does not
        // write this buffer until it is given back, after `self` drops
        // (module invariants).
        unsafe {
            std::slice::from_raw_parts(
                self.buffers.buffer(self.bid).add(self.start),
                self.end - self.start,
            )
        }
    }

    /// Marks the first `n` unread bytes read.
    pub(crate) fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
    }

    pub(crate) fn len(&self) -> usize {
        self.end - self.start
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        lock(&self.buffers.returned).push(self.bid);
        self.buffers.lent.fetch_sub(1, Ordering::Relaxed);
    }
}

pub(crate) struct BufRing {
    /// `entries` ring slots, page aligned.
    ring: *mut BufRingEntry,
    ring_layout: Layout,
    /// `entries` buffers.
    buffers: Arc<Buffers>,
    entries: u16,
    /// Most buffers lent at once.
    lend_limit: usize,
    /// Buffers `0..handed_out` belong to the kernel or are being read; the
    /// others have never been used.
    handed_out: u16,
    /// Our copy of the tail; published to the kernel after each change.
    tail: u16,
    /// Returned buffers being pushed (kept for its capacity).
    reclaiming: Vec<u16>,
}

// SAFETY: the ring pointer is an owned allocation that only the reaping
// thread uses (module invariants), and the driver that owns the ring moves
// between threads only as a whole.
unsafe impl Send for BufRing {}

impl BufRing {
    /// Allocates `entries` buffers of `buf_size` bytes, registers the ring
    /// with `ring` and hands the kernel the first `first` of them. `entries`
    /// must be a power of two.
    pub(crate) fn register(
        ring: &IoUring,
        entries: u16,
        buf_size: usize,
        first: u16,
    ) -> io::Result<BufRing> {
        debug_assert!(entries.is_power_of_two() && first > 0 && first <= entries);
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
        let memory = unsafe { alloc_zeroed(buffers_layout) };
        if ring_mem.is_null() || memory.is_null() {
            // SAFETY: each pointer is freed only if it was allocated.
            unsafe {
                if !ring_mem.is_null() {
                    dealloc(ring_mem.cast(), ring_layout);
                }
                if !memory.is_null() {
                    dealloc(memory, buffers_layout);
                }
            }
            return Err(io::Error::from(io::ErrorKind::OutOfMemory));
        }
        let mut this = BufRing {
            ring: ring_mem,
            ring_layout,
            buffers: Arc::new(Buffers {
                memory,
                layout: buffers_layout,
                size: buf_size,
                lent: AtomicUsize::new(0),
                returned: Mutex::new(Vec::new()),
            }),
            entries,
            lend_limit: usize::from(entries / 2),
            handed_out: 0,
            tail: 0,
            reclaiming: Vec::new(),
        };
        // SAFETY: the ring memory is valid for `entries` slots and lives
        // until this value drops, after the io_uring (module invariants).
        unsafe {
            ring.submitter()
                .register_buf_ring_with_flags(this.ring as u64, entries, GROUP, 0)?;
        }
        this.hand_out(first);
        Ok(this)
    }

    /// The kernel ran out of buffers: hands it as many more as it has now
    /// (up to all of them). False if it has them all already.
    pub(crate) fn grow(&mut self) -> bool {
        let more = self.handed_out.min(self.entries - self.handed_out);
        self.hand_out(more);
        more > 0
    }

    /// How many buffers the kernel has been given.
    #[cfg(test)]
    pub(crate) fn handed_out(&self) -> u16 {
        self.handed_out
    }

    /// How many buffers are lent now.
    #[cfg(test)]
    pub(crate) fn lent(&self) -> usize {
        self.buffers.lent.load(Ordering::Relaxed)
    }

    fn hand_out(&mut self, count: u16) {
        for bid in self.handed_out..self.handed_out + count {
            self.push(bid);
        }
        self.handed_out += count;
        self.publish();
    }

    /// The first `len` bytes of buffer `bid`, which the kernel just filled.
    pub(crate) fn filled(&self, bid: u16, len: usize) -> &[u8] {
        assert!(bid < self.handed_out && len <= self.buffers.size);
        // SAFETY: in bounds (checked above); the kernel handed this buffer to
        // us with the completion and does not write it until it is recycled.
        unsafe { std::slice::from_raw_parts(self.buffers.buffer(bid), len) }
    }

    /// Lends buffer `bid`, whose first `len` bytes the kernel just filled,
    /// to a socket's queue (see the module docs). `None` while as many are
    /// lent as may be: the caller copies the bytes and recycles the buffer.
    pub(crate) fn lend(&self, bid: u16, len: usize) -> Option<Lent> {
        assert!(bid < self.handed_out && len <= self.buffers.size);
        if self.buffers.lent.load(Ordering::Relaxed) >= self.lend_limit {
            return None;
        }
        self.buffers.lent.fetch_add(1, Ordering::Relaxed);
        Some(Lent {
            buffers: self.buffers.clone(),
            bid,
            start: 0,
            end: len,
        })
    }

    /// Gives buffer `bid` back to the kernel.
    pub(crate) fn recycle(&mut self, bid: u16) {
        self.push(bid);
        self.publish();
    }

    /// Gives the kernel back the lent buffers that were returned.
    pub(crate) fn reclaim(&mut self) {
        {
            let mut returned = lock(&self.buffers.returned);
            if returned.is_empty() {
                return;
            }
            std::mem::swap(&mut *returned, &mut self.reclaiming);
        }
        let mut reclaiming = std::mem::take(&mut self.reclaiming);
        for bid in reclaiming.drain(..) {
            self.push(bid);
        }
        self.reclaiming = reclaiming;
        self.publish();
    }

    fn push(&mut self, bid: u16) {
        let mask = self.entries - 1;
        // SAFETY: `tail & mask` is a slot of the ring; the kernel reads slots
        // only up to the published tail, and this one is past it.
        let entry = unsafe { &mut *self.ring.add(usize::from(self.tail & mask)) };
        entry.set_addr(self.buffers.buffer(bid) as u64);
        entry.set_len(self.buffers.size as u32);
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
        // SAFETY: allocated in `register` with this layout; the io_uring
        // that used it is gone (module invariants). The buffers go with the
        // last holder of `self.buffers`.
        unsafe { dealloc(self.ring.cast(), self.ring_layout) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use io_uring::{cqueue, opcode, squeue, types};
    use std::io::Write;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    /// One receive on each of `sockets` (each has `abc` waiting): per
    /// socket, the buffer the kernel picked, or the error.
    fn receive_once(
        ring: &mut IoUring,
        bufs: &BufRing,
        sockets: &[&UnixStream],
    ) -> Vec<Result<u16, i32>> {
        for (i, socket) in sockets.iter().enumerate() {
            let entry = opcode::Recv::new(types::Fd(socket.as_raw_fd()), std::ptr::null_mut(), 0)
                .buf_group(GROUP)
                .build()
                .flags(squeue::Flags::BUFFER_SELECT)
                .user_data(i as u64);
            // SAFETY: the entry points to no memory of ours: the kernel
            // picks a buffer of `bufs`, which outlives the ring's use of it.
            unsafe { ring.submission().push(&entry).unwrap() };
        }
        ring.submit_and_wait(sockets.len()).unwrap();
        let mut results = vec![Err(0); sockets.len()];
        for cqe in ring.completion() {
            results[cqe.user_data() as usize] = match cqe.result() {
                3 => {
                    let bid = cqueue::buffer_select(cqe.flags()).expect("a buffer was picked");
                    assert_eq!(bufs.filled(bid, 3), b"abc");
                    Ok(bid)
                }
                error if error < 0 => Err(-error),
                other => panic!("received {other} bytes"),
            };
        }
        results
    }

    #[test]
    fn hands_out_more_buffers_when_the_kernel_runs_out() {
        let Ok(mut ring) = IoUring::new(16) else {
            return; // no io_uring here: the driver falls back, nothing to test
        };
        let mut bufs = BufRing::register(&ring, 8, 64, 2).unwrap();
        let pairs: Vec<_> = (0..4).map(|_| UnixStream::pair().unwrap()).collect();
        for (writer, _) in &pairs {
            (&*writer).write_all(b"abc").unwrap();
        }
        let readers: Vec<&UnixStream> = pairs.iter().map(|(_, reader)| reader).collect();

        // Two buffers for four receives: two get one, two find none.
        let first = receive_once(&mut ring, &bufs, &readers);
        assert!(first
            .iter()
            .all(|r| matches!(r, Ok(_) | Err(libc::ENOBUFS))));
        let mut got: Vec<u16> = first.iter().filter_map(|r| r.ok()).collect();
        got.sort();
        assert_eq!(got, [0, 1]);

        // Grown to four: the starved sockets (their bytes still waiting)
        // get the two new buffers, while the first two are still out.
        assert!(bufs.grow());
        assert_eq!(bufs.handed_out(), 4);
        let starved: Vec<&UnixStream> = readers
            .iter()
            .zip(&first)
            .filter(|(_, r)| r.is_err())
            .map(|(s, _)| *s)
            .collect();
        let mut got: Vec<u16> = receive_once(&mut ring, &bufs, &starved)
            .into_iter()
            .map(|r| r.unwrap())
            .collect();
        got.sort();
        assert_eq!(got, [2, 3]);

        // Grows to all eight, then no further.
        assert!(bufs.grow());
        assert_eq!(bufs.handed_out(), 8);
        assert!(!bufs.grow());
        assert_eq!(bufs.handed_out(), 8);
        // The buffers outlive the ring (module invariants).
        drop(ring);
        drop(bufs);
    }

    #[test]
    fn lent_buffers_come_back_from_any_thread() {
        let Ok(mut ring) = IoUring::new(16) else {
            return; // no io_uring here: the driver falls back, nothing to test
        };
        let mut bufs = BufRing::register(&ring, 4, 64, 4).unwrap();
        let pairs: Vec<_> = (0..4).map(|_| UnixStream::pair().unwrap()).collect();
        let readers: Vec<&UnixStream> = pairs.iter().map(|(_, reader)| reader).collect();
        for (writer, _) in &pairs {
            (&*writer).write_all(b"abc").unwrap();
        }
        let bids: Vec<u16> = receive_once(&mut ring, &bufs, &readers)
            .into_iter()
            .map(|r| r.unwrap())
            .collect();

        // Half of the four may be lent; the others are recycled.
        let mut first = bufs.lend(bids[0], 3).unwrap();
        let second = bufs.lend(bids[1], 3).unwrap();
        assert!(bufs.lend(bids[2], 3).is_none());
        assert_eq!(bufs.lent(), 2);
        bufs.recycle(bids[2]);
        bufs.recycle(bids[3]);
        assert_eq!(first.bytes(), b"abc");
        first.consume(1);
        assert_eq!(first.bytes(), b"bc");

        // Given back on another thread: reclaimed, the kernel has three
        // buffers again, and three receives find one each.
        std::thread::spawn(move || drop(first)).join().unwrap();
        assert_eq!(bufs.lent(), 1);
        bufs.reclaim();
        for (writer, _) in &pairs[..3] {
            (&*writer).write_all(b"abc").unwrap();
        }
        let again = receive_once(&mut ring, &bufs, &readers[..3]);
        assert!(again.iter().all(Result::is_ok), "{again:?}");

        // A lent buffer outlives its ring and reads the same bytes.
        drop(ring);
        drop(bufs);
        assert_eq!(second.bytes(), b"abc");
        drop(second);
    }
}
