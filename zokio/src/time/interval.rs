//! `Interval`: ticks at a fixed period.

use std::future::poll_fn;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use crate::runtime::coop;
use crate::time::{sleep_until, Instant, Sleep};

/// How late a tick may be before it counts as missed, as in Tokio: timers
/// fire a little late, and a tick that is only that late keeps the schedule
/// whatever the [`MissedTickBehavior`].
const MISSED_TICK_SLACK: Duration = Duration::from_millis(5);

/// An interval whose first tick completes at once and whose later ticks
/// come every `period`.
///
/// Ticks that cannot be delivered on time are handled as
/// [`MissedTickBehavior::Burst`] unless set otherwise.
///
/// ```
/// use std::time::Duration;
/// use zokio::time::interval;
///
/// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// # rt.block_on(async {
/// let mut ticks = interval(Duration::from_millis(2));
/// let first = ticks.tick().await; // at once
/// let second = ticks.tick().await; // 2 ms later
/// assert_eq!(second - first, Duration::from_millis(2));
/// # });
/// ```
///
/// # Panics
///
/// If `period` is zero (as Tokio), outside a Zokio runtime, or in one built
/// without timers.
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    assert!(!period.is_zero(), "`period` must be non-zero.");
    interval_at(Instant::now(), period)
}

/// An interval whose first tick completes at `start` and whose later ticks
/// come every `period`.
///
/// ```
/// use std::time::Duration;
/// use zokio::time::{interval_at, Instant};
///
/// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// # rt.block_on(async {
/// let start = Instant::now() + Duration::from_millis(5);
/// let mut ticks = interval_at(start, Duration::from_millis(10));
/// assert_eq!(ticks.tick().await, start);
/// # });
/// ```
///
/// # Panics
///
/// If `period` is zero, outside a Zokio runtime, or in one built without
/// timers.
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(!period.is_zero(), "`period` must be non-zero.");
    Interval {
        delay: sleep_until(start),
        period,
        missed_tick_behavior: MissedTickBehavior::default(),
    }
}

/// What an [`Interval`] does when ticks were missed: when [`tick`] is called
/// more than a few milliseconds after a tick was due (because the task was
/// busy, or the thread blocked).
///
/// Say the period is 10 ms, ticks are due at 0, 10, 20, 30 and 40 ms, and
/// the tick due at 10 ms is only asked for at 25 ms. The missed tick is
/// returned at once in every case (carrying its scheduled instant, 10 ms);
/// then:
///
/// * `Burst` keeps the schedule: ticks for 20 ms (at once) and 30 ms follow.
/// * `Delay` starts a new schedule from now: ticks at 35 ms, 45 ms...
/// * `Skip` keeps the schedule but drops what was missed: ticks at 30 ms,
///   40 ms...
///
/// [`tick`]: Interval::tick
///
/// ```
/// use std::time::Duration;
/// use zokio::time::{interval, MissedTickBehavior};
///
/// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// # rt.block_on(async {
/// let mut ticks = interval(Duration::from_millis(10));
/// ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
/// assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Skip);
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Delivers the missed ticks as fast as possible, then keeps the
    /// original schedule. The default.
    #[default]
    Burst,
    /// Delivers one missed tick, then ticks every period counted from then.
    Delay,
    /// Delivers one missed tick, then ticks on the original schedule from
    /// the first due instant after now.
    Skip,
}

impl MissedTickBehavior {
    /// The next deadline after the tick due at `due` was delivered late, at
    /// `now`.
    fn next_after_missed(self, due: Instant, now: Instant, period: Duration) -> Instant {
        match self {
            MissedTickBehavior::Burst => due.saturating_add(period),
            MissedTickBehavior::Delay => now.saturating_add(period),
            MissedTickBehavior::Skip => {
                let late = now.duration_since(due).as_nanos();
                // The remainder is below `period`, so it fits a Duration.
                let into_period = (late % period.as_nanos()) as u64;
                now.saturating_add(period - Duration::from_nanos(into_period))
            }
        }
    }
}

/// Ticks at a fixed period; created by [`interval`] and [`interval_at`].
///
/// ```
/// use std::time::Duration;
/// use zokio::time::interval;
///
/// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// # rt.block_on(async {
/// let mut ticks = interval(Duration::from_millis(1));
/// for _ in 0..3 {
///     ticks.tick().await;
/// }
/// # });
/// ```
#[derive(Debug)]
pub struct Interval {
    /// Completes when the next tick is due; its deadline is that tick.
    delay: Sleep,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns the instant it was due (not the
    /// instant it was delivered).
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio::time::{interval, Instant};
    ///
    /// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// # rt.block_on(async {
    /// let mut ticks = interval(Duration::from_millis(3));
    /// let first = ticks.tick().await;
    /// let second = ticks.tick().await;
    /// assert!(Instant::now() >= second);
    /// assert_eq!(second, first + Duration::from_millis(3));
    /// # });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a tick is consumed only when `tick` returns it, so a
    /// `tick()` dropped before completing (in a `select!`, say) loses none.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick; see [`tick`](Interval::tick). When `Pending`
    /// is returned, the waker of `cx` (only the latest one) is woken when the
    /// tick is due.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::time::Duration;
    /// use zokio::time::interval;
    ///
    /// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// # rt.block_on(async {
    /// let mut ticks = interval(Duration::from_millis(1));
    /// let first = poll_fn(|cx| ticks.poll_tick(cx)).await;
    /// assert!(first <= zokio::time::Instant::now());
    /// # });
    /// ```
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        let coop = ready!(coop::poll_proceed(cx));
        // A tick due already (the first one, or one missed) needs no timer.
        let mut now = None;
        if self.delay.is_idle() {
            let clock = Instant::now();
            if self.delay.deadline() <= clock {
                now = Some(clock);
            }
        }
        if now.is_none() {
            ready!(self.delay.poll_elapsed(cx));
        }
        coop.made_progress();
        let now = now.unwrap_or_else(Instant::now);
        let due = self.delay.deadline();
        let next = if now.duration_since(due) > MISSED_TICK_SLACK {
            self.missed_tick_behavior
                .next_after_missed(due, now, self.period)
        } else {
            due.saturating_add(self.period)
        };
        self.delay.reset_deadline(next);
        Poll::Ready(due)
    }

    /// Restarts the schedule: the next tick is due one period from now.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio::time::{interval, Instant};
    ///
    /// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// # rt.block_on(async {
    /// let mut ticks = interval(Duration::from_millis(5));
    /// ticks.tick().await;
    /// let before = Instant::now();
    /// ticks.reset();
    /// assert!(ticks.tick().await >= before + Duration::from_millis(5));
    /// # });
    /// ```
    pub fn reset(&mut self) {
        self.delay
            .reset_deadline(Instant::now().saturating_add(self.period));
    }

    /// Restarts the schedule: the next tick is due now.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio::time::{interval, Instant};
    ///
    /// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// # rt.block_on(async {
    /// let mut ticks = interval(Duration::from_secs(3600));
    /// ticks.tick().await;
    /// ticks.reset_immediately();
    /// assert!(ticks.tick().await <= Instant::now());
    /// # });
    /// ```
    pub fn reset_immediately(&mut self) {
        self.delay.reset_deadline(Instant::now());
    }

    /// Restarts the schedule: the next tick is due `after` from now.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio::time::{interval, Instant};
    ///
    /// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// # rt.block_on(async {
    /// let mut ticks = interval(Duration::from_secs(3600));
    /// ticks.tick().await;
    /// let before = Instant::now();
    /// ticks.reset_after(Duration::from_millis(2));
    /// assert!(ticks.tick().await >= before + Duration::from_millis(2));
    /// # });
    /// ```
    pub fn reset_after(&mut self, after: Duration) {
        self.delay
            .reset_deadline(Instant::now().saturating_add(after));
    }

    /// Restarts the schedule: the next tick is due at `deadline`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio::time::{interval, Instant};
    ///
    /// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// # rt.block_on(async {
    /// let mut ticks = interval(Duration::from_secs(3600));
    /// ticks.tick().await;
    /// let deadline = Instant::now() + Duration::from_millis(2);
    /// ticks.reset_at(deadline);
    /// assert_eq!(ticks.tick().await, deadline);
    /// # });
    /// ```
    pub fn reset_at(&mut self, deadline: Instant) {
        self.delay.reset_deadline(deadline);
    }

    /// What this interval does about missed ticks.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio::time::{interval, MissedTickBehavior};
    ///
    /// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// # let _guard = rt.enter();
    /// let ticks = interval(Duration::from_secs(1));
    /// assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Burst);
    /// ```
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Sets what this interval does about missed ticks.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio::time::{interval, MissedTickBehavior};
    ///
    /// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// # let _guard = rt.enter();
    /// let mut ticks = interval(Duration::from_secs(1));
    /// ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    /// assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Delay);
    /// ```
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }

    /// The period between ticks.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio::time::interval;
    ///
    /// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// # let _guard = rt.enter();
    /// assert_eq!(interval(Duration::from_secs(2)).period(), Duration::from_secs(2));
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }
}
