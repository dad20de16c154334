//! Stopping the clock in tests (the `test-util` feature): [`pause`],
//! [`resume`], [`advance`].

use std::time::Duration;

use crate::runtime::scheduler;
use crate::time::clock::Clock;
use crate::time::driver::TimeDriver;

/// Stops the current runtime's clock: [`Instant::now`](crate::time::Instant::now)
/// stands still, and when every task waits, the runtime moves the clock
/// straight to the next timer instead of sleeping. A test of timeouts and
/// intervals then runs in no time, and the same way every time.
///
/// The clock does not move on its own while a blocking job (such as
/// [`spawn_blocking`](crate::task::spawn_blocking)) is queued or running:
/// its result may wake a task at any moment. Readiness of real I/O is
/// checked without waiting before each move, but I/O that takes time in the
/// kernel (another process, a real network) can still find its timeout
/// fired.
///
/// Needs the `test-util` feature. [`Builder::start_paused`] and
/// `#[zokio::test(start_paused = true)]` start a runtime this way.
///
/// ```
/// use std::time::Duration;
/// use zokio::time::{self, Instant};
///
/// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// # rt.block_on(async {
/// time::pause();
/// let start = Instant::now();
/// time::sleep(Duration::from_secs(3600)).await; // returns at once
/// assert!(start.elapsed() >= Duration::from_secs(3600));
/// # });
/// ```
///
/// # Panics
///
/// Outside a runtime with timers, on a runtime that is not a current-thread
/// one, or if the clock is paused already.
///
/// [`Builder::start_paused`]: crate::runtime::Builder::start_paused
#[track_caller]
pub fn pause() {
    let rt = current("zokio::time::pause");
    if let Err(why) = timers(&rt).pause_clock() {
        panic!("{why}");
    }
}

/// Starts the current runtime's paused clock again, from where it stands:
/// it stays ahead of the system clock by what was skipped.
///
/// ```
/// use std::time::Duration;
/// use zokio::time::{self, Instant};
///
/// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// # rt.block_on(async {
/// time::pause();
/// time::advance(Duration::from_secs(60)).await;
/// let skipped = Instant::now();
/// time::resume();
/// assert!(Instant::now() >= skipped);
/// # });
/// ```
///
/// # Panics
///
/// Outside a runtime with timers, or if the clock is not paused.
#[track_caller]
pub fn resume() {
    let rt = current("zokio::time::resume");
    if let Err(why) = clock(&rt).resume() {
        panic!("{why}");
    }
}

/// Moves the current runtime's paused clock forward by `duration` in one
/// jump, fires every timer due by then, and yields once so that the tasks
/// those timers woke run before the caller goes on.
///
/// ```
/// use std::time::Duration;
/// use zokio::time::{self, Instant};
///
/// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// # rt.block_on(async {
/// time::pause();
/// let start = Instant::now();
/// let timer = zokio::spawn(time::sleep(Duration::from_secs(5)));
/// time::advance(Duration::from_secs(5)).await;
/// assert!(timer.is_finished());
/// assert_eq!(start.elapsed(), Duration::from_secs(5));
/// # });
/// ```
///
/// # Cancel safety
///
/// The clock moves when the future is first polled; dropping it after that
/// only skips the yield.
///
/// # Panics
///
/// Outside a runtime with timers, or if the clock is not paused.
pub async fn advance(duration: Duration) {
    let rt = current("zokio::time::advance");
    let time = timers(&rt);
    if let Err(why) = time.clock().advance(duration) {
        panic!("{why}");
    }
    time.process();
    crate::task::yield_now().await;
}

/// The current runtime, or a panic naming `what`.
#[track_caller]
fn current(what: &str) -> scheduler::Handle {
    match scheduler::Handle::with_current(Clone::clone) {
        Ok(rt) if rt.driver().time().is_some() => rt,
        Ok(_) => panic!("`{what}` needs a runtime with timers (`enable_time`)"),
        Err(err) => panic!("`{what}`: {err}"),
    }
}

fn timers(rt: &scheduler::Handle) -> &TimeDriver {
    rt.driver()
        .time()
        .expect("`current` returns runtimes with timers")
}

fn clock(rt: &scheduler::Handle) -> &Clock {
    timers(rt).clock()
}
