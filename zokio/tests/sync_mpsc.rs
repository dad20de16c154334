//! `zokio::sync::mpsc`: every method of both flavours, closing and dropping
//! from either side, exact drop counts, cancel safety, and a `select!`
//! stress in which every message is accounted for.

mod support;

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use support::DropCounter;
use zokio::sync::mpsc::{
    self,
    error::{SendError, SendTimeoutError, TryRecvError, TrySendError},
    OwnedPermit, Permit, Receiver, Sender, UnboundedReceiver, UnboundedSender, WeakSender,
    WeakUnboundedSender,
};
use zokio::sync::CancellationToken;
use zokio::task;

#[allow(dead_code)]
fn assert_send_sync<T: Send + Sync>() {}

#[allow(dead_code)]
fn assert_send<T: Send>(_: &T) {}

// As with Tokio, `T: Send` is enough for every handle to be `Send + Sync`.
const _: fn() = || {
    type NotSync = std::cell::Cell<u8>;
    assert_send_sync::<Sender<NotSync>>();
    assert_send_sync::<Receiver<NotSync>>();
    assert_send_sync::<WeakSender<NotSync>>();
    assert_send_sync::<Permit<'static, NotSync>>();
    assert_send_sync::<OwnedPermit<NotSync>>();
    assert_send_sync::<UnboundedSender<NotSync>>();
    assert_send_sync::<UnboundedReceiver<NotSync>>();
    assert_send_sync::<WeakUnboundedSender<NotSync>>();
};

// The futures of every async method are `Send`, so they can be spawned.
#[allow(dead_code)]
async fn futures_are_send(tx: Sender<u8>, mut rx: Receiver<u8>, mut urx: UnboundedReceiver<u8>) {
    assert_send(&tx.send(1));
    assert_send(&tx.send_timeout(1, Duration::ZERO));
    assert_send(&tx.reserve());
    assert_send(&tx.closed());
    assert_send(&rx.recv());
    assert_send(&urx.recv());
    let mut buffer = Vec::new();
    assert_send(&urx.recv_many(&mut buffer, 1));
    assert_send(&tx.reserve_owned());
}

/// A waker that counts its wake-ups.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counting_waker() -> (Arc<CountingWaker>, Waker) {
    let inner = Arc::new(CountingWaker::default());
    (inner.clone(), Waker::from(inner))
}

fn poll_once<F: Future>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

fn drops() -> (Arc<AtomicUsize>, impl Fn() -> DropCounter) {
    let count = Arc::new(AtomicUsize::new(0));
    let make = {
        let count = count.clone();
        move || DropCounter(count.clone())
    };
    (count, make)
}

each_flavor! {
    fn bounded_values_arrive_in_order(rt) {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(4);
            let producer = zokio::spawn(async move {
                for i in 0..1_000u32 {
                    tx.send(i).await.unwrap();
                }
            });
            for i in 0..1_000 {
                assert_eq!(rx.recv().await, Some(i));
            }
            assert_eq!(rx.recv().await, None);
            producer.await.unwrap();
        });
    }
}

each_flavor! {
    fn unbounded_values_arrive_in_order(rt) {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            let producer = zokio::spawn(async move {
                for i in 0..10_000u32 {
                    tx.send(i).unwrap();
                    if i % 100 == 0 {
                        task::yield_now().await;
                    }
                }
            });
            for i in 0..10_000 {
                assert_eq!(rx.recv().await, Some(i));
            }
            assert_eq!(rx.recv().await, None);
            producer.await.unwrap();
        });
    }
}

/// Producers on several tasks (and so several workers): each one's values
/// arrive in its order, and every value arrives once.
fn many_producers(rt: zokio::runtime::Runtime, bounded: bool) {
    const PRODUCERS: u64 = 4;
    const EACH: u64 = 20_000;
    rt.block_on(async {
        zokio::spawn(async move {
            let (tx, mut rx) = mpsc::channel(16);
            let (utx, mut urx) = mpsc::unbounded_channel();
            for p in 0..PRODUCERS {
                let tx = tx.clone();
                let utx = utx.clone();
                zokio::spawn(async move {
                    for i in 0..EACH {
                        let value = (p, i);
                        if bounded {
                            tx.send(value).await.unwrap();
                        } else {
                            utx.send(value).unwrap();
                        }
                    }
                });
            }
            drop((tx, utx));
            let mut next = [0; PRODUCERS as usize];
            let mut total = 0;
            loop {
                let value = if bounded {
                    rx.recv().await
                } else {
                    urx.recv().await
                };
                let Some((p, i)) = value else { break };
                assert_eq!(next[p as usize], i, "producer {p} out of order");
                next[p as usize] += 1;
                total += 1;
            }
            assert_eq!(total, PRODUCERS * EACH);
        })
        .await
        .unwrap();
    });
}

each_flavor! {
    fn bounded_many_producers(rt) {
        many_producers(rt, true);
    }
}

each_flavor! {
    fn unbounded_many_producers(rt) {
        many_producers(rt, false);
    }
}

each_flavor! {
    fn senders_on_plain_threads(rt) {
        let (tx, mut rx) = mpsc::channel(8);
        let (utx, mut urx) = mpsc::unbounded_channel();
        let threads: Vec<_> = (0..3u32)
            .map(|t| {
                let tx = tx.clone();
                let utx = utx.clone();
                thread::spawn(move || {
                    for i in 0..1_000u32 {
                        tx.blocking_send(t * 1_000 + i).unwrap();
                        utx.send(t * 1_000 + i).unwrap();
                    }
                })
            })
            .collect();
        drop((tx, utx));
        let (sum, usum) = rt.block_on(async {
            let mut sum = 0u64;
            while let Some(v) = rx.recv().await {
                sum += u64::from(v);
            }
            let mut usum = 0u64;
            while let Some(v) = urx.recv().await {
                usum += u64::from(v);
            }
            (sum, usum)
        });
        let expected = (0..3_000u64).sum::<u64>();
        assert_eq!((sum, usum), (expected, expected));
        for t in threads {
            t.join().unwrap();
        }
    }
}

each_flavor! {
    fn receiver_on_a_plain_thread(rt) {
        let (tx, mut rx) = mpsc::channel(2);
        let (utx, mut urx) = mpsc::unbounded_channel();
        let consumer = thread::spawn(move || {
            let mut got = Vec::new();
            while let Some(v) = rx.blocking_recv() {
                got.push(v);
            }
            while let Some(v) = urx.blocking_recv() {
                got.push(v);
            }
            got
        });
        rt.block_on(async move {
            for i in 0..100 {
                tx.send(i).await.unwrap();
                utx.send(100 + i).unwrap();
            }
        });
        assert_eq!(consumer.join().unwrap(), (0..200).collect::<Vec<_>>());
    }
}

#[test]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
fn blocking_recv_panics_inside_a_runtime() {
    support::current_thread().block_on(async {
        let (_tx, mut rx) = mpsc::channel::<u8>(1);
        rx.blocking_recv();
    });
}

#[test]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
fn blocking_send_panics_inside_a_runtime() {
    support::multi_thread(1).block_on(async {
        let (tx, _rx) = mpsc::channel::<u8>(1);
        let _ = tx.blocking_send(1);
    });
}

#[test]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
fn unbounded_blocking_recv_panics_inside_a_runtime() {
    support::current_thread().block_on(async {
        let (_tx, mut rx) = mpsc::unbounded_channel::<u8>();
        rx.blocking_recv();
    });
}

#[test]
#[should_panic(expected = "mpsc bounded channel requires buffer > 0")]
fn zero_capacity_panics() {
    let _ = mpsc::channel::<u8>(0);
}

each_flavor! {
    fn send_on_a_closed_channel_gives_the_value_back(rt) {
        rt.block_on(async {
            let (tx, rx) = mpsc::channel(2);
            drop(rx);
            assert!(tx.is_closed());
            assert_eq!(tx.send("a").await, Err(SendError("a")));
            assert_eq!(tx.try_send("b"), Err(TrySendError::Closed("b")));
            assert_eq!(
                tx.send_timeout("c", Duration::from_millis(1)).await,
                Err(SendTimeoutError::Closed("c"))
            );
            assert!(tx.reserve().await.is_err());
            assert!(matches!(tx.try_reserve(), Err(TrySendError::Closed(()))));
            let tx = match tx.try_reserve_owned() {
                Err(TrySendError::Closed(tx)) => tx,
                _ => panic!("a closed channel reserves nothing"),
            };
            assert!(tx.reserve_owned().await.is_err());

            let (tx, mut rx) = mpsc::channel(2);
            rx.close();
            assert!(tx.is_closed());
            assert_eq!(tx.send(1).await, Err(SendError(1)));
            assert_eq!(rx.recv().await, None);

            let (utx, urx) = mpsc::unbounded_channel();
            drop(urx);
            assert!(utx.is_closed());
            assert_eq!(utx.send(vec![1, 2]), Err(SendError(vec![1, 2])));

            let (utx, mut urx) = mpsc::unbounded_channel();
            urx.close();
            assert_eq!(utx.send(3), Err(SendError(3)));
            assert_eq!(urx.recv().await, None);
        });
    }
}

each_flavor! {
    fn recv_after_every_sender_dropped(rt) {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(4);
            let tx2 = tx.clone();
            tx.send(1).await.unwrap();
            tx2.send(2).await.unwrap();
            drop(tx);
            assert!(!rx.is_closed());
            drop(tx2);
            assert!(rx.is_closed());
            assert_eq!(rx.recv().await, Some(1));
            assert_eq!(rx.try_recv(), Ok(2));
            assert_eq!(rx.recv().await, None);
            assert_eq!(rx.recv().await, None);
            assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
            let mut buffer = Vec::new();
            assert_eq!(rx.recv_many(&mut buffer, 4).await, 0);

            let (utx, mut urx) = mpsc::unbounded_channel();
            utx.send(1).unwrap();
            drop(utx);
            assert_eq!(urx.recv().await, Some(1));
            assert_eq!(urx.recv().await, None);
            assert_eq!(urx.try_recv(), Err(TryRecvError::Disconnected));
        });
    }
}

each_flavor! {
    fn a_waiting_receiver_wakes_when_the_last_sender_goes(rt) {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel::<u8>(1);
            let (utx, mut urx) = mpsc::unbounded_channel::<u8>();
            zokio::spawn(async move {
                zokio::time::sleep(Duration::from_millis(5)).await;
                drop((tx, utx));
            });
            assert_eq!(rx.recv().await, None);
            assert_eq!(urx.recv().await, None);
        });
    }
}

each_flavor! {
    fn try_send_try_recv_and_capacity(rt) {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(2);
            assert_eq!((tx.capacity(), tx.max_capacity()), (2, 2));
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            assert!(rx.is_empty());
            tx.try_send(1).unwrap();
            tx.try_send(2).unwrap();
            assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
            assert_eq!(tx.try_send(3).unwrap_err().into_inner(), 3);
            assert_eq!((tx.capacity(), rx.capacity(), rx.max_capacity()), (0, 0, 2));
            assert_eq!(rx.len(), 2);
            assert!(!rx.is_empty());
            assert_eq!(rx.try_recv(), Ok(1));
            assert_eq!(tx.capacity(), 1);
            assert_eq!(rx.len(), 1);
            assert_eq!(rx.recv().await, Some(2));
            assert_eq!(tx.capacity(), 2);
            assert!(rx.is_empty());
            assert_eq!(rx.len(), 0);

            let (utx, mut urx) = mpsc::unbounded_channel();
            assert!(urx.is_empty());
            for i in 0..100 {
                utx.send(i).unwrap();
            }
            assert_eq!(urx.len(), 100);
            assert_eq!(urx.try_recv(), Ok(0));
            assert_eq!(urx.len(), 99);
            urx.close();
            assert_eq!(urx.len(), 99);
            assert!(utx.send(100).is_err());
            assert_eq!(urx.len(), 99);
        });
    }
}

each_flavor! {
    fn recv_many_takes_what_is_there(rt) {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(100);
            let mut buffer = vec![-1];
            // A zero limit returns at once, even on an empty channel.
            assert_eq!(rx.recv_many(&mut buffer, 0).await, 0);
            for i in 0..10 {
                tx.send(i).await.unwrap();
            }
            assert_eq!(rx.recv_many(&mut buffer, 4).await, 4);
            assert_eq!(rx.recv_many(&mut buffer, 100).await, 6);
            assert_eq!(buffer, [-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
            // Waits for the first value, then takes what came with it.
            let sender = zokio::spawn(async move {
                zokio::time::sleep(Duration::from_millis(2)).await;
                tx.send(10).await.unwrap();
                tx.send(11).await.unwrap();
            });
            buffer.clear();
            let mut got = 0;
            while got < 2 {
                got += rx.recv_many(&mut buffer, 2).await;
            }
            assert_eq!(buffer, [10, 11]);
            sender.await.unwrap();
            assert_eq!(rx.recv_many(&mut buffer, 2).await, 0);

            let (utx, mut urx) = mpsc::unbounded_channel();
            for i in 0..3 {
                utx.send(i).unwrap();
            }
            drop(utx);
            let mut buffer = Vec::new();
            assert_eq!(urx.recv_many(&mut buffer, 10).await, 3);
            assert_eq!(urx.recv_many(&mut buffer, 10).await, 0);
        });
    }
}

each_flavor! {
    fn poll_recv_and_poll_recv_many(rt) {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(4);
            let (utx, mut urx) = mpsc::unbounded_channel();
            let (wakes, waker) = counting_waker();
            let mut cx = Context::from_waker(&waker);
            assert!(rx.poll_recv(&mut cx).is_pending());
            assert!(urx.poll_recv(&mut cx).is_pending());
            tx.send(1).await.unwrap();
            utx.send(2).unwrap();
            assert_eq!(wakes.0.load(SeqCst), 2);
            assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(1)));
            assert_eq!(urx.poll_recv(&mut cx), Poll::Ready(Some(2)));
            let mut buffer = Vec::new();
            assert!(rx.poll_recv_many(&mut cx, &mut buffer, 5).is_pending());
            tx.send(3).await.unwrap();
            tx.send(4).await.unwrap();
            assert_eq!(rx.poll_recv_many(&mut cx, &mut buffer, 5), Poll::Ready(2));
            utx.send(5).unwrap();
            assert_eq!(urx.poll_recv_many(&mut cx, &mut buffer, 5), Poll::Ready(1));
            assert_eq!(buffer, [3, 4, 5]);
            drop((tx, utx));
            assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(None));
            assert_eq!(urx.poll_recv_many(&mut cx, &mut buffer, 5), Poll::Ready(0));
            // Only the latest waker is woken.
            let (tx, mut rx) = mpsc::unbounded_channel();
            let (first, first_waker) = counting_waker();
            let (second, second_waker) = counting_waker();
            assert!(rx.poll_recv(&mut Context::from_waker(&first_waker)).is_pending());
            assert!(rx.poll_recv(&mut Context::from_waker(&second_waker)).is_pending());
            tx.send(()).unwrap();
            assert_eq!((first.0.load(SeqCst), second.0.load(SeqCst)), (0, 1));
        });
    }
}

each_flavor! {
    fn reserve_and_permits(rt) {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(2);
            let permit = tx.reserve().await.unwrap();
            assert_eq!(tx.capacity(), 1);
            let permit2 = tx.try_reserve().unwrap();
            assert_eq!(tx.capacity(), 0);
            assert!(matches!(tx.try_reserve(), Err(TrySendError::Full(()))));
            assert_eq!(tx.try_send(0), Err(TrySendError::Full(0)));
            // An unused permit gives its place back.
            drop(permit2);
            assert_eq!(tx.capacity(), 1);
            permit.send(1);
            assert_eq!(tx.capacity(), 1);
            assert_eq!(rx.recv().await, Some(1));
            assert_eq!(tx.capacity(), 2);

            let owned = tx.clone().reserve_owned().await.unwrap();
            assert_eq!(tx.capacity(), 1);
            let tx2 = owned.send(2);
            assert!(tx2.same_channel(&tx));
            let owned = tx2.try_reserve_owned().unwrap();
            let tx2 = owned.release();
            assert_eq!(tx.capacity(), 1);
            let owned = tx2.try_reserve_owned().unwrap();
            drop(owned);
            assert_eq!(tx.capacity(), 1);
            assert_eq!(rx.recv().await, Some(2));
            assert_eq!(tx.capacity(), 2);
            let full = tx.clone().try_reserve_owned().unwrap();
            let full2 = tx.clone().try_reserve_owned().unwrap();
            match tx.clone().try_reserve_owned() {
                Err(TrySendError::Full(back)) => assert!(back.same_channel(&tx)),
                _ => panic!("the channel is full"),
            }
            drop((full, full2));
            assert_eq!(rx.capacity(), 2);
        });
    }
}

each_flavor! {
    fn permits_outlive_the_close(rt) {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(2);
            let permit = tx.clone().reserve_owned().await.unwrap();
            tx.send(1).await.unwrap();
            rx.close();
            assert!(tx.send(2).await.is_err());
            assert_eq!(rx.recv().await, Some(1));
            // A place reserved before the close can still be used: the
            // receiver waits for it.
            let late = zokio::spawn(async move {
                zokio::time::sleep(Duration::from_millis(2)).await;
                permit.send(3);
            });
            assert_eq!(rx.recv().await, Some(3));
            assert_eq!(rx.recv().await, None);
            late.await.unwrap();

            // An unused reservation dropped after the close ends the wait.
            let (tx, mut rx) = mpsc::channel::<u8>(1);
            let permit = tx.clone().reserve_owned().await.unwrap();
            rx.close();
            let dropper = zokio::spawn(async move {
                zokio::time::sleep(Duration::from_millis(2)).await;
                drop(permit);
            });
            assert_eq!(rx.recv().await, None);
            dropper.await.unwrap();
            assert_eq!(tx.capacity(), 1);
        });
    }
}

each_flavor! {
    fn a_cancelled_reserve_gives_its_place_to_the_next(rt) {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(1);
            tx.send(0).await.unwrap();
            let (_, waker) = counting_waker();
            // Two reserves queue behind the full channel; the first gives up.
            let mut first = Box::pin(tx.reserve());
            assert!(poll_once(first.as_mut(), &waker).is_pending());
            let tx2 = tx.clone();
            let second = zokio::spawn(async move {
                let permit = tx2.reserve().await.unwrap();
                permit.send(1);
            });
            // Let the second queue behind the first.
            for _ in 0..10 {
                task::yield_now().await;
            }
            drop(first);
            assert_eq!(rx.recv().await, Some(0));
            second.await.unwrap();
            assert_eq!(rx.recv().await, Some(1));
            assert_eq!(tx.capacity(), 1);

            // A reserve that got the place but was dropped before it was
            // polled again hands the place back.
            let (tx, mut rx) = mpsc::channel::<u8>(1);
            tx.send(0).await.unwrap();
            let mut reserve = Box::pin(tx.reserve());
            assert!(poll_once(reserve.as_mut(), &waker).is_pending());
            assert_eq!(rx.recv().await, Some(0));
            drop(reserve);
            assert_eq!(tx.capacity(), 1);
        });
    }
}

each_flavor! {
    fn send_timeout_waits_then_gives_up(rt) {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(1);
            tx.send_timeout(1, Duration::from_millis(10)).await.unwrap();
            let start = zokio::time::Instant::now();
            let err = tx.send_timeout(2, Duration::from_millis(10)).await.unwrap_err();
            assert_eq!(err, SendTimeoutError::Timeout(2));
            assert_eq!(err.into_inner(), 2);
            assert!(start.elapsed() >= Duration::from_millis(10));
            assert_eq!(tx.capacity(), 0);
            // Room that comes in time is used.
            let receiver = zokio::spawn(async move {
                zokio::time::sleep(Duration::from_millis(2)).await;
                let first = rx.recv().await;
                (first, rx.recv().await)
            });
            tx.send_timeout(3, Duration::from_secs(10)).await.unwrap();
            drop(tx);
            assert_eq!(receiver.await.unwrap(), (Some(1), Some(3)));
        });
    }
}

each_flavor! {
    fn closed_wakes_the_senders(rt) {
        rt.block_on(async {
            let (tx, rx) = mpsc::channel::<u8>(1);
            let waiters: Vec<_> = (0..3)
                .map(|_| {
                    let tx = tx.clone();
                    zokio::spawn(async move { tx.closed().await })
                })
                .collect();
            task::yield_now().await;
            assert!(!tx.is_closed());
            drop(rx);
            for waiter in waiters {
                waiter.await.unwrap();
            }
            tx.closed().await;

            let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
            let waiter = {
                let tx = tx.clone();
                zokio::spawn(async move { tx.closed().await })
            };
            zokio::time::sleep(Duration::from_millis(1)).await;
            rx.close();
            waiter.await.unwrap();
            assert!(tx.is_closed());
            assert!(rx.is_closed());

            // A dropped `closed` future leaves nothing behind.
            let (tx, rx) = mpsc::channel::<u8>(1);
            let (_, waker) = counting_waker();
            {
                let mut closed = pin!(tx.closed());
                assert!(poll_once(closed.as_mut(), &waker).is_pending());
            }
            drop(rx);
            tx.closed().await;
        });
    }
}

each_flavor! {
    fn a_sender_waiting_for_room_fails_when_the_receiver_goes(rt) {
        rt.block_on(async {
            let (tx, rx) = mpsc::channel(1);
            tx.send(0).await.unwrap();
            let waiting = zokio::spawn({
                let tx = tx.clone();
                async move { tx.send(1).await }
            });
            zokio::time::sleep(Duration::from_millis(2)).await;
            drop(rx);
            assert_eq!(waiting.await.unwrap(), Err(SendError(1)));
        });
    }
}

each_flavor! {
    fn weak_senders(rt) {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel::<u8>(2);
            let weak = tx.downgrade();
            let weak2 = weak.clone();
            assert!(weak.same_channel(&weak2));
            let strong = weak.upgrade().unwrap();
            strong.send(1).await.unwrap();
            drop((tx, strong));
            // Weak senders do not keep the channel open.
            assert_eq!(rx.recv().await, Some(1));
            assert_eq!(rx.recv().await, None);
            assert!(weak2.upgrade().is_none());

            let (utx, mut urx) = mpsc::unbounded_channel::<u8>();
            let weak = utx.downgrade();
            assert!(weak.same_channel(&utx.downgrade()));
            weak.clone().upgrade().unwrap().send(2).unwrap();
            drop(utx);
            assert!(weak.upgrade().is_none());
            assert_eq!(urx.recv().await, Some(2));
            assert_eq!(urx.recv().await, None);
        });
    }
}

each_flavor! {
    fn same_channel(rt) {
        rt.block_on(async {
            let (tx, _rx) = mpsc::channel::<u8>(1);
            let (other, _other_rx) = mpsc::channel::<u8>(1);
            assert!(tx.same_channel(&tx.clone()));
            assert!(!tx.same_channel(&other));
            let (utx, _urx) = mpsc::unbounded_channel::<u8>();
            let (uother, _uother_rx) = mpsc::unbounded_channel::<u8>();
            assert!(utx.same_channel(&utx.clone()));
            assert!(!utx.same_channel(&uother));
        });
    }
}

each_flavor! {
    fn values_left_in_the_channel_are_dropped_once(rt) {
        rt.block_on(async {
            // The receiver goes first, with values inside (across blocks).
            let (count, value) = drops();
            let (tx, rx) = mpsc::channel(100);
            for _ in 0..70 {
                tx.send(value()).await.unwrap();
            }
            drop(rx);
            assert_eq!(count.load(SeqCst), 70);
            assert!(tx.send(value()).await.is_err());
            assert_eq!(count.load(SeqCst), 71);
            drop(tx);
            assert_eq!(count.load(SeqCst), 71);

            // The senders go first; the receiver took some.
            let (count, value) = drops();
            let (tx, mut rx) = mpsc::unbounded_channel();
            for _ in 0..100 {
                tx.send(value()).unwrap();
            }
            for _ in 0..40 {
                drop(rx.recv().await.unwrap());
            }
            drop(tx);
            assert_eq!(count.load(SeqCst), 40);
            drop(rx);
            assert_eq!(count.load(SeqCst), 100);

            // A value sent through a permit after the receiver closed stays
            // until the channel goes.
            let (count, value) = drops();
            let (tx, mut rx) = mpsc::channel(1);
            let permit = tx.reserve().await.unwrap();
            rx.close();
            permit.send(value());
            assert_eq!(count.load(SeqCst), 0);
            drop(rx);
            assert_eq!(count.load(SeqCst), 1);
            drop(tx);
            assert_eq!(count.load(SeqCst), 1);

            // Values sent from other tasks while the receiver drops.
            let (count, value) = drops();
            let (tx, rx) = mpsc::unbounded_channel();
            let value = Arc::new(value);
            let senders: Vec<_> = (0..4)
                .map(|_| {
                    let tx = tx.clone();
                    let value = value.clone();
                    zokio::spawn(async move {
                        for i in 0..1_000 {
                            // Refused values come back and are dropped here.
                            let _ = tx.send(value());
                            if i % 64 == 0 {
                                task::yield_now().await;
                            }
                        }
                    })
                })
                .collect();
            task::yield_now().await;
            drop(rx);
            for sender in senders {
                sender.await.unwrap();
            }
            drop(tx);
            assert_eq!(count.load(SeqCst), 4_000);
        });
    }
}

each_flavor! {
    fn a_busy_receiver_yields_to_other_tasks(rt) {
        rt.block_on(async {
            zokio::spawn(async {
                let (tx, mut rx) = mpsc::unbounded_channel();
                for i in 0..10_000 {
                    tx.send(i).unwrap();
                }
                // The loop ends when the values run out, not when a short
                // timeout happens to pass.
                drop(tx);
                let other_ran = Arc::new(AtomicBool::new(false));
                let flag = other_ran.clone();
                zokio::spawn(async move { flag.store(true, SeqCst) });
                let mut before = 0;
                while zokio::time::timeout(Duration::from_secs(60), rx.recv())
                    .await
                    .expect("every value was there already")
                    .is_some()
                {
                    if !other_ran.load(SeqCst) {
                        before += 1;
                    }
                }
                // The budget runs out long before 10 000 values.
                assert!(before < 10_000, "the receive loop never yielded");
                assert!(other_ran.load(SeqCst));
            })
            .await
            .unwrap();
        });
    }
}

/// 100k rounds of `select!` between a receive, a timer and a cancellation,
/// on a bounded channel fed by two producers and an unbounded one fed by
/// plain threads. A receive that loses is dropped mid-wait; no message may
/// be lost or duplicated, and each producer's order must hold.
fn recv_vs_sleep_vs_cancel(rt: zokio::runtime::Runtime, bounded: bool) {
    const PER_PRODUCER: u64 = 50_000;
    const ROUNDS: u64 = 100_000;
    let (rounds, by_recv, by_sleep, by_cancel) = rt.block_on(async move {
        zokio::spawn(async move {
            let token = CancellationToken::new();
            let (tx, mut rx) = mpsc::channel(8);
            let (utx, mut urx) = mpsc::unbounded_channel();
            let mut threads = Vec::new();
            for p in 0..2u64 {
                if bounded {
                    let tx = tx.clone();
                    zokio::spawn(async move {
                        for i in 0..PER_PRODUCER {
                            tx.send((p, i)).await.unwrap();
                            if i % 7 == 0 {
                                task::yield_now().await;
                            }
                        }
                    });
                } else {
                    let utx = utx.clone();
                    threads.push(thread::spawn(move || {
                        for i in 0..PER_PRODUCER {
                            utx.send((p, i)).unwrap();
                            if i % 1_000 == 0 {
                                thread::yield_now();
                            }
                        }
                    }));
                }
            }
            drop((tx, utx));
            let mut next = [0u64; 2];
            let (mut rounds, mut by_recv, mut by_sleep, mut by_cancel) = (0u64, 0u64, 0u64, 0u64);
            loop {
                rounds += 1;
                if rounds == ROUNDS / 2 {
                    let token = token.clone();
                    zokio::spawn(async move { token.cancel() });
                }
                let pause = Duration::from_micros(if rounds % 5 == 0 { 0 } else { 100 });
                let received = zokio::select! {
                    v = async { if bounded { rx.recv().await } else { urx.recv().await } } => {
                        by_recv += 1;
                        v
                    }
                    _ = zokio::time::sleep(pause) => {
                        by_sleep += 1;
                        continue;
                    }
                    _ = token.cancelled() => {
                        by_cancel += 1;
                        continue;
                    }
                };
                let Some((p, i)) = received else { break };
                assert_eq!(next[p as usize], i, "producer {p}: lost or repeated");
                next[p as usize] += 1;
            }
            assert_eq!(next, [PER_PRODUCER; 2]);
            for t in threads {
                t.join().unwrap();
            }
            (rounds, by_recv, by_sleep, by_cancel)
        })
        .await
        .unwrap()
    });
    assert!(rounds >= ROUNDS, "{rounds} rounds");
    assert_eq!(by_recv, 2 * PER_PRODUCER + 1);
    assert!(by_sleep + by_cancel > 0, "{by_sleep} {by_cancel}");
}

each_flavor! {
    fn stress_bounded_recv_vs_sleep_vs_cancel(rt) {
        recv_vs_sleep_vs_cancel(rt, true);
    }
}

each_flavor! {
    fn stress_unbounded_recv_vs_sleep_vs_cancel(rt) {
        recv_vs_sleep_vs_cancel(rt, false);
    }
}

/// `reserve` raced against a yield in `select!`: a losing reserve gives up
/// its place without losing capacity, so every value still goes through and
/// the capacity is whole at the end.
fn reserve_vs_yield(rt: zokio::runtime::Runtime) {
    const VALUES: u64 = 20_000;
    rt.block_on(async {
        zokio::spawn(async {
            let (tx, mut rx) = mpsc::channel(4);
            let consumer = zokio::spawn(async move {
                let mut expected = 0;
                while let Some(v) = rx.recv().await {
                    assert_eq!(v, expected);
                    expected += 1;
                    if v % 3 == 0 {
                        task::yield_now().await;
                    }
                }
                expected
            });
            let mut cancelled = 0u64;
            let mut i = 0;
            while i < VALUES {
                zokio::select! {
                    permit = tx.reserve() => {
                        permit.unwrap().send(i);
                        i += 1;
                    }
                    _ = task::yield_now() => cancelled += 1,
                }
            }
            // Every reservation dropped by `select!` gave its place back.
            while tx.capacity() != 4 {
                task::yield_now().await;
            }
            drop(tx);
            assert_eq!(consumer.await.unwrap(), VALUES);
            cancelled
        })
        .await
        .unwrap()
    });
}

each_flavor! {
    fn stress_reserve_vs_yield(rt) {
        reserve_vs_yield(rt);
    }
}

each_flavor! {
    fn debug_formats(rt) {
        rt.block_on(async {
            let (tx, rx) = mpsc::channel::<u8>(1);
            assert!(format!("{tx:?}").contains("Sender"));
            assert!(format!("{rx:?}").contains("Receiver"));
            assert!(format!("{:?}", tx.downgrade()).contains("WeakSender"));
            let permit = tx.reserve().await.unwrap();
            assert!(format!("{permit:?}").contains("Permit"));
            let (utx, urx) = mpsc::unbounded_channel::<u8>();
            assert!(format!("{utx:?} {urx:?}").contains("Unbounded"));
            assert_eq!(format!("{}", SendError(1)), "channel closed");
            assert_eq!(format!("{:?}", TrySendError::Full(1)), "Full(..)");
            assert_eq!(format!("{}", TryRecvError::Empty), "receiving on an empty channel");
            assert_eq!(
                format!("{}", SendTimeoutError::Timeout(())),
                "timed out waiting on send operation"
            );
        });
    }
}

#[test]
fn sender_counts_follow_clones_downgrades_and_drops() {
    let (tx, rx) = mpsc::channel::<u8>(1);
    assert_eq!((tx.strong_count(), tx.weak_count()), (1, 0));
    let weak = tx.downgrade();
    let weak2 = weak.clone();
    let tx2 = weak.upgrade().unwrap();
    assert_eq!((rx.sender_strong_count(), rx.sender_weak_count()), (2, 2));
    drop(weak2);
    drop(tx);
    assert_eq!((weak.strong_count(), weak.weak_count()), (1, 1));
    drop(tx2);
    assert_eq!((rx.sender_strong_count(), rx.sender_weak_count()), (0, 1));
    assert!(weak.upgrade().is_none());

    let (tx, rx) = mpsc::unbounded_channel::<u8>();
    let weak = tx.downgrade();
    let tx2 = tx.clone();
    assert_eq!((tx.strong_count(), tx.weak_count()), (2, 1));
    drop((tx, tx2));
    assert_eq!((weak.strong_count(), rx.sender_weak_count()), (0, 1));
    drop(weak);
    assert_eq!(rx.sender_weak_count(), 0);
}
