//! A runtime configuration that can be built and checked at compile time.
//!
//! ```
//! use zokio::runtime::{Builder, Config};
//!
//! const CONFIG: Config = Config::new_current_thread()
//!     .event_interval(31)
//!     .enable_all()
//!     .validate();
//!
//! let rt = Builder::from_config(CONFIG).build().unwrap();
//! assert_eq!(rt.block_on(async { 1 + 1 }), 2);
//! ```
//!
//! An invalid value fails the build with a message that names the field:
//!
//! ```compile_fail,E0080
//! use zokio::runtime::Config;
//!
//! const CONFIG: Config = Config::new_current_thread().event_interval(0).validate();
//! # fn main() { let _ = CONFIG; }
//! ```
//!
//! ```compile_fail,E0080
//! use zokio::runtime::Config;
//!
//! const CONFIG: Config = Config::new_current_thread().global_queue_interval(0).validate();
//! # fn main() { let _ = CONFIG; }
//! ```
//!
//! ```compile_fail,E0080
//! use zokio::runtime::Config;
//!
//! const CONFIG: Config = Config::new_current_thread().max_blocking_threads(0).validate();
//! # fn main() { let _ = CONFIG; }
//! ```
//!
//! ```compile_fail,E0080
//! use zokio::runtime::Config;
//!
//! const CONFIG: Config = Config::new_current_thread().thread_stack_size(1024).validate();
//! # fn main() { let _ = CONFIG; }
//! ```
//!
//! ```compile_fail,E0080
//! use zokio::runtime::{Config, Flavor};
//!
//! const CONFIG: Config = Config::new_current_thread().worker_threads(4).validate();
//! # fn main() { let _ = CONFIG; }
//! ```
//!
//! ```compile_fail,E0080
//! use zokio::runtime::Config;
//!
//! const CONFIG: Config = Config::new_multi_thread().local_queue_capacity(100).validate();
//! # fn main() { let _ = CONFIG; }
//! ```

use std::fmt;
use std::io;
use std::time::Duration;

/// Which scheduler a runtime uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Flavor {
    /// Every task runs on the thread that calls `block_on`.
    CurrentThread,
    /// Tasks run on a pool of worker threads that steal work.
    MultiThread,
    /// Independent current-thread workers, one per core.
    ThreadPerCore,
}

/// What a runtime does when a spawned task panics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnhandledPanic {
    /// Nothing: the panic is delivered through the task's `JoinHandle`.
    Ignore,
    /// Cancel every task and make `block_on` panic.
    ShutdownRuntime,
}

/// Which I/O driver a runtime uses.
///
/// `Auto` picks io_uring when the kernel lets this process use it and falls
/// back to the readiness driver (epoll through `mio`) otherwise, logging the
/// reason once through `tracing`. The environment variable `ZOKIO_IO`
/// (`uring` or `poll`) overrides `Auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IoBackend {
    /// io_uring if it works here, else the readiness driver.
    Auto,
    /// io_uring, or an error from `build()` if it cannot be used.
    Uring,
    /// The readiness driver (epoll, kqueue) through `mio`.
    Poll,
}

/// The smallest thread stack the runtime accepts, in bytes.
pub const MIN_THREAD_STACK_SIZE: usize = 64 * 1024;
/// The largest number of blocking threads the runtime accepts.
pub const MAX_BLOCKING_THREADS: usize = 1 << 16;
/// The largest local run queue capacity the runtime accepts.
pub const MAX_LOCAL_QUEUE_CAPACITY: usize = 1 << 16;
/// The largest number of worker threads the runtime accepts.
pub const MAX_WORKER_THREADS: usize = 1 << 12;

/// A runtime configuration, built with `const fn`s.
///
/// Call [`validate`](Config::validate) in a `const` item to have the compiler
/// check it; [`Builder::from_config`](crate::runtime::Builder::from_config)
/// checks it again at run time and turns a bad value into an `io::Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    pub(crate) flavor: Flavor,
    /// `0` means "one per available core" (multi-thread only).
    pub(crate) worker_threads: usize,
    pub(crate) event_interval: u32,
    pub(crate) global_queue_interval: u32,
    pub(crate) max_blocking_threads: usize,
    /// `0` means the platform default.
    pub(crate) thread_stack_size: usize,
    pub(crate) thread_keep_alive: Duration,
    pub(crate) enable_time: bool,
    pub(crate) enable_io: bool,
    /// Capacity of each worker's run queue; a power of two.
    pub(crate) local_queue_capacity: usize,
    pub(crate) disable_lifo_slot: bool,
    /// Pin thread-per-core workers to CPUs.
    pub(crate) pin_threads: bool,
    pub(crate) unhandled_panic: UnhandledPanic,
    pub(crate) io_backend: IoBackend,
    /// The clock starts paused (current-thread, `test-util` only).
    pub(crate) start_paused: bool,
}

/// Why a [`Config`] was refused: the field and what is wrong with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigError {
    field: &'static str,
    message: &'static str,
}

impl ConfigError {
    /// The name of the offending field.
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// What is wrong with it (the whole message, field name included).
    pub fn message(&self) -> &'static str {
        self.message
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl std::error::Error for ConfigError {}

impl From<ConfigError> for io::Error {
    fn from(err: ConfigError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidInput, err)
    }
}

const fn refuse(field: &'static str, message: &'static str) -> Result<(), ConfigError> {
    Err(ConfigError { field, message })
}

impl Config {
    /// Tokio's defaults for a current-thread runtime, timers and I/O off.
    pub const fn new_current_thread() -> Config {
        Config {
            flavor: Flavor::CurrentThread,
            worker_threads: 0,
            event_interval: 61,
            global_queue_interval: 31,
            max_blocking_threads: 512,
            thread_stack_size: 0,
            thread_keep_alive: Duration::from_secs(10),
            enable_time: false,
            enable_io: false,
            local_queue_capacity: 256,
            disable_lifo_slot: false,
            pin_threads: false,
            unhandled_panic: UnhandledPanic::Ignore,
            io_backend: IoBackend::Auto,
            start_paused: false,
        }
    }

    /// Tokio's defaults for a multi-thread runtime, timers and I/O off.
    pub const fn new_multi_thread() -> Config {
        Config {
            flavor: Flavor::MultiThread,
            ..Config::new_current_thread()
        }
    }

    /// Defaults for a thread-per-core runtime, timers and I/O off.
    pub const fn new_thread_per_core() -> Config {
        Config {
            flavor: Flavor::ThreadPerCore,
            ..Config::new_current_thread()
        }
    }

    /// What to do when a spawned task panics.
    pub const fn unhandled_panic(mut self, behavior: UnhandledPanic) -> Config {
        self.unhandled_panic = behavior;
        self
    }

    /// Pins thread-per-core workers to CPUs.
    pub const fn pin_threads(mut self, pin: bool) -> Config {
        self.pin_threads = pin;
        self
    }

    /// The scheduler flavour.
    pub const fn flavor(&self) -> Flavor {
        self.flavor
    }

    /// Number of worker threads (multi-thread only; `0`: one per core).
    pub const fn worker_threads(mut self, n: usize) -> Config {
        self.worker_threads = n;
        self
    }

    /// Scheduler ticks between two polls of the driver (timers, I/O).
    pub const fn event_interval(mut self, ticks: u32) -> Config {
        self.event_interval = ticks;
        self
    }

    /// Scheduler ticks between two looks at the shared (remote) queue first.
    pub const fn global_queue_interval(mut self, ticks: u32) -> Config {
        self.global_queue_interval = ticks;
        self
    }

    /// Most threads the blocking pool may start.
    pub const fn max_blocking_threads(mut self, n: usize) -> Config {
        self.max_blocking_threads = n;
        self
    }

    /// Stack size of threads the runtime starts, in bytes (`0`: default).
    pub const fn thread_stack_size(mut self, bytes: usize) -> Config {
        self.thread_stack_size = bytes;
        self
    }

    /// How long an idle blocking thread waits for work before it exits.
    pub const fn thread_keep_alive(mut self, keep_alive: Duration) -> Config {
        self.thread_keep_alive = keep_alive;
        self
    }

    /// Capacity of each worker's local run queue (multi-thread); a power of
    /// two between 2 and 65536. Default 256.
    pub const fn local_queue_capacity(mut self, capacity: usize) -> Config {
        self.local_queue_capacity = capacity;
        self
    }

    /// Turns off the LIFO slot, where a worker keeps the task woken last to
    /// run it next (multi-thread).
    pub const fn disable_lifo_slot(mut self) -> Config {
        self.disable_lifo_slot = true;
        self
    }

    /// Turns the timer wheel on.
    pub const fn enable_time(mut self) -> Config {
        self.enable_time = true;
        self
    }

    /// Turns the I/O driver on.
    pub const fn enable_io(mut self) -> Config {
        self.enable_io = true;
        self
    }

    /// Which I/O driver to use (default [`IoBackend::Auto`]).
    pub const fn io_backend(mut self, backend: IoBackend) -> Config {
        self.io_backend = backend;
        self
    }

    /// Starts the runtime with its clock paused, as if the first thing its
    /// `block_on` did were [`time::pause`](crate::time::pause). Needs a
    /// current-thread runtime with timers, and the `test-util` feature.
    #[cfg(feature = "test-util")]
    pub const fn start_paused(mut self, paused: bool) -> Config {
        self.start_paused = paused;
        self
    }

    /// Turns every driver on.
    pub const fn enable_all(self) -> Config {
        self.enable_time().enable_io()
    }

    /// Checks every field; the error names the first bad one.
    pub const fn check(&self) -> Result<(), ConfigError> {
        if self.event_interval == 0 {
            return refuse(
                "event_interval",
                "invalid runtime config: `event_interval` must be at least 1",
            );
        }
        if self.global_queue_interval == 0 {
            return refuse(
                "global_queue_interval",
                "invalid runtime config: `global_queue_interval` must be at least 1",
            );
        }
        if self.max_blocking_threads == 0 {
            return refuse(
                "max_blocking_threads",
                "invalid runtime config: `max_blocking_threads` must be at least 1",
            );
        }
        if self.max_blocking_threads > MAX_BLOCKING_THREADS {
            return refuse(
                "max_blocking_threads",
                "invalid runtime config: `max_blocking_threads` must be at most 65536",
            );
        }
        if self.thread_stack_size != 0 && self.thread_stack_size < MIN_THREAD_STACK_SIZE {
            return refuse(
                "thread_stack_size",
                "invalid runtime config: `thread_stack_size` must be 0 (default) or at least 65536 bytes",
            );
        }
        if self.local_queue_capacity < 2
            || self.local_queue_capacity > MAX_LOCAL_QUEUE_CAPACITY
            || !self.local_queue_capacity.is_power_of_two()
        {
            return refuse(
                "local_queue_capacity",
                "invalid runtime config: `local_queue_capacity` must be a power of two between 2 and 65536",
            );
        }
        if self.worker_threads > MAX_WORKER_THREADS {
            return refuse(
                "worker_threads",
                "invalid runtime config: `worker_threads` must be at most 4096",
            );
        }
        if self.start_paused && !matches!(self.flavor, Flavor::CurrentThread) {
            return refuse(
                "start_paused",
                "invalid runtime config: `start_paused` needs a current-thread runtime",
            );
        }
        if self.start_paused && !self.enable_time {
            return refuse(
                "start_paused",
                "invalid runtime config: `start_paused` needs timers (`enable_time`)",
            );
        }
        if matches!(self.flavor, Flavor::CurrentThread) && self.worker_threads > 1 {
            return refuse(
                "worker_threads",
                "invalid runtime config: `worker_threads` cannot be set above 1 on a current-thread runtime",
            );
        }
        Ok(())
    }

    /// Returns `self` if every field is valid, and panics naming the bad field
    /// otherwise. In a `const` item the panic is a compile error.
    #[track_caller]
    pub const fn validate(self) -> Config {
        match self.check() {
            Ok(()) => self,
            Err(err) => panic!("{}", err.message),
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        Config::new_current_thread()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_field() {
        let err = Config::new_current_thread()
            .event_interval(0)
            .check()
            .unwrap_err();
        assert_eq!(err.field(), "event_interval");
        let io: io::Error = err.into();
        assert_eq!(io.kind(), io::ErrorKind::InvalidInput);
        assert!(io.to_string().contains("event_interval"));
    }

    #[test]
    fn defaults_are_valid() {
        const C: Config = Config::new_current_thread().enable_all().validate();
        let c = C;
        assert!(c.enable_time && c.enable_io);
        assert!(Config::new_multi_thread().check().is_ok());
    }
}
