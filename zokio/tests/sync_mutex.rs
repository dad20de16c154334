//! `zokio::sync::Mutex`: every method, fairness, guard mapping and cancel
//! safety, on every runtime flavour.

#[macro_use]
mod support;

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use zokio::sync::{
    MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard, TryLockError,
};

struct Noop;

impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    let waker = Waker::from(Arc::new(Noop));
    future.poll(&mut Context::from_waker(&waker))
}

#[allow(dead_code)]
fn assert_send<T: Send>(_: &T) {}
#[allow(dead_code)]
fn assert_send_sync<T: Send + Sync>(_: &T) {}

/// The futures and guards are `Send` (and `Sync` where Tokio's are).
#[allow(dead_code, clippy::let_underscore_future)]
fn send_and_sync_promises(mutex: Arc<Mutex<Vec<u8>>>) {
    assert_send_sync(&*mutex);
    assert_send_sync(&mutex.lock());
    assert_send_sync(&mutex.clone().lock_owned());
    let _: fn(MutexGuard<'static, Vec<u8>>) = |g| assert_send_sync(&g);
    let _: fn(OwnedMutexGuard<Vec<u8>>) = |g| assert_send_sync(&g);
    let _: fn(MappedMutexGuard<'static, u8>) = |g| assert_send_sync(&g);
    let _: fn(OwnedMappedMutexGuard<Vec<u8>, u8>) = |g| assert_send_sync(&g);
    // `T: Send` is enough for the mutex and its futures to be `Send + Sync`,
    // as with Tokio.
    let cell = Mutex::new(std::cell::Cell::new(1));
    assert_send_sync(&cell);
    assert_send(&cell.lock());
}

#[test]
fn construction_and_plain_access() {
    static GLOBAL: Mutex<u32> = Mutex::const_new(7);
    assert_eq!(*GLOBAL.try_lock().unwrap(), 7);

    let mut mutex = Mutex::new(String::from("a"));
    mutex.get_mut().push('b');
    assert_eq!(mutex.into_inner(), "ab");

    let from: Mutex<u8> = 3.into();
    assert_eq!(from.into_inner(), 3);
    let default: Mutex<Vec<u8>> = Mutex::default();
    assert!(default.into_inner().is_empty());

    let mutex = Mutex::new(1);
    assert_eq!(format!("{mutex:?}"), "Mutex { data: 1 }");
    let guard = mutex.try_lock().unwrap();
    assert_eq!(format!("{mutex:?}"), "Mutex { data: <locked> }");
    assert_eq!(format!("{guard:?} {guard}"), "1 1");
    let err: TryLockError = mutex.try_lock().unwrap_err();
    assert_eq!(err, mutex.try_lock().unwrap_err());
    assert_eq!(
        mutex.try_lock().unwrap_err().to_string(),
        "operation would block"
    );
    assert!(std::ptr::eq(MutexGuard::mutex(&guard), &mutex));
}

#[test]
fn unsized_data() {
    let mutex: Arc<Mutex<[u8]>> = Arc::new(Mutex::new([1, 2, 3]));
    mutex.try_lock().unwrap()[0] = 10;
    let mut owned = mutex.clone().try_lock_owned().unwrap();
    owned[1] = 20;
    drop(owned);
    assert_eq!(&*mutex.try_lock().unwrap(), &[10, 20, 3]);
}

#[test]
fn blocking_lock_from_plain_threads() {
    let mutex = Arc::new(Mutex::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let mutex = mutex.clone();
            std::thread::spawn(move || {
                for _ in 0..100 {
                    *mutex.blocking_lock() += 1;
                    *mutex.clone().blocking_lock_owned() += 1;
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(*mutex.blocking_lock(), 800);
}

#[test]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
fn blocking_lock_inside_a_runtime_panics() {
    let rt = support::current_thread();
    let mutex = Mutex::new(0);
    rt.block_on(async {
        let _ = mutex.blocking_lock();
    });
}

each_flavor! {
    fn lock_every_way(rt) {
        rt.block_on(async {
            let mutex = Arc::new(Mutex::new(0));
            *mutex.lock().await += 1;
            *mutex.clone().lock_owned().await += 1;
            *mutex.try_lock().unwrap() += 1;
            *mutex.clone().try_lock_owned().unwrap() += 1;

            let guard = mutex.lock().await;
            assert!(mutex.try_lock().is_err());
            assert!(mutex.clone().try_lock_owned().is_err());
            drop(guard);

            let owned = mutex.clone().lock_owned().await;
            assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&owned), &mutex));
            // An owned guard moves into another task and unlocks there.
            let task = zokio::spawn(async move {
                let mut owned = owned;
                zokio::task::yield_now().await;
                *owned += 1;
            });
            assert_eq!(*mutex.lock().await, 5);
            task.await.unwrap();
        });
    }
}

each_flavor! {
    fn many_tasks_increment(rt) {
        rt.block_on(async {
            let mutex = Arc::new(Mutex::new(0u64));
            let tasks: Vec<_> = (0..8)
                .map(|_| {
                    let mutex = mutex.clone();
                    zokio::spawn(async move {
                        for i in 0..1000 {
                            let mut guard = mutex.lock().await;
                            let seen = *guard;
                            if i % 100 == 0 {
                                // Held across an await: nobody else gets in.
                                zokio::task::yield_now().await;
                            }
                            *guard = seen + 1;
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            assert_eq!(*mutex.lock().await, 8000);
        });
    }
}

// Tasks get the lock in the order they asked for it.
each_flavor! {
    fn fair_in_order_of_arrival(rt) {
        rt.block_on(async {
            let mutex = Arc::new(Mutex::new(Vec::new()));
            // Each task keeps the lock until the gate opens, so that on a
            // multi-thread runtime the queue cannot drain before the
            // newcomer below tries.
            let gate = Arc::new(zokio::sync::Semaphore::new(0));
            let first = mutex.clone().lock_owned().await;
            let mut tasks = Vec::new();
            for i in 0..16 {
                // Queued here, in order, then awaited by its own task.
                let mut lock = Box::pin(mutex.clone().lock_owned());
                assert!(poll_once(lock.as_mut()).is_pending());
                let gate = gate.clone();
                tasks.push(zokio::spawn(async move {
                    let mut guard = lock.await;
                    guard.push(i);
                    gate.acquire().await.unwrap().forget();
                }));
            }
            // A newcomer queues behind them, even with try_lock.
            drop(first);
            assert!(mutex.try_lock().is_err());
            gate.add_permits(16);
            for task in tasks {
                task.await.unwrap();
            }
            assert_eq!(*mutex.lock().await, (0..16).collect::<Vec<_>>());
        });
    }
}

// A lock future dropped while queued gives up its place; one dropped after
// the lock was handed to it passes the lock on.
each_flavor! {
    fn cancelled_lock_passes_the_lock_on(rt) {
        rt.block_on(async {
            let mutex = Mutex::new(0);
            let guard = mutex.lock().await;
            {
                let mut second = pin!(mutex.lock());
                assert!(poll_once(second.as_mut()).is_pending());
                {
                    let mut cancelled = pin!(mutex.lock());
                    assert!(poll_once(cancelled.as_mut()).is_pending());
                }
                let mut third = pin!(mutex.lock());
                assert!(poll_once(third.as_mut()).is_pending());
                // Handed to `second`; both are dropped without polling again.
                drop(guard);
                assert!(mutex.try_lock().is_err());
            }
            assert!(mutex.try_lock().is_ok());

            // With timeouts cancelling the waits at random points.
            let mutex = Arc::new(Mutex::new(0u32));
            let tasks: Vec<_> = (0..20u64)
                .map(|i| {
                    let mutex = mutex.clone();
                    zokio::spawn(async move {
                        for round in 0..20u64 {
                            let wait = Duration::from_micros((i * 11 + round * 3) % 40);
                            if let Ok(mut guard) = zokio::time::timeout(wait, mutex.lock()).await {
                                *guard += 1;
                                zokio::task::yield_now().await;
                            }
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            assert!(mutex.try_lock().is_ok());
        });
    }
}

each_flavor! {
    fn guard_mapping(rt) {
        rt.block_on(async {
            let mutex = Arc::new(Mutex::new((vec![1, 2, 3], String::from("x"))));

            let mut numbers = MutexGuard::map(mutex.lock().await, |pair| &mut pair.0);
            numbers.push(4);
            assert_eq!(format!("{numbers:?}"), "[1, 2, 3, 4]");
            let mut last = MappedMutexGuard::map(numbers, |v| v.last_mut().unwrap());
            *last = 40;
            assert!(mutex.try_lock().is_err());
            drop(last);

            let guard = mutex.lock().await;
            let guard = MutexGuard::try_map(guard, |pair| pair.0.get_mut(10)).unwrap_err();
            let name = MutexGuard::try_map(guard, |pair| Some(&mut pair.1)).unwrap();
            assert_eq!(format!("{name}"), "x");
            let name = MappedMutexGuard::try_map(name, |_| None::<&mut u8>).unwrap_err();
            let mut byte = MappedMutexGuard::try_map(name, |s| Some(s)).unwrap();
            byte.push('y');
            drop(byte);

            let owned = mutex.clone().lock_owned().await;
            let owned = OwnedMutexGuard::try_map(owned, |pair| pair.0.get_mut(10)).unwrap_err();
            let mut first = OwnedMutexGuard::map(owned, |pair| &mut pair.0);
            assert!(Arc::ptr_eq(OwnedMappedMutexGuard::mutex(&first), &mutex));
            first[0] = 10;
            let first = OwnedMappedMutexGuard::try_map(first, |v| v.get_mut(9)).unwrap_err();
            let mut first = OwnedMappedMutexGuard::map(first, |v| &mut v[0]);
            *first += 1;
            assert_eq!(format!("{first:?} {first}"), "11 11");
            // A mapped owned guard moves into a task too.
            zokio::spawn(async move { drop(first) }).await.unwrap();
            let owned = mutex.clone().lock_owned().await;
            let mut name = OwnedMutexGuard::try_map(owned, |pair| Some(&mut pair.1)).unwrap();
            name.push('z');
            let name = OwnedMappedMutexGuard::try_map(name, |s| Some(s)).unwrap();
            drop(name);

            let value = mutex.lock().await;
            assert_eq!(*value, (vec![11, 2, 3, 40], String::from("xyz")));
        });
    }
}

// A panic in a map closure unlocks the mutex.
each_flavor! {
    fn panicking_map_unlocks(rt) {
        rt.block_on(async {
            let mutex = Arc::new(Mutex::new(0));
            let task = {
                let mutex = mutex.clone();
                zokio::spawn(async move {
                    let guard = mutex.lock().await;
                    let _mapped = MutexGuard::map(guard, |_| -> &mut u8 { panic!("in map") });
                })
            };
            assert!(task.await.unwrap_err().is_panic());
            assert!(mutex.try_lock().is_ok());
        });
    }
}

// Cross-thread hand-over: the data written by one holder is seen by the
// next, whichever worker it runs on.
each_flavor! {
    fn writes_are_seen_by_the_next_holder(rt) {
        rt.block_on(async {
            let mutex = Arc::new(Mutex::new(Vec::new()));
            let count = Arc::new(AtomicUsize::new(0));
            let tasks: Vec<_> = (0..4)
                .map(|t| {
                    let mutex = mutex.clone();
                    let count = count.clone();
                    zokio::spawn(async move {
                        for i in 0..250 {
                            let mut guard = mutex.lock().await;
                            let len = guard.len();
                            guard.push((t, i));
                            assert_eq!(guard.len(), len + 1);
                            count.fetch_add(1, SeqCst);
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            assert_eq!(mutex.lock().await.len(), count.load(SeqCst));
        });
    }
}
