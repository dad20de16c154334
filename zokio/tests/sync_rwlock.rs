//! `zokio::sync::RwLock`: every method, write preference, guard mapping,
//! downgrading and cancel safety, on every runtime flavour.

#[macro_use]
mod support;

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use zokio::sync::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
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
fn assert_send_sync<T: Send + Sync>(_: &T) {}

/// The futures and guards are `Send + Sync` for `T: Send + Sync`, as
/// Tokio's are.
#[allow(dead_code, clippy::let_underscore_future)]
fn send_and_sync_promises(lock: Arc<RwLock<Vec<u8>>>) {
    assert_send_sync(&*lock);
    assert_send_sync(&lock.read());
    assert_send_sync(&lock.write());
    assert_send_sync(&lock.clone().read_owned());
    assert_send_sync(&lock.clone().write_owned());
    let _: fn(RwLockReadGuard<'static, Vec<u8>>) = |g| assert_send_sync(&g);
    let _: fn(RwLockWriteGuard<'static, Vec<u8>>) = |g| assert_send_sync(&g);
    let _: fn(RwLockMappedWriteGuard<'static, u8>) = |g| assert_send_sync(&g);
    let _: fn(OwnedRwLockReadGuard<Vec<u8>, u8>) = |g| assert_send_sync(&g);
    let _: fn(OwnedRwLockWriteGuard<Vec<u8>>) = |g| assert_send_sync(&g);
    let _: fn(OwnedRwLockMappedWriteGuard<Vec<u8>, u8>) = |g| assert_send_sync(&g);
}

#[test]
fn construction_and_plain_access() {
    static GLOBAL: RwLock<u32> = RwLock::const_new(7);
    static SMALL: RwLock<u32> = RwLock::const_with_max_readers(8, 2);
    assert_eq!(*GLOBAL.try_read().unwrap(), 7);
    let (a, b) = (SMALL.try_read().unwrap(), SMALL.try_read().unwrap());
    assert!(SMALL.try_read().is_err());
    drop((a, b));

    let mut lock = RwLock::new(String::from("a"));
    lock.get_mut().push('b');
    assert_eq!(lock.into_inner(), "ab");
    let from: RwLock<u8> = 3.into();
    assert_eq!(from.into_inner(), 3);
    assert!(RwLock::<Vec<u8>>::default().into_inner().is_empty());

    let lock = RwLock::new(1);
    assert_eq!(format!("{lock:?}"), "RwLock { data: 1 }");
    let guard = lock.try_write().unwrap();
    assert_eq!(format!("{lock:?}"), "RwLock { data: <locked> }");
    assert_eq!(format!("{guard:?} {guard}"), "1 1");
    assert_eq!(
        lock.try_read().unwrap_err().to_string(),
        "operation would block"
    );
}

#[test]
#[should_panic(expected = "readers")]
fn zero_max_readers_panics() {
    let _ = RwLock::with_max_readers((), 0);
}

#[test]
#[should_panic(expected = "readers")]
fn too_many_max_readers_panics() {
    let _ = RwLock::with_max_readers((), u32::MAX);
}

#[test]
fn blocking_access_from_plain_threads() {
    let lock = Arc::new(RwLock::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let lock = lock.clone();
            std::thread::spawn(move || {
                for _ in 0..100 {
                    *lock.blocking_write() += 1;
                    assert!(*lock.blocking_read() > 0);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(*lock.blocking_read(), 400);
}

#[test]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
fn blocking_read_inside_a_runtime_panics() {
    let rt = support::current_thread();
    let lock = RwLock::new(0);
    rt.block_on(async {
        let _ = lock.blocking_read();
    });
}

each_flavor! {
    fn read_and_write_every_way(rt) {
        rt.block_on(async {
            let lock = Arc::new(RwLock::with_max_readers(0, 3));
            {
                let r1 = lock.read().await;
                let r2 = lock.clone().read_owned().await;
                let r3 = lock.try_read().unwrap();
                // `max_readers` readers at most.
                assert!(lock.try_read().is_err());
                assert!(lock.clone().try_read_owned().is_err());
                assert!(lock.try_write().is_err());
                assert_eq!(*r1 + *r2 + *r3, 0);
            }
            *lock.write().await += 1;
            *lock.clone().write_owned().await += 1;
            *lock.try_write().unwrap() += 1;
            *lock.clone().try_write_owned().unwrap() += 1;
            let writer = lock.clone().write_owned().await;
            assert!(lock.try_read().is_err());
            assert!(Arc::ptr_eq(OwnedRwLockWriteGuard::rwlock(&writer), &lock));
            // An owned guard moves into a task and unlocks there.
            zokio::spawn(async move {
                let mut writer = writer;
                zokio::task::yield_now().await;
                *writer += 1;
            });
            assert_eq!(*lock.read().await, 5);
            let reader = lock.clone().read_owned().await;
            zokio::spawn(async move { assert_eq!(*reader, 5) }).await.unwrap();
        });
    }
}

// Write preference: once a writer waits, later readers wait behind it.
each_flavor! {
    fn waiting_writer_holds_back_new_readers(rt) {
        rt.block_on(async {
            let lock = RwLock::new(0);
            let reader = lock.read().await;
            let mut writer = pin!(lock.write());
            assert!(poll_once(writer.as_mut()).is_pending());
            assert!(lock.try_read().is_err());
            let mut late_reader = pin!(lock.read());
            assert!(poll_once(late_reader.as_mut()).is_pending());
            drop(reader);
            let mut guard = match poll_once(writer.as_mut()) {
                Poll::Ready(guard) => guard,
                Poll::Pending => panic!("the writer is served first"),
            };
            *guard = 1;
            assert!(poll_once(late_reader.as_mut()).is_pending());
            drop(guard);
            match poll_once(late_reader.as_mut()) {
                Poll::Ready(guard) => assert_eq!(*guard, 1),
                Poll::Pending => panic!("the reader follows the writer"),
            };
        });
    }
}

// Readers and writers on many tasks: writers keep a pair equal, readers
// never see it torn.
each_flavor! {
    fn readers_never_see_a_half_write(rt) {
        rt.block_on(async {
            let lock = Arc::new(RwLock::new((0u64, 0u64)));
            let mut tasks = Vec::new();
            for _ in 0..4 {
                let lock = lock.clone();
                tasks.push(zokio::spawn(async move {
                    for _ in 0..200 {
                        let mut guard = lock.write().await;
                        guard.0 += 1;
                        zokio::task::yield_now().await;
                        guard.1 += 1;
                    }
                }));
            }
            for _ in 0..4 {
                let lock = lock.clone();
                tasks.push(zokio::spawn(async move {
                    for _ in 0..200 {
                        let guard = lock.read().await;
                        assert_eq!(guard.0, guard.1);
                        zokio::task::yield_now().await;
                    }
                }));
            }
            for task in tasks {
                task.await.unwrap();
            }
            assert_eq!(*lock.read().await, (800, 800));
        });
    }
}

// Cancel safety: a writer dropped while it waits gives its permits on, so
// the readers queued behind it get in.
each_flavor! {
    fn cancelled_writer_lets_readers_in(rt) {
        rt.block_on(async {
            let lock = RwLock::with_max_readers(0, 4);
            let reader = lock.read().await;
            let mut late_reader = pin!(lock.read());
            {
                let mut writer = pin!(lock.write());
                assert!(poll_once(writer.as_mut()).is_pending());
                assert!(poll_once(late_reader.as_mut()).is_pending());
            }
            assert!(poll_once(late_reader.as_mut()).is_ready());
            drop(reader);
            assert!(lock.try_write().is_ok());

            // With timeouts cancelling waits at random points.
            let lock = Arc::new(RwLock::with_max_readers(0u32, 3));
            let tasks: Vec<_> = (0..20u64)
                .map(|i| {
                    let lock = lock.clone();
                    zokio::spawn(async move {
                        for round in 0..20u64 {
                            let wait = Duration::from_micros((i * 17 + round * 5) % 40);
                            if (i + round) % 3 == 0 {
                                if let Ok(mut guard) = zokio::time::timeout(wait, lock.write()).await {
                                    *guard += 1;
                                    zokio::task::yield_now().await;
                                }
                            } else if let Ok(guard) = zokio::time::timeout(wait, lock.read()).await {
                                let _ = *guard;
                                zokio::task::yield_now().await;
                            }
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            assert!(lock.try_write().is_ok());
        });
    }
}

each_flavor! {
    fn downgrading(rt) {
        rt.block_on(async {
            let lock = Arc::new(RwLock::with_max_readers(vec![1], 4));
            let mut writer = lock.write().await;
            writer.push(2);
            let reader = writer.downgrade();
            // Other readers get in; a writer does not.
            assert_eq!(*lock.read().await, [1, 2]);
            assert!(lock.try_write().is_err());
            drop(reader);

            let first = RwLockWriteGuard::downgrade_map(lock.write().await, |v| &v[0]);
            assert_eq!(*first, 1);
            assert!(lock.try_read().is_ok());
            drop(first);
            let writer = lock.write().await;
            let writer = RwLockWriteGuard::try_downgrade_map(writer, |v| v.get(9)).unwrap_err();
            assert!(lock.try_read().is_err());
            let last = RwLockWriteGuard::try_downgrade_map(writer, |v| v.last()).unwrap();
            assert_eq!(*last, 2);
            drop(last);

            let mut owned = lock.clone().write_owned().await;
            owned.push(3);
            let reader = owned.downgrade();
            assert_eq!(reader.len(), 3);
            assert!(lock.try_read().is_ok());
            drop(reader);
            let owned = lock.clone().write_owned().await;
            let second = OwnedRwLockWriteGuard::downgrade_map(owned, |v| &v[1]);
            assert_eq!(*second, 2);
            drop(second);
            let owned = lock.clone().write_owned().await;
            let owned = OwnedRwLockWriteGuard::try_downgrade_map(owned, |v| v.get(9)).unwrap_err();
            let third = OwnedRwLockWriteGuard::try_downgrade_map(owned, |v| v.get(2)).unwrap();
            assert_eq!(*third, 3);
            drop(third);
            // Every permit is back.
            let all: Vec<_> = (0..4).map(|_| lock.try_read().unwrap()).collect();
            assert!(lock.try_read().is_err());
            drop(all);
            assert!(lock.try_write().is_ok());
        });
    }
}

each_flavor! {
    fn guard_mapping(rt) {
        rt.block_on(async {
            let lock = Arc::new(RwLock::new((vec![1, 2], String::from("x"))));

            let numbers = RwLockReadGuard::map(lock.read().await, |pair| &pair.0);
            assert_eq!(format!("{numbers:?}"), "[1, 2]");
            let numbers = RwLockReadGuard::try_map(numbers, |v| v.get(5)).unwrap_err();
            let first = RwLockReadGuard::try_map(numbers, |v| v.first()).unwrap();
            assert_eq!(format!("{first} {first:?}"), "1 1");
            drop(first);

            let mut name = RwLockWriteGuard::map(lock.write().await, |pair| &mut pair.1);
            name.push('y');
            assert!(lock.try_read().is_err());
            let name = RwLockMappedWriteGuard::try_map(name, |_| None::<&mut u8>).unwrap_err();
            let mut name = RwLockMappedWriteGuard::try_map(name, |s| Some(s)).unwrap();
            name.push('z');
            assert_eq!(format!("{name} {name:?}"), "xyz \"xyz\"");
            let mut name = RwLockMappedWriteGuard::map(name, |s| s);
            name.push('!');
            drop(name);
            let guard = lock.write().await;
            let guard = RwLockWriteGuard::try_map(guard, |pair| pair.0.get_mut(9)).unwrap_err();
            let mut last = RwLockWriteGuard::try_map(guard, |pair| pair.0.last_mut()).unwrap();
            *last = 20;
            drop(last);
            let mut whole = RwLockWriteGuard::into_mapped(lock.write().await);
            whole.0.push(3);
            drop(whole);

            let reader = lock.clone().read_owned().await;
            assert!(Arc::ptr_eq(OwnedRwLockReadGuard::rwlock(&reader), &lock));
            let reader = OwnedRwLockReadGuard::try_map(reader, |p| p.0.get(9)).unwrap_err();
            let numbers = OwnedRwLockReadGuard::map(reader, |p| &p.0);
            let second = OwnedRwLockReadGuard::try_map(numbers, |v| v.get(1)).unwrap();
            assert_eq!(format!("{second} {second:?}"), "20 20");
            zokio::spawn(async move { drop(second) }).await.unwrap();

            let writer = lock.clone().write_owned().await;
            let writer = OwnedRwLockWriteGuard::try_map(writer, |p| p.0.get_mut(9)).unwrap_err();
            let numbers = OwnedRwLockWriteGuard::map(writer, |p| &mut p.0);
            assert!(Arc::ptr_eq(OwnedRwLockMappedWriteGuard::rwlock(&numbers), &lock));
            let numbers = OwnedRwLockMappedWriteGuard::try_map(numbers, |v| v.get_mut(9)).unwrap_err();
            let mut first = OwnedRwLockMappedWriteGuard::map(numbers, |v| &mut v[0]);
            *first = 10;
            assert_eq!(format!("{first} {first:?}"), "10 10");
            zokio::spawn(async move { drop(first) }).await.unwrap();
            let writer = lock.clone().write_owned().await;
            let mut name = OwnedRwLockWriteGuard::try_map(writer, |p| Some(&mut p.1)).unwrap();
            name.push('?');
            let name = OwnedRwLockMappedWriteGuard::try_map(name, |s| Some(s)).unwrap();
            drop(name);
            let mut whole = OwnedRwLockWriteGuard::into_mapped(lock.clone().write_owned().await);
            whole.1.push('.');
            drop(whole);

            assert_eq!(
                *lock.read().await,
                (vec![10, 20, 3], String::from("xyz!?."))
            );
        });
    }
}

// A panic in a map closure releases the lock.
each_flavor! {
    fn panicking_map_unlocks(rt) {
        rt.block_on(async {
            let lock = Arc::new(RwLock::new(0));
            let task = {
                let lock = lock.clone();
                zokio::spawn(async move {
                    let guard = lock.write().await;
                    let _mapped = RwLockWriteGuard::map(guard, |_| -> &mut u8 { panic!("in map") });
                })
            };
            assert!(task.await.unwrap_err().is_panic());
            assert!(lock.try_write().is_ok());
        });
    }
}
