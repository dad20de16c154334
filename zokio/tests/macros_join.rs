//! `join!`, `try_join!` and `pin!`.

mod support;

use std::future::{pending, poll_fn, ready};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use support::DropCounter;
use zokio::sync::oneshot;
use zokio::task;

each_flavor! {
    fn join_returns_outputs_in_order(rt) {
        rt.block_on(async {
            let (a, b, c) = zokio::join!(
                async {
                    zokio::time::sleep(Duration::from_millis(10)).await;
                    1
                },
                async { "two" },
                async {
                    task::yield_now().await;
                    3.0
                },
            );
            assert_eq!((a, b, c), (1, "two", 3.0));
            let () = zokio::join!();
            let (one,) = zokio::join!(ready(1));
            assert_eq!(one, 1);
        });
    }
}

each_flavor! {
    fn join_runs_futures_concurrently(rt) {
        rt.block_on(async {
            // Each waits for the other: only a concurrent join completes.
            let (tx1, rx1) = oneshot::channel();
            let (tx2, rx2) = oneshot::channel();
            let (a, b) = zokio::join!(
                async move {
                    tx1.send(1).unwrap();
                    rx2.await.unwrap()
                },
                async move {
                    let v = rx1.await.unwrap();
                    tx2.send(v + 1).unwrap();
                    v
                },
            );
            assert_eq!((a, b), (2, 1));
        });
    }
}

each_flavor! {
    fn join_many_futures(rt) {
        rt.block_on(async {
            let f = |i: u32| async move {
                for _ in 0..i % 4 {
                    task::yield_now().await;
                }
                i
            };
            let out = zokio::join!(
                f(0), f(1), f(2), f(3), f(4), f(5), f(6), f(7), f(8), f(9),
                f(10), f(11), f(12), f(13), f(14), f(15), f(16), f(17), f(18), f(19),
            );
            assert_eq!(out.0 + out.9 + out.19, 28);
        });
    }
}

each_flavor! {
    fn join_rotates_the_first_poll_unless_biased(rt) {
        rt.block_on(async {
            let log = Mutex::new(Vec::new());
            let step = |name: u32| {
                let log = &log;
                let mut polls = 0;
                poll_fn(move |cx| {
                    log.lock().unwrap().push(name);
                    polls += 1;
                    if polls == 3 {
                        Poll::Ready(())
                    } else {
                        cx.waker().wake_by_ref();
                        Poll::Pending
                    }
                })
            };
            zokio::join!(step(0), step(1));
            assert_eq!(*log.lock().unwrap(), [0, 1, 1, 0, 0, 1]);
            log.lock().unwrap().clear();
            zokio::join!(biased; step(0), step(1));
            assert_eq!(*log.lock().unwrap(), [0, 1, 0, 1, 0, 1]);
        });
    }
}

each_flavor! {
    fn try_join_returns_every_value(rt) {
        rt.block_on(async {
            let out: Result<(u32, &str), String> = zokio::try_join!(
                async {
                    task::yield_now().await;
                    Ok(1)
                },
                async { Ok("b") },
            );
            assert_eq!(out, Ok((1, "b")));
            let empty: Result<(), ()> = zokio::try_join!();
            assert_eq!(empty, Ok(()));
        });
    }
}

each_flavor! {
    fn try_join_stops_at_the_first_error(rt) {
        rt.block_on(async {
            let drops = Arc::new(AtomicUsize::new(0));
            let guard = DropCounter(drops.clone());
            let out: Result<((), u32, ()), &str> = zokio::try_join!(
                async move {
                    let _guard = guard;
                    pending::<Result<(), &str>>().await
                },
                async {
                    task::yield_now().await;
                    Ok(5)
                },
                async {
                    zokio::time::sleep(Duration::from_millis(5)).await;
                    Err("late")
                },
            );
            assert_eq!(out, Err("late"));
            // The pending future was dropped when the error came.
            assert_eq!(drops.load(SeqCst), 1);

            let first: Result<(u32, u32), u32> =
                zokio::try_join!(biased; async { Err(1) }, async { Err(2) });
            assert_eq!(first, Err(1));
        });
    }
}

each_flavor! {
    fn pin_shadows_variables(rt) {
        rt.block_on(async {
            let a = async { 1 };
            let b = async { 2 };
            zokio::pin!(a, b);
            assert_eq!(a.as_mut().await + b.as_mut().await, 3);
            zokio::pin! {
                let c = async { 3 };
                let d = zokio::time::sleep(Duration::from_millis(1));
            }
            d.await;
            assert_eq!(c.await, 3);
        });
    }
}
