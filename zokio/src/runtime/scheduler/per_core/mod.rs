//! The thread-per-core scheduler: N independent current-thread workers.
//!
//! Each worker thread drives its own current-thread scheduler (its own run
//! queue, timers and, later, its own io_uring) inside a `LocalSet`, so
//! `zokio::spawn` and `task::spawn_local` on a worker keep the task on that
//! worker: no work stealing, no shared run queue, no cross-thread wake-up
//! unless the program itself sends work across. Spawns from outside the
//! workers are spread round-robin.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::loom::{lock, Mutex};
use crate::runtime::blocking;
use crate::runtime::builder::ThreadOptions;
use crate::runtime::config::Config;
use crate::runtime::context;
use crate::runtime::scheduler::unhandled_panic::PanicState;
use crate::runtime::scheduler::{self, current_thread};
use crate::task::{Id, JoinHandle, LocalSet};

/// The shared side of a thread-per-core runtime.
pub(crate) struct Handle {
    workers: Box<[Arc<current_thread::Handle>]>,
    next: AtomicUsize,
    shutdown: ShutdownSignal,
    threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
    threads_options: ThreadOptions,
    /// Shared with every worker's scheduler.
    panic_state: Arc<PanicState>,
}

/// Resolves the workers' main futures when the runtime shuts down.
#[derive(Default)]
struct ShutdownSignal {
    state: Mutex<(bool, Vec<Waker>)>,
}

impl ShutdownSignal {
    fn fire(&self) {
        let wakers = {
            let mut state = lock(&self.state);
            state.0 = true;
            std::mem::take(&mut state.1)
        };
        for waker in wakers {
            waker.wake();
        }
    }

    fn poll_fired(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = lock(&self.state);
        if state.0 {
            return Poll::Ready(());
        }
        if !state.1.iter().any(|w| w.will_wake(cx.waker())) {
            state.1.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// Creates one current-thread scheduler per worker; they share one
/// blocking pool.
pub(crate) fn new(
    config: &Config,
    num_workers: usize,
    blocking: blocking::Spawner,
    threads_options: ThreadOptions,
) -> std::io::Result<Arc<Handle>> {
    let panic_state = Arc::new(PanicState::new(config.unhandled_panic));
    let workers = (0..num_workers)
        .map(|_| {
            current_thread::new(
                config,
                blocking.clone(),
                threads_options.clone(),
                panic_state.clone(),
            )
        })
        .collect::<std::io::Result<_>>()?;
    Ok(Arc::new(Handle {
        workers,
        next: AtomicUsize::new(0),
        shutdown: ShutdownSignal::default(),
        threads: Mutex::new(Vec::new()),
        threads_options,
        panic_state,
    }))
}

/// Starts one thread per worker.
pub(crate) fn start(handle: &Arc<Handle>, pin: bool) -> std::io::Result<()> {
    for index in 0..handle.workers.len() {
        let h = handle.clone();
        let options = handle.threads_options.clone();
        let thread = options.thread_builder().spawn(move || {
            let options = h.threads_options.clone();
            options.on_start();
            run_worker(h, index, pin.then_some(index));
            options.on_stop();
        })?;
        lock(&handle.threads).push(thread);
    }
    Ok(())
}

/// Waits for every worker thread to exit.
pub(crate) fn join_workers(handle: &Handle) {
    loop {
        let thread = lock(&handle.threads).pop();
        match thread {
            Some(thread) => drop(thread.join()),
            None => return,
        }
    }
}

impl Handle {
    /// Spawns on the next worker, round-robin.
    pub(crate) fn spawn<F>(&self, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let index = self.next.fetch_add(1, Relaxed) % self.workers.len();
        current_thread::Handle::spawn(&self.workers[index], future, id)
    }

    pub(crate) fn worker(&self, index: usize) -> &Arc<current_thread::Handle> {
        &self.workers[index]
    }

    pub(crate) fn num_workers(&self) -> usize {
        self.workers.len()
    }

    /// Timers of futures run outside the workers live on worker 0.
    pub(crate) fn driver(&self) -> &crate::driver::Handle {
        &self.workers[0].driver
    }
}

/// The body of worker `index`: drive its scheduler until shutdown, then
/// cancel its tasks on this thread.
pub(crate) fn run_worker(handle: Arc<Handle>, index: usize, pin_to: Option<usize>) {
    if let Some(cpu) = pin_to {
        pin_current_thread(cpu);
    }
    let worker = handle.workers[index].clone();
    let local = LocalSet::new();
    let shutdown = &handle.shutdown;
    let driven = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        current_thread::block_on(
            &worker,
            local.run_until(std::future::poll_fn(|cx| shutdown.poll_fired(cx))),
        )
    }));
    if driven.is_err() {
        // A task panicked under the `ShutdownRuntime` policy (the only way
        // this `block_on` panics): stop every worker.
        begin_shutdown(&handle);
    }
    drop(local);
    current_thread::shutdown(&worker);
}

/// Runs `future` on this thread (not a worker); the workers run the tasks.
#[track_caller]
pub(crate) fn block_on<F: Future>(handle: &Arc<Handle>, future: F) -> F::Output {
    let scheduler_handle = scheduler::Handle::PerCore(handle.clone());
    let _enter = context::enter_runtime(&scheduler_handle);
    scheduler::multi_thread::block_on_watching(&handle.panic_state, future)
}

/// Asks every worker to stop.
pub(crate) fn begin_shutdown(handle: &Handle) {
    handle.shutdown.fire();
}

/// Pins this thread to one CPU; a refusal (e.g. a CPU outside the
/// container's set) is ignored: pinning is an optimisation.
fn pin_current_thread(cpu: usize) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `set` is a plain bitmask that `CPU_ZERO`/`CPU_SET`
        // initialise; `sched_setaffinity(0, ..)` only reads it.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_ZERO(&mut set);
            libc::CPU_SET(cpu % libc::CPU_SETSIZE as usize, &mut set);
            let _ = libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cpu;
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("per_core::Handle")
            .field("workers", &self.workers.len())
            .finish_non_exhaustive()
    }
}
