//! Which worker should serve a stream socket, on a multi-thread runtime
//! whose workers each have an I/O driver of their own (a ring on io_uring,
//! an epoll instance on the readiness backend). The backends do the moving
//! (`uring::steer`, `poll::Registration::steer`); the rule is here.
//!
//! A task runs where its socket's events are delivered (the worker whose
//! driver reports them queues the task locally), so the driver a socket is
//! served by is where its task lives. Two tasks talking over a local
//! connection (a client and its server, a proxy and its backend) then sit
//! on two workers unless something puts both ends on one, and every
//! exchange crosses cores twice. The kernel says where a socket's packets
//! were processed last (`SO_INCOMING_CPU`: for loopback, the sender's CPU;
//! for a NIC, the CPU of its receive queue), and each driver knows the CPU
//! its worker polled it on last, so every [`CHECK_EVERY`] reads that
//! brought data a socket asks, and moves to that CPU's driver when:
//!
//! * two checks in a row name the same other driver (a peer stolen for a
//!   moment does not drag its partner along), and
//! * the move does not unbalance the workers: it goes from the driver with
//!   more stream sockets to the one with fewer, or, on a tie, from the
//!   later driver to the earlier one (so of a connection's two ends, which
//!   look at each other, only one moves).
//!
//! Thread-per-core and current-thread drivers have no peers and never steer.

use std::sync::{Arc, Weak};

/// Reads that brought data between two looks at `SO_INCOMING_CPU`.
pub(crate) const CHECK_EVERY: u8 = 16;

/// A CPU not known yet.
pub(crate) const UNKNOWN_CPU: usize = usize::MAX;

/// One worker's driver, as steering sees it.
pub(crate) trait Peer {
    /// The CPU its worker last polled it on, or [`UNKNOWN_CPU`].
    fn cpu(&self) -> usize;
    /// The stream sockets it serves.
    fn load(&self) -> usize;
}

/// The CPU the calling thread runs on, or [`UNKNOWN_CPU`] (always under
/// Miri, which has no `sched_getcpu`).
pub(crate) fn current_cpu() -> usize {
    if cfg!(miri) {
        return UNKNOWN_CPU;
    }
    // SAFETY: no preconditions; -1 on failure.
    let cpu = unsafe { libc::sched_getcpu() };
    usize::try_from(cpu).unwrap_or(UNKNOWN_CPU)
}

/// Where a socket stands with steering (kept with the socket).
#[derive(Default)]
pub(crate) struct Look {
    /// Reads with data since the last check.
    reads: u8,
    /// The driver the last check named, if another one.
    wanted: Option<u16>,
}

/// Called after a read of `fd` brought data, for a socket served by `me`,
/// one of `peers` (every driver of the runtime, in worker order): the
/// driver it should move to, if any (see the module docs).
pub(crate) fn look<P: Peer>(me: &P, peers: &[Weak<P>], fd: i32, look: &mut Look) -> Option<Arc<P>> {
    look.reads += 1;
    if look.reads < CHECK_EVERY {
        return None;
    }
    look.reads = 0;
    // Small, as every stream socket's state holds it (a runtime with more
    // workers than `u16` counts does not steer).
    let wanted = wanted(me, peers, fd).and_then(|i| u16::try_from(i).ok());
    if wanted.is_none() || wanted != look.wanted {
        look.wanted = wanted;
        return None;
    }
    look.wanted = None;
    let to_index = usize::from(wanted?);
    let to = peers[to_index].upgrade()?;
    let from_index = peers.iter().position(|p| std::ptr::eq(p.as_ptr(), me))?;
    keeps_balance((me.load(), from_index), (to.load(), to_index)).then_some(to)
}

/// Whether a socket may move from the driver with `(stream sockets, index)`
/// `from` to the one with `to`: from the fuller driver to the emptier, or
/// on a tie from the later to the earlier (of two ends that want each
/// other's driver, exactly one moves).
fn keeps_balance(from: (usize, usize), to: (usize, usize)) -> bool {
    from.0 > to.0 || (from.0 == to.0 && from.1 > to.1)
}

/// The index of the other driver whose worker runs on the CPU the socket's
/// packets arrive on.
fn wanted<P: Peer>(me: &P, peers: &[Weak<P>], fd: i32) -> Option<usize> {
    let cpu = crate::driver::sys::incoming_cpu(fd)?;
    if me.cpu() == cpu {
        return None;
    }
    peers
        .iter()
        .position(|peer| peer.upgrade().is_some_and(|peer| peer.cpu() == cpu))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::io::{AsyncReadExt, AsyncWriteExt};
    use crate::net::{TcpListener, TcpStream};

    /// A reader checks a numbered stream while `move_io(reader, i)` moves
    /// its socket to worker `i % 2`'s driver before every read (a read may
    /// find the move under way, or data queued from before it), answering
    /// each batch with a byte so that the stream also goes quiet between
    /// batches: every number arrives, once, in order, and the answers get
    /// through. Runs on a two-worker multi-thread runtime; returns the
    /// reader.
    pub(crate) async fn numbers_arrive_in_order_while_moving(
        move_io: impl Fn(&TcpStream, usize),
    ) -> TcpStream {
        const BATCHES: u64 = 2_000;
        const PER_BATCH: u64 = 97;
        const PER_WRITE: u64 = 31;
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
        let mut buf = [0u8; 300];
        let mut pending = Vec::new();
        let mut expected = 0u64;
        let mut reads = 0;
        for batch in 0..BATCHES {
            while expected < (batch + 1) * PER_BATCH {
                move_io(&reader, reads);
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
        reader
    }

    #[test]
    fn moves_go_from_the_fuller_driver_or_to_the_earlier_on_a_tie() {
        assert!(keeps_balance((3, 0), (2, 1)));
        assert!(!keeps_balance((2, 0), (3, 1)));
        assert!(keeps_balance((2, 1), (2, 0)));
        assert!(!keeps_balance((2, 0), (2, 1)));
    }
}
