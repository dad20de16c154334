//! Tests that look inside a runtime's wheel.

use std::future::{pending, ready, Future};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::runtime::{scheduler, Builder, Runtime};
use crate::time::{sleep, timeout, Instant, Interval, Sleep, Timeout};

fn runtime() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

/// Timers in the current runtime's wheel.
fn num_timers() -> usize {
    scheduler::Handle::current()
        .driver()
        .time()
        .unwrap()
        .num_timers()
}

/// Polls `future` once.
async fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    std::future::poll_fn(|cx: &mut Context<'_>| Poll::Ready(Pin::new(&mut *future).poll(cx))).await
}

#[test]
fn public_futures_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Sleep>();
    send_sync::<Timeout<std::future::Ready<()>>>();
    send_sync::<Interval>();
    send_sync::<Instant>();
}

#[test]
fn a_dropped_timeout_cancels_its_timer() {
    runtime().block_on(async {
        let mut guarded = Box::pin(timeout(Duration::from_secs(3600), pending::<()>()));
        assert!(poll_once(&mut guarded).await.is_pending());
        assert_eq!(num_timers(), 1);
        drop(guarded);
        assert_eq!(num_timers(), 0);
    });
}

#[test]
fn a_ready_timeout_never_registers() {
    runtime().block_on(async {
        let guarded = timeout(Duration::from_secs(1), ready(5));
        assert!(guarded.delay().is_idle());
        let mut guarded = guarded;
        assert_eq!(poll_once(&mut guarded).await, Poll::Ready(Ok(5)));
        assert!(guarded.delay().is_idle(), "the timer was registered");
        assert_eq!(num_timers(), 0);
    });
}

#[test]
fn a_fired_sleep_leaves_the_wheel_before_it_is_dropped() {
    runtime().block_on(async {
        let mut delay = sleep(Duration::from_millis(1));
        (&mut delay).await;
        assert_eq!(num_timers(), 0);
        drop(delay);
    });
}

#[test]
fn a_sleep_dropped_on_another_thread_cancels_its_timer() {
    runtime().block_on(async {
        let mut delay = sleep(Duration::from_secs(3600));
        assert!(poll_once(&mut delay).await.is_pending());
        assert_eq!(num_timers(), 1);
        std::thread::spawn(move || drop(delay)).join().unwrap();
        assert_eq!(num_timers(), 0);
    });
}

#[test]
fn reset_moves_the_timer_in_place() {
    runtime().block_on(async {
        let mut delay = sleep(Duration::from_secs(3600));
        assert!(poll_once(&mut delay).await.is_pending());
        Pin::new(&mut delay).reset(Instant::now() + Duration::from_secs(7200));
        assert_eq!(num_timers(), 1);
        Pin::new(&mut delay).reset(Instant::now() - Duration::from_millis(1));
        assert_eq!(num_timers(), 0, "a reached deadline leaves the wheel");
        assert!(poll_once(&mut delay).await.is_ready());
    });
}

#[test]
fn shutdown_completes_pending_and_later_sleeps() {
    let rt = runtime();
    let (mut delay, mut unpolled) = rt.block_on(async {
        let mut delay = sleep(Duration::from_secs(3600));
        assert!(poll_once(&mut delay).await.is_pending());
        (delay, sleep(Duration::from_secs(3600)))
    });
    drop(rt);
    let waker = std::task::Waker::from(std::sync::Arc::new(NoopWake));
    let mut cx = Context::from_waker(&waker);
    assert!(Pin::new(&mut delay).poll(&mut cx).is_ready());
    assert!(Pin::new(&mut unpolled).poll(&mut cx).is_ready());
}

struct NoopWake;

impl std::task::Wake for NoopWake {
    fn wake(self: std::sync::Arc<Self>) {}
}
