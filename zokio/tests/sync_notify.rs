//! `zokio::sync::Notify`: permits, order, `notify_waiters` atomicity, and
//! cancel safety, on every runtime flavour.

#[macro_use]
mod support;

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use zokio::sync::futures::Notified;
use zokio::sync::Notify;

/// A waker that counts its wake-ups.
#[derive(Default)]
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counting_waker() -> (Arc<Count>, Waker) {
    let count = Arc::new(Count::default());
    (count.clone(), Waker::from(count))
}

fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

#[allow(dead_code)]
fn assert_send_sync<T: Send + Sync>(_: &T) {}

/// `Notify` and `Notified` are `Send + Sync`, as Tokio's are.
#[allow(dead_code)]
fn send_and_sync_promises(notify: &Notify) {
    assert_send_sync(notify);
    assert_send_sync(&notify.notified());
    let _: fn(Notified<'static>) = |n| assert_send_sync(&n);
}

#[test]
fn construction() {
    static NOTIFY: Notify = Notify::const_new();
    NOTIFY.notify_one();
    let (_, waker) = counting_waker();
    assert!(poll_once(pin!(NOTIFY.notified()), &waker).is_ready());
    let notify = Notify::default();
    assert!(format!("{notify:?}").starts_with("Notify"));
    assert!(format!("{:?}", notify.notified()).starts_with("Notified"));
}

#[test]
fn notify_one_stores_one_permit() {
    let notify = Notify::new();
    let (_, waker) = counting_waker();
    notify.notify_one();
    notify.notify_one();
    assert!(poll_once(pin!(notify.notified()), &waker).is_ready());
    // At most one permit is stored.
    assert!(poll_once(pin!(notify.notified()), &waker).is_pending());
    // notify_last stores one too.
    notify.notify_last();
    assert!(poll_once(pin!(notify.notified()), &waker).is_ready());
}

#[test]
fn notify_one_serves_waiters_in_order_and_notify_last_the_newest() {
    let notify = Notify::new();
    let (wakes, waker) = counting_waker();
    let mut first = pin!(notify.notified());
    let mut second = pin!(notify.notified());
    let mut third = pin!(notify.notified());
    assert!(poll_once(first.as_mut(), &waker).is_pending());
    assert!(!second.as_mut().enable());
    assert!(poll_once(third.as_mut(), &waker).is_pending());

    notify.notify_last();
    assert_eq!(wakes.0.load(SeqCst), 1);
    assert!(poll_once(third.as_mut(), &waker).is_ready());
    assert!(poll_once(first.as_mut(), &waker).is_pending());

    notify.notify_one();
    assert_eq!(wakes.0.load(SeqCst), 2);
    assert!(poll_once(first.as_mut(), &waker).is_ready());
    // `second` was enabled without a waker: notified, but nobody to wake.
    notify.notify_one();
    assert_eq!(wakes.0.load(SeqCst), 2);
    assert!(second.as_mut().enable());
    assert!(poll_once(second.as_mut(), &waker).is_ready());
    // Fused: ready again.
    assert!(poll_once(second.as_mut(), &waker).is_ready());
    // No permit left over.
    assert!(poll_once(pin!(notify.notified()), &waker).is_pending());
}

#[test]
fn notify_waiters_wakes_every_earlier_future_and_stores_nothing() {
    let notify = Notify::new();
    let (wakes, waker) = counting_waker();
    let mut polled: Vec<_> = (0..40).map(|_| Box::pin(notify.notified())).collect();
    for future in &mut polled {
        assert!(poll_once(future.as_mut(), &waker).is_pending());
    }
    let mut enabled = pin!(notify.notified());
    assert!(!enabled.as_mut().enable());
    let mut unpolled = pin!(notify.notified());

    notify.notify_waiters();
    // More than one batch of wake-ups.
    assert_eq!(wakes.0.load(SeqCst), 40);
    for future in &mut polled {
        assert!(poll_once(future.as_mut(), &waker).is_ready());
    }
    assert!(enabled.as_mut().enable());
    assert!(poll_once(unpolled.as_mut(), &waker).is_ready());
    // Nothing stored for later futures, and they are not woken.
    let mut later = pin!(notify.notified());
    assert!(poll_once(later.as_mut(), &waker).is_pending());
    notify.notify_waiters();
    assert!(poll_once(later.as_mut(), &waker).is_ready());
}

#[test]
fn notify_waiters_keeps_a_stored_permit() {
    let notify = Notify::new();
    let (_, waker) = counting_waker();
    notify.notify_one();
    notify.notify_waiters();
    assert!(poll_once(pin!(notify.notified()), &waker).is_ready());
    assert!(poll_once(pin!(notify.notified()), &waker).is_pending());
}

#[test]
fn notify_one_after_notify_waiters_goes_to_a_new_waiter() {
    let notify = Notify::new();
    let (_, waker) = counting_waker();
    let mut old = pin!(notify.notified());
    assert!(poll_once(old.as_mut(), &waker).is_pending());
    notify.notify_waiters();
    let mut new = pin!(notify.notified());
    assert!(poll_once(new.as_mut(), &waker).is_pending());
    notify.notify_one();
    assert!(poll_once(new.as_mut(), &waker).is_ready());
    assert!(poll_once(old.as_mut(), &waker).is_ready());
}

// Cancel safety: a future that received `notify_one` (or `notify_last`)
// but is dropped before completing hands the notification on.
#[test]
fn dropped_notified_hands_its_notification_on() {
    let notify = Notify::new();
    let (_, waker) = counting_waker();
    let mut second = pin!(notify.notified());
    {
        let mut first = pin!(notify.notified());
        assert!(poll_once(first.as_mut(), &waker).is_pending());
        assert!(poll_once(second.as_mut(), &waker).is_pending());
        notify.notify_one();
    }
    assert!(poll_once(second.as_mut(), &waker).is_ready());

    // With nobody left waiting, it becomes the stored permit.
    {
        let mut only = pin!(notify.notified());
        assert!(!only.as_mut().enable());
        notify.notify_last();
    }
    assert!(poll_once(pin!(notify.notified()), &waker).is_ready());

    // A waiter dropped before any notification just leaves the line.
    {
        let mut leaving = pin!(notify.notified());
        assert!(!leaving.as_mut().enable());
    }
    notify.notify_one();
    assert!(poll_once(pin!(notify.notified()), &waker).is_ready());

    // One notified by `notify_waiters` hands nothing on.
    {
        let mut all = pin!(notify.notified());
        assert!(!all.as_mut().enable());
        notify.notify_waiters();
    }
    assert!(poll_once(pin!(notify.notified()), &waker).is_pending());
}

each_flavor! {
    fn notify_one_across_tasks(rt) {
        rt.block_on(async {
            let notify = Arc::new(Notify::new());
            let waiter = {
                let notify = notify.clone();
                zokio::spawn(async move { notify.notified().await })
            };
            notify.notify_one();
            waiter.await.unwrap();
        });
    }
}

each_flavor! {
    fn ping_pong(rt) {
        rt.block_on(async {
            let ping = Arc::new(Notify::new());
            let pong = Arc::new(Notify::new());
            let other = {
                let (ping, pong) = (ping.clone(), pong.clone());
                zokio::spawn(async move {
                    for _ in 0..1000 {
                        ping.notified().await;
                        pong.notify_one();
                    }
                })
            };
            for _ in 0..1000 {
                ping.notify_one();
                pong.notified().await;
            }
            other.await.unwrap();
        });
    }
}

// Many waiters, each woken by `notify_one` several times: every
// notification reaches somebody.
each_flavor! {
    fn many_waiters_many_notifications(rt) {
        rt.block_on(async {
            let notify = Arc::new(Notify::new());
            let received = Arc::new(AtomicUsize::new(0));
            let waiters: Vec<_> = (0..100)
                .map(|_| {
                    let notify = notify.clone();
                    let received = received.clone();
                    zokio::spawn(async move {
                        for _ in 0..5 {
                            notify.notified().await;
                            received.fetch_add(1, SeqCst);
                        }
                    })
                })
                .collect();
            let mut sent = 0;
            while sent < 500 {
                // One notification in flight at a time, so that none is
                // folded into an already stored permit.
                let before = received.load(SeqCst);
                notify.notify_one();
                sent += 1;
                while received.load(SeqCst) == before {
                    zokio::task::yield_now().await;
                }
            }
            for waiter in waiters {
                waiter.await.unwrap();
            }
            assert_eq!(received.load(SeqCst), 500);
        });
    }
}

each_flavor! {
    fn notify_waiters_across_tasks(rt) {
        rt.block_on(async {
            let notify = Arc::new(Notify::new());
            let ready = Arc::new(AtomicUsize::new(0));
            let waiters: Vec<_> = (0..50)
                .map(|_| {
                    let notify = notify.clone();
                    let ready = ready.clone();
                    zokio::spawn(async move {
                        let mut notified = pin!(notify.notified());
                        notified.as_mut().enable();
                        ready.fetch_add(1, SeqCst);
                        notified.await;
                    })
                })
                .collect();
            while ready.load(SeqCst) < 50 {
                zokio::task::yield_now().await;
            }
            let notifier = {
                let notify = notify.clone();
                zokio::spawn(async move { notify.notify_waiters() })
            };
            notifier.await.unwrap();
            for waiter in waiters {
                waiter.await.unwrap();
            }
        });
    }
}

// Waiters cancelled at random points by timeouts while `notify_one` runs
// all the time: the lists stay consistent and the `Notify` keeps working.
each_flavor! {
    fn cancelled_waiters_lose_no_notification(rt) {
        rt.block_on(async {
            let notify = Arc::new(Notify::new());
            let tasks: Vec<_> = (0..20u64)
                .map(|i| {
                    let notify = notify.clone();
                    zokio::spawn(async move {
                        for round in 0..20u64 {
                            let wait = std::time::Duration::from_micros((i * 13 + round * 7) % 30);
                            let _ = zokio::time::timeout(wait, notify.notified()).await;
                        }
                    })
                })
                .collect();
            for _ in 0..200 {
                notify.notify_one();
                zokio::task::yield_now().await;
            }
            for task in tasks {
                task.await.unwrap();
            }
            notify.notify_one();
            notify.notified().await;
            let waiter = {
                let notify = notify.clone();
                zokio::spawn(async move { notify.notified().await })
            };
            while !waiter.is_finished() {
                notify.notify_one();
                zokio::task::yield_now().await;
            }
        });
    }
}
