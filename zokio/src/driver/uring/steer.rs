//! Receive steering on a multi-thread runtime: a stream's multishot
//! receive moves to the worker on whose CPU the socket's packets arrive.
//!
//! A task runs where its receive completes (the worker whose ring the
//! multishot is armed on reaps it and queues the task locally), so the ring
//! a socket receives on is where its task lives. Two tasks talking over a
//! local connection (a client and its server, a proxy and its backend) then
//! sit on two workers unless something puts both ends on one, and every
//! exchange crosses cores twice: the kernel's side of the receive runs as
//! task work on the thread that armed it. The kernel says where a socket's
//! packets were processed last (`SO_INCOMING_CPU`: for loopback, the
//! sender's CPU; for a NIC, the CPU of its receive queue), and each ring
//! knows the CPU its reaper ran on last, so every [`CHECK_EVERY`] data
//! completions a receive asks, and moves to that CPU's worker when:
//!
//! * two checks in a row name the same other worker (a peer stolen for a
//!   moment does not drag its partner along), and
//! * the move does not unbalance the workers: it goes from the ring with
//!   more armed stream receives to the one with fewer, or, on a tie, from
//!   the later ring to the earlier one (so of a connection's two ends,
//!   which look at each other, only one moves).
//!
//! Moving cancels the multishot; its last completion hands the socket to
//! the new ring ([`Steering::adopt`]), whose own worker arms it there (a
//! request's task work runs on its submitter, so the target must submit it
//! itself). Nothing is lost or reordered: the old multishot's data is
//! queued before its last completion, and nothing is armed in between.
//! Thread-per-core and current-thread rings have no peers and never steer.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use super::recv::ReceiverRef;
use super::Shared;
use crate::driver::lock;

/// Data completions between two looks at `SO_INCOMING_CPU`.
pub(super) const CHECK_EVERY: u8 = 16;

const UNKNOWN_CPU: usize = usize::MAX;

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

/// Where a receive stands with steering (kept in its state).
#[derive(Default)]
pub(crate) struct Look {
    /// Data completions since the last check.
    completions: u8,
    /// The worker the last check named, if another one.
    wanted: Option<u16>,
}

impl Steering {
    pub(super) fn new() -> Steering {
        Steering {
            peers: OnceLock::new(),
            cpu: AtomicUsize::new(UNKNOWN_CPU),
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
            // SAFETY: no preconditions; -1 on failure.
            let cpu = unsafe { libc::sched_getcpu() };
            self.cpu
                .store(usize::try_from(cpu).unwrap_or(UNKNOWN_CPU), Relaxed);
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

    /// At shutdown: lets go of receivers never armed (they hold the ring).
    pub(super) fn clear(&self) {
        drop(std::mem::take(&mut *lock(&self.adopted)));
    }
}

/// Called with a data completion of a receive armed on `ring`, on that
/// ring's reaper: the ring the receive should move to, if any (see the
/// module docs).
pub(super) fn look(ring: &Arc<Shared>, fd: i32, look: &mut Look) -> Option<Arc<Shared>> {
    let peers = ring.steering.peers.get()?;
    look.completions += 1;
    if look.completions < CHECK_EVERY {
        return None;
    }
    look.completions = 0;
    // Small, as every stream socket's state holds it (a runtime with more
    // workers than `u16` counts does not steer).
    let wanted = wanted(ring, peers, fd).and_then(|i| u16::try_from(i).ok());
    if wanted.is_none() || wanted != look.wanted {
        look.wanted = wanted;
        return None;
    }
    look.wanted = None;
    let to_index = usize::from(wanted?);
    let to = peers[to_index].upgrade()?;
    let from_index = peers
        .iter()
        .position(|p| std::ptr::eq(p.as_ptr(), Arc::as_ptr(ring)))?;
    let from = (ring.steering.armed.load(Relaxed), from_index);
    let to_load = (to.steering.armed.load(Relaxed), to_index);
    keeps_balance(from, to_load).then_some(to)
}

/// Whether a receive may move from the ring with `(armed receives, index)`
/// `from` to the one with `to`: from the fuller ring to the emptier, or on
/// a tie from the later to the earlier (of two ends that want each
/// other's ring, exactly one moves).
fn keeps_balance(from: (usize, usize), to: (usize, usize)) -> bool {
    from.0 > to.0 || (from.0 == to.0 && from.1 > to.1)
}

/// The index of the other ring whose reaper runs on the CPU the socket's
/// packets arrive on.
fn wanted(ring: &Shared, peers: &[Weak<Shared>], fd: i32) -> Option<usize> {
    let cpu = crate::driver::sys::incoming_cpu(fd)?;
    if ring.steering.cpu.load(Relaxed) == cpu {
        return None;
    }
    peers.iter().position(|peer| {
        peer.upgrade()
            .is_some_and(|peer| peer.steering.cpu.load(Relaxed) == cpu)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{AsyncReadExt, AsyncWriteExt};
    use crate::net::{TcpListener, TcpStream};
    use crate::runtime::{Builder, IoBackend};

    #[test]
    fn moves_go_from_the_fuller_ring_or_to_the_earlier_on_a_tie() {
        assert!(keeps_balance((3, 0), (2, 1)));
        assert!(!keeps_balance((2, 0), (3, 1)));
        assert!(keeps_balance((2, 1), (2, 0)));
        assert!(!keeps_balance((2, 0), (2, 1)));
    }

    /// A reader checks a numbered stream while its receive is moved to the
    /// other ring before every read (a read may find the move under way, or
    /// data queued from before it), answering each batch with a byte so
    /// that the stream also goes quiet between batches: every number
    /// arrives, once, in order, and the answers get through.
    #[test]
    fn a_moved_receive_loses_and_reorders_nothing() {
        const BATCHES: u64 = 2_000;
        const PER_BATCH: u64 = 97;
        const PER_WRITE: u64 = 31;
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .io_backend(IoBackend::Uring)
            .build()
            .unwrap();
        let (receiver, rings) = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let writer = crate::spawn(async move {
                let mut stream = TcpStream::connect(addr).await.unwrap();
                // Without it, each batch's later writes would wait for the
                // reader's delayed ACK of its first one (Nagle).
                stream.set_nodelay(true).unwrap();
                for batch in 0..BATCHES {
                    let mut next = batch * PER_BATCH;
                    let last = next + PER_BATCH;
                    while next < last {
                        let end = (next + PER_WRITE).min(last);
                        let bytes: Vec<u8> = (next..end).flat_map(u64::to_le_bytes).collect();
                        stream.write_all(&bytes).await.unwrap();
                        next = end;
                    }
                    assert_eq!(stream.read_u8().await.unwrap(), batch as u8);
                }
            });
            let (mut reader, _) = listener.accept().await.unwrap();
            let receiver = reader.io_source().uring_receiver().unwrap().clone();
            let rings: Vec<_> = super::super::recv::Receiver::home(&receiver)
                .steering
                .peers
                .get()
                .expect("a multi-thread runtime links its rings")
                .iter()
                .map(|ring| ring.upgrade().unwrap())
                .collect();
            assert_eq!(rings.len(), 2);
            let mut buf = [0u8; 300];
            let mut pending = Vec::new();
            let mut expected = 0u64;
            let mut reads = 0;
            for batch in 0..BATCHES {
                while expected < (batch + 1) * PER_BATCH {
                    super::super::recv::Receiver::move_to(&receiver, rings[reads % 2].clone());
                    reads += 1;
                    let n = reader.read(&mut buf).await.unwrap();
                    assert_ne!(n, 0, "end of stream before number {expected}");
                    pending.extend_from_slice(&buf[..n]);
                    let whole = pending.len() / 8 * 8;
                    for chunk in pending[..whole].chunks_exact(8) {
                        let got = u64::from_le_bytes(chunk.try_into().unwrap());
                        assert_eq!(got, expected, "numbers out of order");
                        expected += 1;
                    }
                    pending.drain(..whole);
                }
                reader.write_u8(batch as u8).await.unwrap();
            }
            writer.await.unwrap();
            assert_eq!(
                reader.read(&mut buf).await.unwrap(),
                0,
                "bytes after the last number"
            );
            (receiver, rings)
        });
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
