//! `select!`: branch order, `else`, patterns, preconditions, futures by
//! `&mut`, control flow in handlers, and a stress of a receive racing a
//! timer and a cancellation.

mod support;

use std::future::{pending, poll_fn, ready, Future, IntoFuture};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use zokio::sync::{oneshot, CancellationToken};
use zokio::task;

/// A future that panics if polled: a disabled branch must never be.
struct MustNotPoll;

impl Future for MustNotPoll {
    type Output = u32;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u32> {
        panic!("a disabled branch was polled");
    }
}

/// Ready after `n` polls; counts its polls in `polls`.
fn ready_after(n: usize, polls: Arc<AtomicUsize>) -> impl Future<Output = usize> + Unpin {
    let mut left = n;
    poll_fn(move |cx| {
        polls.fetch_add(1, SeqCst);
        if left == 0 {
            Poll::Ready(n)
        } else {
            left -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
}

each_flavor! {
    fn random_order_lets_every_branch_win(rt) {
        let wins = rt.block_on(async {
            let mut wins = [0u32; 4];
            for _ in 0..4_000 {
                let i = zokio::select! {
                    v = ready(0) => v,
                    v = ready(1) => v,
                    v = ready(2) => v,
                    v = ready(3) => v,
                };
                wins[i] += 1;
            }
            wins
        });
        // Each branch wins about 1000 times; 600 is far below any plausible
        // fluctuation of a fair choice.
        assert!(wins.iter().all(|&w| w > 600), "{wins:?}");
    }
}

each_flavor! {
    fn biased_polls_in_order(rt) {
        rt.block_on(async {
            for _ in 0..1_000 {
                let i = zokio::select! {
                    biased;
                    v = ready(0) => v,
                    v = ready(1) => v,
                    v = ready(2) => v,
                };
                assert_eq!(i, 0);
            }
            // A pending first branch lets the second win.
            let i = zokio::select! {
                biased;
                v = pending::<u32>() => v,
                v = ready(1) => v,
            };
            assert_eq!(i, 1);
        });
    }
}

each_flavor! {
    fn else_runs_when_every_branch_is_disabled(rt) {
        rt.block_on(async {
            let out = zokio::select! {
                v = MustNotPoll, if false => v,
                v = MustNotPoll, if 1 + 1 == 3 => v,
                else => 7,
            };
            assert_eq!(out, 7);

            // Disabled by patterns that do not match.
            let out = zokio::select! {
                Some(v) = ready(None::<u32>) => v,
                Ok(v) = ready(Err::<u32, ()>(())) => v,
                else => 8,
            };
            assert_eq!(out, 8);
        });
    }
}

each_flavor! {
    fn a_pattern_that_does_not_match_lets_the_others_go_on(rt) {
        rt.block_on(async {
            let polls = Arc::new(AtomicUsize::new(0));
            for _ in 0..100 {
                let out = zokio::select! {
                    Some(v) = ready(None::<usize>) => v,
                    v = ready_after(3, polls.clone()) => v + 100,
                };
                assert_eq!(out, 103);
            }
            assert_eq!(polls.load(SeqCst), 400);
        });
    }
}

each_flavor! {
    fn preconditions_disable_without_polling(rt) {
        rt.block_on(async {
            let mut evaluated = 0;
            let out = zokio::select! {
                v = { evaluated += 1; MustNotPoll }, if false => v,
                v = async { 5 } => v,
            };
            // The expression of a disabled branch is still evaluated.
            assert_eq!((out, evaluated), (5, 1));
        });
    }
}

#[test]
#[should_panic(expected = "all branches are disabled and there is no else branch")]
fn no_else_panics_when_every_branch_is_disabled() {
    support::current_thread().block_on(async {
        zokio::select! {
            Some(v) = ready(None::<u32>) => v,
            v = MustNotPoll, if false => v,
        }
    });
}

each_flavor! {
    fn futures_by_mut_reference_are_resumed(rt) {
        rt.block_on(async {
            let polls = Arc::new(AtomicUsize::new(0));
            let mut slow = ready_after(50, polls.clone());
            let mut ticks = 0;
            let out = loop {
                zokio::select! {
                    biased;
                    v = &mut slow => break v,
                    _ = task::yield_now() => ticks += 1,
                }
            };
            assert_eq!(out, 50);
            // Resumed, never restarted: 51 polls in all.
            assert_eq!(polls.load(SeqCst), 51);
            assert!(ticks > 0);

            // A `!Unpin` future pinned with `zokio::pin!`. It is due only
            // once three rounds have gone to the other branch (a deadline a
            // few ms away could pass before the first round on a slow
            // machine).
            let sleep = zokio::time::sleep(Duration::from_secs(3600));
            let never = async { pending::<()>().await };
            zokio::pin!(sleep, never);
            let mut rounds = 0;
            loop {
                zokio::select! {
                    _ = &mut sleep => break,
                    _ = &mut never => unreachable!(),
                    _ = zokio::time::sleep(Duration::from_millis(1)) => {
                        rounds += 1;
                        if rounds == 3 {
                            sleep.as_mut().reset(zokio::time::Instant::now());
                        }
                    }
                }
            }
            assert!(rounds >= 3);
        });
    }
}

each_flavor! {
    fn patterns_with_bindings(rt) {
        rt.block_on(async {
            // `mut` and `ref mut` bindings of non-`Copy` values.
            let out = zokio::select! {
                Some(mut s) = ready(Some(String::from("a"))) => { s.push('b'); s }
            };
            assert_eq!(out, "ab");
            let out = zokio::select! {
                (ref mut a, b) = ready((String::from("x"), 2)) => { a.push('y'); format!("{a}{b}") }
            };
            assert_eq!(out, "xy2");
            // Nested groups, struct patterns, `@` bindings, alternatives.
            struct Msg { id: u32, body: Vec<u8> }
            let out = zokio::select! {
                Ok(Msg { id: id @ 1..=9, mut body }) = ready(Ok::<_, ()>(Msg { id: 3, body: vec![1] })) => {
                    body.push(2);
                    (id, body)
                }
            };
            assert_eq!(out, (3, vec![1, 2]));
            let out = zokio::select! {
                Err(n) | Ok(n) = ready(Err::<u8, u8>(4)) => n,
            };
            assert_eq!(out, 4);
            // A long pattern (more than four token trees).
            let out = zokio::select! {
                std::option::Option::Some((a, _)) = ready(Some((1, 2))) => a,
            };
            assert_eq!(out, 1);
            // `IntoFuture` values are accepted.
            struct Deferred(u32);
            impl IntoFuture for Deferred {
                type Output = u32;
                type IntoFuture = std::future::Ready<u32>;
                fn into_future(self) -> Self::IntoFuture {
                    ready(self.0)
                }
            }
            let out = zokio::select! { v = Deferred(9) => v };
            assert_eq!(out, 9);
        });
    }
}

each_flavor! {
    fn handlers_control_the_enclosing_loop_and_function(rt) {
        async fn first_even(values: &[u32]) -> Result<u32, String> {
            let mut i = 0;
            loop {
                let v = values[i];
                i += 1;
                zokio::select! {
                    biased;
                    v = ready(v), if v % 2 == 1 => {
                        let _ = v;
                        continue;
                    }
                    v = ready(v) => {
                        if v == 0 {
                            Err::<(), _>(String::from("zero"))?;
                        }
                        return Ok(v);
                    }
                }
            }
        }
        rt.block_on(async {
            assert_eq!(first_even(&[1, 3, 4, 5]).await, Ok(4));
            assert_eq!(first_even(&[1, 0]).await, Err(String::from("zero")));
            // A handler may use what the futures borrowed.
            let mut data = vec![1];
            let len = zokio::select! {
                _ = async { data.push(2) } => { data.push(3); data.len() }
            };
            assert_eq!(len, 3);
        });
    }
}

each_flavor! {
    fn sixty_four_branches(rt) {
        rt.block_on(async {
            for n in [0usize, 17, 63] {
                let hit = |i: usize| ready(if i == n { Some(i) } else { None });
                let out = zokio::select! {
                    Some(v) = hit(0) => v, Some(v) = hit(1) => v, Some(v) = hit(2) => v,
                    Some(v) = hit(3) => v, Some(v) = hit(4) => v, Some(v) = hit(5) => v,
                    Some(v) = hit(6) => v, Some(v) = hit(7) => v, Some(v) = hit(8) => v,
                    Some(v) = hit(9) => v, Some(v) = hit(10) => v, Some(v) = hit(11) => v,
                    Some(v) = hit(12) => v, Some(v) = hit(13) => v, Some(v) = hit(14) => v,
                    Some(v) = hit(15) => v, Some(v) = hit(16) => v, Some(v) = hit(17) => v,
                    Some(v) = hit(18) => v, Some(v) = hit(19) => v, Some(v) = hit(20) => v,
                    Some(v) = hit(21) => v, Some(v) = hit(22) => v, Some(v) = hit(23) => v,
                    Some(v) = hit(24) => v, Some(v) = hit(25) => v, Some(v) = hit(26) => v,
                    Some(v) = hit(27) => v, Some(v) = hit(28) => v, Some(v) = hit(29) => v,
                    Some(v) = hit(30) => v, Some(v) = hit(31) => v, Some(v) = hit(32) => v,
                    Some(v) = hit(33) => v, Some(v) = hit(34) => v, Some(v) = hit(35) => v,
                    Some(v) = hit(36) => v, Some(v) = hit(37) => v, Some(v) = hit(38) => v,
                    Some(v) = hit(39) => v, Some(v) = hit(40) => v, Some(v) = hit(41) => v,
                    Some(v) = hit(42) => v, Some(v) = hit(43) => v, Some(v) = hit(44) => v,
                    Some(v) = hit(45) => v, Some(v) = hit(46) => v, Some(v) = hit(47) => v,
                    Some(v) = hit(48) => v, Some(v) = hit(49) => v, Some(v) = hit(50) => v,
                    Some(v) = hit(51) => v, Some(v) = hit(52) => v, Some(v) = hit(53) => v,
                    Some(v) = hit(54) => v, Some(v) = hit(55) => v, Some(v) = hit(56) => v,
                    Some(v) = hit(57) => v, Some(v) = hit(58) => v, Some(v) = hit(59) => v,
                    Some(v) = hit(60) => v, Some(v) = hit(61) => v, Some(v) = hit(62) => v,
                    Some(v) = hit(63) => v,
                };
                assert_eq!(out, n);
            }
        });
    }
}

each_flavor! {
    fn losers_are_dropped_before_the_handler(rt) {
        struct Flag(Arc<AtomicUsize>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.fetch_add(1, SeqCst);
            }
        }
        rt.block_on(async {
            let dropped = Arc::new(AtomicUsize::new(0));
            let flag = Flag(dropped.clone());
            let seen = zokio::select! {
                biased;
                _ = ready(()) => dropped.load(SeqCst),
                _ = async move { let _flag = flag; pending::<()>().await } => unreachable!(),
            };
            assert_eq!(seen, 1);
        });
    }
}

/// 100k rounds of a receive racing a timer and a cancellation. Each round's
/// value is sent by a spawned task; whichever branch wins, the value must be
/// received exactly once: by the receive branch, or afterwards from the same
/// receiver, which `select!` only borrowed.
fn recv_vs_sleep_vs_cancel(rt: zokio::runtime::Runtime) {
    const ROUNDS: u64 = 100_000;
    let (by_recv, by_sleep, by_cancel, sum) = rt.block_on(async {
        let token = CancellationToken::new();
        let (mut by_recv, mut by_sleep, mut by_cancel, mut sum) = (0u64, 0u64, 0u64, 0u64);
        for i in 0..ROUNDS {
            let (tx, mut rx) = oneshot::channel();
            zokio::spawn(async move {
                if i % 3 == 0 {
                    task::yield_now().await;
                }
                tx.send(i).unwrap();
            });
            if i == ROUNDS / 2 {
                let token = token.clone();
                zokio::spawn(async move { token.cancel() });
            }
            let pause = Duration::from_micros(if i % 5 == 0 { 0 } else { 200 });
            let value = zokio::select! {
                v = &mut rx => {
                    by_recv += 1;
                    v.unwrap()
                }
                _ = zokio::time::sleep(pause) => {
                    by_sleep += 1;
                    rx.await.unwrap()
                }
                _ = token.cancelled() => {
                    by_cancel += 1;
                    rx.await.unwrap()
                }
            };
            assert_eq!(value, i);
            sum += value;
        }
        (by_recv, by_sleep, by_cancel, sum)
    });
    assert_eq!(by_recv + by_sleep + by_cancel, ROUNDS);
    assert_eq!(sum, ROUNDS * (ROUNDS - 1) / 2);
    // The cancelled token is ready at once, and a sleep comes due at the
    // next millisecond tick, which some of the 20,000 zero-length ones meet
    // before their value arrives (38–275 rounds in runs on this machine):
    // every branch wins some rounds.
    assert!(
        by_recv > 0 && by_sleep > 0 && by_cancel > 0,
        "{by_recv} {by_sleep} {by_cancel}"
    );
}

each_flavor! {
    fn stress_recv_vs_sleep_vs_cancel(rt) {
        recv_vs_sleep_vs_cancel(rt);
    }
}

// A `select!` over `Send` futures is itself `Send`, so it can be spawned.
each_flavor! {
    fn select_in_a_spawned_task(rt) {
        let out = rt.block_on(async {
            zokio::spawn(async {
                let (tx, rx) = oneshot::channel::<u32>();
                drop(tx);
                zokio::select! {
                    Ok(v) = rx => v,
                    _ = zokio::time::sleep(Duration::from_millis(1)) => 2,
                }
            })
            .await
            .unwrap()
        });
        assert_eq!(out, 2);
    }
}
