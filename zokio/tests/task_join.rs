//! Spawning, joining, aborting and panicking tasks.

mod support;

use support::{current_thread as rt, DropCounter};

use std::future::{pending, poll_fn};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

use zokio::runtime::Runtime;
use zokio::task::{self, JoinHandle};

each_flavor! {
    fn spawn_and_join_many(rt) {
        let sum = rt.block_on(async {
            let handles: Vec<JoinHandle<u64>> = (0..10_000u64)
                .map(|i| {
                    zokio::spawn(async move {
                        task::yield_now().await;
                        i
                    })
                })
                .collect();
            let mut sum = 0;
            for h in handles {
                sum += h.await.unwrap();
            }
            sum
        });
        assert_eq!(sum, 9_999 * 10_000 / 2);
    }
}

each_flavor! {
    fn join_of_a_panicking_task(rt) {
        let err = rt.block_on(async { zokio::spawn(async { panic!("boom") }).await.unwrap_err() });
        assert!(err.is_panic());
        assert!(!err.is_cancelled());
        assert!(err.to_string().contains("boom"), "{err}");
        let payload = err.into_panic();
        assert_eq!(*payload.downcast_ref::<&str>().unwrap(), "boom");
        // The runtime survives the panic.
        assert_eq!(
            rt.block_on(async { zokio::spawn(async { 1 }).await.unwrap() }),
            1
        );
    }
}

#[test]
fn abort_before_the_task_runs() {
    let rt = rt();
    let drops = Arc::new(AtomicUsize::new(0));
    let guard = DropCounter(drops.clone());
    let err = rt.block_on(async move {
        let h = zokio::spawn(async move {
            let _guard = guard;
            unreachable!("an aborted task must not be polled");
        });
        h.abort();
        h.await.unwrap_err()
    });
    assert!(err.is_cancelled());
    assert_eq!(drops.load(SeqCst), 1, "the future was dropped once");
}

each_flavor! {
    fn abort_while_the_task_waits(rt) {
        let drops = Arc::new(AtomicUsize::new(0));
        let guard = DropCounter(drops.clone());
        rt.block_on(async move {
            let started = Arc::new(AtomicUsize::new(0));
            let s = started.clone();
            let h = zokio::spawn(async move {
                let _guard = guard;
                s.store(1, SeqCst);
                pending::<()>().await;
            });
            while started.load(SeqCst) == 0 {
                task::yield_now().await;
            }
            assert!(!h.is_finished());
            h.abort();
            let err = h.await.unwrap_err();
            assert!(err.is_cancelled());
        });
        assert_eq!(drops.load(SeqCst), 1);
    }
}

each_flavor! {
    fn abort_during_the_poll(rt) {
        let polls = Arc::new(AtomicUsize::new(0));
        let p = polls.clone();
        rt.block_on(async move {
            let slot: Arc<Mutex<Option<task::AbortHandle>>> = Arc::default();
            let s = slot.clone();
            let h = zokio::spawn(async move {
                let abort = loop {
                    if let Some(abort) = s.lock().unwrap().take() {
                        break abort;
                    }
                    task::yield_now().await;
                };
                // Abort ourselves in the middle of a poll: the task is cancelled
                // when this poll returns `Pending`.
                abort.abort();
                p.fetch_add(1, SeqCst);
                task::yield_now().await;
                p.fetch_add(1, SeqCst);
            });
            *slot.lock().unwrap() = Some(h.abort_handle());
            assert!(h.await.unwrap_err().is_cancelled());
        });
        assert_eq!(polls.load(SeqCst), 1);
    }
}

each_flavor! {
    fn abort_from_another_thread(rt) {
        rt.block_on(async {
            let h = zokio::spawn(pending::<()>());
            let abort = h.abort_handle();
            std::thread::spawn(move || abort.abort()).join().unwrap();
            assert!(h.await.unwrap_err().is_cancelled());
        });
    }
}

each_flavor! {
    fn abort_after_completion_keeps_the_output(rt) {
        rt.block_on(async {
            let h = zokio::spawn(async { 5 });
            while !h.is_finished() {
                task::yield_now().await;
            }
            h.abort();
            assert_eq!(h.await.unwrap(), 5);
        });
    }
}

each_flavor! {
    fn abort_handle_outlives_join_handle(rt) {
        rt.block_on(async {
            let h = zokio::spawn(pending::<()>());
            let abort = h.abort_handle();
            let id = h.id();
            drop(h);
            assert_eq!(abort.id(), id);
            assert!(!abort.is_finished());
            abort.abort();
            while !abort.is_finished() {
                task::yield_now().await;
            }
            let clone = abort.clone();
            assert!(clone.is_finished());
        });
    }
}

#[test]
fn join_handle_dropped_early_detaches() {
    let rt = rt();
    let done = Arc::new(AtomicUsize::new(0));
    let d = done.clone();
    let output_drops = Arc::new(AtomicUsize::new(0));
    let o = output_drops.clone();
    rt.block_on(async move {
        let h = zokio::spawn(async move {
            task::yield_now().await;
            d.fetch_add(1, SeqCst);
            DropCounter(o)
        });
        drop(h);
        for _ in 0..10 {
            task::yield_now().await;
        }
    });
    assert_eq!(done.load(SeqCst), 1, "a detached task runs to completion");
    assert_eq!(output_drops.load(SeqCst), 1, "its output is dropped");
}

each_flavor! {
    fn join_handle_dropped_after_completion_drops_output(rt) {
        let drops = Arc::new(AtomicUsize::new(0));
        let d = drops.clone();
        rt.block_on(async move {
            let h = zokio::spawn(async move { DropCounter(d) });
            while !h.is_finished() {
                task::yield_now().await;
            }
            drop(h);
        });
        assert_eq!(drops.load(SeqCst), 1);
    }
}

#[test]
fn join_handle_awaited_from_another_task() {
    let rt = rt();
    let out = rt.block_on(async {
        let (tx, rx) = std::sync::mpsc::channel::<Waker>();
        let inner = zokio::spawn(poll_fn(move |cx| {
            // Park once, then complete when woken.
            static POLLS: AtomicUsize = AtomicUsize::new(0);
            if POLLS.fetch_add(1, SeqCst) == 0 {
                tx.send(cx.waker().clone()).unwrap();
                Poll::Pending
            } else {
                Poll::Ready(9)
            }
        }));
        let outer = zokio::spawn(async move { inner.await.unwrap() + 1 });
        task::yield_now().await;
        let waker = rx.recv().unwrap();
        std::thread::spawn(move || waker.wake()).join().unwrap();
        outer.await.unwrap()
    });
    assert_eq!(out, 10);
}

each_flavor! {
    fn task_id_is_visible_inside_the_task(rt) {
        rt.block_on(async {
            let h = zokio::spawn(async { task::id() });
            let id = h.id();
            assert_eq!(h.await.unwrap(), id);
            let other = zokio::spawn(async { task::id() });
            assert_ne!(other.id(), id);
        });
        assert!(task::try_id().is_none());
    }
}

each_flavor! {
    fn panic_in_a_destructor_does_not_take_the_runtime_down(rt) {
        struct PanicOnDrop;
        impl Drop for PanicOnDrop {
            fn drop(&mut self) {
                panic!("destructor panic");
            }
        }
        rt.block_on(async {
            // A local's destructor panics as the future returns: that happens
            // inside the last poll, so the task reports a panic.
            let h = zokio::spawn(async {
                let _p = PanicOnDrop;
                task::yield_now().await;
                3
            });
            assert!(h.await.unwrap_err().is_panic());
            // The destructor panics when the task is cancelled.
            let started = Arc::new(AtomicUsize::new(0));
            let s = started.clone();
            let h = zokio::spawn(async move {
                let _p = PanicOnDrop;
                s.store(1, SeqCst);
                pending::<()>().await;
            });
            while started.load(SeqCst) == 0 {
                task::yield_now().await;
            }
            h.abort();
            assert!(h.await.unwrap_err().is_panic());
            // The output's destructor panics when it is dropped by the runtime.
            drop(zokio::spawn(async { PanicOnDrop }));
            task::yield_now().await;
            task::yield_now().await;
        });
        // The runtime keeps working.
        assert_eq!(
            rt.block_on(async { zokio::spawn(async { 4 }).await.unwrap() }),
            4
        );
    }
}

each_flavor! {
    fn join_error_debug_and_display(rt) {
        rt.block_on(async {
            let h = zokio::spawn(pending::<()>());
            h.abort();
            let err = h.await.unwrap_err();
            assert!(format!("{err}").contains("cancelled"));
            assert!(format!("{err:?}").contains("Cancelled"));
            let err = err.try_into_panic().unwrap_err();
            let io: std::io::Error = err.into();
            assert!(io.to_string().contains("cancelled"));
        });
    }
}

#[test]
fn futures_are_send_and_handles_are_send_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<JoinHandle<u32>>();
    send_sync::<task::AbortHandle>();
    send_sync::<task::JoinError>();
    send_sync::<zokio::runtime::Handle>();
    send_sync::<Runtime>();
}
