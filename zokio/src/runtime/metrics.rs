//! Runtime counters, readable without any unstable flag.

use std::sync::atomic::Ordering::Relaxed;

use crate::runtime::scheduler;

/// A view of a runtime's counters. Values are read when a method is called.
///
/// ```
/// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async { zokio::spawn(async {}).await.unwrap() });
/// assert_eq!(rt.metrics().spawned_tasks_count(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct RuntimeMetrics {
    handle: scheduler::Handle,
}

impl RuntimeMetrics {
    pub(crate) fn new(handle: scheduler::Handle) -> RuntimeMetrics {
        RuntimeMetrics { handle }
    }

    /// Worker threads of the runtime (1 for current-thread).
    pub fn num_workers(&self) -> usize {
        match &self.handle {
            scheduler::Handle::CurrentThread(_) => 1,
            scheduler::Handle::MultiThread(h) => h.num_workers(),
            scheduler::Handle::PerCore(h) => h.num_workers(),
        }
    }

    /// Tasks spawned since the runtime started.
    pub fn spawned_tasks_count(&self) -> u64 {
        match &self.handle {
            scheduler::Handle::CurrentThread(h) => h.metrics.spawned.load(Relaxed),
            scheduler::Handle::MultiThread(h) => h.metrics().spawned.load(Relaxed),
            scheduler::Handle::PerCore(h) => per_core_sum(h, |w| w.metrics.spawned.load(Relaxed)),
        }
    }

    /// Tasks alive now. `None` on a current-thread (or thread-per-core)
    /// runtime while a thread drives it: the count lives with its core.
    pub fn num_alive_tasks(&self) -> Option<usize> {
        match &self.handle {
            scheduler::Handle::CurrentThread(h) => h.num_alive_tasks(),
            scheduler::Handle::MultiThread(h) => Some(h.num_alive_tasks()),
            scheduler::Handle::PerCore(h) => (0..h.num_workers())
                .map(|i| h.worker(i).num_alive_tasks())
                .sum(),
        }
    }

    /// Task polls so far, all workers together (published by the workers
    /// now and then).
    pub fn poll_count(&self) -> u64 {
        (0..self.num_workers())
            .map(|w| self.worker_poll_count(w))
            .sum()
    }

    /// Task polls by worker `worker`.
    pub fn worker_poll_count(&self, worker: usize) -> u64 {
        match &self.handle {
            scheduler::Handle::CurrentThread(h) => h.metrics.polls.load(Relaxed),
            scheduler::Handle::MultiThread(h) => h.metrics().workers[worker].polls.load(Relaxed),
            scheduler::Handle::PerCore(h) => h.worker(worker).metrics.polls.load(Relaxed),
        }
    }

    /// Times the scheduler parked with nothing to do, all workers together.
    pub fn park_count(&self) -> u64 {
        (0..self.num_workers())
            .map(|w| self.worker_park_count(w))
            .sum()
    }

    /// Times worker `worker` parked.
    pub fn worker_park_count(&self, worker: usize) -> u64 {
        match &self.handle {
            scheduler::Handle::CurrentThread(h) => h.metrics.parks.load(Relaxed),
            scheduler::Handle::MultiThread(h) => h.metrics().workers[worker].parks.load(Relaxed),
            scheduler::Handle::PerCore(h) => h.worker(worker).metrics.parks.load(Relaxed),
        }
    }

    /// Tasks worker `worker` stole from others (multi-thread).
    pub fn worker_steal_count(&self, worker: usize) -> u64 {
        match &self.handle {
            scheduler::Handle::MultiThread(h) => h.metrics().workers[worker].steals.load(Relaxed),
            _ => 0,
        }
    }

    /// Successful steal operations of worker `worker` (each moves a batch).
    pub fn worker_steal_operations(&self, worker: usize) -> u64 {
        match &self.handle {
            scheduler::Handle::MultiThread(h) => {
                h.metrics().workers[worker].steal_operations.load(Relaxed)
            }
            _ => 0,
        }
    }

    /// Times worker `worker`'s run queue overflowed into the inject queue.
    pub fn worker_overflow_count(&self, worker: usize) -> u64 {
        match &self.handle {
            scheduler::Handle::MultiThread(h) => {
                h.metrics().workers[worker].overflows.load(Relaxed)
            }
            _ => 0,
        }
    }

    /// Tasks waiting in worker `worker`'s run queue (multi-thread).
    pub fn worker_local_queue_depth(&self, worker: usize) -> usize {
        match &self.handle {
            scheduler::Handle::MultiThread(h) => h.local_queue_depth(worker),
            _ => 0,
        }
    }

    /// Parked workers woken because new work arrived (multi-thread). Each
    /// is a cross-thread wake-up; the scheduler keeps them few.
    pub fn worker_unpark_count(&self) -> u64 {
        match &self.handle {
            scheduler::Handle::MultiThread(h) => h.metrics().notifies.load(Relaxed),
            _ => 0,
        }
    }

    /// Workers parked right now (multi-thread).
    pub fn num_parked_workers(&self) -> usize {
        match &self.handle {
            scheduler::Handle::MultiThread(h) => h.num_parked_workers(),
            _ => 0,
        }
    }

    /// Workers searching for work to steal right now (multi-thread).
    pub fn num_searching_workers(&self) -> usize {
        match &self.handle {
            scheduler::Handle::MultiThread(h) => h.num_searching_workers(),
            _ => 0,
        }
    }

    /// Unparks that woke a thread sleeping in the driver.
    pub fn wakeup_count(&self) -> u64 {
        match &self.handle {
            scheduler::Handle::PerCore(h) => per_core_sum(h, |w| w.driver.wakeups() as u64),
            other => other.driver().wakeups() as u64,
        }
    }

    /// Stream sockets whose receive moved to another worker's I/O driver
    /// (its ring, or its epoll instance on the readiness backend), to sit
    /// with the peer its packets come from (multi-thread; zero elsewhere).
    /// A task runs where its socket receives, so this counts connections
    /// that changed worker for locality.
    pub fn io_receive_move_count(&self) -> u64 {
        match &self.handle {
            scheduler::Handle::MultiThread(_) => self.handle.driver().receive_moves(),
            _ => 0,
        }
    }

    /// Tasks scheduled from outside the runtime's worker threads.
    pub fn remote_schedule_count(&self) -> u64 {
        match &self.handle {
            scheduler::Handle::CurrentThread(h) => h.metrics.remote_schedules.load(Relaxed),
            scheduler::Handle::MultiThread(h) => h.metrics().remote_schedules.load(Relaxed),
            scheduler::Handle::PerCore(h) => {
                per_core_sum(h, |w| w.metrics.remote_schedules.load(Relaxed))
            }
        }
    }

    /// Tasks waiting in the inject (remote) queue.
    pub fn injection_queue_depth(&self) -> usize {
        match &self.handle {
            scheduler::Handle::CurrentThread(h) => h.inject_depth(),
            scheduler::Handle::MultiThread(h) => h.inject_depth(),
            scheduler::Handle::PerCore(h) => per_core_sum(h, |w| w.inject_depth() as u64) as usize,
        }
    }

    /// Threads of the blocking pool now, busy or idle.
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.metrics().num_blocking_threads(), 0);
    /// rt.block_on(rt.spawn_blocking(|| ())).unwrap();
    /// // The thread stays for `thread_keep_alive` in case more work comes.
    /// assert_eq!(rt.metrics().num_blocking_threads(), 1);
    /// ```
    pub fn num_blocking_threads(&self) -> usize {
        self.handle.blocking_spawner().num_threads()
    }

    /// Threads of the blocking pool waiting for a job.
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.metrics().num_idle_blocking_threads(), 0);
    /// ```
    pub fn num_idle_blocking_threads(&self) -> usize {
        self.handle.blocking_spawner().num_idle_threads()
    }

    /// Blocking jobs queued and not yet started (all the pool's threads are
    /// busy).
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.metrics().blocking_queue_depth(), 0);
    /// ```
    pub fn blocking_queue_depth(&self) -> usize {
        self.handle.blocking_spawner().queue_depth()
    }

    /// Polls cut short by the cooperative budget on this thread.
    pub fn budget_forced_yield_count(&self) -> u64 {
        crate::runtime::context::forced_yields()
    }
}

fn per_core_sum(
    handle: &scheduler::per_core::Handle,
    f: impl Fn(&scheduler::current_thread::Handle) -> u64,
) -> u64 {
    (0..handle.num_workers()).map(|i| f(handle.worker(i))).sum()
}
