//! STUB — to be replaced by the time helper. Contract:
//!
//! * `TimeDriver::new(unparker)`: a wheel of 1 ms resolution whose tick 0 is
//!   the moment of creation.
//! * `process()`: fires (wakes) every timer whose deadline has passed, waking
//!   outside the lock; returns nothing.
//! * `before_park() -> Option<Duration>`: fires what is due, then returns how
//!   long the worker may sleep (until the next deadline, `None` if no timer)
//!   and records that it sleeps until then, so that a timer registered from
//!   another thread with an earlier deadline calls `unparker.unpark()`.
//! * `after_park()`: clears that record.
//! * `shutdown()`: fires every timer; later registrations complete at once.

use std::time::Duration;

use crate::driver::Unparker;

#[derive(Debug)]
pub(crate) struct TimeDriver {
    unparker: Unparker,
}

impl TimeDriver {
    pub(crate) fn new(unparker: Unparker) -> TimeDriver {
        TimeDriver { unparker }
    }

    pub(crate) fn process(&self) {}

    pub(crate) fn before_park(&self) -> Option<Duration> {
        None
    }

    pub(crate) fn after_park(&self) {}

    pub(crate) fn shutdown(&self) {
        let _ = &self.unparker;
    }
}
