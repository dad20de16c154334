//! `zokio::sync::Semaphore`: every method, FIFO fairness, cancel safety and
//! closing, on every runtime flavour.

#[macro_use]
mod support;

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex as StdMutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use zokio::sync::{
    AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError,
};

/// A waker that counts its wake-ups.
#[derive(Default)]
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counting_waker() -> (Arc<Count>, Waker) {
    let count = Arc::new(Count::default());
    (count.clone(), Waker::from(count))
}

fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

#[allow(dead_code)]
fn assert_send_sync<T: Send + Sync>(_: &T) {}

/// The futures and permits are `Send` (and `Sync`), as Tokio's are.
#[allow(dead_code, clippy::let_underscore_future)]
fn send_and_sync_promises(semaphore: Arc<Semaphore>) {
    assert_send_sync(&semaphore.acquire());
    assert_send_sync(&semaphore.acquire_many(2));
    assert_send_sync(&semaphore.clone().acquire_owned());
    assert_send_sync(&semaphore.clone().acquire_many_owned(2));
    assert_send_sync(&semaphore.try_acquire());
    assert_send_sync(&semaphore.clone().try_acquire_owned());
    let _: fn(SemaphorePermit<'static>) = |p| assert_send_sync(&p);
    let _: fn(OwnedSemaphorePermit) = |p| assert_send_sync(&p);
    let _: fn(AcquireError, TryAcquireError) = |a, t| {
        assert_send_sync(&a);
        assert_send_sync(&t);
    };
}

#[test]
fn try_methods_without_a_runtime() {
    let semaphore = Arc::new(Semaphore::new(5));
    assert_eq!(semaphore.available_permits(), 5);

    let one = semaphore.try_acquire().unwrap();
    assert_eq!(one.num_permits(), 1);
    let mut three = semaphore.try_acquire_many(3).unwrap();
    assert_eq!(semaphore.available_permits(), 1);
    assert_eq!(
        semaphore.try_acquire_many(2).unwrap_err(),
        TryAcquireError::NoPermits
    );

    // split and merge move permits between permits without releasing.
    let two = three.split(2).unwrap();
    assert!(three.split(2).is_none());
    assert_eq!((three.num_permits(), two.num_permits()), (1, 2));
    three.merge(two);
    three.merge(one);
    assert_eq!(three.num_permits(), 4);
    assert_eq!(semaphore.available_permits(), 1);
    drop(three);
    assert_eq!(semaphore.available_permits(), 5);

    // Owned permits keep the semaphore alive.
    let mut owned = semaphore.clone().try_acquire_many_owned(4).unwrap();
    let part = owned.split(1).unwrap();
    assert!(Arc::ptr_eq(part.semaphore(), &semaphore));
    assert_eq!(semaphore.available_permits(), 1);
    let last = semaphore.clone().try_acquire_owned().unwrap();
    assert_eq!(
        semaphore.clone().try_acquire_owned().unwrap_err(),
        TryAcquireError::NoPermits
    );
    owned.merge(last);
    owned.merge(part);
    assert_eq!(owned.num_permits(), 5);
    drop(owned);
    assert_eq!(semaphore.available_permits(), 5);

    // forget keeps permits out for good; forget_permits removes free ones.
    semaphore.try_acquire().unwrap().forget();
    semaphore.clone().try_acquire_owned().unwrap().forget();
    assert_eq!(semaphore.available_permits(), 3);
    assert_eq!(semaphore.forget_permits(2), 2);
    assert_eq!(semaphore.forget_permits(5), 1);
    assert_eq!(semaphore.forget_permits(1), 0);
    semaphore.add_permits(2);
    assert_eq!(semaphore.available_permits(), 2);

    // A request for no permits succeeds whenever the semaphore is open.
    assert_eq!(semaphore.try_acquire_many(0).unwrap().num_permits(), 0);

    semaphore.close();
    assert!(semaphore.is_closed());
    assert_eq!(
        semaphore.try_acquire().unwrap_err(),
        TryAcquireError::Closed
    );
    assert_eq!(
        semaphore.clone().try_acquire_many_owned(0).unwrap_err(),
        TryAcquireError::Closed
    );
    assert!(TryAcquireError::Closed.is_closed());
    assert!(TryAcquireError::NoPermits.is_no_permits());
    assert_eq!(
        TryAcquireError::NoPermits.to_string(),
        "no permits available"
    );
    // Permits can still be added and counted after closing.
    semaphore.add_permits(1);
    assert_eq!(semaphore.available_permits(), 3);
}

#[test]
fn const_new_and_max_permits() {
    static SEMAPHORE: Semaphore = Semaphore::const_new(2);
    assert_eq!(SEMAPHORE.available_permits(), 2);
    drop(SEMAPHORE.try_acquire_many(2).unwrap());
    assert_eq!(Semaphore::MAX_PERMITS, usize::MAX >> 3);
    let full = Semaphore::new(Semaphore::MAX_PERMITS);
    assert_eq!(full.available_permits(), Semaphore::MAX_PERMITS);
    assert!(format!("{full:?}").contains("permits"));
}

#[test]
#[should_panic(expected = "MAX_PERMITS")]
fn new_past_max_permits_panics() {
    let _ = Semaphore::new(Semaphore::MAX_PERMITS + 1);
}

#[test]
#[should_panic(expected = "MAX_PERMITS")]
fn add_permits_past_max_panics() {
    let semaphore = Semaphore::new(Semaphore::MAX_PERMITS);
    semaphore.add_permits(1);
}

#[test]
#[should_panic(expected = "different semaphores")]
fn merging_permits_of_two_semaphores_panics() {
    let (a, b) = (Semaphore::new(1), Semaphore::new(1));
    let mut permit = a.try_acquire().unwrap();
    permit.merge(b.try_acquire().unwrap());
}

each_flavor! {
    fn acquire_every_way(rt) {
        rt.block_on(async {
            let semaphore = Arc::new(Semaphore::new(4));
            let one = semaphore.acquire().await.unwrap();
            let two = semaphore.acquire_many(2).await.unwrap();
            assert_eq!((one.num_permits(), two.num_permits()), (1, 2));
            let owned = semaphore.clone().acquire_owned().await.unwrap();
            assert_eq!(semaphore.available_permits(), 0);
            drop((one, two));
            let many = semaphore.clone().acquire_many_owned(3).await.unwrap();
            assert_eq!(many.num_permits(), 3);
            // Owned permits move into tasks and come back from there.
            let task = zokio::spawn(async move { drop((owned, many)) });
            task.await.unwrap();
            assert_eq!(semaphore.available_permits(), 4);
            assert_eq!(semaphore.acquire_many(0).await.unwrap().num_permits(), 0);
        });
    }
}

each_flavor! {
    fn waiters_wake_when_permits_come_back_from_another_task(rt) {
        rt.block_on(async {
            let semaphore = Arc::new(Semaphore::new(1));
            let held = semaphore.clone().acquire_owned().await.unwrap();
            let waiters: Vec<_> = (0..8)
                .map(|_| {
                    let semaphore = semaphore.clone();
                    zokio::spawn(async move {
                        let _permit = semaphore.acquire().await.unwrap();
                        zokio::task::yield_now().await;
                    })
                })
                .collect();
            zokio::spawn(async move {
                zokio::time::sleep(Duration::from_millis(5)).await;
                drop(held);
            });
            for waiter in waiters {
                waiter.await.unwrap();
            }
            assert_eq!(semaphore.available_permits(), 1);
        });
    }
}

// Waiters are served strictly in order: one that asks for many permits
// holds back the smaller requests behind it.
each_flavor! {
    fn fifo_fairness_by_hand(rt) {
        rt.block_on(async {
            let semaphore = Semaphore::new(0);
            let (_, waker) = counting_waker();
            let mut wants_three = pin!(semaphore.acquire_many(3));
            let mut wants_one = pin!(semaphore.acquire());
            let mut wants_two = pin!(semaphore.acquire_many(2));
            assert!(poll_once(wants_three.as_mut(), &waker).is_pending());
            assert!(poll_once(wants_one.as_mut(), &waker).is_pending());
            assert!(poll_once(wants_two.as_mut(), &waker).is_pending());

            semaphore.add_permits(2);
            // Assigned to the first waiter, which still needs one more.
            assert_eq!(semaphore.available_permits(), 0);
            assert!(poll_once(wants_one.as_mut(), &waker).is_pending());
            assert_eq!(semaphore.try_acquire().unwrap_err(), TryAcquireError::NoPermits);

            semaphore.add_permits(2);
            let three = match poll_once(wants_three.as_mut(), &waker) {
                Poll::Ready(permit) => permit.unwrap(),
                Poll::Pending => panic!("the first waiter has its permits"),
            };
            assert_eq!(three.num_permits(), 3);
            let one = match poll_once(wants_one.as_mut(), &waker) {
                Poll::Ready(permit) => permit.unwrap(),
                Poll::Pending => panic!("the second waiter has its permit"),
            };
            assert!(poll_once(wants_two.as_mut(), &waker).is_pending());
            drop(one);
            // One of its two permits.
            assert!(poll_once(wants_two.as_mut(), &waker).is_pending());
            assert_eq!(semaphore.available_permits(), 0);
            drop(three);
            let two = match poll_once(wants_two.as_mut(), &waker) {
                Poll::Ready(permit) => permit.unwrap(),
                Poll::Pending => panic!("the third waiter has its permits"),
            };
            assert_eq!(semaphore.available_permits(), 2);
            drop(two);
            assert_eq!(semaphore.available_permits(), 4);
        });
    }
}

// Tasks on any worker get the permit in the order they queued.
each_flavor! {
    fn fifo_fairness_across_tasks(rt) {
        rt.block_on(async {
            let semaphore = Arc::new(Semaphore::new(0));
            let order = Arc::new(StdMutex::new(Vec::new()));
            let (_, waker) = counting_waker();
            let mut tasks = Vec::new();
            for i in 0..20 {
                // Queued here, in order, then awaited by its own task.
                let mut acquire = Box::pin(semaphore.clone().acquire_owned());
                assert!(poll_once(acquire.as_mut(), &waker).is_pending());
                let order = order.clone();
                tasks.push(zokio::spawn(async move {
                    let permit = acquire.await.unwrap();
                    order.lock().unwrap().push(i);
                    drop(permit);
                }));
            }
            semaphore.add_permits(1);
            for task in tasks {
                task.await.unwrap();
            }
            assert_eq!(*order.lock().unwrap(), (0..20).collect::<Vec<_>>());
            assert_eq!(semaphore.available_permits(), 1);
        });
    }
}

// Cancel safety: a queued acquire that is dropped gives up its place and
// passes on the permits already assigned to it.
each_flavor! {
    fn dropping_a_queued_acquire_passes_its_permits_on(rt) {
        rt.block_on(async {
            let semaphore = Semaphore::new(2);
            let held = semaphore.try_acquire().unwrap();
            let (_, waker) = counting_waker();
            let mut next = pin!(semaphore.acquire());
            {
                // Takes the free permit and waits for a second one.
                let mut wants_two = pin!(semaphore.acquire_many(2));
                assert!(poll_once(wants_two.as_mut(), &waker).is_pending());
                assert_eq!(semaphore.available_permits(), 0);
                assert!(poll_once(next.as_mut(), &waker).is_pending());
            }
            // The dropped waiter's permit went to the next one in line.
            let permit = match poll_once(next.as_mut(), &waker) {
                Poll::Ready(permit) => permit.unwrap(),
                Poll::Pending => panic!("the next waiter has the permit"),
            };
            assert_eq!(semaphore.available_permits(), 0);
            drop((held, permit));
            assert_eq!(semaphore.available_permits(), 2);
        });
    }
}

// An acquire that got all its permits but was dropped before it saw them
// gives them all back.
each_flavor! {
    fn dropping_a_served_acquire_before_polling_returns_its_permits(rt) {
        rt.block_on(async {
            let semaphore = Semaphore::new(0);
            let (wakes, waker) = counting_waker();
            {
                let mut wants_two = pin!(semaphore.acquire_many(2));
                assert!(poll_once(wants_two.as_mut(), &waker).is_pending());
                semaphore.add_permits(2);
                assert_eq!(wakes.0.load(SeqCst), 1);
                assert_eq!(semaphore.available_permits(), 0);
            }
            assert_eq!(semaphore.available_permits(), 2);
        });
    }
}

// Many tasks acquiring with timeouts that cancel them at random points:
// every permit is accounted for at the end.
each_flavor! {
    fn timeouts_never_lose_permits(rt) {
        rt.block_on(async {
            let semaphore = Arc::new(Semaphore::new(3));
            let served = Arc::new(AtomicUsize::new(0));
            let tasks: Vec<_> = (0..60u64)
                .map(|i| {
                    let semaphore = semaphore.clone();
                    let served = served.clone();
                    zokio::spawn(async move {
                        for round in 0..20u64 {
                            let wanted = 1 + ((i + round) % 3) as u32;
                            let wait = Duration::from_micros((i * 7 + round * 13) % 50);
                            let acquire = semaphore.acquire_many(wanted);
                            if let Ok(permit) = zokio::time::timeout(wait, acquire).await {
                                let permit = permit.unwrap();
                                assert_eq!(permit.num_permits(), wanted as usize);
                                served.fetch_add(1, SeqCst);
                                zokio::task::yield_now().await;
                            }
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            assert!(served.load(SeqCst) > 0);
            assert_eq!(semaphore.available_permits(), 3);
        });
    }
}

// Closing wakes every waiter with an error, without a panic; permits held
// across the close stay valid and come back.
each_flavor! {
    fn close_while_tasks_wait(rt) {
        rt.block_on(async {
            let semaphore = Arc::new(Semaphore::new(2));
            let held = semaphore.clone().acquire_many_owned(2).await.unwrap();
            let started = Arc::new(AtomicUsize::new(0));
            let waiters: Vec<_> = (0..10u32)
                .map(|i| {
                    let semaphore = semaphore.clone();
                    let started = started.clone();
                    zokio::spawn(async move {
                        started.fetch_add(1, SeqCst);
                        semaphore.acquire_many(1 + i % 2).await.map(|p| p.num_permits())
                    })
                })
                .collect();
            while started.load(SeqCst) < 10 {
                zokio::task::yield_now().await;
            }
            zokio::time::sleep(Duration::from_millis(2)).await;
            semaphore.close();
            for waiter in waiters {
                let err: AcquireError = waiter.await.unwrap().unwrap_err();
                assert_eq!(err.to_string(), "semaphore closed");
            }
            assert!(semaphore.acquire().await.is_err());
            drop(held);
            assert_eq!(semaphore.available_permits(), 2);
        });
    }
}

// A waiter partly served when the semaphore closes gets an error and its
// partial permits go back to the semaphore.
each_flavor! {
    fn close_takes_back_partly_assigned_permits(rt) {
        rt.block_on(async {
            let semaphore = Semaphore::new(1);
            let (wakes, waker) = counting_waker();
            let mut wants_three = pin!(semaphore.acquire_many(3));
            assert!(poll_once(wants_three.as_mut(), &waker).is_pending());
            semaphore.add_permits(1);
            assert_eq!(semaphore.available_permits(), 0);
            semaphore.close();
            assert_eq!(wakes.0.load(SeqCst), 1);
            match poll_once(wants_three.as_mut(), &waker) {
                Poll::Ready(Err(err)) => assert_eq!(err.to_string(), "semaphore closed"),
                _ => panic!("a closed semaphore fails its waiters"),
            }
            assert_eq!(semaphore.available_permits(), 2);
        });
    }
}

// An acquire loop that never waits still yields to the other tasks: each
// ready acquire spends coop budget.
each_flavor! {
    fn acquire_spends_coop_budget(rt) {
        rt.block_on(async {
            let semaphore = Arc::new(Semaphore::new(1));
            let flag = Arc::new(AtomicUsize::new(0));
            let spinner = {
                let semaphore = semaphore.clone();
                let flag = flag.clone();
                zokio::spawn(async move {
                    let mut rounds = 0u64;
                    while flag.load(SeqCst) == 0 {
                        drop(semaphore.acquire().await.unwrap());
                        rounds += 1;
                    }
                    rounds
                })
            };
            // On one thread the setter runs only if the spinner yields.
            let setter = zokio::spawn(async move { flag.store(1, SeqCst) });
            setter.await.unwrap();
            spinner.await.unwrap();
            assert_eq!(semaphore.available_permits(), 1);
        });
    }
}
