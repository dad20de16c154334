//! `TaskTracker`: counting, closing, waiting.

mod support;

use std::future::pending;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use zokio::sync::oneshot;
use zokio::task::{self, LocalSet, TaskTracker};

const _: fn() = || {
    fn is_send_sync<T: Send + Sync>(_: &T) {}
    let tracker = TaskTracker::new();
    is_send_sync(&tracker.wait());
    is_send_sync(&tracker.token());
    is_send_sync(&tracker);
};

each_flavor! {
    fn wait_completes_after_close_once_every_task_is_done(rt) {
        rt.block_on(async {
            let tracker = TaskTracker::new();
            let done = Arc::new(AtomicUsize::new(0));
            for i in 0..100u64 {
                let done = done.clone();
                tracker.spawn(async move {
                    zokio::time::sleep(Duration::from_micros(i * 20)).await;
                    done.fetch_add(1, SeqCst);
                });
            }
            // Some may have finished already on other workers.
            assert!(tracker.len() <= 100);
            tracker.close();
            tracker.wait().await;
            assert_eq!(done.load(SeqCst), 100);
            assert!(tracker.is_empty());
        });
    }
}

each_flavor! {
    fn wait_does_not_complete_while_open(rt) {
        rt.block_on(async {
            let tracker = TaskTracker::new();
            // Empty but open: still waiting.
            let waited = zokio::time::timeout(Duration::from_millis(20), tracker.wait()).await;
            assert!(waited.is_err());

            // Closed but not empty: still waiting.
            let (tx, rx) = oneshot::channel::<()>();
            tracker.spawn(async move { rx.await.unwrap() });
            tracker.close();
            let waited = zokio::time::timeout(Duration::from_millis(20), tracker.wait()).await;
            assert!(waited.is_err());

            tx.send(()).unwrap();
            tracker.wait().await;
        });
    }
}

each_flavor! {
    fn waiters_in_other_tasks_are_woken(rt) {
        rt.block_on(async {
            let tracker = TaskTracker::new();
            let token = tracker.token();
            let mut waiters = Vec::new();
            for _ in 0..20 {
                let tracker = tracker.clone();
                waiters.push(zokio::spawn(async move { tracker.wait().await }));
            }
            tracker.close();
            task::yield_now().await;
            assert!(waiters.iter().all(|w| !w.is_finished()));
            drop(token);
            for waiter in waiters {
                waiter.await.unwrap();
            }
        });
    }
}

each_flavor! {
    fn a_wait_that_saw_closed_and_empty_completes_after_reopen(rt) {
        rt.block_on(async {
            let tracker = TaskTracker::new();
            let token = tracker.token();
            let mut wait = Box::pin(tracker.wait());
            assert!(futures_poll_once(wait.as_mut()).await.is_pending());
            tracker.close();
            drop(token);
            tracker.reopen();
            let _again = tracker.token();
            // The tracker was closed and empty after the future was created.
            wait.await;
            // A new one waits for the next time.
            assert!(futures_poll_once(Box::pin(tracker.wait())).await.is_pending());
        });
    }
}

/// Polls a future once, returning whether it was ready.
async fn futures_poll_once<F: std::future::Future + Unpin>(mut f: F) -> std::task::Poll<F::Output> {
    std::future::poll_fn(|cx| std::task::Poll::Ready(std::pin::Pin::new(&mut f).poll(cx))).await
}

each_flavor! {
    fn close_and_reopen_report_changes(rt) {
        rt.block_on(async {
            let tracker = TaskTracker::new();
            assert!(!tracker.is_closed());
            assert!(!tracker.reopen());
            assert!(tracker.close());
            assert!(!tracker.close());
            assert!(tracker.is_closed());
            // Closed and empty: waits complete at once.
            tracker.wait().await;
            assert!(tracker.reopen());
            assert!(!tracker.is_closed());
        });
    }
}

each_flavor! {
    fn tokens_and_tracked_futures_count(rt) {
        rt.block_on(async {
            let tracker = TaskTracker::new();
            let token = tracker.token();
            let token2 = token.clone();
            assert_eq!(tracker.len(), 2);
            assert!(token2.task_tracker().ptr_eq(&tracker));
            drop(token);
            drop(token2);
            assert!(tracker.is_empty());

            let tracked = tracker.track_future(async { 5 });
            assert_eq!(tracker.len(), 1);
            assert_eq!(tracked.await, 5);
            assert!(tracker.is_empty());

            // A dropped, never polled, tracked future stops counting.
            let tracked = tracker.track_future(pending::<()>());
            assert_eq!(tracker.len(), 1);
            drop(tracked);
            assert!(tracker.is_empty());

            // An aborted task stops counting.
            let handle = tracker.spawn(pending::<()>());
            assert_eq!(tracker.len(), 1);
            handle.abort();
            tracker.close();
            tracker.wait().await;
        });
    }
}

each_flavor! {
    fn blocking_tasks_are_tracked(rt) {
        let handle = rt.handle().clone();
        rt.block_on(async {
            let tracker = TaskTracker::new();
            let done = Arc::new(AtomicUsize::new(0));
            for _ in 0..4 {
                let done = done.clone();
                tracker.spawn_blocking(move || {
                    std::thread::sleep(Duration::from_millis(5));
                    done.fetch_add(1, SeqCst);
                });
            }
            let job = tracker.spawn_blocking_on(|| 1, &handle);
            let spawned = tracker.spawn_on(async { 2 }, &handle);
            tracker.close();
            tracker.wait().await;
            assert_eq!(done.load(SeqCst), 4);
            assert_eq!(job.await.unwrap() + spawned.await.unwrap(), 3);
        });
    }
}

#[test]
fn local_tasks_are_tracked() {
    let rt = support::current_thread();
    let local = LocalSet::new();
    let tracker = TaskTracker::new();
    local.block_on(&rt, async {
        let shared = std::rc::Rc::new(std::cell::Cell::new(0));
        for _ in 0..10 {
            let shared = shared.clone();
            tracker.spawn_local(async move {
                task::yield_now().await;
                shared.set(shared.get() + 1);
            });
        }
        tracker.close();
        tracker.wait().await;
        assert_eq!(shared.get(), 10);
    });
    tracker.reopen();
    tracker.spawn_local_on(async {}, &local);
    tracker.close();
    local.block_on(&rt, tracker.wait());
}

#[test]
fn wait_from_a_plain_thread() {
    let rt = support::multi_thread(2);
    let tracker = TaskTracker::new();
    for _ in 0..10 {
        tracker.spawn_on(
            async { zokio::time::sleep(Duration::from_millis(2)).await },
            rt.handle(),
        );
    }
    tracker.close();
    let waiter = {
        let tracker = tracker.clone();
        std::thread::spawn(move || support::current_thread().block_on(tracker.wait()))
    };
    waiter.join().unwrap();
    assert!(tracker.is_empty());
}
