//! `LocalSet` and `spawn_local`: `!Send` tasks on the set's thread.

use std::cell::RefCell;
use std::future::pending;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

use zokio::runtime::{Builder, Runtime};
use zokio::task::{self, LocalSet};

fn rt() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn spawn_local_runs_non_send_futures() {
    let rt = rt();
    let local = LocalSet::new();
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    local.block_on(&rt, async move {
        let mut handles = Vec::new();
        for i in 0..100 {
            let l = l.clone();
            handles.push(task::spawn_local(async move {
                task::yield_now().await;
                l.borrow_mut().push(i);
                i
            }));
        }
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        assert_eq!(sum, 4950);
    });
    assert_eq!(log.borrow().len(), 100);
}

#[test]
fn local_set_spawn_before_running_and_await_the_set() {
    let rt = rt();
    let local = LocalSet::new();
    let count = Rc::new(RefCell::new(0));
    for _ in 0..10 {
        let c = count.clone();
        local.spawn_local(async move {
            task::yield_now().await;
            *c.borrow_mut() += 1;
        });
    }
    // Awaiting the set runs its tasks until all are done.
    rt.block_on(local);
    assert_eq!(*count.borrow(), 10);
}

#[test]
fn local_tasks_woken_from_another_thread() {
    let rt = rt();
    let local = LocalSet::new();
    let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
    let s = slot.clone();
    let out = local.block_on(&rt, async move {
        let h = task::spawn_local(async move {
            let rc = Rc::new(5);
            let mut polled = false;
            std::future::poll_fn(|cx| {
                if polled {
                    Poll::Ready(())
                } else {
                    polled = true;
                    *s.lock().unwrap() = Some(cx.waker().clone());
                    Poll::Pending
                }
            })
            .await;
            *rc
        });
        loop {
            let waker = slot.lock().unwrap().take();
            if let Some(waker) = waker {
                std::thread::spawn(move || waker.wake()).join().unwrap();
                break;
            }
            task::yield_now().await;
        }
        h.await.unwrap()
    });
    assert_eq!(out, 5);
}

#[test]
fn local_task_panic_and_abort() {
    let rt = rt();
    let local = LocalSet::new();
    local.block_on(&rt, async {
        let h = task::spawn_local(async { panic!("local boom") });
        assert!(h.await.unwrap_err().is_panic());
        let h = task::spawn_local(pending::<()>());
        task::yield_now().await;
        h.abort();
        assert!(h.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn dropping_a_local_set_cancels_its_tasks() {
    struct DropCounter(Rc<RefCell<usize>>);
    impl Drop for DropCounter {
        fn drop(&mut self) {
            *self.0.borrow_mut() += 1;
        }
    }
    let rt = rt();
    let drops = Rc::new(RefCell::new(0));
    let local = LocalSet::new();
    let mut handles = Vec::new();
    for _ in 0..5 {
        let guard = DropCounter(drops.clone());
        handles.push(local.spawn_local(async move {
            let _guard = guard;
            pending::<()>().await;
        }));
    }
    local.block_on(&rt, async { task::yield_now().await });
    drop(local);
    assert_eq!(*drops.borrow(), 5);
    for h in handles {
        assert!(rt.block_on(h).unwrap_err().is_cancelled());
    }
}

#[test]
fn runtime_tasks_and_local_tasks_cooperate() {
    let rt = rt();
    let local = LocalSet::new();
    let counter = Arc::new(AtomicUsize::new(0));
    let c = counter.clone();
    local.block_on(&rt, async move {
        let send_task = zokio::spawn(async { 1 });
        let c2 = c.clone();
        let local_task = task::spawn_local(async move {
            let v = send_task.await.unwrap();
            c2.fetch_add(v, SeqCst);
        });
        local_task.await.unwrap();
        c.fetch_add(1, SeqCst);
    });
    assert_eq!(counter.load(SeqCst), 2);
}

#[test]
fn spawn_local_outside_a_local_set_panics() {
    let rt = rt();
    let err = rt
        .block_on(async { zokio::spawn(async { drop(task::spawn_local(async {})) }).await })
        .unwrap_err();
    let payload = err.into_panic();
    let msg = payload.downcast_ref::<&str>().unwrap();
    assert!(msg.contains("outside of a `task::LocalSet`"), "{msg}");
}
