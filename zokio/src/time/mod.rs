//! Timers: sleeps, timeouts and intervals on a hierarchical wheel.

pub(crate) mod driver;
