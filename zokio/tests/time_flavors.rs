//! Timers on every flavour: order, timeouts, intervals, and timers that
//! move between workers.

mod support;

use std::future::{poll_fn, Future};
use std::task::Poll;
use std::time::Duration;

use zokio::sync::oneshot;
use zokio::time::{self, Instant, MissedTickBehavior};

// One task watches five sleeps, so that the order it sees is the order in
// which they complete, not the order in which five tasks get a worker (a
// woken task may wait longer than the 15 ms between deadlines on a busy
// machine).
each_flavor! {
    fn sleeps_complete_in_deadline_order_and_not_early(rt) {
        let order = rt.block_on(async {
            zokio::spawn(async {
                // One start for all, so that the deadlines are 15 ms apart
                // however late each sleep is first polled.
                let start = Instant::now();
                let mut sleeps: Vec<_> = [45u64, 15, 30, 0, 60]
                    .into_iter()
                    .map(|ms| {
                        let deadline = start + Duration::from_millis(ms);
                        (ms, deadline, Box::pin(time::sleep_until(deadline)))
                    })
                    .collect();
                // Latest deadline first: when a sleep is seen complete, the
                // earlier ones, which completed before it, are seen in the
                // same round.
                sleeps.sort_by_key(|&(ms, ..)| std::cmp::Reverse(ms));
                let mut order = Vec::new();
                poll_fn(|cx| {
                    let mut round = Vec::new();
                    sleeps.retain_mut(|(ms, deadline, sleep)| {
                        if sleep.as_mut().poll(cx).is_pending() {
                            return true;
                        }
                        assert!(Instant::now() >= *deadline, "sleep({ms} ms) woke early");
                        round.push(*ms);
                        false
                    });
                    order.extend(round.into_iter().rev());
                    if sleeps.is_empty() {
                        Poll::Ready(())
                    } else {
                        Poll::Pending
                    }
                })
                .await;
                order
            })
            .await
            .unwrap()
        });
        assert_eq!(order, vec![0, 15, 30, 45, 60]);
    }
}

each_flavor! {
    fn timeout_elapses_and_passes_through(rt) {
        rt.block_on(async {
            let slow = zokio::spawn(async {
                time::timeout(Duration::from_millis(5), std::future::pending::<()>()).await
            });
            assert!(slow.await.unwrap().is_err());
            let fast = zokio::spawn(async {
                time::timeout(Duration::from_secs(5), async { 3 }).await
            });
            assert_eq!(fast.await.unwrap().unwrap(), 3);
        });
    }
}

each_flavor! {
    fn interval_ticks_in_order(rt) {
        rt.block_on(async {
            zokio::spawn(async {
                let start = Instant::now();
                let mut interval = time::interval(Duration::from_millis(2));
                interval.set_missed_tick_behavior(MissedTickBehavior::Burst);
                let mut last = interval.tick().await;
                for n in 1..=5u32 {
                    let tick = interval.tick().await;
                    assert_eq!(tick - last, Duration::from_millis(2));
                    assert!(Instant::now() >= start + Duration::from_millis(2) * n);
                    last = tick;
                }
            })
            .await
            .unwrap();
        });
    }
}

each_flavor! {
    fn a_timer_registered_in_one_task_is_cancelled_in_another(rt) {
        rt.block_on(async {
            for _ in 0..100 {
                let (tx, rx) = oneshot::channel();
                // Register the timer on whichever worker runs this task...
                zokio::spawn(async move {
                    let mut sleep = time::sleep(Duration::from_secs(60));
                    poll_fn(|cx| {
                        assert!(std::pin::Pin::new(&mut sleep).poll(cx).is_pending());
                        Poll::Ready(())
                    })
                    .await;
                    tx.send(sleep).unwrap();
                });
                // ...and drop it on whichever worker runs this one.
                zokio::spawn(async move { drop(rx.await.unwrap()) })
                    .await
                    .unwrap();
            }
            // A short timer still fires afterwards.
            zokio::spawn(time::sleep(Duration::from_millis(1))).await.unwrap();
        });
    }
}

each_flavor! {
    fn a_timer_moved_to_another_task_still_fires(rt) {
        rt.block_on(async {
            let (tx, rx) = oneshot::channel();
            zokio::spawn(async move {
                let mut sleep = time::sleep(Duration::from_millis(3));
                poll_fn(|cx| {
                    let _ = std::pin::Pin::new(&mut sleep).poll(cx);
                    Poll::Ready(())
                })
                .await;
                tx.send(sleep).unwrap();
            });
            let sleep = rx.await.unwrap();
            zokio::spawn(sleep).await.unwrap();
        });
    }
}
