//! `Builder`: Tokio's way of configuring a runtime, on top of [`Config`].

use std::fmt;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::runtime::config::{Config, Flavor, UnhandledPanic};
use crate::runtime::Runtime;

/// The name runtime threads get unless the builder says otherwise.
const DEFAULT_THREAD_NAME: &str = "zokio-runtime-worker";

type ThreadNameFn = Arc<dyn Fn() -> String + Send + Sync + 'static>;
type Callback = Arc<dyn Fn() + Send + Sync + 'static>;

/// Configures and builds a [`Runtime`].
///
/// ```
/// use zokio::runtime::Builder;
///
/// let rt = Builder::new_current_thread().enable_all().build().unwrap();
/// rt.block_on(async {
///     zokio::time::sleep(std::time::Duration::from_millis(1)).await;
/// });
/// ```
///
/// Invalid values are reported by [`build`](Builder::build) as an
/// `io::Error` of kind `InvalidInput` naming the field:
///
/// ```
/// let err = zokio::runtime::Builder::new_current_thread()
///     .event_interval(0)
///     .build()
///     .unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
/// assert!(err.to_string().contains("event_interval"));
/// ```
pub struct Builder {
    config: Config,
    /// What `Config` cannot hold (it is `Copy` and `const`): closures.
    thread_name: ThreadNameFn,
    on_thread_start: Option<Callback>,
    on_thread_stop: Option<Callback>,
    on_thread_park: Option<Callback>,
    on_thread_unpark: Option<Callback>,
}

impl Builder {
    /// A builder for a runtime whose tasks all run on the thread that calls
    /// `block_on`.
    pub fn new_current_thread() -> Builder {
        Builder::from_config(Config::new_current_thread())
    }

    /// A builder for a multi-thread runtime: a pool of worker threads (one
    /// per core by default) that steal work from each other.
    pub fn new_multi_thread() -> Builder {
        Builder::from_config(Config::new_multi_thread())
    }

    /// A builder for a thread-per-core runtime: `worker_threads`
    /// independent current-thread workers (one per core by default). A task
    /// spawned on a worker stays there; `task::spawn_local` works on every
    /// worker; spawns from outside are spread round-robin. Not in Tokio.
    pub fn new_thread_per_core() -> Builder {
        Builder::from_config(Config::new_thread_per_core())
    }

    /// Pins each thread-per-core worker to one CPU (worker `i` to CPU `i`).
    pub fn pin_threads(&mut self, pin: bool) -> &mut Builder {
        self.config = self.config.pin_threads(pin);
        self
    }

    /// Capacity of each worker's local run queue; a power of two.
    pub fn local_queue_capacity(&mut self, capacity: usize) -> &mut Builder {
        self.config = self.config.local_queue_capacity(capacity);
        self
    }

    /// Turns off the LIFO slot optimisation of the multi-thread scheduler.
    pub fn disable_lifo_slot(&mut self) -> &mut Builder {
        self.config = self.config.disable_lifo_slot();
        self
    }

    /// A builder from a (possibly compile-time checked) configuration.
    pub fn from_config(config: Config) -> Builder {
        Builder {
            config,
            thread_name: Arc::new(|| DEFAULT_THREAD_NAME.to_owned()),
            on_thread_start: None,
            on_thread_stop: None,
            on_thread_park: None,
            on_thread_unpark: None,
        }
    }

    /// The configuration built so far.
    pub fn config(&self) -> Config {
        self.config
    }

    /// Turns on every driver (timers; I/O when available).
    pub fn enable_all(&mut self) -> &mut Builder {
        self.config = self.config.enable_all();
        self
    }

    /// Turns on the timer wheel.
    pub fn enable_time(&mut self) -> &mut Builder {
        self.config = self.config.enable_time();
        self
    }

    /// Turns on the I/O driver.
    pub fn enable_io(&mut self) -> &mut Builder {
        self.config = self.config.enable_io();
        self
    }

    /// Starts the runtime with its clock paused (see
    /// [`time::pause`](crate::time::pause)): timers fire as soon as every
    /// task waits, in order, without the time passing. For tests; needs a
    /// current-thread runtime with timers, or [`build`](Builder::build)
    /// fails with `InvalidInput`, and the `test-util` feature.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio::time::Instant;
    ///
    /// let rt = zokio::runtime::Builder::new_current_thread()
    ///     .enable_all()
    ///     .start_paused(true)
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {
    ///     let start = Instant::now();
    ///     zokio::time::sleep(Duration::from_secs(600)).await;
    ///     assert_eq!(start.elapsed(), Duration::from_secs(600));
    /// });
    /// ```
    #[cfg(feature = "test-util")]
    pub fn start_paused(&mut self, paused: bool) -> &mut Builder {
        self.config = self.config.start_paused(paused);
        self
    }

    /// Which I/O driver to use: io_uring, the readiness fallback, or
    /// (the default) io_uring where it works. A forced io_uring that the
    /// kernel refuses makes [`build`](Builder::build) fail.
    pub fn io_backend(&mut self, backend: crate::runtime::IoBackend) -> &mut Builder {
        self.config = self.config.io_backend(backend);
        self
    }

    /// Number of worker threads (multi-thread only).
    pub fn worker_threads(&mut self, n: usize) -> &mut Builder {
        self.config = self.config.worker_threads(n);
        self
    }

    /// Scheduler ticks between two polls of the driver; Tokio's default is 61.
    pub fn event_interval(&mut self, ticks: u32) -> &mut Builder {
        self.config = self.config.event_interval(ticks);
        self
    }

    /// Scheduler ticks between two looks at the remote queue first; default 31.
    pub fn global_queue_interval(&mut self, ticks: u32) -> &mut Builder {
        self.config = self.config.global_queue_interval(ticks);
        self
    }

    /// Most threads of the blocking pool; default 512. Jobs spawned while
    /// that many run wait in a queue.
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_current_thread()
    ///     .max_blocking_threads(2)
    ///     .build()
    ///     .unwrap();
    /// let jobs: Vec<_> = (0..8).map(|i| rt.spawn_blocking(move || i * 2)).collect();
    /// let sum: i32 = rt.block_on(async {
    ///     let mut sum = 0;
    ///     for job in jobs {
    ///         sum += job.await.unwrap();
    ///     }
    ///     sum
    /// });
    /// assert_eq!(sum, 56);
    /// assert!(rt.metrics().num_blocking_threads() <= 2);
    /// ```
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Builder {
        self.config = self.config.max_blocking_threads(n);
        self
    }

    /// Stack size of threads the runtime starts, in bytes (`0`, the default:
    /// the platform's).
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Builder {
        self.config = self.config.thread_stack_size(bytes);
        self
    }

    /// How long an idle blocking thread waits for work before it exits;
    /// default 10 s.
    pub fn thread_keep_alive(&mut self, keep_alive: Duration) -> &mut Builder {
        self.config = self.config.thread_keep_alive(keep_alive);
        self
    }

    /// The name of every thread the runtime starts; default
    /// `"zokio-runtime-worker"`.
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_current_thread()
    ///     .thread_name("image-resizer")
    ///     .build()
    ///     .unwrap();
    /// let name = rt.spawn_blocking(|| std::thread::current().name().map(String::from));
    /// assert_eq!(rt.block_on(name).unwrap().as_deref(), Some("image-resizer"));
    /// ```
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder {
        let name = name.into();
        self.thread_name = Arc::new(move || name.clone());
        self
    }

    /// A function that names each thread the runtime starts (called once per
    /// thread); replaces [`thread_name`](Builder::thread_name).
    ///
    /// It is called while the blocking pool's lock is held: it must not use
    /// the runtime (spawning blocking work from it deadlocks). If it panics,
    /// or returns a name with a NUL byte, the thread gets the default name.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// static NEXT: AtomicUsize = AtomicUsize::new(0);
    /// let rt = zokio::runtime::Builder::new_current_thread()
    ///     .thread_name_fn(|| format!("blocking-{}", NEXT.fetch_add(1, Ordering::Relaxed)))
    ///     .build()
    ///     .unwrap();
    /// let name = rt.spawn_blocking(|| std::thread::current().name().map(String::from));
    /// assert_eq!(rt.block_on(name).unwrap().as_deref(), Some("blocking-0"));
    /// ```
    pub fn thread_name_fn<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() -> String + Send + Sync + 'static,
    {
        self.thread_name = Arc::new(f);
        self
    }

    /// A callback run on each thread the runtime starts, first thing, inside
    /// the runtime's context.
    ///
    /// A panic in it is reported by the panic hook and otherwise ignored, so
    /// that the thread still does its work.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let started = Arc::new(AtomicUsize::new(0));
    /// let counter = started.clone();
    /// let rt = zokio::runtime::Builder::new_current_thread()
    ///     .on_thread_start(move || {
    ///         counter.fetch_add(1, Ordering::SeqCst);
    ///     })
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(rt.spawn_blocking(|| ())).unwrap();
    /// assert_eq!(started.load(Ordering::SeqCst), 1);
    /// ```
    pub fn on_thread_start<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.on_thread_start = Some(Arc::new(f));
        self
    }

    /// A callback run on each thread the runtime starts, last thing before
    /// it exits, inside the runtime's context. A runtime shut down with
    /// [`shutdown_timeout`](Runtime::shutdown_timeout) (or dropped) waits
    /// for it, within the timeout.
    ///
    /// A panic in it is reported by the panic hook and otherwise ignored.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let stopped = Arc::new(AtomicUsize::new(0));
    /// let counter = stopped.clone();
    /// let rt = zokio::runtime::Builder::new_current_thread()
    ///     .on_thread_stop(move || {
    ///         counter.fetch_add(1, Ordering::SeqCst);
    ///     })
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(rt.spawn_blocking(|| ())).unwrap();
    /// drop(rt);
    /// assert_eq!(stopped.load(Ordering::SeqCst), 1);
    /// ```
    pub fn on_thread_stop<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.on_thread_stop = Some(Arc::new(f));
        self
    }

    /// What the runtime needs to start its threads.
    /// Runs `f` on a worker thread just before it parks (sleeps with
    /// nothing to run), on every flavour.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let parks = Arc::new(AtomicUsize::new(0));
    /// let counter = parks.clone();
    /// let rt = zokio::runtime::Builder::new_current_thread()
    ///     .enable_all()
    ///     .on_thread_park(move || {
    ///         counter.fetch_add(1, Ordering::SeqCst);
    ///     })
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async { zokio::time::sleep(std::time::Duration::from_millis(5)).await });
    /// assert!(parks.load(Ordering::SeqCst) >= 1);
    /// ```
    pub fn on_thread_park<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.on_thread_park = Some(Arc::new(f));
        self
    }

    /// Runs `f` on a worker thread just after it wakes from parking.
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_current_thread()
    ///     .on_thread_unpark(|| {})
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn on_thread_unpark<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.on_thread_unpark = Some(Arc::new(f));
        self
    }

    /// What to do when a spawned task panics: ignore it (the default; the
    /// panic reaches the task's `JoinHandle`) or shut the runtime down.
    /// Tokio offers this on the current-thread runtime only, behind an
    /// unstable flag; Zokio offers it on every flavour.
    ///
    /// With [`UnhandledPanic::ShutdownRuntime`], the first task panic cancels
    /// every task and makes the `block_on` running at that time (and any
    /// later one) panic.
    ///
    /// ```
    /// use zokio::runtime::{Builder, UnhandledPanic};
    ///
    /// let rt = Builder::new_current_thread()
    ///     .unhandled_panic(UnhandledPanic::ShutdownRuntime)
    ///     .build()
    ///     .unwrap();
    /// let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
    ///     rt.block_on(async {
    ///         zokio::spawn(async { panic!("boom") });
    ///         std::future::pending::<()>().await
    ///     })
    /// }));
    /// assert!(result.is_err());
    /// ```
    pub fn unhandled_panic(&mut self, behavior: UnhandledPanic) -> &mut Builder {
        self.config = self.config.unhandled_panic(behavior);
        self
    }

    fn thread_options(&self) -> ThreadOptions {
        ThreadOptions {
            name: self.thread_name.clone(),
            stack_size: self.config.thread_stack_size,
            on_start: self.on_thread_start.clone(),
            on_stop: self.on_thread_stop.clone(),
            on_park: self.on_thread_park.clone(),
            on_unpark: self.on_thread_unpark.clone(),
        }
    }

    /// Checks the configuration and creates the runtime.
    pub fn build(&mut self) -> io::Result<Runtime> {
        self.config.check()?;
        match self.config.flavor {
            Flavor::CurrentThread => {
                Runtime::new_current_thread(&self.config, self.thread_options())
            }
            Flavor::MultiThread => Runtime::new_multi_thread(&self.config, self.thread_options()),
            Flavor::ThreadPerCore => {
                Runtime::new_thread_per_core(&self.config, self.thread_options())
            }
        }
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("config", &self.config)
            .field("on_thread_start", &self.on_thread_start.is_some())
            .field("on_thread_stop", &self.on_thread_stop.is_some())
            .field("on_thread_park", &self.on_thread_park.is_some())
            .field("on_thread_unpark", &self.on_thread_unpark.is_some())
            .finish_non_exhaustive()
    }
}

/// How the runtime starts its threads: their name, stack size, and the
/// callbacks around each thread's life.
#[derive(Clone)]
pub(crate) struct ThreadOptions {
    name: ThreadNameFn,
    /// `0`: the platform default.
    stack_size: usize,
    on_start: Option<Callback>,
    on_stop: Option<Callback>,
    on_park: Option<Callback>,
    on_unpark: Option<Callback>,
}

impl ThreadOptions {
    /// A `std::thread::Builder` for the next thread: named, sized.
    pub(crate) fn thread_builder(&self) -> thread::Builder {
        // The name function runs under the blocking pool's lock: neither its
        // panic nor a name `std` refuses (one with a NUL byte, on which
        // `spawn` panics) may unwind from there. Both get the default name.
        let name = panic::catch_unwind(AssertUnwindSafe(|| (self.name)()))
            .ok()
            .filter(|name| !name.contains('\0'))
            .unwrap_or_else(|| DEFAULT_THREAD_NAME.to_owned());
        let builder = thread::Builder::new().name(name);
        match self.stack_size {
            0 => builder,
            bytes => builder.stack_size(bytes),
        }
    }

    /// Runs the start callback, if any; on the new thread.
    pub(crate) fn on_start(&self) {
        run_callback(self.on_start.as_deref());
    }

    /// Runs the stop callback, if any; on the exiting thread.
    pub(crate) fn on_stop(&self) {
        run_callback(self.on_stop.as_deref());
    }

    /// Runs the park callback, if any; on a worker about to sleep.
    pub(crate) fn on_park(&self) {
        run_callback(self.on_park.as_deref());
    }

    /// Runs the unpark callback, if any; on a worker that just woke.
    pub(crate) fn on_unpark(&self) {
        run_callback(self.on_unpark.as_deref());
    }
}

/// Runs a user callback; its panic (already reported by the panic hook)
/// must not unwind through the runtime's thread bookkeeping.
fn run_callback(callback: Option<&(dyn Fn() + Send + Sync)>) {
    if let Some(callback) = callback {
        let _ = panic::catch_unwind(AssertUnwindSafe(callback));
    }
}

impl fmt::Debug for ThreadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadOptions")
            .field("stack_size", &self.stack_size)
            .field("on_start", &self.on_start.is_some())
            .field("on_stop", &self.on_stop.is_some())
            .finish_non_exhaustive()
    }
}
