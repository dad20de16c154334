//! The runtime: a scheduler, a driver and the handles to reach them.
//!
//! ```
//! use zokio::runtime::Builder;
//!
//! let rt = Builder::new_current_thread().enable_all().build().unwrap();
//! let answer = rt.block_on(async { zokio::spawn(async { 42 }).await.unwrap() });
//! assert_eq!(answer, 42);
//! ```

mod builder;
mod config;
pub(crate) mod context;
pub(crate) mod coop;
mod handle;
mod metrics;
pub(crate) mod scheduler;
pub(crate) mod thread_park;

pub use builder::Builder;
pub use config::{
    Config, ConfigError, Flavor, MAX_BLOCKING_THREADS, MAX_WORKER_THREADS, MIN_THREAD_STACK_SIZE,
};
pub use handle::{EnterGuard, Handle, TryCurrentError};
pub use metrics::RuntimeMetrics;

use std::fmt;
use std::future::Future;
use std::time::Duration;

use crate::task::{Id, JoinHandle};

/// The flavour of a running runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuntimeFlavor {
    /// Every task runs on the thread that calls `block_on`.
    CurrentThread,
}

/// A runtime: owns the scheduler and its tasks. Dropping it cancels every
/// task (their destructors run) and resolves their join handles as
/// cancelled.
pub struct Runtime {
    handle: Handle,
}

impl Runtime {
    fn new_current_thread(config: &Config) -> Runtime {
        Runtime {
            handle: Handle {
                inner: scheduler::Handle::CurrentThread(scheduler::current_thread::new(config)),
            },
        }
    }

    /// Runs `future` to completion on this thread, running the runtime's
    /// tasks and timers meanwhile.
    ///
    /// # Panics
    ///
    /// If called from within a runtime: blocking there would stop the outer
    /// runtime's tasks.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.inner.block_on(future)
    }

    /// Spawns a task; see [`Handle::spawn`].
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.inner.spawn(future, Id::next())
    }

    /// The runtime's handle.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Makes this runtime current on this thread until the guard drops.
    pub fn enter(&self) -> EnterGuard<'_> {
        self.handle.enter()
    }

    /// A view of the runtime's counters.
    pub fn metrics(&self) -> RuntimeMetrics {
        self.handle.metrics()
    }

    /// Shuts the runtime down, cancelling every task, and waits at most
    /// `timeout` for work that cannot be cancelled. The current-thread
    /// runtime has none, so this returns once the tasks are dropped.
    pub fn shutdown_timeout(self, timeout: Duration) {
        let _ = timeout;
        drop(self);
    }

    /// Shuts the runtime down without waiting for work that cannot be
    /// cancelled.
    pub fn shutdown_background(self) {
        drop(self);
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        match &self.handle.inner {
            scheduler::Handle::CurrentThread(h) => scheduler::current_thread::shutdown(h),
        }
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("flavor", &self.handle.runtime_flavor())
            .finish()
    }
}
