//! Loom models of the mpsc channels: sends, receives, closes, drops and
//! cancelled reservations racing. Blocks hold two slots under loom, so the
//! models also cross, recycle and free blocks.
//!
//! Run with `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p
//! zokio --lib --release loom`. Loom reports leaked blocks (their `Track`),
//! leaked channels and wakers (loom `Arc`s), and unsynchronised accesses.
//!
//! The futures here are driven by [`block_on`], which waits on a loom
//! `Notify` rather than parking: loom lets a late `unpark` (a sender waking
//! a receiver that already found its value) end a thread's wait in `join`
//! or on a lock, and then fails on its own assertion; a late `notify` only
//! marks a `Notify` nobody waits on any more.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Wake, Waker};

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::{Arc, Notify};
use loom::thread;

use super::error::{TryRecvError, TrySendError};
use super::{channel, unbounded_channel};
use crate::sync::wait_list::loom_support::{counting_waker, poll_once};

/// Wakes the thread blocked in [`block_on`].
struct NotifyWaker(Notify);

impl Wake for NotifyWaker {
    fn wake(self: StdArc<Self>) {
        self.0.notify();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        self.0.notify();
    }
}

/// Polls `future` on this loom thread until it completes, waiting for its
/// waker between polls. A wake-up that never comes leaves the thread
/// blocked, which loom reports as a deadlock.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let notify = StdArc::new(NotifyWaker(Notify::new()));
    let waker = Waker::from(notify.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        // As a scheduler would, let the others run before polling again: a
        // receiver that finds a wake-up under way wakes itself at once, and
        // the waker must get to finish.
        thread::yield_now();
        notify.0.wait();
    }
}

/// Counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn loom_unbounded_two_senders_in_order() {
    loom::model(|| {
        let (tx, mut rx) = unbounded_channel();
        let senders: Vec<_> = (0..2u32)
            .map(|id| {
                let tx = tx.clone();
                // The sender outlives the receives: each value must wake
                // the receiver by itself.
                thread::spawn(move || {
                    tx.send((id, 0)).unwrap();
                    tx.send((id, 1)).unwrap();
                    tx
                })
            })
            .collect();
        drop(tx);
        let mut next = [0, 0];
        for _ in 0..4 {
            let (id, seq) = block_on(rx.recv()).unwrap();
            assert_eq!(next[id as usize], seq, "per-sender order");
            next[id as usize] += 1;
        }
        for sender in senders {
            drop(sender.join().unwrap());
        }
        assert_eq!(block_on(rx.recv()), None);
    });
}

#[test]
fn loom_unbounded_blocks_recycled_while_sending() {
    loom::model(|| {
        let (tx, mut rx) = unbounded_channel();
        let sender = thread::spawn(move || {
            for i in 0..5u32 {
                tx.send(i).unwrap();
            }
            tx
        });
        for i in 0..5 {
            assert_eq!(block_on(rx.recv()), Some(i));
        }
        drop(sender.join().unwrap());
        assert_eq!(block_on(rx.recv()), None);
    });
}

#[test]
fn loom_unbounded_close_vs_send() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = unbounded_channel();
        let sender = {
            let drops = drops.clone();
            // A refused value comes back and is dropped here.
            thread::spawn(move || tx.send(Counted(drops)).is_ok())
        };
        rx.close();
        let received = block_on(rx.recv());
        let sent = sender.join().unwrap();
        // A value sent before the close is still received; after it, the
        // channel ends.
        assert_eq!(received.is_some(), sent);
        drop(received);
        assert_eq!(rx.try_recv().err(), Some(TryRecvError::Disconnected));
        assert_eq!(drops.load(SeqCst), 1);
    });
}

#[test]
fn loom_unbounded_receiver_drop_vs_send() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = unbounded_channel();
        let sender = {
            let drops = drops.clone();
            thread::spawn(move || {
                let _ = tx.send(Counted(drops.clone()));
                let _ = tx.send(Counted(drops.clone()));
                let _ = tx.send(Counted(drops));
            })
        };
        drop(rx);
        sender.join().unwrap();
        // Every value, refused or stranded in the channel, dropped once.
        assert_eq!(drops.load(SeqCst), 3);
    });
}

#[test]
fn loom_unbounded_sender_drop_vs_recv() {
    loom::model(|| {
        let (tx, mut rx) = unbounded_channel();
        let sender = thread::spawn(move || {
            tx.send(1u8).unwrap();
            drop(tx);
        });
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), None);
        sender.join().unwrap();
    });
}

#[test]
fn loom_bounded_send_waits_for_room() {
    loom::model(|| {
        let (tx, mut rx) = channel(1);
        let sender = thread::spawn(move || {
            for i in 0..3u32 {
                block_on(tx.send(i)).unwrap();
            }
            tx
        });
        for i in 0..3 {
            assert_eq!(block_on(rx.recv()), Some(i));
        }
        drop(sender.join().unwrap());
        assert_eq!(block_on(rx.recv()), None);
        assert_eq!(rx.capacity(), 1);
    });
}

#[test]
fn loom_bounded_two_senders() {
    loom::model(|| {
        let (tx, mut rx) = channel(1);
        let senders: Vec<_> = (0..2u32)
            .map(|id| {
                let tx = tx.clone();
                thread::spawn(move || {
                    block_on(tx.send(id)).unwrap();
                    tx
                })
            })
            .collect();
        drop(tx);
        let mut seen = 0;
        for _ in 0..2 {
            seen |= 1 << block_on(rx.recv()).unwrap();
        }
        assert_eq!(seen, 0b11);
        for sender in senders {
            drop(sender.join().unwrap());
        }
        assert_eq!(block_on(rx.recv()), None);
    });
}

#[test]
fn loom_bounded_close_vs_waiting_send() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = channel(1);
        tx.try_send(Counted(drops.clone())).ok().unwrap();
        let sender = {
            let drops = drops.clone();
            thread::spawn(move || {
                // Waits for room; the close either fails it or lets it in
                // after the receive below.
                block_on(tx.send(Counted(drops))).is_ok()
            })
        };
        let first = block_on(rx.recv());
        assert!(first.is_some());
        drop(first);
        rx.close();
        let second = block_on(rx.recv());
        let sent = sender.join().unwrap();
        assert_eq!(second.is_some(), sent);
        drop(second);
        assert!(block_on(rx.recv()).is_none());
        assert_eq!(drops.load(SeqCst), 2);
        assert_eq!(rx.capacity(), 1);
    });
}

#[test]
fn loom_bounded_receiver_drop_vs_send() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel(2);
        let sender = {
            let drops = drops.clone();
            thread::spawn(move || {
                for _ in 0..3 {
                    // The third waits for room until the receiver goes.
                    let _ = block_on(tx.send(Counted(drops.clone())));
                }
            })
        };
        drop(rx);
        sender.join().unwrap();
        assert_eq!(drops.load(SeqCst), 3);
    });
}

#[test]
fn loom_bounded_reserve_cancelled_loses_no_permit() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u8>(1);
        tx.try_send(0).unwrap();
        let canceller = {
            let tx = tx.clone();
            thread::spawn(move || {
                let (waker, _wakes) = counting_waker();
                let mut reserve = pin!(tx.reserve());
                // Queues behind the full channel (or gets the room if the
                // receive below came first), then gives up.
                let _ = poll_once(reserve.as_mut(), &waker);
            })
        };
        let waiter = thread::spawn(move || {
            // Must get the room whatever the cancelled reserve did.
            let permit = block_on(tx.reserve()).unwrap();
            permit.send(1);
        });
        assert_eq!(block_on(rx.recv()), Some(0));
        canceller.join().unwrap();
        waiter.join().unwrap();
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(rx.capacity(), 1);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    });
}

#[test]
fn loom_bounded_permit_dropped_after_close_ends_recv() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u8>(1);
        let permit_holder = thread::spawn(move || {
            // Fails if the close came first; then there is nothing to wait
            // for.
            drop(tx.try_reserve());
            // `tx` stays alive: only the permit's return may end the channel.
            tx
        });
        rx.close();
        block_on(poll_fn(|cx| match rx.poll_recv(cx) {
            Poll::Ready(None) => Poll::Ready(()),
            Poll::Ready(Some(_)) => unreachable!("nothing was sent"),
            Poll::Pending => Poll::Pending,
        }));
        let tx = permit_holder.join().unwrap();
        assert!(matches!(tx.try_send(1), Err(TrySendError::Closed(1))));
    });
}
