//! Time: sleeps, timeouts and intervals.
//!
//! * [`sleep()`] and [`sleep_until`] wait for a duration or until an
//!   [`Instant`];
//! * [`timeout()`] and [`timeout_at`] give a future a deadline;
//! * [`interval()`] and [`interval_at`] tick at a fixed period.
//!
//! Timers need a runtime built with
//! [`enable_time`](crate::runtime::Builder::enable_time) (or `enable_all`).
//! Each runtime keeps them in a hierarchical timer wheel with a resolution
//! of one millisecond: a timer fires no earlier than its deadline, and
//! usually within a millisecond after it. A worker with nothing to run
//! sleeps until the next deadline; with no timers it sleeps until woken.
//!
//! ```
//! use std::time::Duration;
//! use zokio::time::{sleep, timeout};
//!
//! # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//! # rt.block_on(async {
//! sleep(Duration::from_millis(5)).await;
//! let slow = sleep(Duration::from_secs(60));
//! assert!(timeout(Duration::from_millis(5), slow).await.is_err());
//! # });
//! ```
//!
//! # Where Zokio differs from Tokio
//!
//! * [`Sleep`] is `Unpin`.
//! * A `Sleep` polled after its runtime shut down completes at once.
//! * A [`Timeout`] takes its runtime when it first registers its timer (its
//!   future was not ready), not at creation; creating one outside a runtime
//!   still panics.
//! * The paused test clock (`pause`, `advance`, `resume`, with the
//!   `test-util` feature) works on current-thread runtimes only, as
//!   Tokio's; a blocking job in flight holds its auto-advance off, as in
//!   Tokio.

pub(crate) mod clock;
pub(crate) mod driver;
pub mod error;
mod instant;
mod interval;
#[cfg(feature = "test-util")]
mod pause;
mod sleep;
mod timeout;
mod wheel;

#[cfg(test)]
mod tests;

pub use std::time::Duration;

pub use instant::Instant;
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
#[cfg(feature = "test-util")]
pub use pause::{advance, pause, resume};
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout, timeout_at, Timeout};
