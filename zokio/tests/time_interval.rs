//! `interval`, `interval_at` and `MissedTickBehavior` on a real runtime.
//!
//! Ticks are checked through the instants they carry (their schedule),
//! never against wall-clock bounds other than "not before it was due".

use std::thread;
use std::time::Duration;

use zokio::runtime::{Builder, Runtime};
use zokio::time::{interval, interval_at, Instant, Interval, MissedTickBehavior};

fn runtime() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

const PERIOD: Duration = Duration::from_millis(10);
/// Long enough to miss three ticks and be late by more than the slack.
const BLOCK: Duration = Duration::from_millis(35);

/// Waits for a tick and checks it was not delivered before it was due.
async fn tick(ticks: &mut Interval) -> Instant {
    let due = ticks.tick().await;
    assert!(Instant::now() >= due, "tick delivered before it was due");
    due
}

/// Whether `later - earlier` is a whole number of periods.
fn on_schedule(earlier: Instant, later: Instant) -> bool {
    (later - earlier).as_nanos() % PERIOD.as_nanos() == 0
}

/// Starts an interval, takes its first tick, then blocks the thread (a slow
/// task). Returns the interval, its first tick and when the block ended.
async fn miss_ticks(behavior: MissedTickBehavior) -> (Interval, Instant, Instant) {
    let mut ticks = interval(PERIOD);
    ticks.set_missed_tick_behavior(behavior);
    let first = tick(&mut ticks).await;
    thread::sleep(BLOCK);
    (ticks, first, Instant::now())
}

#[test]
fn the_first_tick_completes_at_once() {
    runtime().block_on(async {
        let before = Instant::now();
        let mut ticks = interval(Duration::from_secs(3600));
        let first = tick(&mut ticks).await;
        assert!(first >= before);
    });
}

#[test]
fn ticks_follow_the_period() {
    runtime().block_on(async {
        let mut ticks = interval(ms(3));
        let first = tick(&mut ticks).await;
        for k in 1..=5 {
            assert_eq!(tick(&mut ticks).await, first + ms(3) * k);
        }
    });
}

#[test]
fn interval_at_starts_at_its_start() {
    runtime().block_on(async {
        let start = Instant::now() + ms(5);
        let mut ticks = interval_at(start, ms(4));
        assert_eq!(tick(&mut ticks).await, start);
        assert_eq!(tick(&mut ticks).await, start + ms(4));
    });
}

#[test]
fn burst_delivers_every_missed_tick_on_schedule() {
    runtime().block_on(async {
        let (mut ticks, first, block_end) = miss_ticks(MissedTickBehavior::Burst).await;
        let mut offsets = Vec::new();
        for _ in 0..5 {
            offsets.push(tick(&mut ticks).await - first);
        }
        assert_eq!(
            offsets,
            [PERIOD, PERIOD * 2, PERIOD * 3, PERIOD * 4, PERIOD * 5]
        );
        // The ticks at 10, 20 and 30 ms were missed and came in a burst.
        assert!(first + PERIOD * 3 < block_end);
    });
}

#[test]
fn delay_restarts_the_schedule_from_the_late_tick() {
    runtime().block_on(async {
        let (mut ticks, first, block_end) = miss_ticks(MissedTickBehavior::Delay).await;
        let missed = tick(&mut ticks).await;
        assert!(missed >= first + PERIOD);
        assert!(
            missed < block_end,
            "the missed tick carries its due instant"
        );
        // Delivered late, at or after `block_end`: the next comes a full
        // period after that, not on the old schedule.
        let second = tick(&mut ticks).await;
        assert!(second >= block_end + PERIOD);
        let third = tick(&mut ticks).await;
        assert!(third >= second + PERIOD);
    });
}

#[test]
fn skip_drops_missed_ticks_and_keeps_the_schedule() {
    runtime().block_on(async {
        let (mut ticks, first, block_end) = miss_ticks(MissedTickBehavior::Skip).await;
        let missed = tick(&mut ticks).await;
        assert!(
            missed < block_end,
            "the missed tick carries its due instant"
        );
        assert!(on_schedule(first, missed));
        // The next tick is the first one of the original schedule after the
        // late delivery: the ticks in between are dropped.
        let second = tick(&mut ticks).await;
        assert!(second > block_end);
        assert!(on_schedule(first, second));
        let third = tick(&mut ticks).await;
        assert!(on_schedule(first, third));
        assert!(third >= second + PERIOD);
    });
}

#[test]
fn reset_restarts_the_schedule() {
    runtime().block_on(async {
        let mut ticks = interval(Duration::from_secs(3600));
        tick(&mut ticks).await;

        ticks.reset_immediately();
        tick(&mut ticks).await;

        let deadline = Instant::now() + ms(3);
        ticks.reset_at(deadline);
        assert_eq!(tick(&mut ticks).await, deadline);

        let before = Instant::now();
        ticks.reset_after(ms(2));
        assert!(tick(&mut ticks).await >= before + ms(2));

        let mut ticks = interval(ms(4));
        tick(&mut ticks).await;
        let before = Instant::now();
        ticks.reset();
        let next = tick(&mut ticks).await;
        assert!(next >= before + ms(4));
        assert_eq!(tick(&mut ticks).await, next + ms(4));
    });
}

#[test]
fn accessors() {
    let rt = runtime();
    let _enter = rt.enter();
    let mut ticks = interval(ms(7));
    assert_eq!(ticks.period(), ms(7));
    assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Burst);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Skip);
    assert_eq!(MissedTickBehavior::default(), MissedTickBehavior::Burst);
}

#[test]
#[should_panic(expected = "`period` must be non-zero.")]
fn a_zero_period_panics() {
    let rt = runtime();
    let _enter = rt.enter();
    let _ = interval(Duration::ZERO);
}
