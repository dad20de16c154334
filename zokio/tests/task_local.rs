//! `task_local!`: values that one future (or closure) sees across its
//! awaits and threads, that no other task sees, and that panics and drops
//! leave as they were.

mod support;

use std::future::{pending, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, ThreadId};

use zokio::runtime::Runtime;
use zokio::sync::oneshot;
use zokio::task::futures::TaskLocalFuture;
use zokio::task::{self, AccessError, LocalKey};

zokio::task_local! {
    /// Several declarations, with attributes and visibilities, in one go.
    pub static NUMBER: u32;

    pub(crate) static NAME: String;

    #[allow(dead_code)]
    static UNUSED: Vec<u8>;

    static NOT_SEND: Rc<u8>
}

struct Noop;

impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

/// Polls `future` once, outside of any runtime.
fn poll_once<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    let waker = Waker::from(Arc::new(Noop));
    future.poll(&mut Context::from_waker(&waker))
}

each_flavor! {
    fn the_value_is_seen_across_awaits_and_spawns(rt) {
        let got = rt.block_on(async {
            zokio::spawn(NUMBER.scope(7, async {
                assert_eq!(NUMBER.get(), 7);
                task::yield_now().await;
                assert_eq!(NUMBER.get(), 7);
                // A spawned task is another task: it does not inherit it.
                let inner = zokio::spawn(async { NUMBER.try_get() }).await.unwrap();
                assert!(inner.is_err());
                task::yield_now().await;
                NUMBER.get()
            }))
            .await
            .unwrap()
        });
        assert_eq!(got, 7);
        assert!(NUMBER.try_get().is_err());
    }
}

each_flavor! {
    fn many_tasks_each_keep_their_own_value(rt) {
        rt.block_on(async {
            let tasks: Vec<_> = (0..64u32)
                .map(|i| {
                    zokio::spawn(NUMBER.scope(i, async move {
                        for _ in 0..10 {
                            task::yield_now().await;
                            assert_eq!(NUMBER.get(), i);
                        }
                        NUMBER.get()
                    }))
                })
                .collect();
            for (i, task) in (0..64u32).zip(tasks) {
                assert_eq!(task.await.unwrap(), i);
            }
        });
    }
}

/// Task A sets the key and waits; task B runs on the same thread meanwhile
/// and must not see A's value, nor leave its own behind.
fn hidden_from_another_task_on_the_same_thread(rt: Runtime) {
    rt.block_on(async {
        let (started_tx, started_rx) = oneshot::channel::<ThreadId>();
        let (resume_tx, resume_rx) = oneshot::channel::<()>();
        let a = zokio::spawn(NUMBER.scope(1, async move {
            started_tx.send(thread::current().id()).unwrap();
            resume_rx.await.unwrap();
            (thread::current().id(), NUMBER.get())
        }));
        let a_thread = started_rx.await.unwrap();
        let b = zokio::spawn(async {
            let outside = NUMBER.try_get();
            let inside = NUMBER.scope(2, async { NUMBER.get() }).await;
            (thread::current().id(), outside, inside)
        });
        let (b_thread, outside, inside) = b.await.unwrap();
        assert_eq!(b_thread, a_thread, "both tasks ran on the one worker");
        assert!(outside.is_err());
        assert_eq!(inside, 2);
        resume_tx.send(()).unwrap();
        let (a_thread_after, seen) = a.await.unwrap();
        assert_eq!(a_thread_after, a_thread);
        assert_eq!(seen, 1);
    });
}

#[test]
fn hidden_from_another_task_on_the_same_thread_current_thread() {
    hidden_from_another_task_on_the_same_thread(support::current_thread());
}

#[test]
fn hidden_from_another_task_on_the_same_thread_multi_thread_1() {
    hidden_from_another_task_on_the_same_thread(support::multi_thread(1));
}

#[test]
fn nested_scopes_shadow_and_restore() {
    support::current_thread().block_on(async {
        NUMBER
            .scope(1, async {
                assert_eq!(NUMBER.get(), 1);
                let inner = NUMBER.scope(2, async {
                    task::yield_now().await;
                    let innermost = NUMBER.sync_scope(3, || NUMBER.get());
                    (NUMBER.get(), innermost)
                });
                assert_eq!(inner.await, (2, 3));
                assert_eq!(NUMBER.get(), 1);
                // Another key is independent.
                NAME.scope("n".to_string(), async { assert_eq!(NUMBER.get(), 1) })
                    .await;
            })
            .await;
        assert!(NUMBER.try_get().is_err());
    });
}

#[test]
fn sync_scope_sets_the_value_for_the_closure_only() {
    assert_eq!(NAME.sync_scope("ada".to_string(), || NAME.get()), "ada");
    let len = NAME.sync_scope("grace".to_string(), || {
        NAME.with(|name| {
            // Reading again inside `with` is fine.
            assert_eq!(NAME.with(String::len), name.len());
            name.len()
        })
    });
    assert_eq!(len, 5);
    assert!(NAME.try_with(|_| ()).is_err());
    let rc = NOT_SEND.sync_scope(Rc::new(9), || NOT_SEND.get());
    assert_eq!(*rc, 9);
}

#[test]
fn outside_every_scope_try_with_fails_and_with_panics() {
    let err: AccessError = NUMBER.try_with(|n| *n).unwrap_err();
    assert_eq!(NUMBER.try_get(), Err(err));
    assert!(!err.to_string().is_empty());
    let _: &dyn std::error::Error = &err;
    let panic = catch_unwind(|| NUMBER.get()).unwrap_err();
    let msg = panic.downcast_ref::<&str>().unwrap();
    assert!(msg.contains("task-local"), "{msg}");
}

#[test]
fn a_panicking_sync_scope_restores_the_outer_value() {
    NUMBER.sync_scope(1, || {
        let panicked = catch_unwind(|| NUMBER.sync_scope(2, || panic!("inside")));
        assert!(panicked.is_err());
        assert_eq!(NUMBER.get(), 1);
    });
    assert!(NUMBER.try_get().is_err());
}

#[test]
fn a_panicking_poll_restores_the_outer_value() {
    NUMBER.sync_scope(1, || {
        let mut future = pin!(NUMBER.scope(2, async {
            assert_eq!(NUMBER.get(), 2);
            panic!("inside the poll")
        }));
        let panicked = catch_unwind(AssertUnwindSafe(|| poll_once(future.as_mut())));
        assert!(panicked.is_err());
        assert_eq!(NUMBER.get(), 1);
    });
    assert!(NUMBER.try_get().is_err());
}

#[test]
fn a_scope_cannot_be_entered_inside_with_of_the_same_key() {
    NUMBER.sync_scope(1, || {
        NUMBER.with(|_| {
            let panicked = catch_unwind(|| NUMBER.sync_scope(2, || ()));
            assert!(panicked.is_err());
        });
        assert_eq!(NUMBER.get(), 1);
    });
}

/// Records what the key held when it was dropped.
struct Probe(Arc<Mutex<Vec<Result<u32, AccessError>>>>);

impl Drop for Probe {
    fn drop(&mut self) {
        self.0.lock().unwrap().push(NUMBER.try_get());
    }
}

#[test]
fn dropping_the_future_drops_the_inner_one_with_the_value_set() {
    let seen = Arc::new(Mutex::new(Vec::new()));

    // Never polled.
    let probe = Probe(seen.clone());
    drop(NUMBER.scope(5, async move {
        let _probe = probe;
    }));

    // Polled, then dropped while waiting.
    let probe = Probe(seen.clone());
    let mut future = Box::pin(NUMBER.scope(6, async move {
        let _probe = probe;
        pending::<()>().await;
    }));
    assert!(poll_once(future.as_mut()).is_pending());
    drop(future);

    // Inside an outer scope, which is back afterwards.
    NUMBER.sync_scope(1, || {
        let probe = Probe(seen.clone());
        drop(NUMBER.scope(7, async move {
            let _probe = probe;
        }));
        assert_eq!(NUMBER.get(), 1);
    });

    assert_eq!(*seen.lock().unwrap(), [Ok(5), Ok(6), Ok(7)]);
    assert!(NUMBER.try_get().is_err());
}

#[test]
fn an_aborted_task_drops_its_future_with_the_value_set() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let rt = support::current_thread();
    let probe = Probe(seen.clone());
    rt.block_on(async {
        let task = zokio::spawn(NUMBER.scope(8, async move {
            let _probe = probe;
            pending::<()>().await;
        }));
        task::yield_now().await;
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
    });
    assert_eq!(*seen.lock().unwrap(), [Ok(8)]);
}

/// A future that is ready at once and holds a probe until it is dropped.
struct ReadyHolding(#[allow(dead_code)] Probe);

impl Future for ReadyHolding {
    type Output = ();

    fn poll(self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }
}

#[test]
fn a_completed_inner_future_is_dropped_at_once_inside_the_scope() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut future = pin!(NUMBER.scope(4, ReadyHolding(Probe(seen.clone()))));
    assert_eq!(poll_once(future.as_mut()), Poll::Ready(()));
    assert_eq!(*seen.lock().unwrap(), [Ok(4)]);
    assert_eq!(future.as_mut().take_value(), Some(4));
}

#[test]
fn take_value_before_and_after_completion() {
    let mut future = pin!(NUMBER.scope(3, async { NUMBER.try_get() }));
    assert_eq!(future.as_mut().take_value(), Some(3));
    assert_eq!(future.as_mut().take_value(), None);
    // Without its value the future sees none, not even the outer scope's.
    let seen = NUMBER.sync_scope(1, || {
        let seen = poll_once(future.as_mut());
        assert_eq!(NUMBER.get(), 1);
        seen
    });
    assert!(matches!(seen, Poll::Ready(Err(_))));

    let mut future = pin!(NUMBER.scope(9, async { NUMBER.get() }));
    assert_eq!(poll_once(future.as_mut()), Poll::Ready(9));
    assert_eq!(future.as_mut().take_value(), Some(9));
}

#[test]
fn debug_shows_the_value() {
    let future = NUMBER.scope(11, async {});
    assert!(format!("{future:?}").contains("11"));
    assert_eq!(format!("{NUMBER:?}"), "LocalKey { .. }");
    assert_eq!(format!("{:?}", NUMBER.try_get()), "Err(AccessError)");
}

#[test]
fn futures_and_keys_are_send_and_sync() {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    send::<TaskLocalFuture<u32, std::future::Ready<()>>>();
    // A key is a static, so it is `Sync` whatever its value's type.
    sync::<LocalKey<Rc<u8>>>();
    sync::<AccessError>();
}
