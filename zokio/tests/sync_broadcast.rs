//! `zokio::sync::broadcast`: every receiver gets every value, lagging
//! receivers are told how much they missed, values are dropped exactly once,
//! and `recv` in a `select!` loses nothing.

mod support;

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use zokio::sync::broadcast::{
    self,
    error::{RecvError, SendError, TryRecvError},
    Receiver, Sender, WeakSender,
};
use zokio::sync::CancellationToken;
use zokio::task;

#[allow(dead_code)]
fn assert_send_sync<T: Send + Sync>() {}

#[allow(dead_code)]
fn assert_send<T: Send>(_: &T) {}

const _: fn() = || {
    assert_send_sync::<Sender<Vec<u8>>>();
    assert_send_sync::<Receiver<Vec<u8>>>();
    assert_send_sync::<WeakSender<Vec<u8>>>();
};

#[allow(dead_code)]
async fn futures_are_send(tx: Sender<u8>, mut rx: Receiver<u8>) {
    assert_send(&tx.closed());
    assert_send(&rx.recv());
}

/// Counts the copies of it that are alive, so that a test can check every
/// clone is dropped exactly once.
#[derive(Debug)]
struct Tracked(Arc<AtomicUsize>, u32);

impl Tracked {
    fn new(live: &Arc<AtomicUsize>, value: u32) -> Tracked {
        live.fetch_add(1, SeqCst);
        Tracked(live.clone(), value)
    }
}

impl Clone for Tracked {
    fn clone(&self) -> Tracked {
        Tracked::new(&self.0, self.1)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_sub(1, SeqCst);
    }
}

#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn poll_once<F: Future>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

each_flavor! {
    fn every_receiver_gets_every_value(rt) {
        rt.block_on(async {
            let (tx, rx) = broadcast::channel(16);
            let receivers: Vec<_> = (0..8)
                .map(|i| {
                    let mut rx = if i == 0 { rx.resubscribe() } else { tx.subscribe() };
                    zokio::spawn(async move {
                        let mut got = Vec::new();
                        loop {
                            match rx.recv().await {
                                Ok(v) => got.push(v),
                                Err(RecvError::Closed) => return got,
                                Err(RecvError::Lagged(n)) => panic!("lagged by {n}"),
                            }
                        }
                    })
                })
                .collect();
            drop(rx);
            assert_eq!(tx.receiver_count(), 8);
            for i in 0..1_000u32 {
                // Wait for room rather than overwrite (no receiver may lag).
                while tx.len() == 16 {
                    task::yield_now().await;
                }
                assert_eq!(tx.send(i), Ok(8));
            }
            drop(tx);
            for receiver in receivers {
                assert_eq!(receiver.await.unwrap(), (0..1_000).collect::<Vec<_>>());
            }
        });
    }
}

each_flavor! {
    fn a_lagging_receiver_is_told_and_catches_up(rt) {
        rt.block_on(async {
            let (tx, mut rx) = broadcast::channel(3); // rounded up to 4
            for i in 0..10 {
                tx.send(i).unwrap();
            }
            assert_eq!(rx.len(), 10);
            assert_eq!(rx.recv().await, Err(RecvError::Lagged(6)));
            assert_eq!(rx.len(), 4);
            for i in 6..10 {
                assert_eq!(rx.recv().await, Ok(i));
            }
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            for i in 10..15 {
                tx.send(i).unwrap();
            }
            assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
            assert_eq!(rx.try_recv(), Ok(11));
            drop(tx);
            for i in 12..15 {
                assert_eq!(rx.recv().await, Ok(i));
            }
            assert_eq!(rx.recv().await, Err(RecvError::Closed));
            assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        });
    }
}

each_flavor! {
    fn late_subscribers_see_only_later_values(rt) {
        rt.block_on(async {
            let (tx, mut rx) = broadcast::channel(4);
            tx.send(1).unwrap();
            let mut late = tx.subscribe();
            let mut later = rx.resubscribe();
            tx.send(2).unwrap();
            assert_eq!(rx.recv().await, Ok(1));
            assert_eq!(rx.recv().await, Ok(2));
            assert_eq!(late.recv().await, Ok(2));
            assert_eq!(later.recv().await, Ok(2));
            assert!(rx.same_channel(&late));
            let (_other_tx, other) = broadcast::channel::<i32>(1);
            assert!(!rx.same_channel(&other));
        });
    }
}

each_flavor! {
    fn send_without_receivers_fails_and_keeps_nothing(rt) {
        rt.block_on(async {
            let live = Arc::new(AtomicUsize::new(0));
            let (tx, rx) = broadcast::channel(2);
            drop(rx);
            assert_eq!(tx.receiver_count(), 0);
            let SendError(back) = tx.send(Tracked::new(&live, 1)).unwrap_err();
            assert_eq!(back.1, 1);
            drop(back);
            assert_eq!(live.load(SeqCst), 0);
            assert!(tx.is_empty());
            // A new subscriber revives the channel.
            let mut rx = tx.subscribe();
            tx.send(Tracked::new(&live, 2)).unwrap();
            assert_eq!(rx.recv().await.unwrap().1, 2);
            assert_eq!(live.load(SeqCst), 0);
        });
    }
}

each_flavor! {
    fn values_are_dropped_exactly_once(rt) {
        rt.block_on(async {
            let live = Arc::new(AtomicUsize::new(0));
            let (tx, mut rx1) = broadcast::channel(4);
            let mut rx2 = tx.subscribe();
            tx.send(Tracked::new(&live, 0)).unwrap();
            tx.send(Tracked::new(&live, 1)).unwrap();
            assert_eq!(tx.len(), 2);
            // Read by one receiver: still kept for the other.
            drop(rx1.recv().await.unwrap());
            assert_eq!(live.load(SeqCst), 2);
            assert_eq!(tx.len(), 2);
            // Read by both: dropped.
            drop(rx2.recv().await.unwrap());
            assert_eq!(live.load(SeqCst), 1);
            assert_eq!(tx.len(), 1);
            // A receiver that goes gives up its claim on what it did not read.
            drop(rx2);
            drop(rx1.recv().await.unwrap());
            assert_eq!(live.load(SeqCst), 0);
            assert!(tx.is_empty());
            // Overwritten values are dropped.
            for i in 0..10 {
                tx.send(Tracked::new(&live, i)).unwrap();
            }
            assert_eq!(live.load(SeqCst), 4);
            assert_eq!(rx1.recv().await.unwrap_err(), RecvError::Lagged(6));
            // Values still in the channel are dropped with it.
            drop(rx1);
            assert_eq!(live.load(SeqCst), 0);
            tx.send(Tracked::new(&live, 0)).unwrap_err();
            let _rx = tx.subscribe();
            tx.send(Tracked::new(&live, 0)).unwrap();
            drop(tx);
            assert_eq!(live.load(SeqCst), 1);
            drop(_rx);
            assert_eq!(live.load(SeqCst), 0);
        });
    }
}

each_flavor! {
    fn receivers_wait_and_wake(rt) {
        rt.block_on(async {
            let (tx, mut rx) = broadcast::channel(2);
            let waiters: Vec<_> = (0..3)
                .map(|_| {
                    let mut rx = tx.subscribe();
                    zokio::spawn(async move { rx.recv().await })
                })
                .collect();
            zokio::time::sleep(Duration::from_millis(2)).await;
            tx.send(7).unwrap();
            for waiter in waiters {
                assert_eq!(waiter.await.unwrap(), Ok(7));
            }
            assert_eq!(rx.recv().await, Ok(7));
            let waiter = zokio::spawn(async move { rx.recv().await });
            zokio::time::sleep(Duration::from_millis(2)).await;
            drop(tx);
            assert_eq!(waiter.await.unwrap(), Err(RecvError::Closed));
        });
    }
}

each_flavor! {
    fn a_dropped_recv_takes_nothing(rt) {
        rt.block_on(async {
            let (tx, mut rx) = broadcast::channel(2);
            let waker = Waker::from(Arc::new(CountingWaker::default()));
            {
                let mut recv = pin!(rx.recv());
                assert!(poll_once(recv.as_mut(), &waker).is_pending());
            }
            tx.send(1).unwrap();
            {
                // Dropped while the value is there but before it was polled.
                let recv = rx.recv();
                drop(recv);
            }
            assert_eq!(rx.recv().await, Ok(1));
        });
    }
}

each_flavor! {
    fn sender_closed_waits_for_every_receiver(rt) {
        rt.block_on(async {
            let (tx, rx) = broadcast::channel::<u8>(2);
            let rx2 = tx.subscribe();
            let waiter = {
                let tx = tx.clone();
                zokio::spawn(async move { tx.closed().await })
            };
            drop(rx);
            zokio::time::sleep(Duration::from_millis(2)).await;
            assert!(!waiter.is_finished());
            drop(rx2);
            waiter.await.unwrap();
            tx.closed().await;
            assert_eq!(tx.receiver_count(), 0);
        });
    }
}

each_flavor! {
    fn weak_senders_and_same_channel(rt) {
        rt.block_on(async {
            let (tx, mut rx) = broadcast::channel(2);
            let weak = tx.downgrade();
            let strong = weak.clone().upgrade().unwrap();
            assert!(strong.same_channel(&tx));
            strong.send(1).unwrap();
            drop((tx, strong));
            assert!(weak.upgrade().is_none());
            assert_eq!(rx.recv().await, Ok(1));
            assert_eq!(rx.recv().await, Err(RecvError::Closed));
            let (one, _one_rx) = broadcast::channel::<i32>(2);
            let (other, _other_rx) = broadcast::channel::<i32>(2);
            assert!(one.same_channel(&one.clone()));
            assert!(!one.same_channel(&other));
        });
    }
}

each_flavor! {
    fn receiver_on_a_plain_thread(rt) {
        let (tx, mut rx) = broadcast::channel(64);
        let consumer = thread::spawn(move || {
            let mut got = Vec::new();
            while let Ok(v) = rx.blocking_recv() {
                got.push(v);
            }
            got
        });
        rt.block_on(async move {
            for i in 0..50 {
                tx.send(i).unwrap();
            }
        });
        assert_eq!(consumer.join().unwrap(), (0..50).collect::<Vec<_>>());
    }
}

#[test]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
fn blocking_recv_panics_inside_a_runtime() {
    support::current_thread().block_on(async {
        let (_tx, mut rx) = broadcast::channel::<u8>(1);
        let _ = rx.blocking_recv();
    });
}

#[test]
#[should_panic(expected = "broadcast channel capacity cannot be zero")]
fn zero_capacity_panics() {
    let _ = broadcast::channel::<u8>(0);
}

/// Receivers in a `select!` against a timer and a cancellation while a
/// sender streams values: every value is received or reported lagged, in
/// order, by each receiver.
fn recv_vs_sleep_vs_cancel(rt: zokio::runtime::Runtime) {
    const VALUES: u64 = 50_000;
    const RECEIVERS: usize = 2;
    rt.block_on(async {
        zokio::spawn(async {
            let token = CancellationToken::new();
            let (tx, rx) = broadcast::channel(64);
            let receivers: Vec<_> = (0..RECEIVERS)
                .map(|_| {
                    let mut rx = rx.resubscribe();
                    let token = token.clone();
                    zokio::spawn(async move {
                        let (mut expected, mut rounds, mut lagged) = (0u64, 0u64, 0u64);
                        loop {
                            rounds += 1;
                            let pause =
                                Duration::from_micros(if rounds % 5 == 0 { 0 } else { 100 });
                            let out = zokio::select! {
                                out = rx.recv() => out,
                                _ = zokio::time::sleep(pause) => continue,
                                _ = token.cancelled() => continue,
                            };
                            match out {
                                Ok(v) => {
                                    assert_eq!(v, expected, "lost or repeated");
                                    expected += 1;
                                }
                                Err(RecvError::Lagged(n)) => {
                                    expected += n;
                                    lagged += n;
                                }
                                Err(RecvError::Closed) => return (expected, rounds, lagged),
                            }
                        }
                    })
                })
                .collect();
            drop(rx);
            for i in 0..VALUES {
                tx.send(i).unwrap();
                if i % 16 == 0 {
                    task::yield_now().await;
                }
                if i == VALUES / 2 {
                    token.cancel();
                }
            }
            drop(tx);
            for receiver in receivers {
                let (seen, rounds, lagged) = receiver.await.unwrap();
                assert_eq!(seen, VALUES);
                assert!(rounds > VALUES - lagged);
            }
        })
        .await
        .unwrap();
    });
}

each_flavor! {
    fn stress_recv_vs_sleep_vs_cancel(rt) {
        recv_vs_sleep_vs_cancel(rt);
    }
}

each_flavor! {
    fn debug_and_display(rt) {
        rt.block_on(async {
            let (tx, rx) = broadcast::channel::<u8>(1);
            assert!(format!("{tx:?} {rx:?} {:?}", tx.downgrade()).contains("WeakSender"));
            assert_eq!(RecvError::Lagged(3).to_string(), "channel lagged by 3");
            assert_eq!(TryRecvError::Empty.to_string(), "channel empty");
            assert_eq!(SendError(1).to_string(), "channel closed");
        });
    }
}
