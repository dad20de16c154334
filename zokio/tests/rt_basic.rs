//! The current-thread runtime: block_on, handles, remote spawns, shutdown.

mod support;

use support::{current_thread as rt, DropCounter};

use std::future::pending;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier, Mutex};
use std::task::Waker;
use std::time::Duration;

use zokio::runtime::{Builder, Handle};
use zokio::task;

each_flavor! {
    fn block_on_returns_the_output(rt) {
        assert_eq!(rt.block_on(async { 1 + 1 }), 2);
        // A runtime can block_on many times.
        assert_eq!(rt.block_on(async { "again" }), "again");
    }
}

each_flavor! {
    fn tasks_spawned_before_block_on_run_in_it(rt) {
        let h = rt.spawn(async { 11 });
        assert_eq!(rt.block_on(h).unwrap(), 11);
    }
}

each_flavor! {
    fn remote_spawn_from_eight_threads_at_once(rt) {
        let handle = rt.handle().clone();
        let barrier = Arc::new(Barrier::new(8));
        let threads: Vec<_> = (0..8u64)
            .map(|t| {
                let handle = handle.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    (0..1000u64)
                        .map(|i| handle.spawn(async move { t * 1000 + i }))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let handles: Vec<_> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        let sum = rt.block_on(async move {
            let mut sum = 0;
            for h in handles {
                sum += h.await.unwrap();
            }
            sum
        });
        assert_eq!(sum, (0..8000u64).sum::<u64>());
    }
}

each_flavor! {
    fn remote_spawn_wakes_a_parked_runtime(rt) {
        let handle = rt.handle().clone();
        let out = rt.block_on(async move {
            // The runtime parks (nothing to do) until the other thread's task
            // runs and answers.
            let (tx, rx) = std::sync::mpsc::channel();
            let spawner = std::thread::spawn(move || {
                let h = handle.spawn(async { 42 });
                tx.send(h).unwrap();
            });
            let h = loop {
                match rx.try_recv() {
                    Ok(h) => break h,
                    Err(_) => task::yield_now().await,
                }
            };
            spawner.join().unwrap();
            h.await.unwrap()
        });
        assert_eq!(out, 42);
    }
}

each_flavor! {
    fn remote_wake_wakes_a_parked_runtime(rt) {
        let (slot, parked) = std::sync::mpsc::channel::<Waker>();
        // Waits for the runtime to park its task, then wakes it.
        let waker_thread = std::thread::spawn(move || parked.recv().unwrap().wake());
        let mut polls = 0;
        rt.block_on(std::future::poll_fn(|cx| {
            polls += 1;
            if polls == 1 {
                slot.send(cx.waker().clone()).unwrap();
                std::task::Poll::Pending
            } else {
                std::task::Poll::Ready(())
            }
        }));
        waker_thread.join().unwrap();
        assert_eq!(polls, 2);
    }
}

#[test]
fn handle_current_and_try_current() {
    assert!(Handle::try_current().unwrap_err().is_missing_context());
    let rt = rt();
    rt.block_on(async {
        let handle = Handle::current();
        let h = handle.spawn(async { 3 });
        assert_eq!(h.await.unwrap(), 3);
    });
    {
        let _guard = rt.enter();
        let h = zokio::spawn(async { 4 });
        assert!(Handle::try_current().is_ok());
        drop(_guard);
        assert!(Handle::try_current().is_err());
        assert_eq!(rt.block_on(h).unwrap(), 4);
    }
}

#[test]
fn spawn_outside_a_runtime_panics_with_a_clear_message() {
    let err = std::panic::catch_unwind(|| {
        drop(zokio::spawn(async {}));
    })
    .unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(
        msg.contains("must be called from the context of a Zokio runtime"),
        "{msg}"
    );
}

each_flavor! {
    fn block_on_inside_a_runtime_panics_instead_of_deadlocking(rt) {
        let inner = rt.handle().clone();
        let err = rt.block_on(async move {
            zokio::spawn(async move {
                inner.block_on(async {});
            })
            .await
            .unwrap_err()
        });
        let payload = err.into_panic();
        let msg = payload.downcast_ref::<&str>().unwrap();
        assert!(
            msg.contains("Cannot start a runtime from within a runtime"),
            "{msg}"
        );
    }
}

#[test]
fn dropping_the_runtime_cancels_pending_tasks_and_runs_destructors() {
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = rt();
    let mut handles = Vec::new();
    for _ in 0..100 {
        let guard = DropCounter(drops.clone());
        handles.push(rt.spawn(async move {
            let _guard = guard;
            pending::<()>().await;
        }));
    }
    // Half of them get to run (and park), half never run.
    rt.block_on(async {
        for _ in 0..3 {
            task::yield_now().await;
        }
    });
    for _ in 0..100 {
        let guard = DropCounter(drops.clone());
        handles.push(rt.spawn(async move {
            let _guard = guard;
            pending::<()>().await;
        }));
    }
    drop(rt);
    assert_eq!(drops.load(SeqCst), 200);
    // Every join handle resolves as cancelled, outside any runtime.
    let other = Builder::new_current_thread().build().unwrap();
    for h in handles {
        assert!(h.is_finished());
        assert!(other.block_on(h).unwrap_err().is_cancelled());
    }
}

#[test]
fn destructors_that_spawn_during_shutdown_are_cancelled_too() {
    struct SpawnOnDrop(Arc<AtomicUsize>);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            let guard = DropCounter(self.0.clone());
            drop(zokio::spawn(async move {
                let _guard = guard;
                pending::<()>().await;
            }));
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = rt();
    let d = drops.clone();
    rt.block_on(async move {
        drop(zokio::spawn(async move {
            let _s = SpawnOnDrop(d);
            pending::<()>().await;
        }));
        task::yield_now().await;
    });
    drop(rt);
    assert_eq!(drops.load(SeqCst), 1);
}

each_flavor! {
    fn spawn_on_a_dropped_runtime_resolves_cancelled(rt) {
        let handle = rt.handle().clone();
        drop(rt);
        let drops = Arc::new(AtomicUsize::new(0));
        let guard = DropCounter(drops.clone());
        let h = handle.spawn(async move {
            let _guard = guard;
        });
        assert_eq!(drops.load(SeqCst), 1, "the future was dropped at once");
        let other = Builder::new_current_thread().build().unwrap();
        assert!(other.block_on(h).unwrap_err().is_cancelled());
    }
}

#[test]
fn wake_after_the_runtime_is_dropped_is_harmless() {
    let rt = rt();
    let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
    let s = slot.clone();
    let h = rt.spawn(std::future::poll_fn(move |cx| {
        *s.lock().unwrap() = Some(cx.waker().clone());
        std::task::Poll::<()>::Pending
    }));
    rt.block_on(async {
        task::yield_now().await;
    });
    let waker = slot.lock().unwrap().take().unwrap();
    drop(rt);
    // The task is gone; waking it (here and from another thread) is a no-op.
    waker.wake_by_ref();
    let w2 = waker.clone();
    std::thread::spawn(move || w2.wake()).join().unwrap();
    waker.wake();
    assert!(h.is_finished());
}

#[test]
fn shutdown_timeout_and_background_cancel_tasks() {
    for background in [false, true] {
        let drops = Arc::new(AtomicUsize::new(0));
        let rt = rt();
        let guard = DropCounter(drops.clone());
        rt.spawn(async move {
            let _guard = guard;
            pending::<()>().await;
        });
        if background {
            rt.shutdown_background();
        } else {
            rt.shutdown_timeout(Duration::from_secs(1));
        }
        assert_eq!(drops.load(SeqCst), 1);
    }
}

#[test]
fn block_on_from_two_threads_shares_the_runtime() {
    let rt = Arc::new(rt());
    let rt2 = rt.clone();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let other = std::thread::spawn(move || {
        // This thread may or may not get the core; either way its future
        // completes.
        rt2.block_on(async move {
            let h = zokio::spawn(async { 1 });
            tx.send(()).unwrap();
            h.await.unwrap()
        })
    });
    rx.recv().unwrap();
    let mine = rt.block_on(async { zokio::spawn(async { 2 }).await.unwrap() });
    assert_eq!(other.join().unwrap() + mine, 3);
}

#[test]
fn metrics_count_spawns() {
    let rt = rt();
    rt.block_on(async {
        for _ in 0..10 {
            zokio::spawn(async {}).await.unwrap();
        }
    });
    let m = rt.metrics();
    assert_eq!(m.spawned_tasks_count(), 10);
    assert_eq!(m.num_workers(), 1);
    assert_eq!(m.num_alive_tasks(), Some(0));
    assert!(m.poll_count() >= 10);
}

#[test]
fn a_panic_in_the_block_on_future_keeps_the_runtime_usable() {
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = rt();
    let guard = DropCounter(drops.clone());
    let parked = rt.spawn(async move {
        let _guard = guard;
        pending::<()>().await;
    });
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async {
            task::yield_now().await;
            panic!("the main future fails");
        })
    }));
    assert!(caught.is_err());
    // The runtime still runs tasks, and its pending task is still alive.
    assert_eq!(
        rt.block_on(async { zokio::spawn(async { 1 }).await.unwrap() }),
        1
    );
    assert_eq!(drops.load(SeqCst), 0);
    drop(rt);
    assert_eq!(drops.load(SeqCst), 1);
    assert!(parked.is_finished());
}

each_flavor! {
    /// A task that loops on `consume_budget` and nothing else yields once
    /// its budget is spent, so a task that shares its worker gets to run
    /// (a loop of always-ready awaits would hold the worker for ever).
    fn consume_budget_lets_the_other_tasks_run(rt) {
        rt.block_on(async {
            let done = Arc::new(AtomicUsize::new(0));
            let spinner = zokio::spawn({
                let done = done.clone();
                async move {
                    let mut turns = 0u64;
                    while done.load(SeqCst) == 0 {
                        task::consume_budget().await;
                        turns += 1;
                    }
                    turns
                }
            });
            let setter = zokio::spawn({
                let done = done.clone();
                async move { done.store(1, SeqCst) }
            });
            setter.await.unwrap();
            spinner.await.unwrap();
        })
    }
}

/// Inside `task::unconstrained` a loop on ready resources is never cut
/// short by the budget; outside it is.
#[test]
fn unconstrained_is_never_forced_to_yield() {
    let rt = zokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let forced = || rt.metrics().budget_forced_yield_count();
    let drain = |n: u32| async move {
        let (tx, mut rx) = zokio::sync::mpsc::unbounded_channel();
        for i in 0..n {
            tx.send(i).unwrap();
        }
        for _ in 0..n {
            rx.recv().await.unwrap();
        }
    };
    let before = forced();
    rt.block_on(async { zokio::spawn(task::unconstrained(drain(10_000))).await })
        .unwrap();
    assert_eq!(forced(), before);
    rt.block_on(async { zokio::spawn(drain(10_000)).await })
        .unwrap();
    assert!(forced() > before);
}
