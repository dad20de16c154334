//! `zokio::sync::Barrier`: one leader per round, over several rounds, on
//! every runtime flavour.

#[macro_use]
mod support;

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use zokio::sync::{Barrier, BarrierWaitResult};

struct Noop;

impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

#[allow(dead_code)]
fn assert_send_sync<T: Send + Sync>(_: &T) {}

/// The barrier, its future and its result are `Send + Sync`, as Tokio's
/// are.
#[allow(dead_code)]
fn send_and_sync_promises(barrier: &Barrier) {
    assert_send_sync(barrier);
    assert_send_sync(&barrier.wait());
    let _: fn(BarrierWaitResult) = |r| assert_send_sync(&r);
}

#[test]
fn zero_and_one_let_everyone_through_as_leader() {
    let rt = support::current_thread();
    rt.block_on(async {
        for n in [0, 1] {
            let barrier = Barrier::new(n);
            for _ in 0..3 {
                assert!(barrier.wait().await.is_leader());
            }
        }
    });
}

#[test]
fn waits_until_the_last_arrives() {
    let barrier = Barrier::new(3);
    let waker = Waker::from(Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);
    let mut first = pin!(barrier.wait());
    let mut second = pin!(barrier.wait());
    assert!(first.as_mut().poll(&mut cx).is_pending());
    assert!(second.as_mut().poll(&mut cx).is_pending());
    assert!(format!("{barrier:?}").contains("arrived: 2"));
    let mut third = pin!(barrier.wait());
    match third.as_mut().poll(&mut cx) {
        Poll::Ready(result) => assert!(result.is_leader()),
        Poll::Pending => panic!("the last arrival completes the round"),
    }
    for waiter in [first.as_mut(), second.as_mut()] {
        match waiter.poll(&mut cx) {
            Poll::Ready(result) => assert!(!result.is_leader()),
            Poll::Pending => panic!("the round is complete"),
        }
    }
}

// Several rounds of tasks on every flavour: each round has exactly one
// leader, and nobody leaves a round before everyone arrived.
each_flavor! {
    fn one_leader_per_round_over_many_rounds(rt) {
        rt.block_on(async {
            const TASKS: usize = 8;
            const ROUNDS: usize = 50;
            let barrier = Arc::new(Barrier::new(TASKS));
            let arrived = Arc::new(AtomicUsize::new(0));
            let leaders = Arc::new(AtomicUsize::new(0));
            let tasks: Vec<_> = (0..TASKS)
                .map(|_| {
                    let (barrier, arrived, leaders) =
                        (barrier.clone(), arrived.clone(), leaders.clone());
                    zokio::spawn(async move {
                        for round in 0..ROUNDS {
                            arrived.fetch_add(1, SeqCst);
                            let result = barrier.wait().await;
                            // Everyone of this round has arrived.
                            assert!(arrived.load(SeqCst) >= (round + 1) * TASKS);
                            if result.is_leader() {
                                leaders.fetch_add(1, SeqCst);
                            }
                            zokio::task::yield_now().await;
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            assert_eq!(leaders.load(SeqCst), ROUNDS);
        });
    }
}

// Not cancel safe, as documented: a dropped wait still counts as arrived.
each_flavor! {
    fn dropped_wait_still_counts(rt) {
        rt.block_on(async {
            let barrier = Barrier::new(2);
            {
                let waker = Waker::from(Arc::new(Noop));
                let mut gone = pin!(barrier.wait());
                assert!(gone.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
            }
            assert!(barrier.wait().await.is_leader());
        });
    }
}
