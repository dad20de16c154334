//! Which workers sleep and which search for work.
//!
//! One atomic word holds two counts: workers that are not parked
//! (`unparked`) and, of those, workers looking for work to steal
//! (`searching`). New work wakes a parked worker only when no worker is
//! searching already — a searching worker will find it — so a burst of
//! spawns wakes at most one sleeper. At most half the workers search at
//! once, so stealing never becomes a stampede.

use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::{lock, Mutex};

const SEARCH_BITS: usize = 16;
const SEARCH_MASK: usize = (1 << SEARCH_BITS) - 1;
const UNPARK_ONE: usize = 1 << SEARCH_BITS;

pub(super) struct Idle {
    /// `unparked << 16 | searching`.
    state: AtomicUsize,
    num_workers: usize,
    /// Indices of parked workers.
    sleepers: Mutex<Vec<usize>>,
}

fn searching(state: usize) -> usize {
    state & SEARCH_MASK
}

fn unparked(state: usize) -> usize {
    state >> SEARCH_BITS
}

impl Idle {
    pub(super) fn new(num_workers: usize) -> Idle {
        Idle {
            state: AtomicUsize::new(num_workers << SEARCH_BITS),
            num_workers,
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
        }
    }

    /// Picks a parked worker to wake for new work, counting it as
    /// unparked and searching; `None` if a worker searches already or none
    /// sleeps.
    pub(super) fn worker_to_notify(&self) -> Option<usize> {
        if !self.should_notify() {
            return None;
        }
        let mut sleepers = lock(&self.sleepers);
        // Checked again under the lock: a worker may have started searching.
        if !self.should_notify() {
            return None;
        }
        let index = sleepers.pop()?;
        self.state.fetch_add(UNPARK_ONE | 1, SeqCst);
        Some(index)
    }

    fn should_notify(&self) -> bool {
        let state = self.state.load(SeqCst);
        searching(state) == 0 && unparked(state) < self.num_workers
    }

    /// A worker goes to sleep. True if it was the last searching worker:
    /// it must then look once more for work that arrived meanwhile.
    pub(super) fn transition_worker_to_parked(&self, index: usize, is_searching: bool) -> bool {
        let mut sleepers = lock(&self.sleepers);
        let dec = UNPARK_ONE | usize::from(is_searching);
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.push(index);
        is_searching && searching(prev) == 1
    }

    /// A worker wants to search; refused when half the workers already do.
    pub(super) fn transition_worker_to_searching(&self) -> bool {
        let state = self.state.load(SeqCst);
        if 2 * searching(state) >= self.num_workers {
            return false;
        }
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// A searching worker found work. True if it was the last searcher:
    /// it must then wake another worker to keep looking.
    pub(super) fn transition_worker_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, SeqCst);
        debug_assert!(searching(prev) > 0);
        searching(prev) == 1
    }

    /// A parked worker woke up on its own (a timer, or work it queued while
    /// parked). True if it was still listed as sleeping (it now counts as
    /// unparked, not searching).
    pub(super) fn unpark_worker_by_id(&self, index: usize) -> bool {
        let mut sleepers = lock(&self.sleepers);
        match sleepers.iter().position(|&i| i == index) {
            Some(pos) => {
                sleepers.swap_remove(pos);
                self.state.fetch_add(UNPARK_ONE, SeqCst);
                true
            }
            None => false,
        }
    }

    /// Whether the worker is listed as sleeping.
    pub(super) fn is_parked(&self, index: usize) -> bool {
        lock(&self.sleepers).contains(&index)
    }

    /// Workers currently parked.
    pub(super) fn num_parked(&self) -> usize {
        self.num_workers - unparked(self.state.load(SeqCst))
    }

    /// Workers currently searching.
    pub(super) fn num_searching(&self) -> usize {
        searching(self.state.load(SeqCst))
    }
}
