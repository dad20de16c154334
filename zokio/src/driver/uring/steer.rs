//! Receive steering on a multi-thread runtime: a stream's multishot
//! receive moves to the worker on whose CPU the socket's packets arrive
//! (the rule: [`crate::driver::steer`]).
//!
//! A task runs where its receive completes (the worker whose ring the
//! multishot is armed on reaps it and queues the task locally), and the
//! kernel's side of the receive runs as task work on the thread that armed
//! it, so the ring a socket receives on is where its task lives. Each data
//! completion counts as a read for the rule; a ring's load is its armed
//! stream receives.
//!
//! Moving cancels the multishot; its last completion hands the socket to
//! the new ring ([`Steering::adopt`]), whose own worker arms it there (a
//! request's task work runs on its submitter, so the target must submit it
//! itself). Nothing is lost or reordered: the old multishot's data is
//! queued before its last completion, and nothing is armed in between.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use super::recv::ReceiverRef;
use super::Shared;
use crate::driver::{lock, steer};

impl steer::Peer for Shared {
    fn cpu(&self) -> usize {
        self.steering.cpu.load(Relaxed)
    }

    fn load(&self) -> usize {
        self.steering.armed.load(Relaxed)
    }
}

/// One ring's part in steering.
pub(crate) struct Steering {
    /// Every ring of the runtime, this one included, in worker order; unset
    /// where the runtime has one ring per thread that never trades tasks.
    peers: OnceLock<Vec<Weak<Shared>>>,
    /// The CPU this ring's reaper ran on when it last reaped.
    cpu: AtomicUsize,
    /// Stream receives armed on this ring (or handed to it to arm).
    armed: AtomicUsize,
    /// Receives handed to this ring, for its reaper to arm.
    adopted: Mutex<Vec<ReceiverRef>>,
    has_adopted: AtomicBool,
    /// Receives handed to this ring so far (a metric).
    moves: AtomicU64,
}

impl Steering {
    pub(super) fn new() -> Steering {
        Steering {
            peers: OnceLock::new(),
            cpu: AtomicUsize::new(steer::UNKNOWN_CPU),
            armed: AtomicUsize::new(0),
            adopted: Mutex::new(Vec::new()),
            has_adopted: AtomicBool::new(false),
            moves: AtomicU64::new(0),
        }
    }

    /// Links the rings of one multi-thread runtime.
    pub(crate) fn link(rings: &[Arc<Shared>]) {
        let peers: Vec<_> = rings.iter().map(Arc::downgrade).collect();
        for ring in rings {
            let _ = ring.steering.peers.set(peers.clone());
        }
    }

    /// Notes the CPU the calling thread (this ring's reaper) runs on.
    pub(super) fn record_cpu(&self) {
        if self.peers.get().is_some() {
            self.cpu.store(steer::current_cpu(), Relaxed);
        }
    }

    pub(super) fn armed(&self) {
        self.armed.fetch_add(1, Relaxed);
    }

    pub(super) fn disarmed(&self) {
        self.armed.fetch_sub(1, Relaxed);
    }

    /// Hands `receiver` to this ring for its reaper to arm, and wakes it.
    /// False if the ring is shutting down (it would never arm it).
    pub(super) fn adopt(ring: &Shared, receiver: ReceiverRef) -> bool {
        let mut adopted = lock(&ring.steering.adopted);
        // Checked under the lock that `clear` takes after the flag is set,
        // so nothing is handed over after the ring let go of the rest.
        if ring.is_shut_down() {
            return false;
        }
        ring.steering.armed();
        adopted.push(receiver);
        drop(adopted);
        ring.steering.moves.fetch_add(1, Relaxed);
        ring.steering.has_adopted.store(true, SeqCst);
        ring.unpark();
        true
    }

    /// On the reaper's thread, before it submits: arms what was handed over.
    pub(super) fn arm_adopted(ring: &Arc<Shared>) {
        if !ring.steering.has_adopted.swap(false, SeqCst) {
            return;
        }
        let adopted = std::mem::take(&mut *lock(&ring.steering.adopted));
        for receiver in adopted {
            super::recv::Receiver::arm_adopted(&receiver, ring);
        }
    }

    /// Receives handed to this ring so far.
    pub(super) fn moves(&self) -> u64 {
        self.moves.load(Relaxed)
    }

    /// Called with a data completion of a receive armed on `ring`, on that
    /// ring's reaper: the ring the receive should move to, if any.
    pub(super) fn look(ring: &Arc<Shared>, fd: i32, look: &mut steer::Look) -> Option<Arc<Shared>> {
        let peers = ring.steering.peers.get()?;
        steer::look(&**ring, peers, fd, look)
    }

    /// At shutdown: lets go of receivers never armed (they hold the ring).
    pub(super) fn clear(&self) {
        drop(std::mem::take(&mut *lock(&self.adopted)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::steer::tests::numbers_arrive_in_order_while_moving;
    use crate::runtime::{Builder, IoBackend};

    /// The ring of worker `index` of the runtime `ring` belongs to.
    fn peer(ring: &Shared, index: usize) -> Arc<Shared> {
        let peers = ring.steering.peers.get();
        let peers = peers.expect("a multi-thread runtime links its rings");
        assert_eq!(peers.len(), 2);
        peers[index % peers.len()].upgrade().unwrap()
    }

    #[test]
    fn a_moved_receive_loses_and_reorders_nothing() {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .io_backend(IoBackend::Uring)
            .build()
            .unwrap();
        let receiver = rt.block_on(async {
            let reader = numbers_arrive_in_order_while_moving(|reader, to| {
                let receiver = reader.io_source().uring_receiver().unwrap();
                let ring = peer(super::super::recv::Receiver::home(receiver), to);
                super::super::recv::Receiver::move_to(receiver, ring);
            })
            .await;
            reader.io_source().uring_receiver().unwrap().clone()
        });
        let rings = [0, 1].map(|i| peer(super::super::recv::Receiver::home(&receiver), i));
        let moves = rt.metrics().io_receive_move_count();
        assert!(moves >= 10, "only {moves} moves happened");
        // Nothing holds the receive or a ring once the runtime is gone: no
        // cycle through a ring's adopted receives, nothing left in flight.
        // (valgrind cannot run a multi-thread runtime on io_uring.)
        drop(rt);
        assert_eq!(std::sync::Arc::strong_count(&receiver), 1);
        drop(receiver);
        for ring in &rings {
            assert_eq!(std::sync::Arc::strong_count(ring), 1);
        }
    }
}
