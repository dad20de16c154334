//! What a worker parks on.
//!
//! For now that is a condvar parker plus the timer wheel: a worker with
//! nothing to run sleeps until the next timer deadline or until another
//! thread unparks it. The io_uring and readiness drivers of a later issue
//! plug in here, chosen in this one place.

mod park;

pub(crate) use park::{Parker, Unparker};

use std::time::Duration;

use crate::time::driver::TimeDriver;

/// The part of the driver that any thread may use: wake the worker, reach
/// the timers.
#[derive(Debug)]
pub(crate) struct Handle {
    time: Option<TimeDriver>,
    unparker: Unparker,
}

/// The part owned by the thread that currently runs the scheduler.
#[derive(Debug)]
pub(crate) struct Driver {
    parker: Parker,
}

/// Creates a driver and its shared handle.
pub(crate) fn new(enable_time: bool) -> (Driver, Handle) {
    let parker = Parker::new();
    let unparker = parker.unparker();
    let time = enable_time.then(|| TimeDriver::new(unparker.clone()));
    (Driver { parker }, Handle { time, unparker })
}

impl Handle {
    /// The timer wheel, or `None` when the runtime was built without timers.
    pub(crate) fn time(&self) -> Option<&TimeDriver> {
        self.time.as_ref()
    }

    /// Wakes the worker if it is parked, or makes its next park return.
    pub(crate) fn unpark(&self) {
        self.unparker.unpark();
    }

    /// A waker for whoever parks in this driver.
    pub(crate) fn unparker(&self) -> Unparker {
        self.unparker.clone()
    }

    /// Fires the timers that are due, from any thread.
    pub(crate) fn process_timers(&self) {
        if let Some(time) = &self.time {
            time.process();
        }
    }

    /// Unparks that had to wake a sleeping thread (for metrics and tests).
    pub(crate) fn wakeups(&self) -> usize {
        self.unparker.wakeups()
    }

    /// Fires every pending timer and refuses new ones.
    pub(crate) fn shutdown(&self) {
        if let Some(time) = &self.time {
            time.shutdown();
        }
    }
}

impl Driver {
    /// Sleeps until unparked or until the next timer is due, then fires the
    /// timers that are due. Returns at once if an unpark is pending.
    pub(crate) fn park(&mut self, handle: &Handle) {
        match &handle.time {
            Some(time) => {
                let timeout = time.before_park();
                self.parker.park(timeout);
                time.after_park();
                time.process();
            }
            None => self.parker.park(None),
        }
    }

    /// Fires the timers that are due and consumes a pending unpark, without
    /// sleeping.
    pub(crate) fn park_yield(&mut self, handle: &Handle) {
        self.parker.park(Some(Duration::ZERO));
        if let Some(time) = &handle.time {
            time.process();
        }
    }
}
