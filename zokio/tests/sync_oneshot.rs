//! `zokio::sync::oneshot`: every way a value can go through a channel, or not.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use zokio::runtime::{Builder, Runtime};
use zokio::sync::oneshot::{self, error::TryRecvError, Receiver, Sender};

fn rt() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

/// Counts its drops, so that a test can check a value is dropped exactly once.
#[derive(Debug)]
struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counter() -> (Arc<AtomicUsize>, DropCounter) {
    let drops = Arc::new(AtomicUsize::new(0));
    (drops.clone(), DropCounter(drops))
}

/// A waker that counts its wake-ups; its `Arc` count shows whether the
/// channel still holds a clone.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counting_waker() -> (Arc<CountingWaker>, Waker) {
    let inner = Arc::new(CountingWaker::default());
    (inner.clone(), Waker::from(inner))
}

fn poll_once<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

#[allow(dead_code)]
fn assert_send_sync<T: Send + Sync>() {}

const _: fn() = || {
    assert_send_sync::<Sender<Vec<u8>>>();
    assert_send_sync::<Receiver<Vec<u8>>>();
    // `T: Send` is enough, as with Tokio.
    assert_send_sync::<Sender<std::cell::Cell<u8>>>();
    assert_send_sync::<Receiver<std::cell::Cell<u8>>>();
};

#[test]
fn send_then_recv() {
    rt().block_on(async {
        let (tx, rx) = oneshot::channel();
        assert_eq!(tx.send(1), Ok(()));
        assert_eq!(rx.await, Ok(1));
    });
}

#[test]
fn recv_then_send_from_a_task() {
    rt().block_on(async {
        let (tx, rx) = oneshot::channel();
        zokio::spawn(async move {
            zokio::task::yield_now().await;
            tx.send("hello").unwrap();
        });
        assert_eq!(rx.await, Ok("hello"));
    });
}

#[test]
fn recv_then_send_from_a_thread() {
    rt().block_on(async {
        let (tx, rx) = oneshot::channel();
        let sender = thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            tx.send(vec![1, 2, 3]).unwrap();
        });
        assert_eq!(rx.await, Ok(vec![1, 2, 3]));
        sender.join().unwrap();
    });
}

#[test]
fn many_channels_across_threads() {
    let rt = rt();
    for _ in 0..200 {
        let (tx, rx) = oneshot::channel();
        let sender = thread::spawn(move || tx.send(7u64));
        assert_eq!(rt.block_on(rx), Ok(7));
        sender.join().unwrap().unwrap();
    }
}

#[test]
fn sender_dropped_before_recv() {
    rt().block_on(async {
        let (tx, rx) = oneshot::channel::<u32>();
        drop(tx);
        assert!(rx.await.is_err());
    });
}

#[test]
fn sender_dropped_while_receiver_waits() {
    rt().block_on(async {
        let (tx, rx) = oneshot::channel::<u32>();
        zokio::spawn(async move {
            zokio::task::yield_now().await;
            drop(tx);
        });
        let err = rx.await.unwrap_err();
        assert_eq!(err.to_string(), "channel closed");
    });
}

#[test]
fn sender_dropped_wakes_receiver() {
    let (tx, mut rx) = oneshot::channel::<u32>();
    let (count, waker) = counting_waker();
    assert!(poll_once(&mut rx, &waker).is_pending());
    drop(tx);
    assert_eq!(count.0.load(SeqCst), 1);
    assert!(matches!(poll_once(&mut rx, &waker), Poll::Ready(Err(_))));
}

#[test]
fn receiver_dropped_send_returns_the_value() {
    let (tx, rx) = oneshot::channel();
    drop(rx);
    assert!(tx.is_closed());
    let value = vec![String::from("intact"); 3];
    assert_eq!(tx.send(value.clone()), Err(value));
}

#[test]
fn receiver_dropped_while_waiting() {
    let (tx, mut rx) = oneshot::channel();
    let (count, waker) = counting_waker();
    assert!(poll_once(&mut rx, &waker).is_pending());
    drop(rx);
    assert_eq!(tx.send(5), Err(5));
    assert_eq!(count.0.load(SeqCst), 0);
    // The channel is gone, and the waker clone with it.
    assert_eq!(Arc::strong_count(&count), 2);
}

#[test]
fn closed_resolves_when_the_receiver_drops() {
    rt().block_on(async {
        let (mut tx, rx) = oneshot::channel::<()>();
        assert!(!tx.is_closed());
        zokio::spawn(async move {
            zokio::task::yield_now().await;
            drop(rx);
        });
        tx.closed().await;
        assert!(tx.is_closed());
    });
}

#[test]
fn closed_resolves_when_the_receiver_closes() {
    rt().block_on(async {
        let (mut tx, mut rx) = oneshot::channel::<()>();
        let receiver = zokio::spawn(async move {
            zokio::task::yield_now().await;
            rx.close();
            // In an `Option`: a task's output should not be a future itself.
            Some(rx)
        });
        tx.closed().await;
        assert!(tx.is_closed());
        assert_eq!(tx.send(()), Err(()));
        let mut rx = receiver.await.unwrap().unwrap();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn closed_resolves_when_the_receiver_closes_from_a_thread() {
    rt().block_on(async {
        let (mut tx, rx) = oneshot::channel::<()>();
        let receiver = thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            drop(rx);
        });
        tx.closed().await;
        receiver.join().unwrap();
    });
}

#[test]
fn poll_closed_wakes_the_last_waker_only() {
    let (mut tx, rx) = oneshot::channel::<()>();
    let (first, first_waker) = counting_waker();
    let (second, second_waker) = counting_waker();
    let mut cx = Context::from_waker(&first_waker);
    assert!(tx.poll_closed(&mut cx).is_pending());
    // Same waker again: nothing changes.
    assert!(tx.poll_closed(&mut cx).is_pending());
    let mut cx = Context::from_waker(&second_waker);
    assert!(tx.poll_closed(&mut cx).is_pending());
    // The first waker's clone was dropped when it was replaced.
    assert_eq!(Arc::strong_count(&first), 2);
    drop(rx);
    assert_eq!(first.0.load(SeqCst), 0);
    assert_eq!(second.0.load(SeqCst), 1);
    assert!(tx.poll_closed(&mut cx).is_ready());
    drop(tx);
    assert_eq!(Arc::strong_count(&second), 2);
}

#[test]
fn try_recv_states() {
    let (tx, mut rx) = oneshot::channel();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(rx.is_empty());
    assert!(!rx.is_terminated());
    tx.send(3).unwrap();
    assert!(!rx.is_empty());
    assert_eq!(rx.try_recv(), Ok(3));
    assert!(rx.is_empty());
    assert!(rx.is_terminated());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));

    let (tx, mut rx) = oneshot::channel::<u8>();
    drop(tx);
    assert!(rx.is_empty());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert!(rx.is_terminated());
}

#[test]
fn close_then_try_recv_gets_a_value_sent_before() {
    let (tx, mut rx) = oneshot::channel();
    tx.send("before").unwrap();
    rx.close();
    assert_eq!(rx.try_recv(), Ok("before"));
}

#[test]
fn close_then_await_gets_a_value_sent_before() {
    rt().block_on(async {
        let (tx, mut rx) = oneshot::channel();
        tx.send("before").unwrap();
        rx.close();
        assert_eq!(rx.await, Ok("before"));
    });
}

#[test]
fn close_prevents_sending() {
    rt().block_on(async {
        let (tx, mut rx) = oneshot::channel();
        rx.close();
        assert!(tx.is_closed());
        assert_eq!(tx.send(1), Err(1));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));

        let (tx, mut rx) = oneshot::channel::<u8>();
        rx.close();
        drop(tx);
        assert!(rx.await.is_err());
    });
}

#[test]
fn close_wakes_a_pending_receiver_poll_no_more() {
    // After `close`, a poll completes at once with an error.
    let (_tx, mut rx) = oneshot::channel::<u8>();
    let (_, waker) = counting_waker();
    assert!(poll_once(&mut rx, &waker).is_pending());
    rx.close();
    assert!(matches!(poll_once(&mut rx, &waker), Poll::Ready(Err(_))));
    assert!(rx.is_terminated());
}

#[test]
fn receiver_poll_wakes_the_last_waker_only() {
    let (tx, mut rx) = oneshot::channel();
    let (first, first_waker) = counting_waker();
    let (second, second_waker) = counting_waker();
    assert!(poll_once(&mut rx, &first_waker).is_pending());
    assert!(poll_once(&mut rx, &first_waker).is_pending());
    assert_eq!(Arc::strong_count(&first), 3);
    assert!(poll_once(&mut rx, &second_waker).is_pending());
    assert_eq!(Arc::strong_count(&first), 2);
    tx.send(9).unwrap();
    assert_eq!(first.0.load(SeqCst), 0);
    assert_eq!(second.0.load(SeqCst), 1);
    assert_eq!(poll_once(&mut rx, &second_waker), Poll::Ready(Ok(9)));
    // The channel was freed on completion: no clone left.
    assert_eq!(Arc::strong_count(&second), 2);
}

#[test]
#[should_panic(expected = "polled after completion")]
fn poll_after_completion_panics() {
    let (tx, mut rx) = oneshot::channel();
    tx.send(1).unwrap();
    let (_, waker) = counting_waker();
    assert_eq!(poll_once(&mut rx, &waker), Poll::Ready(Ok(1)));
    let _ = poll_once(&mut rx, &waker);
}

#[test]
fn values_are_dropped_exactly_once() {
    // Sent and received: the receiver's caller owns it.
    let (drops, value) = counter();
    let (tx, mut rx) = oneshot::channel();
    tx.send(value).unwrap();
    let received = rx.try_recv().unwrap();
    assert_eq!(drops.load(SeqCst), 0);
    drop(received);
    drop(rx);
    assert_eq!(drops.load(SeqCst), 1);

    // Sent, never received: dropped with the receiver.
    let (drops, value) = counter();
    let (tx, rx) = oneshot::channel();
    tx.send(value).unwrap();
    assert_eq!(drops.load(SeqCst), 0);
    drop(rx);
    assert_eq!(drops.load(SeqCst), 1);

    // Sent to a waiting receiver that is then dropped.
    let (drops, value) = counter();
    let (tx, mut rx) = oneshot::channel();
    let (_, waker) = counting_waker();
    assert!(poll_once(&mut rx, &waker).is_pending());
    tx.send(value).unwrap();
    drop(rx);
    assert_eq!(drops.load(SeqCst), 1);

    // Sent, then the receiver closed and dropped.
    let (drops, value) = counter();
    let (tx, mut rx) = oneshot::channel();
    tx.send(value).unwrap();
    rx.close();
    drop(rx);
    assert_eq!(drops.load(SeqCst), 1);

    // Refused: the value comes back, and is dropped by its owner only.
    let (drops, value) = counter();
    let (tx, rx) = oneshot::channel();
    drop(rx);
    let back = tx.send(value).unwrap_err();
    assert_eq!(drops.load(SeqCst), 0);
    drop(back);
    assert_eq!(drops.load(SeqCst), 1);

    let (drops, value) = counter();
    let (tx, mut rx) = oneshot::channel();
    rx.close();
    let back = tx.send(value).unwrap_err();
    drop(rx);
    assert_eq!(drops.load(SeqCst), 0);
    drop(back);
    assert_eq!(drops.load(SeqCst), 1);

    // Received through `.await` on a runtime.
    let (drops, value) = counter();
    rt().block_on(async move {
        let (tx, rx) = oneshot::channel();
        zokio::spawn(async move { tx.send(value).unwrap() });
        let received = rx.await.unwrap();
        drop(received);
    });
    assert_eq!(drops.load(SeqCst), 1);

    // Sent from another thread while the receiver is dropped here.
    for _ in 0..100 {
        let (drops, value) = counter();
        let (tx, rx) = oneshot::channel();
        let sender = thread::spawn(move || {
            let _ = tx.send(value);
        });
        drop(rx);
        sender.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
    }
}

#[test]
fn blocking_recv_from_a_plain_thread() {
    let rt = rt();
    let (tx, rx) = oneshot::channel();
    let receiver = thread::spawn(move || rx.blocking_recv());
    rt.block_on(async move {
        zokio::task::yield_now().await;
        tx.send(42).unwrap();
    });
    assert_eq!(receiver.join().unwrap(), Ok(42));

    let (tx, rx) = oneshot::channel::<u8>();
    let receiver = thread::spawn(move || rx.blocking_recv());
    thread::sleep(Duration::from_millis(10));
    drop(tx);
    assert!(receiver.join().unwrap().is_err());
}

#[test]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
fn blocking_recv_inside_a_runtime_panics() {
    rt().block_on(async {
        let (tx, rx) = oneshot::channel();
        tx.send(1).unwrap();
        let _ = rx.blocking_recv();
    });
}

#[test]
fn receiver_spends_coop_budget() {
    rt().block_on(async {
        let mut forced_yield = false;
        for _ in 0..1000 {
            let (tx, mut rx) = oneshot::channel();
            tx.send(()).unwrap();
            let first = poll_fn(|cx| Poll::Ready(Pin::new(&mut rx).poll(cx))).await;
            if first.is_pending() {
                forced_yield = true;
                break;
            }
        }
        assert!(forced_yield, "a ready receiver never ran out of budget");
    });
}

#[test]
fn receiver_in_a_select_loop() {
    // Awaiting `&mut rx` and dropping that future keeps the value.
    rt().block_on(async {
        let (tx, mut rx) = oneshot::channel();
        let (_, waker) = counting_waker();
        assert!(poll_once(&mut &mut rx, &waker).is_pending());
        tx.send(11).unwrap();
        assert_eq!((&mut rx).await, Ok(11));
    });
}
