//! The runtime: a scheduler, a driver and the handles to reach them.
//!
//! ```
//! use zokio::runtime::Builder;
//!
//! let rt = Builder::new_current_thread().enable_all().build().unwrap();
//! let answer = rt.block_on(async { zokio::spawn(async { 42 }).await.unwrap() });
//! assert_eq!(answer, 42);
//! ```

pub(crate) mod blocking;
pub(crate) mod builder;
mod config;
pub(crate) mod context;
pub(crate) mod coop;
mod handle;
mod metrics;
pub(crate) mod scheduler;
pub(crate) mod thread_park;

pub use builder::Builder;
pub use config::{
    Config, ConfigError, Flavor, IoBackend, UnhandledPanic, MAX_BLOCKING_THREADS,
    MAX_WORKER_THREADS, MIN_THREAD_STACK_SIZE,
};
pub use handle::{EnterGuard, Handle, Id, TryCurrentError};
pub use metrics::RuntimeMetrics;

use std::fmt;
use std::future::Future;
use std::time::Duration;

use std::io;
use std::sync::Arc;

use crate::task::{self, JoinHandle};
use blocking::BlockingPool;
use builder::ThreadOptions;
use scheduler::unhandled_panic::PanicState;

/// The flavour of a running runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuntimeFlavor {
    /// Every task runs on the thread that calls `block_on`.
    CurrentThread,
    /// Tasks run on a pool of worker threads that steal work from each
    /// other.
    MultiThread,
    /// N independent current-thread workers; a task stays on its worker.
    ThreadPerCore,
}

/// A runtime: owns the scheduler, its tasks and its blocking pool.
///
/// Dropping it cancels every task (their destructors run) and resolves
/// their join handles as cancelled; blocking jobs not yet started are
/// cancelled too, and it then waits for the running ones to finish and
/// their threads to exit. [`shutdown_timeout`](Runtime::shutdown_timeout)
/// bounds that wait; [`shutdown_background`](Runtime::shutdown_background)
/// skips it. Dropped from within an asynchronous context (a task, or
/// `block_on`) or from one of its own blocking threads, a runtime does not
/// wait, since that could deadlock (Tokio panics in the first case).
pub struct Runtime {
    handle: Handle,
    /// Taken by the shutdown, which happens once.
    blocking_pool: Option<BlockingPool>,
}

impl Runtime {
    /// A multi-thread runtime with a worker per core and every driver
    /// enabled, as Tokio's `Runtime::new`: the same as
    /// `Builder::new_multi_thread().enable_all().build()`.
    ///
    /// ```
    /// let rt = zokio::runtime::Runtime::new().unwrap();
    /// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
    /// ```
    pub fn new() -> io::Result<Runtime> {
        Builder::new_multi_thread().enable_all().build()
    }

    fn new_current_thread(config: &Config, threads: ThreadOptions) -> io::Result<Runtime> {
        let blocking_pool = BlockingPool::new(
            config.max_blocking_threads,
            config.thread_keep_alive,
            threads.clone(),
        );
        let scheduler = scheduler::current_thread::new(
            config,
            blocking_pool.spawner().clone(),
            threads,
            Arc::new(PanicState::new(config.unhandled_panic)),
        )?;
        Ok(Runtime {
            handle: Handle {
                inner: scheduler::Handle::CurrentThread(scheduler),
            },
            blocking_pool: Some(blocking_pool),
        })
    }

    fn new_multi_thread(config: &Config, threads: ThreadOptions) -> io::Result<Runtime> {
        let workers = num_workers(config);
        // Workers count towards the thread cap, as in Tokio.
        let blocking_pool = BlockingPool::new(
            config.max_blocking_threads,
            config.thread_keep_alive,
            threads.clone(),
        );
        let (handle, cores) = scheduler::multi_thread::new(
            config,
            workers,
            blocking_pool.spawner().clone(),
            threads,
        )?;
        let runtime = Runtime {
            handle: Handle {
                inner: scheduler::Handle::MultiThread(handle.clone()),
            },
            blocking_pool: Some(blocking_pool),
        };
        for core in cores {
            let core = Box::new(core);
            if let Err((err, core)) = scheduler::multi_thread::spawn_worker(&handle, core) {
                drop(core);
                // Dropping the runtime stops the workers already started.
                drop(runtime);
                return Err(io::Error::new(
                    err.kind(),
                    format!("the OS refused to start a worker thread: {err}"),
                ));
            }
        }
        Ok(runtime)
    }

    fn new_thread_per_core(config: &Config, threads: ThreadOptions) -> io::Result<Runtime> {
        let workers = num_workers(config);
        let blocking_pool = BlockingPool::new(
            config.max_blocking_threads,
            config.thread_keep_alive,
            threads.clone(),
        );
        let handle =
            scheduler::per_core::new(config, workers, blocking_pool.spawner().clone(), threads)?;
        let runtime = Runtime {
            handle: Handle {
                inner: scheduler::Handle::PerCore(handle.clone()),
            },
            blocking_pool: Some(blocking_pool),
        };
        if let Err(err) = scheduler::per_core::start(&handle, config.pin_threads) {
            drop(runtime);
            return Err(io::Error::new(
                err.kind(),
                format!("the OS refused to start a worker thread: {err}"),
            ));
        }
        Ok(runtime)
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
        self.handle.inner.spawn(future, task::Id::next())
    }

    /// Runs a blocking closure on the runtime's blocking pool; see
    /// [`task::spawn_blocking`].
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let job = rt.spawn_blocking(|| std::fs::metadata("/").is_ok());
    /// assert!(rt.block_on(job).unwrap());
    /// ```
    ///
    /// # Panics
    ///
    /// If the pool has no thread and the OS refuses to start one.
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(func)
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

    /// Shuts the runtime down, cancelling every task and every blocking job
    /// not yet started, and waits at most `timeout` for the blocking jobs
    /// that are running (they cannot be interrupted) and their threads.
    /// Threads still running after that are left to finish on their own.
    ///
    /// It does not wait when called from within an asynchronous context or
    /// from one of the runtime's blocking threads (see [`Runtime`]).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let _job = rt.spawn_blocking(|| std::thread::sleep(Duration::from_millis(10)));
    /// // Returns once the job is done: well within the timeout.
    /// rt.shutdown_timeout(Duration::from_secs(10));
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shut_down(Some(timeout));
    }

    /// Shuts the runtime down without waiting for the blocking jobs that
    /// are running; they finish on their own. Blocking jobs not yet started
    /// are cancelled.
    ///
    /// ```
    /// use std::sync::mpsc;
    ///
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let (tx, rx) = mpsc::channel::<()>();
    /// // This job runs until `tx` is dropped, after the shutdown.
    /// let _job = rt.spawn_blocking(move || rx.recv().is_err());
    /// rt.shutdown_background();
    /// drop(tx);
    /// ```
    pub fn shutdown_background(mut self) {
        self.shut_down(Some(Duration::ZERO));
    }

    /// Cancels the tasks, then the queued blocking jobs, then waits for the
    /// blocking threads (for ever if `timeout` is `None`). Later calls do
    /// nothing.
    fn shut_down(&mut self, timeout: Option<Duration>) {
        let Some(mut blocking_pool) = self.blocking_pool.take() else {
            return;
        };
        match &self.handle.inner {
            scheduler::Handle::CurrentThread(h) => scheduler::current_thread::shutdown(h),
            scheduler::Handle::MultiThread(h) => {
                scheduler::multi_thread::begin_shutdown(h);
                if context::is_in_runtime() {
                    // Joining the workers from a thread that drives a runtime
                    // (perhaps one of those workers) could deadlock: finish
                    // on a helper thread instead.
                    let h = h.clone();
                    std::thread::spawn(move || {
                        scheduler::multi_thread::join_workers(&h);
                        scheduler::multi_thread::finish_shutdown(&h);
                    });
                } else {
                    scheduler::multi_thread::join_workers(h);
                    scheduler::multi_thread::finish_shutdown(h);
                }
            }
            scheduler::Handle::PerCore(h) => {
                scheduler::per_core::begin_shutdown(h);
                if !context::is_in_runtime() {
                    scheduler::per_core::join_workers(h);
                }
            }
        }
        blocking_pool.shutdown(timeout);
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shut_down(None);
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("flavor", &self.handle.runtime_flavor())
            .finish()
    }
}

/// Workers of a multi-thread or thread-per-core runtime: as configured, or
/// one per available core.
fn num_workers(config: &Config) -> usize {
    match config.worker_threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}
