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
        1
    }

    /// Tasks spawned since the runtime started.
    pub fn spawned_tasks_count(&self) -> u64 {
        match &self.handle {
            scheduler::Handle::CurrentThread(h) => h.metrics.spawned.load(Relaxed),
        }
    }

    /// Tasks alive now, when no thread is driving the runtime (`None` while
    /// one is: the count lives with the scheduler core).
    pub fn num_alive_tasks(&self) -> Option<usize> {
        match &self.handle {
            scheduler::Handle::CurrentThread(h) => h.num_alive_tasks(),
        }
    }

    /// Task polls so far (published at each driver poll).
    pub fn poll_count(&self) -> u64 {
        match &self.handle {
            scheduler::Handle::CurrentThread(h) => h.metrics.polls.load(Relaxed),
        }
    }

    /// Times the scheduler parked with nothing to do.
    pub fn park_count(&self) -> u64 {
        match &self.handle {
            scheduler::Handle::CurrentThread(h) => h.metrics.parks.load(Relaxed),
        }
    }

    /// Unparks that woke a sleeping scheduler thread.
    pub fn wakeup_count(&self) -> u64 {
        self.handle.driver().wakeups() as u64
    }

    /// Tasks scheduled from outside the runtime's thread.
    pub fn remote_schedule_count(&self) -> u64 {
        match &self.handle {
            scheduler::Handle::CurrentThread(h) => h.metrics.remote_schedules.load(Relaxed),
        }
    }

    /// Tasks waiting in the inject (remote) queue.
    pub fn injection_queue_depth(&self) -> usize {
        match &self.handle {
            scheduler::Handle::CurrentThread(h) => h.inject_depth(),
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
