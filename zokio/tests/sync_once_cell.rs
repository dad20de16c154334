//! `zokio::sync::OnceCell` and `SetOnce`: every method, initialisation
//! runs once under contention, cancelled and failed initialisers, and
//! waiting for a `SetOnce`, on every runtime flavour.

#[macro_use]
mod support;

use std::future::{pending, Future};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use zokio::sync::{oneshot, OnceCell, SetError, SetOnce, SetOnceError};

struct Noop;

impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    let waker = Waker::from(Arc::new(Noop));
    future.poll(&mut Context::from_waker(&waker))
}

/// Counts its drops.
#[derive(Debug)]
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[allow(dead_code)]
fn assert_send_sync<T: Send + Sync>(_: &T) {}

/// The cells and their futures are `Send + Sync` for `T: Send + Sync`.
#[allow(dead_code, clippy::let_underscore_future)]
fn send_and_sync_promises(cell: &OnceCell<Vec<u8>>, once: &SetOnce<Vec<u8>>) {
    assert_send_sync(cell);
    assert_send_sync(&cell.get_or_init(|| async { Vec::new() }));
    assert_send_sync(&cell.get_or_try_init(|| async { Ok::<_, ()>(Vec::new()) }));
    assert_send_sync(once);
    assert_send_sync(&once.wait());
}

#[test]
fn once_cell_plain_methods() {
    static EMPTY: OnceCell<u32> = OnceCell::const_new();
    static FULL: OnceCell<u32> = OnceCell::const_new_with(3);
    assert_eq!(EMPTY.get(), None);
    assert_eq!(FULL.get(), Some(&3));
    assert!(FULL.set(4).unwrap_err().is_already_init_err());

    let cell = OnceCell::new();
    assert!(!cell.initialized());
    assert_eq!(cell.set(1), Ok(()));
    assert!(cell.initialized());
    assert_eq!(cell.get(), Some(&1));
    let err = cell.set(2).unwrap_err();
    assert_eq!(err, SetError::AlreadyInitializedError(2));
    assert_eq!(err.to_string(), "AlreadyInitializedError");

    let mut cell = OnceCell::new_with(Some(String::from("a")));
    cell.get_mut().unwrap().push('b');
    assert_eq!(cell.clone().into_inner().as_deref(), Some("ab"));
    assert_eq!(cell, OnceCell::from(String::from("ab")));
    assert_eq!(format!("{cell:?}"), "OnceCell { value: Some(\"ab\") }");
    assert_eq!(cell.take().as_deref(), Some("ab"));
    assert!(!cell.initialized());
    assert_eq!(cell.get_mut(), None);
    assert_eq!(cell.take(), None);
    // Taken cells can be set again.
    cell.set(String::from("c")).unwrap();
    assert_eq!(cell.into_inner().as_deref(), Some("c"));
    assert_eq!(OnceCell::<u8>::default().into_inner(), None);
    assert_eq!(OnceCell::<u8>::new_with(None), OnceCell::new());
}

#[test]
fn once_cell_drops_its_value_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    drop(OnceCell::from(Counted(drops.clone())));
    assert_eq!(drops.load(SeqCst), 1);
    let value = OnceCell::new_with(Some(Counted(drops.clone()))).into_inner();
    assert_eq!(drops.load(SeqCst), 1);
    drop(value);
    assert_eq!(drops.load(SeqCst), 2);
    let cell = OnceCell::new();
    let _ = cell.set(Counted(drops.clone()));
    // The rejected value comes back and is dropped by the caller.
    drop(cell.set(Counted(drops.clone())));
    assert_eq!(drops.load(SeqCst), 3);
    drop(cell);
    assert_eq!(drops.load(SeqCst), 4);
}

#[test]
fn set_during_initialisation_is_refused() {
    let rt = support::current_thread();
    rt.block_on(async {
        let cell = OnceCell::new();
        {
            let mut init = pin!(cell.get_or_init(pending::<u8>));
            assert!(poll_once(init.as_mut()).is_pending());
            let err = cell.set(1).unwrap_err();
            assert!(err.is_initializing_err());
            assert_eq!(err.to_string(), "InitializingError");
        }
        // The abandoned initialisation let go of the cell.
        assert!(cell.set(2).is_ok());
        assert_eq!(*cell.get_or_init(|| async { 3 }).await, 2);
    });
}

// Many tasks race to initialise: the initialiser runs once and all see
// its value.
each_flavor! {
    fn concurrent_get_or_init_runs_once(rt) {
        rt.block_on(async {
            let cell = Arc::new(OnceCell::new());
            let runs = Arc::new(AtomicUsize::new(0));
            let tasks: Vec<_> = (0..32)
                .map(|i| {
                    let (cell, runs) = (cell.clone(), runs.clone());
                    zokio::spawn(async move {
                        let value = cell
                            .get_or_init(|| async move {
                                runs.fetch_add(1, SeqCst);
                                zokio::time::sleep(Duration::from_millis(2)).await;
                                i
                            })
                            .await;
                        *value
                    })
                })
                .collect();
            let mut seen = Vec::new();
            for task in tasks {
                seen.push(task.await.unwrap());
            }
            assert_eq!(runs.load(SeqCst), 1);
            assert!(seen.iter().all(|&v| v == seen[0]));
            assert_eq!(cell.get(), Some(&seen[0]));
        });
    }
}

// A failing or panicking initialiser leaves the cell empty for the next.
each_flavor! {
    fn failed_initialisers_hand_over(rt) {
        rt.block_on(async {
            let cell = Arc::new(OnceCell::new());
            let failed = cell.get_or_try_init(|| async { Err::<u32, _>("no") }).await;
            assert_eq!(failed, Err("no"));
            assert!(!cell.initialized());
            let panicking = {
                let cell = cell.clone();
                zokio::spawn(async move {
                    cell.get_or_init(|| async { panic!("init failed") }).await;
                })
            };
            assert!(panicking.await.unwrap_err().is_panic());
            assert_eq!(cell.get_or_try_init(|| async { Ok::<_, ()>(7) }).await, Ok(&7));
            assert_eq!(cell.get_or_try_init(|| async { Err(()) }).await, Ok(&7));
        });
    }
}

// Cancel safety: an initialiser cancelled by a timeout lets a waiting
// caller initialise.
each_flavor! {
    fn cancelled_initialiser_hands_over(rt) {
        rt.block_on(async {
            let cell = Arc::new(OnceCell::new());
            let (started_tx, started) = oneshot::channel();
            let slow = {
                let cell = cell.clone();
                zokio::spawn(async move {
                    let init = cell.get_or_init(|| async move {
                        started_tx.send(()).unwrap();
                        pending::<u32>().await
                    });
                    zokio::time::timeout(Duration::from_millis(5), init)
                        .await
                        .is_err()
                })
            };
            // The slow initialiser holds the cell before this caller asks.
            started.await.unwrap();
            let value = cell.get_or_init(|| async { 9 }).await;
            assert_eq!(*value, 9);
            assert!(slow.await.unwrap());
        });
    }
}

#[test]
fn set_once_plain_methods() {
    static ONCE: SetOnce<u32> = SetOnce::const_new();
    static SET: SetOnce<u32> = SetOnce::const_new_with(1);
    assert_eq!(ONCE.get(), None);
    assert_eq!(SET.get(), Some(&1));
    assert_eq!(SET.set(2), Err(SetOnceError(2)));

    let once = SetOnce::new();
    assert!(!once.initialized());
    once.set(String::from("a")).unwrap();
    assert!(once.initialized());
    assert_eq!(once.get().map(String::as_str), Some("a"));
    let err = once.set(String::from("b")).unwrap_err();
    assert_eq!(err.0, "b");
    assert_eq!(err.to_string(), "SetOnceError");
    assert_eq!(once.clone(), SetOnce::from(String::from("a")));
    assert_eq!(format!("{once:?}"), "SetOnce { value: Some(\"a\") }");
    assert_eq!(once.into_inner().as_deref(), Some("a"));
    assert_eq!(SetOnce::<u8>::default().into_inner(), None);
    assert_eq!(SetOnce::new_with(Some(2)).get(), Some(&2));
    assert_eq!(SetOnce::<u8>::new_with(None), SetOnce::new());

    let drops = Arc::new(AtomicUsize::new(0));
    let once = SetOnce::new();
    once.set(Counted(drops.clone())).unwrap();
    drop(once);
    assert_eq!(drops.load(SeqCst), 1);
}

each_flavor! {
    fn set_once_wait(rt) {
        rt.block_on(async {
            let once = Arc::new(SetOnce::new());
            let waiters: Vec<_> = (0..16)
                .map(|_| {
                    let once = once.clone();
                    zokio::spawn(async move { *once.wait().await })
                })
                .collect();
            zokio::time::sleep(Duration::from_millis(2)).await;
            let setter = {
                let once = once.clone();
                zokio::spawn(async move { once.set(11) })
            };
            assert_eq!(setter.await.unwrap(), Ok(()));
            for waiter in waiters {
                assert_eq!(waiter.await.unwrap(), 11);
            }
            // Already set: no waiting.
            assert_eq!(*once.wait().await, 11);
        });
    }
}

// Cancel safety: a dropped wait takes nothing; a new one still completes.
each_flavor! {
    fn set_once_wait_is_cancel_safe(rt) {
        rt.block_on(async {
            let once = SetOnce::new();
            let timed_out = zokio::time::timeout(Duration::from_millis(1), once.wait()).await;
            assert!(timed_out.is_err());
            {
                let mut waiting = pin!(once.wait());
                assert!(poll_once(waiting.as_mut()).is_pending());
            }
            once.set(1).unwrap();
            assert_eq!(*once.wait().await, 1);
        });
    }
}
