//! The clock a runtime's timers follow.
//!
//! It is the system's monotonic clock, except on a current-thread runtime
//! whose tests stop it (the `test-util` feature: [`pause`](crate::time::pause),
//! [`advance`](crate::time::advance), [`resume`](crate::time::resume),
//! `Builder::start_paused`):
//!
//! * A paused clock stands still; `advance` moves it forward in one jump.
//! * When the runtime has nothing to run, its scheduler moves a paused clock
//!   straight to the next timer instead of sleeping ("auto-advance"), unless
//!   a blocking job is in flight: that job may wake a task at any moment,
//!   and the time it takes must not count as skipped. Each job holds an
//!   [`Inhibit`] while it is queued or running.
//! * After `resume` the clock runs again from where it stood, so it stays
//!   ahead of the system clock by what was skipped; it never goes back.
//!
//! Until the clock is first paused, [`now`](Clock::now) reads the system
//! clock without taking the lock.

use std::time::Instant;

use crate::loom::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use crate::loom::{lock, Mutex};

/// A runtime's clock (see the module docs).
#[derive(Debug)]
pub(crate) struct Clock {
    /// Whether it may be paused: on a current-thread runtime only.
    #[cfg(feature = "test-util")]
    pausable: bool,
    /// Set by the first pause, never cleared: `now` must read `state`.
    adjusted: AtomicBool,
    /// Whether it stands still now.
    paused: AtomicBool,
    /// Blocking jobs queued or running: no auto-advance meanwhile.
    inhibitors: AtomicUsize,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The clock's reading at `running_since`, or its frozen reading.
    base: Instant,
    /// When the system clock last started to count for this one; `None`
    /// while paused.
    running_since: Option<Instant>,
}

impl Clock {
    /// The system clock, which cannot be paused.
    pub(crate) fn system() -> Clock {
        Clock::new(false, false)
    }

    /// A clock that reads the system's now; `pausable` lets tests stop it,
    /// and `start_paused` stops it at once.
    pub(crate) fn new(pausable: bool, start_paused: bool) -> Clock {
        let now = Instant::now();
        let paused = pausable && start_paused;
        Clock {
            #[cfg(feature = "test-util")]
            pausable,
            adjusted: AtomicBool::new(paused),
            paused: AtomicBool::new(paused),
            inhibitors: AtomicUsize::new(0),
            state: Mutex::new(State {
                base: now,
                running_since: (!paused).then_some(now),
            }),
        }
    }

    /// The clock's reading.
    pub(crate) fn now(&self) -> Instant {
        if !self.adjusted.load(SeqCst) {
            return Instant::now();
        }
        let state = lock(&self.state);
        match state.running_since {
            Some(since) => state.base + since.elapsed(),
            None => state.base,
        }
    }

    /// Whether it stands still.
    pub(crate) fn is_paused(&self) -> bool {
        self.paused.load(SeqCst)
    }

    /// Whether the scheduler may move it to the next timer now: paused, and
    /// no blocking job in flight.
    pub(crate) fn can_auto_advance(&self) -> bool {
        self.is_paused() && self.inhibitors.load(SeqCst) == 0
    }

    /// Whether blocking jobs must hold an [`Inhibit`]: only a clock that can
    /// be paused cares.
    #[cfg(feature = "test-util")]
    pub(crate) fn is_pausable(&self) -> bool {
        self.pausable
    }

    /// Stops the clock.
    #[cfg(feature = "test-util")]
    pub(crate) fn pause(&self) -> Result<(), &'static str> {
        if !self.pausable {
            return Err("`zokio::time::pause` needs a current-thread runtime \
                        (the default of `#[zokio::test]`)");
        }
        let mut state = lock(&self.state);
        let Some(since) = state.running_since.take() else {
            return Err("the clock is paused already");
        };
        state.base += since.elapsed();
        self.adjusted.store(true, SeqCst);
        self.paused.store(true, SeqCst);
        Ok(())
    }

    /// Starts the stopped clock again from its reading.
    #[cfg(feature = "test-util")]
    pub(crate) fn resume(&self) -> Result<(), &'static str> {
        let mut state = lock(&self.state);
        if state.running_since.is_some() {
            return Err("the clock is not paused");
        }
        state.running_since = Some(Instant::now());
        self.paused.store(false, SeqCst);
        Ok(())
    }

    /// Moves the stopped clock forward by `by`.
    #[cfg(feature = "test-util")]
    pub(crate) fn advance(&self, by: std::time::Duration) -> Result<(), &'static str> {
        let mut state = lock(&self.state);
        if state.running_since.is_some() {
            return Err("the clock is not paused");
        }
        state.base = state
            .base
            .checked_add(by)
            .ok_or("the clock cannot be advanced that far")?;
        Ok(())
    }

    /// Moves the stopped clock forward to `to`, if that is later. `false`
    /// if it is not paused.
    pub(crate) fn advance_to(&self, to: Instant) -> bool {
        let mut state = lock(&self.state);
        if state.running_since.is_some() {
            return false;
        }
        state.base = state.base.max(to);
        true
    }

    /// Holds auto-advance off until the matching [`allow`](Clock::allow).
    #[cfg(feature = "test-util")]
    fn inhibit(&self) {
        self.inhibitors.fetch_add(1, SeqCst);
    }

    #[cfg(feature = "test-util")]
    fn allow(&self) {
        self.inhibitors.fetch_sub(1, SeqCst);
    }
}

/// The reading of the current runtime's clock, if this thread is in a
/// runtime with timers.
#[cfg(feature = "test-util")]
pub(crate) fn now_of_current() -> Option<Instant> {
    crate::runtime::scheduler::Handle::with_current(|rt| {
        rt.driver().time().map(|time| time.clock().now())
    })
    .ok()
    .flatten()
}

/// Holds off auto-advance of a runtime's paused clock while it lives: a
/// blocking job carries one from its spawn until it has run or been
/// dropped. Dropping it wakes the runtime's thread, which may then move
/// the clock.
#[cfg(feature = "test-util")]
pub(crate) struct Inhibit {
    rt: crate::runtime::scheduler::Handle,
}

#[cfg(feature = "test-util")]
impl Inhibit {
    /// A hold on `rt`'s clock; `None` if that clock cannot be paused.
    pub(crate) fn new(rt: &crate::runtime::scheduler::Handle) -> Option<Inhibit> {
        let clock = rt.driver().time()?.clock();
        if !clock.is_pausable() {
            return None;
        }
        clock.inhibit();
        Some(Inhibit { rt: rt.clone() })
    }
}

#[cfg(feature = "test-util")]
impl Drop for Inhibit {
    fn drop(&mut self) {
        let driver = self.rt.driver();
        if let Some(time) = driver.time() {
            time.clock().allow();
        }
        driver.unpark();
    }
}
