//! Loom models of `Notify`: no lost notification, and `notify_waiters`
//! atomic with respect to new `notified()` calls.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p zokio --lib --release loom`.

use std::pin::pin;

use loom::sync::atomic::{AtomicBool, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;

use super::Notify;
use crate::sync::wait_list::loom_support::{block_on, counting_waker, poll_once, thread_waker};

#[test]
fn loom_notify_one_vs_notified() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let notifier = {
            let notify = notify.clone();
            thread::spawn(move || notify.notify_one())
        };
        let waker = thread_waker();
        // Stored as a permit or delivered to the waiter: never lost.
        block_on(&waker, notify.notified());
        notifier.join().unwrap();
    });
}

/// A `notified()` created before `notify_waiters` is always woken by it;
/// one created after `notify_waiters` returned never is, even while
/// another waiter is still being woken.
#[test]
fn loom_notify_waiters_vs_new_notified() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let returned = Arc::new(AtomicBool::new(false));
        let waker = thread_waker();
        let mut before = pin!(notify.notified());
        assert!(!before.as_mut().enable());
        let notifier = {
            let notify = notify.clone();
            let returned = returned.clone();
            thread::spawn(move || {
                notify.notify_waiters();
                returned.store(true, SeqCst);
            })
        };
        let after_return = returned.load(SeqCst);
        let mut during = pin!(notify.notified());
        let (noop, _) = counting_waker();
        let during_ready = poll_once(during.as_mut(), &noop).is_ready();
        block_on(&waker, before);
        notifier.join().unwrap();
        if after_return {
            assert!(!during_ready);
            assert!(poll_once(during.as_mut(), &noop).is_pending());
        }
    });
}

/// A future created before `notify_waiters` but first polled while it
/// runs, or after, is woken too.
#[test]
fn loom_notify_waiters_reaches_unpolled_futures() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let waker = thread_waker();
        let unpolled = notify.notified();
        let notifier = {
            let notify = notify.clone();
            thread::spawn(move || notify.notify_waiters())
        };
        block_on(&waker, unpolled);
        notifier.join().unwrap();
        // No permit was stored.
        let (noop, _) = counting_waker();
        assert!(poll_once(pin!(notify.notified()), &noop).is_pending());
    });
}

/// A waiter that receives `notify_one` and is dropped before it completes
/// hands the notification on.
#[test]
fn loom_dropped_waiter_forwards_notify_one() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let (noop, _) = counting_waker();
        let mut second = pin!(notify.notified());
        let mut first = Box::pin(notify.notified());
        assert!(!first.as_mut().enable());
        assert!(!second.as_mut().enable());
        let notifier = {
            let notify = notify.clone();
            thread::spawn(move || notify.notify_one())
        };
        // Before or after it got the notification.
        drop(first);
        notifier.join().unwrap();
        assert!(poll_once(second.as_mut(), &noop).is_ready());
    });
}

/// `notify_waiters` wakes a waiter that re-polls (and so takes itself out
/// of the woken list) at the same time.
#[test]
fn loom_notify_waiters_vs_repoll() {
    loom::model(|| {
        let notify = Arc::new(Notify::new());
        let (noop, wakes) = counting_waker();
        let mut waiter = pin!(notify.notified());
        assert!(poll_once(waiter.as_mut(), &noop).is_pending());
        let notifier = {
            let notify = notify.clone();
            thread::spawn(move || notify.notify_waiters())
        };
        let first = poll_once(waiter.as_mut(), &noop).is_ready();
        notifier.join().unwrap();
        assert!(poll_once(waiter.as_mut(), &noop).is_ready());
        if !first {
            assert!(wakes() >= 1);
        }
    });
}
