//! `timeout`, `timeout_at` and `Timeout` on a real runtime.

use std::future::{pending, ready, Future};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use zokio::runtime::{Builder, Runtime};
use zokio::time::error::Elapsed;
use zokio::time::{sleep, timeout, timeout_at, Instant};

fn runtime() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn a_ready_future_returns_ok() {
    runtime().block_on(async {
        assert_eq!(timeout(Duration::from_secs(1), ready(3)).await, Ok(3));
        assert_eq!(timeout(Duration::ZERO, async { 4 }).await, Ok(4));
        let past = Instant::now() - ms(10);
        assert_eq!(timeout_at(past, ready(5)).await, Ok(5));
    });
}

#[test]
fn a_future_that_completes_in_time_returns_ok() {
    runtime().block_on(async {
        let out = timeout(Duration::from_secs(3600), async {
            sleep(ms(5)).await;
            "done"
        })
        .await;
        assert_eq!(out, Ok("done"));
    });
}

#[test]
fn a_pending_future_elapses() {
    runtime().block_on(async {
        let start = Instant::now();
        let _: Elapsed = timeout(ms(10), pending::<()>()).await.unwrap_err();
        assert!(Instant::now() >= start + ms(10));

        let deadline = Instant::now() + ms(5);
        assert!(timeout_at(deadline, pending::<()>()).await.is_err());
        assert!(Instant::now() >= deadline);
    });
}

#[test]
fn a_slower_future_elapses() {
    runtime().block_on(async {
        let out = timeout(ms(5), sleep(Duration::from_secs(3600))).await;
        assert!(out.is_err());
    });
}

/// A future that spends the whole cooperative budget at every poll and
/// never completes.
async fn budget_hog() {
    let mut elapsed = sleep(Duration::ZERO);
    (&mut elapsed).await;
    loop {
        (&mut elapsed).await;
    }
}

#[test]
fn a_future_that_spends_the_budget_still_times_out() {
    runtime().block_on(async {
        let start = Instant::now();
        assert!(timeout(ms(10), budget_hog()).await.is_err());
        assert!(Instant::now() >= start + ms(10));
    });
}

#[test]
fn a_timeout_in_a_spawned_task() {
    runtime().block_on(async {
        let task = zokio::spawn(async { timeout(ms(5), pending::<u8>()).await });
        assert!(task.await.unwrap().is_err());
    });
}

#[test]
fn accessors_reach_the_inner_future() {
    runtime().block_on(async {
        let mut guarded = timeout(Duration::from_secs(1), ready(9));
        fn is_ready_future(_: &std::future::Ready<i32>) {}
        is_ready_future(guarded.get_ref());
        is_ready_future(guarded.get_mut());
        assert_eq!(guarded.into_inner().await, 9);
    });
}

#[test]
fn a_dropped_timeout_leaves_nothing_behind() {
    runtime().block_on(async {
        for _ in 0..1000 {
            let mut guarded = Box::pin(timeout(Duration::from_secs(3600), pending::<()>()));
            let polled = std::future::poll_fn(|cx: &mut Context<'_>| {
                Poll::Ready(guarded.as_mut().poll(cx).is_pending())
            })
            .await;
            assert!(polled);
        }
        // The runtime still sleeps and wakes normally.
        sleep(ms(1)).await;
    });
}

#[test]
fn a_timeout_created_outside_block_on_registers_when_polled() {
    let rt = runtime();
    let guarded = {
        let _enter = rt.enter();
        timeout(ms(5), pending::<()>())
    };
    // Created under `enter`; its timer goes into the wheel at the first
    // poll, inside `block_on`.
    assert!(rt.block_on(guarded).is_err());
}

#[test]
fn elapsed_is_an_error() {
    runtime().block_on(async {
        let err = timeout(ms(1), pending::<()>()).await.unwrap_err();
        assert_eq!(err.to_string(), "deadline has elapsed");
        let io = std::io::Error::from(err);
        assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
        let _: &dyn std::error::Error = &err;
    });
}

#[test]
fn timeout_is_unpin_when_its_future_is() {
    fn unpin<T: Unpin>(_: &T) {}
    runtime().block_on(async {
        let guarded = timeout(ms(1), ready(()));
        unpin(&guarded);
        let mut guarded = guarded;
        assert_eq!(Pin::new(&mut guarded).await, Ok(()));
    });
}

#[test]
#[should_panic(expected = "there is no reactor running")]
fn timeout_outside_a_runtime_panics() {
    drop(timeout(ms(1), ready(())));
}

#[test]
#[should_panic(expected = "timers are disabled")]
fn timeout_without_timers_panics() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        drop(timeout(ms(1), ready(())));
    });
}
