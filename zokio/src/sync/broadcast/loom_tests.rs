//! Loom models of the broadcast channel: sends racing receives, lagging
//! receivers and drops; every value accounted for and dropped once.
//!
//! Run with `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p
//! zokio --lib --release loom`.

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;

use super::channel;
use super::error::RecvError;
use crate::sync::mpsc::loom_tests::block_on;

/// Counts the copies of it alive.
struct Tracked(Arc<AtomicUsize>);

impl Tracked {
    fn new(live: &Arc<AtomicUsize>) -> Tracked {
        live.fetch_add(1, SeqCst);
        Tracked(live.clone())
    }
}

impl Clone for Tracked {
    fn clone(&self) -> Tracked {
        Tracked::new(&self.0)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_sub(1, SeqCst);
    }
}

#[test]
fn loom_broadcast_send_vs_recv_with_lag() {
    loom::model(|| {
        let (tx, mut rx) = channel(2);
        // The sender outlives the receives: each value must wake by itself.
        let sender = thread::spawn(move || {
            for i in 0..3u64 {
                tx.send(i).unwrap();
            }
            tx
        });
        let mut expected = 0;
        // Every value is received or reported missed.
        while expected < 3 {
            match block_on(rx.recv()) {
                Ok(value) => {
                    assert_eq!(value, expected);
                    expected += 1;
                }
                // Lagged: the missed values are skipped, in order.
                Err(RecvError::Lagged(missed)) => expected += missed,
                Err(RecvError::Closed) => unreachable!("the sender is alive"),
            }
        }
        assert_eq!(expected, 3);
        drop(sender.join().unwrap());
        assert_eq!(block_on(rx.recv()), Err(RecvError::Closed));
    });
}

#[test]
fn loom_broadcast_value_dropped_after_its_last_reader() {
    loom::model(|| {
        let live = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx1) = channel(2);
        let mut rx2 = tx.subscribe();
        tx.send(Tracked::new(&live)).ok().unwrap();
        let other = thread::spawn(move || {
            drop(block_on(rx2.recv()).unwrap());
        });
        drop(block_on(rx1.recv()).unwrap());
        other.join().unwrap();
        // Both receivers read it: the channel let it go, though it is open.
        assert_eq!(live.load(SeqCst), 0);
        drop((tx, rx1));
    });
}

#[test]
fn loom_broadcast_receiver_drop_vs_recv() {
    loom::model(|| {
        let live = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx1) = channel(2);
        let rx2 = tx.subscribe();
        tx.send(Tracked::new(&live)).ok().unwrap();
        let other = thread::spawn(move || drop(rx2));
        drop(block_on(rx1.recv()).unwrap());
        other.join().unwrap();
        assert_eq!(live.load(SeqCst), 0);
        drop(tx);
        assert_eq!(block_on(rx1.recv()).err(), Some(RecvError::Closed));
    });
}

#[test]
fn loom_broadcast_sender_drop_vs_waiting_recv() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u8>(1);
        let sender = thread::spawn(move || drop(tx));
        assert_eq!(block_on(rx.recv()), Err(RecvError::Closed));
        sender.join().unwrap();
    });
}
