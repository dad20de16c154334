//! The multi-thread scheduler: a pool of workers with work stealing.
//!
//! Each worker owns a [`Core`](worker::Core): a bounded lock-free run queue
//! that others may steal half of, and a LIFO slot holding the task it woke
//! last (so that two tasks talking to each other run back to back, warm in
//! cache). Tasks from outside the pool, and a full run queue's overflow, go
//! to a shared inject queue, checked first every `global_queue_interval`
//! ticks. Idle workers park; [`Idle`](idle::Idle) makes sure a burst of new
//! work wakes at most one of them.
//!
//! The owned-task list is sharded by task id, each shard behind its own
//! lock, because a task may complete on any worker.

mod harvest;
mod idle;
mod load;
pub(crate) mod park;
mod queue;
mod worker;

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed, Ordering::SeqCst};
use std::sync::Arc;

use crate::driver;
use crate::loom::{lock, Mutex};
use crate::runtime::blocking;
use crate::runtime::builder::ThreadOptions;
use crate::runtime::config::Config;
use crate::runtime::scheduler::inject::Inject;
use crate::runtime::scheduler::unhandled_panic::PanicState;
use crate::runtime::thread_park::ThreadPark;
use crate::runtime::{context, scheduler};
use crate::task::list::OwnedTasks;
use crate::task::{new_task, Id, JoinHandle, Notified, Schedule, Task};

pub(crate) use worker::{run as run_worker, Context, Core};

use idle::Idle;
use park::{Parker, SharedDriver, Unparker};

/// The shared side of a multi-thread runtime.
pub(crate) struct Handle {
    pub(crate) driver: driver::Handle,
    pub(crate) blocking: blocking::Spawner,
    shared: Shared,
    lifo_enabled: bool,
}

struct Shared {
    remotes: Box<[Remote]>,
    inject: Inject<Notified<Arc<Handle>>>,
    idle: Idle,
    owned: Box<[Mutex<OwnedTasks<Arc<Handle>>>]>,
    /// The driver, while no worker sleeps in it.
    driver: SharedDriver,
    shutdown: AtomicBool,
    /// Cores handed back by exiting workers.
    exited_cores: Mutex<Vec<Core>>,
    /// Worker threads to join at shutdown (including those started by
    /// `block_in_place` hand-offs).
    threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
    threads_options: ThreadOptions,
    panic_state: PanicState,
    metrics: Metrics,
}

/// What other workers may use of a worker.
struct Remote {
    steal: queue::Steal<Notified<Arc<Handle>>>,
    unpark: Unparker,
    /// The worker's mean poll time (see `load`), to judge its queue by.
    mean_poll_ns: AtomicU64,
    /// Its I/O driver, which an idle worker delivers while this one is
    /// stuck in a task (see `harvest`).
    io: Option<Arc<driver::WorkerDriver>>,
    /// How it sleeps (see `harvest`).
    sleep: harvest::Sleep,
}

impl Remote {
    /// Whether this worker's queue is worth waking an idle worker for (see
    /// `load`).
    fn worth_help(&self) -> bool {
        load::worth_help(self.mean_poll_ns.load(Relaxed), self.steal.len())
    }
}

/// Counters for `RuntimeMetrics`.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    pub(crate) spawned: AtomicU64,
    pub(crate) remote_schedules: AtomicU64,
    /// Parked workers woken for new work.
    pub(crate) notifies: AtomicU64,
    pub(crate) workers: Box<[WorkerMetrics]>,
}

/// Per-worker counters, published by the worker now and then.
#[derive(Debug, Default)]
pub(crate) struct WorkerMetrics {
    pub(crate) polls: AtomicU64,
    pub(crate) steals: AtomicU64,
    pub(crate) steal_operations: AtomicU64,
    pub(crate) parks: AtomicU64,
    pub(crate) overflows: AtomicU64,
}

/// Creates the shared handle and one core per worker; the caller starts a
/// thread per core with [`run_worker`].
pub(crate) fn new(
    config: &Config,
    num_workers: usize,
    blocking: blocking::Spawner,
    threads_options: ThreadOptions,
) -> std::io::Result<(Arc<Handle>, Vec<Core>)> {
    let (driver, driver_handle, rings) = driver::new_multi_thread(
        config.enable_time,
        config.enable_io.then_some(config.io_backend),
        num_workers,
    )?;
    let mut remotes = Vec::with_capacity(num_workers);
    let mut cores = Vec::with_capacity(num_workers);
    for (index, ring) in rings.into_iter().enumerate() {
        let (steal, local) = queue::local(config.local_queue_capacity);
        let (parker, unpark) = Parker::new(index, driver_handle.unparker(), ring);
        remotes.push(Remote {
            steal,
            unpark,
            mean_poll_ns: AtomicU64::new(load::FIRST_MEAN_NS),
            io: parker.io().cloned(),
            sleep: harvest::Sleep::default(),
        });
        cores.push(Core::new(index, local, parker, config));
    }
    let shards = (num_workers * 4).next_power_of_two();
    let handle = Arc::new(Handle {
        driver: driver_handle,
        blocking,
        shared: Shared {
            remotes: remotes.into_boxed_slice(),
            inject: Inject::new(),
            idle: Idle::new(num_workers),
            owned: (0..shards).map(|_| Mutex::new(OwnedTasks::new())).collect(),
            driver: Mutex::new(Some(driver)),
            shutdown: AtomicBool::new(false),
            exited_cores: Mutex::new(Vec::new()),
            threads: Mutex::new(Vec::new()),
            threads_options,
            panic_state: PanicState::new(config.unhandled_panic),
            metrics: Metrics {
                workers: (0..num_workers).map(|_| WorkerMetrics::default()).collect(),
                ..Metrics::default()
            },
        },
        lifo_enabled: !config.disable_lifo_slot,
    });
    Ok((handle, cores))
}

impl Handle {
    pub(crate) fn spawn<F>(me: &Arc<Handle>, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        me.shared.metrics.spawned.fetch_add(1, Relaxed);
        let (task, notified, join) = new_task(future, me.clone(), id);
        let bound = lock(me.shard(id)).bind(task);
        match bound {
            Ok(()) => me.schedule_task(notified, false),
            Err(task) => {
                drop(notified);
                task.shutdown();
            }
        }
        join
    }

    fn shard(&self, id: Id) -> &Mutex<OwnedTasks<Arc<Handle>>> {
        let owned = &self.shared.owned;
        &owned[(id.as_u64() as usize) & (owned.len() - 1)]
    }

    /// Queues a task: on this worker's core if this thread is one of our
    /// workers, otherwise on the inject queue.
    fn schedule_task(self: &Arc<Self>, task: Notified<Arc<Handle>>, is_yield: bool) {
        let task = worker::with_local_core(self, |core| match core {
            Some(core) => {
                if core.schedule_local_from(self, task, is_yield) && core.worth_help() {
                    self.notify_parked();
                }
                None
            }
            None => Some(task),
        });
        if let Some(task) = task {
            self.shared.metrics.remote_schedules.fetch_add(1, Relaxed);
            // A closed queue means shutdown: the task is or will be
            // cancelled, so dropping this entry loses nothing.
            if self.shared.inject.push(task).is_ok() {
                self.notify_parked();
            }
        }
    }

    /// Wakes a parked worker if new work needs one.
    pub(super) fn notify_parked(&self) {
        if let Some(index) = self.shared.idle.worker_to_notify() {
            self.shared.metrics.notifies.fetch_add(1, Relaxed);
            self.shared.remotes[index].unpark.unpark();
        }
    }

    /// Gives `task` to a parked worker and wakes it; the task comes back
    /// when no worker is parked (or one searches already).
    pub(super) fn hand_to_parked(
        &self,
        task: Notified<Arc<Handle>>,
    ) -> Result<(), Notified<Arc<Handle>>> {
        let Some(index) = self.shared.idle.worker_to_notify() else {
            return Err(task);
        };
        // The woken worker counts as searching and looks in the inject
        // queue. A closed queue means shutdown: the task is or will be
        // cancelled, so dropping it loses nothing.
        let _ = self.shared.inject.push(task);
        self.shared.metrics.notifies.fetch_add(1, Relaxed);
        self.shared.remotes[index].unpark.unpark();
        Ok(())
    }

    /// After the last searcher parks: wake someone if work is waiting.
    fn notify_if_work_pending(&self) {
        let pending =
            self.shared.remotes.iter().any(Remote::worth_help) || !self.shared.inject.is_empty();
        if pending {
            self.notify_parked();
        }
    }

    fn is_shutdown(&self) -> bool {
        self.shared.shutdown.load(SeqCst)
    }

    pub(crate) fn num_workers(&self) -> usize {
        self.shared.remotes.len()
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.shared.metrics
    }

    /// Whether any task is alive (cheaper than counting them).
    fn has_alive_tasks(&self) -> bool {
        self.shared.owned.iter().any(|s| !lock(s).is_empty())
    }

    pub(crate) fn num_alive_tasks(&self) -> usize {
        self.shared.owned.iter().map(|s| lock(s).len()).sum()
    }

    pub(crate) fn inject_depth(&self) -> usize {
        self.shared.inject.len()
    }

    pub(crate) fn local_queue_depth(&self, worker: usize) -> usize {
        self.shared.remotes[worker].steal.len()
    }

    pub(crate) fn num_parked_workers(&self) -> usize {
        self.shared.idle.num_parked()
    }

    pub(crate) fn num_searching_workers(&self) -> usize {
        self.shared.idle.num_searching()
    }
}

impl Schedule for Arc<Handle> {
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        lock(self.shard(task.raw().id())).remove(task)
    }

    fn schedule(&self, task: Notified<Self>) {
        self.schedule_task(task, false);
    }

    fn yield_now(&self, task: Notified<Self>) {
        self.schedule_task(task, true);
    }

    fn unhandled_panic(&self) {
        if self.shared.panic_state.task_panicked() {
            begin_shutdown(self);
        }
    }
}

/// Starts a worker thread running `core`. If the OS refuses the thread, the
/// core comes back with the error.
pub(crate) fn spawn_worker(
    handle: &Arc<Handle>,
    core: Box<Core>,
) -> Result<(), (std::io::Error, Box<Core>)> {
    let builder = handle.shared.threads_options.thread_builder();
    let h = handle.clone();
    // The core moves into the thread only once it exists: if the OS refuses
    // the thread, the closure (and the core in it) comes back as an error.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Box<Core>>(1);
    let spawned = builder.spawn(move || {
        if let Ok(core) = rx.recv() {
            let options = h.shared.threads_options.clone();
            options.on_start();
            run_worker(h, core);
            options.on_stop();
        }
    });
    let thread = match spawned {
        Ok(thread) => thread,
        Err(err) => return Err((err, core)),
    };
    tx.send(core)
        .expect("worker thread exited before receiving its core");
    lock(&handle.shared.threads).push(thread);
    Ok(())
}

/// Joins every worker thread, including hand-off threads started meanwhile.
pub(crate) fn join_workers(handle: &Handle) {
    loop {
        let thread = lock(&handle.shared.threads).pop();
        match thread {
            // A worker that panicked has already lost its core; shutdown goes on.
            Some(thread) => drop(thread.join()),
            None => return,
        }
    }
}

/// Runs `future` on this thread (not a worker), the workers running the
/// tasks meanwhile.
#[track_caller]
pub(crate) fn block_on<F: Future>(handle: &Arc<Handle>, future: F) -> F::Output {
    let scheduler_handle = scheduler::Handle::MultiThread(handle.clone());
    let _enter = context::enter_runtime(&scheduler_handle);
    block_on_watching(&handle.shared.panic_state, future)
}

/// Blocks this thread on `future`; panics if a task panics meanwhile under
/// the `ShutdownRuntime` policy.
#[track_caller]
pub(crate) fn block_on_watching<F: Future>(panic_state: &PanicState, future: F) -> F::Output {
    let mut park = ThreadPark::new();
    panic_state.watch(park.unparker());
    let mut future = std::pin::pin!(future);
    let waker = park.waker().clone();
    let mut cx = std::task::Context::from_waker(&waker);
    loop {
        panic_state.check();
        if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        park.park();
    }
}

/// Asks every worker to stop; returns at once.
pub(crate) fn begin_shutdown(handle: &Handle) {
    if handle.shared.shutdown.swap(true, SeqCst) {
        return;
    }
    for remote in handle.shared.remotes.iter() {
        remote.unpark.unpark();
    }
    handle.driver.unpark();
}

/// Cancels every task and empties every queue. Call once every worker
/// thread has exited (their cores are then in `exited_cores`).
pub(crate) fn finish_shutdown(handle: &Arc<Handle>) {
    let scheduler_handle = scheduler::Handle::MultiThread(handle.clone());
    let _current = context::set_current(&scheduler_handle);
    let shared = &handle.shared;
    loop {
        let mut progressed = false;
        drop(shared.inject.close_and_drain());
        for shard in shared.owned.iter() {
            loop {
                let task = lock(shard).close_and_pop();
                match task {
                    Some(task) => {
                        progressed = true;
                        task.shutdown();
                    }
                    None => break,
                }
            }
        }
        let cores = std::mem::take(&mut *lock(&shared.exited_cores));
        for mut core in cores {
            progressed |= core.drain();
            lock(&shared.exited_cores).push(core);
        }
        if !progressed {
            break;
        }
    }
    handle.driver.shutdown();
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("multi_thread::Handle")
            .field("workers", &self.num_workers())
            .finish_non_exhaustive()
    }
}
