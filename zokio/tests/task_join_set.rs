//! `JoinSet`: completion order, abort, drop, detach, join_all, local tasks,
//! try_join_next and cancel safety of join_next.

mod support;

use std::collections::HashSet;
use std::future::pending;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use support::DropCounter;
use zokio::sync::{mpsc, oneshot};
use zokio::task::{self, JoinSet, LocalSet};

/// A sender each task holds until its future is dropped, and the receiver
/// that sees the end once every such future is gone.
fn until_dropped() -> (mpsc::UnboundedSender<()>, mpsc::UnboundedReceiver<()>) {
    mpsc::unbounded_channel()
}

// A set of `Send` outputs is `Send`, and so is awaiting it.
const _: fn() = || {
    fn is_send<T: Send>(_: &T) {}
    let mut set = JoinSet::<u32>::new();
    is_send(&set.join_next());
    is_send(&set);
};

each_flavor! {
    fn join_next_returns_tasks_as_they_complete(rt) {
        rt.block_on(async {
            let mut set = JoinSet::new();
            let mut senders = Vec::new();
            for i in 0..5u32 {
                let (tx, rx) = oneshot::channel::<()>();
                senders.push(tx);
                set.spawn(async move {
                    rx.await.unwrap();
                    i
                });
            }
            assert_eq!(set.len(), 5);
            // Release them in a shuffled order; each comes back in turn.
            let order = [3usize, 0, 4, 1, 2];
            let mut senders: Vec<_> = senders.into_iter().map(Some).collect();
            for &i in &order {
                senders[i].take().unwrap().send(()).unwrap();
                let out = set.join_next().await.unwrap().unwrap();
                assert_eq!(out, i as u32);
            }
            assert!(set.is_empty());
            assert!(set.join_next().await.is_none());
        });
    }
}

each_flavor! {
    fn join_next_with_id_names_the_task(rt) {
        rt.block_on(async {
            let mut set = JoinSet::new();
            let mut ids = HashSet::new();
            for i in 0..20u32 {
                ids.insert(set.spawn(async move { i }).id());
            }
            let mut seen = 0;
            while let Some(res) = set.join_next_with_id().await {
                let (id, _) = res.unwrap();
                assert!(ids.remove(&id));
                seen += 1;
            }
            assert_eq!(seen, 20);
            assert!(ids.is_empty());
        });
    }
}

each_flavor! {
    fn many_tasks(rt) {
        let sum = rt.block_on(async {
            let mut set = JoinSet::new();
            for i in 0..10_000u64 {
                set.spawn(async move {
                    if i % 2 == 0 {
                        task::yield_now().await;
                    }
                    i
                });
            }
            let mut sum = 0;
            while let Some(res) = set.join_next().await {
                sum += res.unwrap();
            }
            sum
        });
        assert_eq!(sum, 9_999 * 10_000 / 2);
    }
}

each_flavor! {
    fn abort_all_gives_cancelled_errors(rt) {
        rt.block_on(async {
            let drops = Arc::new(AtomicUsize::new(0));
            let mut set = JoinSet::new();
            for _ in 0..10 {
                let guard = DropCounter(drops.clone());
                set.spawn(async move {
                    let _guard = guard;
                    pending::<()>().await
                });
            }
            task::yield_now().await;
            set.abort_all();
            assert_eq!(set.len(), 10);
            let mut cancelled = 0;
            while let Some(res) = set.join_next().await {
                assert!(res.unwrap_err().is_cancelled());
                cancelled += 1;
            }
            assert_eq!(cancelled, 10);
            assert_eq!(drops.load(SeqCst), 10);
        });
    }
}

each_flavor! {
    fn dropping_the_set_aborts_its_tasks(rt) {
        rt.block_on(async {
            let drops = Arc::new(AtomicUsize::new(0));
            let (alive, mut gone) = until_dropped();
            let mut set = JoinSet::new();
            for _ in 0..10 {
                let guard = (DropCounter(drops.clone()), alive.clone());
                set.spawn(async move {
                    let _guard = guard;
                    pending::<()>().await
                });
            }
            drop(alive);
            task::yield_now().await;
            drop(set);
            assert_eq!(gone.recv().await, None);
            assert_eq!(drops.load(SeqCst), 10);
        });
    }
}

each_flavor! {
    fn detach_all_lets_tasks_run(rt) {
        rt.block_on(async {
            let mut set = JoinSet::new();
            let mut receivers = Vec::new();
            for i in 0..10u32 {
                let (tx, rx) = oneshot::channel();
                receivers.push(rx);
                set.spawn(async move {
                    zokio::time::sleep(Duration::from_millis(5)).await;
                    tx.send(i).unwrap();
                });
            }
            set.detach_all();
            assert!(set.is_empty());
            assert!(set.join_next().await.is_none());
            drop(set);
            for (i, rx) in receivers.into_iter().enumerate() {
                assert_eq!(rx.await.unwrap(), i as u32);
            }
        });
    }
}

each_flavor! {
    fn join_all_collects_every_output(rt) {
        rt.block_on(async {
            let mut set = JoinSet::new();
            for i in 0..100u32 {
                set.spawn(async move {
                    zokio::time::sleep(Duration::from_micros(u64::from(100 - i))).await;
                    i
                });
            }
            let mut out = set.join_all().await;
            out.sort_unstable();
            assert_eq!(out, (0..100).collect::<Vec<_>>());
        });
    }
}

#[test]
#[should_panic(expected = "task failed")]
fn join_all_resumes_a_panic() {
    support::current_thread().block_on(async {
        let mut set = JoinSet::new();
        set.spawn(async { panic!("task failed") });
        set.spawn(async {});
        set.join_all().await;
    });
}

each_flavor! {
    fn a_panicking_task_is_a_panic_error(rt) {
        rt.block_on(async {
            let mut set = JoinSet::new();
            set.spawn(async { panic!("boom") });
            let err = set.join_next().await.unwrap().unwrap_err();
            assert!(err.is_panic());
        });
    }
}

each_flavor! {
    fn try_join_next_does_not_wait(rt) {
        rt.block_on(async {
            let mut set = JoinSet::new();
            assert!(set.try_join_next().is_none());
            let (tx, rx) = oneshot::channel::<()>();
            set.spawn(async move {
                rx.await.unwrap();
                7
            });
            set.spawn(async { 8 });
            let eight = loop {
                if let Some(res) = set.try_join_next() {
                    break res.unwrap();
                }
                task::yield_now().await;
            };
            assert_eq!(eight, 8);
            for _ in 0..10 {
                task::yield_now().await;
                assert!(set.try_join_next().is_none());
            }
            tx.send(()).unwrap();
            let seven = loop {
                if let Some(res) = set.try_join_next() {
                    break res.unwrap();
                }
                task::yield_now().await;
            };
            assert_eq!(seven, 7);
            assert!(set.is_empty());
        });
    }
}

each_flavor! {
    fn join_next_is_cancel_safe(rt) {
        rt.block_on(async {
            let mut set = JoinSet::new();
            for i in 0..200u32 {
                set.spawn(async move {
                    zokio::time::sleep(Duration::from_micros(u64::from(i % 7) * 300)).await;
                    i
                });
            }
            let mut seen = [false; 200];
            let mut timeouts = 0;
            while !set.is_empty() {
                zokio::select! {
                    Some(res) = set.join_next() => {
                        let i = res.unwrap() as usize;
                        assert!(!seen[i]);
                        seen[i] = true;
                    }
                    _ = zokio::time::sleep(Duration::from_micros(200)) => timeouts += 1,
                }
            }
            assert!(seen.iter().all(|&s| s), "lost outputs ({timeouts} timeouts)");
        });
    }
}

each_flavor! {
    fn spawn_on_spawn_blocking_and_collect(rt) {
        let handle = rt.handle().clone();
        let mut set: JoinSet<u32> = JoinSet::new();
        set.spawn_on(async { 1 }, &handle);
        set.spawn_blocking_on(|| 2, &handle);
        rt.block_on(async move {
            set.spawn_blocking(|| 3);
            set.extend((4..6).map(|i| async move { i }));
            let mut out = set.join_all().await;
            out.sort_unstable();
            assert_eq!(out, [1, 2, 3, 4, 5]);
            let collected: JoinSet<u32> = (0..3).map(|i| async move { i }).collect();
            assert_eq!(collected.len(), 3);
            let mut out = collected.join_all().await;
            out.sort_unstable();
            assert_eq!(out, [0, 1, 2]);
        });
    }
}

each_flavor! {
    fn shutdown_aborts_and_waits(rt) {
        rt.block_on(async {
            let drops = Arc::new(AtomicUsize::new(0));
            let mut set = JoinSet::new();
            for _ in 0..5 {
                let guard = DropCounter(drops.clone());
                set.spawn(async move {
                    let _guard = guard;
                    pending::<()>().await
                });
            }
            set.shutdown().await;
            assert!(set.is_empty());
            assert_eq!(drops.load(SeqCst), 5);
        });
    }
}

each_flavor! {
    fn aborting_one_task_through_its_handle(rt) {
        rt.block_on(async {
            let mut set = JoinSet::new();
            let abort = set.spawn(pending::<u32>());
            set.spawn(async { 1 });
            abort.abort();
            let mut results: Vec<_> = Vec::new();
            while let Some(res) = set.join_next().await {
                results.push(res.map_err(|e| e.is_cancelled()));
            }
            results.sort();
            assert_eq!(results, [Ok(1), Err(true)]);
        });
    }
}

#[test]
fn spawn_local_inside_a_local_set() {
    let rt = support::current_thread();
    let local = LocalSet::new();
    local.block_on(&rt, async {
        let shared = Rc::new(AtomicUsize::new(0));
        let mut set = JoinSet::new();
        for i in 0..50 {
            let shared = shared.clone();
            set.spawn_local(async move {
                task::yield_now().await;
                shared.fetch_add(1, SeqCst);
                i
            });
        }
        let mut sum = 0;
        while let Some(res) = set.join_next().await {
            sum += res.unwrap();
        }
        assert_eq!(sum, 49 * 50 / 2);
        assert_eq!(shared.load(SeqCst), 50);

        // Dropping a set of local tasks aborts them.
        let drops = Arc::new(AtomicUsize::new(0));
        let (alive, mut gone) = until_dropped();
        let mut set = JoinSet::new();
        for _ in 0..5 {
            let guard = (DropCounter(drops.clone()), alive.clone());
            set.spawn_local(async move {
                let _guard = guard;
                pending::<()>().await
            });
        }
        drop(alive);
        task::yield_now().await;
        drop(set);
        assert_eq!(gone.recv().await, None);
        assert_eq!(drops.load(SeqCst), 5);
    });

    let mut set = JoinSet::new();
    set.spawn_local_on(async { Rc::new(9) }, &local);
    let out = local.block_on(&rt, set.join_next());
    assert_eq!(*out.unwrap().unwrap(), 9);
}

#[test]
fn a_set_can_be_dropped_after_its_runtime() {
    let rt = support::current_thread();
    let mut set = JoinSet::new();
    set.spawn_on(pending::<()>(), rt.handle());
    drop(rt);
    // The runtime's shutdown cancelled the task; the set drops cleanly.
    assert_eq!(set.len(), 1);
    drop(set);
}
