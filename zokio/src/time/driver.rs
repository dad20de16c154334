//! The time driver: a runtime's timer wheel and the clock it follows.
//!
//! One [`TimeDriver`] belongs to each runtime built with timers. Any thread
//! registers, moves and cancels timers through it; the worker that parks in
//! the driver fires them:
//!
//! * [`process`](TimeDriver::process) fires every timer whose deadline has
//!   passed;
//! * [`before_park`](TimeDriver::before_park) does the same, then says how
//!   long the worker may sleep and records that it sleeps until then, so
//!   that a timer registered meanwhile (from another thread) with an earlier
//!   deadline unparks it; [`after_park`](TimeDriver::after_park) clears the
//!   record;
//! * [`shutdown`](TimeDriver::shutdown) fires every timer and makes later
//!   ones due at once.
//!
//! The driver reads its runtime's [`Clock`], which tests may pause: while
//! it stands still the worker sleeps until woken rather than until the next
//! deadline, and the scheduler moves the clock to that deadline instead
//! ([`auto_advance`](TimeDriver::auto_advance)).
//!
//! Tick 0 is the driver's creation and a tick lasts one millisecond. A
//! deadline rounds up to the next tick and the clock rounds down, so a timer
//! never fires before its deadline.
//!
//! The wheel sits behind one lock. Wakers are never run, nor dropped, while
//! it is held: a waker may run arbitrary code, including code that takes
//! this lock again.

use std::fmt;
use std::mem;
use std::task::{Poll, Waker};
use std::time::Duration;

use crate::driver::Unparker;
use crate::loom::atomic::{AtomicU64, Ordering::SeqCst};
use crate::loom::{lock, Mutex};
use crate::time::clock::Clock;
pub(crate) use crate::time::wheel::TimerKey;
use crate::time::wheel::{Reset, Wheel};
use crate::time::Instant;

/// The latest tick a deadline maps to. Far below `u64::MAX`, which stands
/// for "shut down" in `reached`.
const MAX_TICK: u64 = u64::MAX / 2;

/// `parked_until` while the worker is not parked: no deadline is earlier.
const NOT_PARKED: u64 = 0;

/// Wakers fired per lock: the lock is released to run each batch.
const WAKE_BATCH: usize = 32;

/// A runtime's timers.
pub(crate) struct TimeDriver {
    /// The instant of tick 0.
    start: std::time::Instant,
    wheel: Mutex<Wheel>,
    /// Every timer due at or before this tick has fired and left the wheel;
    /// `u64::MAX` once shut down. Written under the lock, read without it,
    /// so that a timer that has fired completes (and drops) lock-free.
    reached: AtomicU64,
    /// The tick by which the wheel must next be moved (`u64::MAX`: no
    /// timer): no deadline comes before it, so `process` skips the lock and
    /// a parked worker sleeps until then. Lowered by each registration,
    /// recomputed after each move of the wheel; written under the lock.
    next_due: AtomicU64,
    /// The tick until which the worker sleeps in the driver, `u64::MAX` for
    /// no deadline, [`NOT_PARKED`] while it runs. Set under the lock by
    /// `before_park`, cleared by `after_park`; a registration due earlier
    /// unparks the worker.
    parked_until: AtomicU64,
    unparker: Unparker,
    clock: Clock,
}

impl TimeDriver {
    /// A driver whose tick 0 is `clock`'s now.
    pub(crate) fn new(unparker: Unparker, clock: Clock) -> TimeDriver {
        TimeDriver {
            start: clock.now(),
            wheel: Mutex::new(Wheel::new()),
            reached: AtomicU64::new(0),
            next_due: AtomicU64::new(u64::MAX),
            parked_until: AtomicU64::new(NOT_PARKED),
            unparker,
            clock,
        }
    }

    /// The clock the timers follow.
    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The first tick at or after `deadline`.
    pub(crate) fn deadline_tick(&self, deadline: Instant) -> u64 {
        let since = deadline.into_std().saturating_duration_since(self.start);
        let millis = since
            .as_secs()
            .saturating_mul(1000)
            .saturating_add(u64::from(since.subsec_nanos().div_ceil(1_000_000)));
        millis.min(MAX_TICK)
    }

    /// The last tick at or before `now`.
    fn tick_at(&self, now: std::time::Instant) -> u64 {
        let since = now.saturating_duration_since(self.start);
        let millis = since
            .as_secs()
            .saturating_mul(1000)
            .saturating_add(u64::from(since.subsec_millis()));
        millis.min(MAX_TICK)
    }

    /// Whether every timer due at `tick` has fired (always, once shut down).
    pub(crate) fn has_reached(&self, tick: u64) -> bool {
        self.reached.load(SeqCst) >= tick
    }

    /// Registers a timer due at `tick` that wakes `waker`; `None` if that
    /// tick has been reached (or the driver is shut down): it is due now.
    pub(crate) fn register(&self, tick: u64, waker: &Waker) -> Option<TimerKey> {
        if self.has_reached(tick) || self.paused_past(tick) {
            return None;
        }
        // Cloned before locking: a clone may run arbitrary code.
        let waker = waker.clone();
        let mut wheel = lock(&self.wheel);
        match wheel.insert(tick, waker) {
            Ok(key) => {
                let unpark = self.note_deadline(tick);
                drop(wheel);
                if unpark {
                    self.unparker.unpark();
                }
                Some(key)
            }
            Err(waker) => {
                drop(wheel);
                drop(waker);
                None
            }
        }
    }

    /// Whether the clock is paused at or past `tick`. A timer due then is
    /// due now, though the wheel has not been moved since `advance`: it
    /// completes at once instead of at the next look at the timers.
    fn paused_past(&self, tick: u64) -> bool {
        self.clock.is_paused() && self.tick_at(self.clock.now()) >= tick
    }

    /// Records, under the lock, that a timer is due at `tick`. Returns
    /// whether the parked worker must wake for it: it sleeps until a later
    /// tick.
    fn note_deadline(&self, tick: u64) -> bool {
        if tick < self.next_due.load(SeqCst) {
            self.next_due.store(tick, SeqCst);
        }
        tick < self.parked_until.load(SeqCst)
    }

    /// Replaces the waker of a registered timer. `Ready` if the timer has
    /// fired (its key is then dead).
    pub(crate) fn poll_timer(&self, key: TimerKey, waker: &Waker) -> Poll<()> {
        let mut wheel = lock(&self.wheel);
        let old = match wheel.waker_mut(key) {
            None => return Poll::Ready(()),
            Some(current) if current.will_wake(waker) => None,
            Some(current) => Some(mem::replace(current, waker.clone())),
        };
        drop(wheel);
        drop(old);
        Poll::Pending
    }

    /// Moves a registered timer to `tick`. `false` if it is no longer in
    /// the wheel: it had fired, or `tick` has been reached (it is then
    /// removed and its waker woken).
    pub(crate) fn reset(&self, key: TimerKey, tick: u64) -> bool {
        if self.paused_past(tick) {
            let waker = lock(&self.wheel).remove(key);
            if let Some(waker) = waker {
                waker.wake();
            }
            return false;
        }
        let mut wheel = lock(&self.wheel);
        match wheel.reset(key, tick) {
            Reset::Moved => {
                let unpark = self.note_deadline(tick);
                drop(wheel);
                if unpark {
                    self.unparker.unpark();
                }
                true
            }
            Reset::Due(waker) => {
                drop(wheel);
                waker.wake();
                false
            }
            Reset::Gone => false,
        }
    }

    /// Removes a timer that has not fired.
    pub(crate) fn cancel(&self, key: TimerKey) {
        let waker = lock(&self.wheel).remove(key);
        drop(waker);
    }

    /// Fires every timer whose deadline has passed.
    pub(crate) fn process(&self) {
        if self.next_due.load(SeqCst) != u64::MAX {
            self.process_at(self.clock.now());
        }
    }

    fn process_at(&self, now: std::time::Instant) {
        let now = self.tick_at(now);
        if now >= self.next_due.load(SeqCst) {
            self.fire_until(now);
        }
    }

    /// Fires what is due, then returns how long the worker may sleep: zero
    /// if it fired anything (the wakers may have queued tasks), until the
    /// next timer otherwise, `None` without timers or while the clock is
    /// paused (it moves only when told). Records that the worker sleeps
    /// until then; see [`after_park`](TimeDriver::after_park).
    pub(crate) fn before_park(&self) -> Option<Duration> {
        let timeout = self.before_park_at(self.clock.now());
        timeout.filter(|timeout| timeout.is_zero() || !self.clock.is_paused())
    }

    /// Stops the clock, moving it forward to the next tick boundary (less
    /// than a tick): deadlines round up to ticks, so from a boundary a
    /// sleep of whole milliseconds ends exactly when the clock has been
    /// advanced that much.
    #[cfg(feature = "test-util")]
    pub(crate) fn pause_clock(&self) -> Result<(), &'static str> {
        self.clock.pause()?;
        let tick = self.deadline_tick(Instant::from_std(self.clock.now()));
        if let Some(boundary) = self.start.checked_add(Duration::from_millis(tick)) {
            self.clock.advance_to(boundary);
        }
        Ok(())
    }

    /// Moves the paused clock to the tick by which the wheel must next
    /// move, and fires what is due then: what the worker would have done
    /// after sleeping until then. `false` if there is no timer or the clock
    /// runs.
    pub(crate) fn auto_advance(&self) -> bool {
        let next_due = self.next_due.load(SeqCst);
        if next_due == u64::MAX {
            return false;
        }
        let Some(deadline) = self.start.checked_add(Duration::from_millis(next_due)) else {
            return false;
        };
        if !self.clock.advance_to(deadline) {
            return false;
        }
        self.process();
        true
    }

    fn before_park_at(&self, now: std::time::Instant) -> Option<Duration> {
        let now_tick = self.tick_at(now);
        if now_tick >= self.next_due.load(SeqCst) && self.fire_until(now_tick) {
            return Some(Duration::ZERO);
        }
        // Sleep until `next_due`, which is later than `now_tick` here. (Not
        // the wheel's next expiration, which can be earlier: `process` only
        // moves the wheel once `next_due` is reached.) Under the lock, so
        // that a registration either counts in `next_due` or sees the
        // record.
        let wheel = lock(&self.wheel);
        let next_due = self.next_due.load(SeqCst);
        self.parked_until.store(next_due, SeqCst);
        drop(wheel);
        if next_due == u64::MAX {
            return None;
        }
        let deadline = self.start.checked_add(Duration::from_millis(next_due))?;
        Some(deadline.saturating_duration_since(now))
    }

    /// The worker is awake again: registrations need not unpark it.
    pub(crate) fn after_park(&self) {
        self.parked_until.store(NOT_PARKED, SeqCst);
    }

    /// Fires every timer and makes later registrations due at once.
    pub(crate) fn shutdown(&self) {
        let mut wheel = lock(&self.wheel);
        let wakers = wheel.close();
        self.reached.store(u64::MAX, SeqCst);
        self.next_due.store(u64::MAX, SeqCst);
        drop(wheel);
        for waker in wakers {
            waker.wake();
        }
    }

    /// Timers in the wheel.
    #[cfg(test)]
    pub(crate) fn num_timers(&self) -> usize {
        lock(&self.wheel).len()
    }

    /// Fires every timer due at tick `now`, in batches, waking each batch
    /// outside the lock. Returns whether any fired.
    fn fire_until(&self, now: u64) -> bool {
        let mut batch: [Option<Waker>; WAKE_BATCH] = Default::default();
        let mut len = 0;
        let mut fired = false;
        let mut wheel = lock(&self.wheel);
        while let Some(waker) = wheel.poll(now) {
            fired = true;
            batch[len] = Some(waker);
            len += 1;
            if len == WAKE_BATCH {
                drop(wheel);
                wake_all(&mut batch[..len]);
                len = 0;
                wheel = lock(&self.wheel);
            }
        }
        // The wheel has reached `now` with nothing left pending.
        self.reached.store(wheel.elapsed(), SeqCst);
        self.next_due
            .store(wheel.next_expiration().unwrap_or(u64::MAX), SeqCst);
        drop(wheel);
        wake_all(&mut batch[..len]);
        fired
    }
}

fn wake_all(wakers: &mut [Option<Waker>]) {
    for waker in wakers.iter_mut().filter_map(Option::take) {
        waker.wake();
    }
}

impl fmt::Debug for TimeDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimeDriver")
            .field("start", &self.start)
            .field("reached", &self.reached.load(SeqCst))
            .field("next_due", &self.next_due.load(SeqCst))
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    use super::*;
    use crate::driver::Parker;

    /// Counts its wakes.
    #[derive(Default)]
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count::default());
        (count.clone(), Waker::from(count))
    }

    fn fired(count: &Count) -> usize {
        count.0.load(Ordering::SeqCst)
    }

    /// A driver (and the parker it unparks) driven by a made-up clock.
    fn driver() -> (TimeDriver, Parker) {
        let parker = Parker::new();
        (TimeDriver::new(parker.unparker(), Clock::system()), parker)
    }

    fn at(driver: &TimeDriver, millis: u64) -> std::time::Instant {
        driver.start + Duration::from_millis(millis)
    }

    #[test]
    fn deadlines_round_up_and_the_clock_rounds_down() {
        let (driver, _parker) = driver();
        let start = Instant::from_std(driver.start);
        assert_eq!(driver.deadline_tick(start), 0);
        assert_eq!(driver.deadline_tick(start + Duration::from_micros(1)), 1);
        assert_eq!(driver.deadline_tick(start + Duration::from_millis(1)), 1);
        assert_eq!(
            driver.tick_at(driver.start + Duration::from_micros(1999)),
            1
        );
        let far = start + Duration::from_secs(86_400 * 365 * 1000);
        assert!(driver.deadline_tick(far) <= MAX_TICK);
    }

    #[test]
    fn without_timers_the_worker_sleeps_without_deadline() {
        let (driver, _parker) = driver();
        assert_eq!(driver.before_park_at(at(&driver, 5)), None);
        assert_eq!(driver.parked_until.load(SeqCst), u64::MAX);
        driver.after_park();
        assert_eq!(driver.parked_until.load(SeqCst), NOT_PARKED);
    }

    #[test]
    fn the_worker_sleeps_until_the_deadline_not_a_cascade_stop() {
        let (driver, _parker) = driver();
        let (count, waker) = counter();
        // Tick 100 sits in level 1; the wheel has a stop at tick 64.
        driver.register(100, &waker).unwrap();
        assert_eq!(
            driver.before_park_at(at(&driver, 10)),
            Some(Duration::from_millis(90))
        );
        driver.after_park();
        assert_eq!(
            driver.before_park_at(at(&driver, 70)),
            Some(Duration::from_millis(30))
        );
        driver.after_park();
        driver.process_at(at(&driver, 99));
        assert_eq!(fired(&count), 0);
        driver.process_at(at(&driver, 100));
        assert_eq!(fired(&count), 1);
        assert_eq!(driver.before_park_at(at(&driver, 101)), None);
    }

    #[test]
    fn before_park_fires_what_is_due_and_does_not_sleep() {
        let (driver, _parker) = driver();
        let (count, waker) = counter();
        driver.register(5, &waker).unwrap();
        assert_eq!(driver.before_park_at(at(&driver, 5)), Some(Duration::ZERO));
        assert_eq!(fired(&count), 1);
        assert!(driver.has_reached(5));
        assert_eq!(driver.num_timers(), 0);
    }

    #[test]
    fn an_earlier_registration_unparks_the_sleeping_worker() {
        let (driver, mut parker) = driver();
        let (_count, waker) = counter();
        driver.register(100, &waker).unwrap();
        assert!(driver.before_park_at(at(&driver, 0)).is_some());
        assert_eq!(driver.parked_until.load(SeqCst), 100);
        // Later than the worker sleeps: no need to wake it.
        driver.register(200, &waker).unwrap();
        assert_eq!(driver.parked_until.load(SeqCst), 100);
        std::thread::scope(|scope| {
            scope.spawn(|| driver.register(50, &waker).unwrap());
            // Returns once the registration above unparks it.
            parker.park(None);
        });
        driver.after_park();
        assert_eq!(
            driver.before_park_at(at(&driver, 0)),
            Some(Duration::from_millis(50))
        );
    }

    #[test]
    fn a_reset_timer_fires_at_its_new_deadline() {
        let (driver, _parker) = driver();
        let (count, waker) = counter();
        let key = driver.register(1000, &waker).unwrap();
        assert!(driver.reset(key, 20));
        driver.process_at(at(&driver, 19));
        assert_eq!(fired(&count), 0);
        driver.process_at(at(&driver, 20));
        assert_eq!(fired(&count), 1);
        // The key is dead now.
        assert!(!driver.reset(key, 30));
        assert!(driver.poll_timer(key, &waker).is_ready());
    }

    #[test]
    fn shutdown_fires_everything_and_refuses_later_timers() {
        let (driver, _parker) = driver();
        let (count, waker) = counter();
        driver.register(100, &waker).unwrap();
        driver.register(1 << 40, &waker).unwrap();
        driver.shutdown();
        assert_eq!(fired(&count), 2);
        assert!(driver.has_reached(MAX_TICK));
        assert!(driver.register(10, &waker).is_none());
        assert_eq!(driver.before_park_at(at(&driver, 1)), None);
    }
}
