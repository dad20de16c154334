//! The blocking pool: a queue of jobs and the threads that run them.
//!
//! # Bookkeeping
//!
//! All of it lives in [`Shared`], behind one mutex; no user code runs while
//! it is held (jobs, their destructors and the thread callbacks run after
//! it is released), except the thread-name function, which runs while a
//! thread is started.
//!
//! * A spawn pushes its job, then wakes one idle thread (taking it off
//!   `num_idle` and owing it a wake-up in `num_notify`), or, if none is
//!   idle and the cap allows, starts a thread.
//! * A thread runs jobs until the queue is empty, then waits on `work` for
//!   at most `keep_alive`. It goes back to the queue only with a wake-up it
//!   is owed (a condvar may wake spuriously), and exits at shutdown or once
//!   `keep_alive` has passed with none.
//! * So a queued job is never stranded: every thread counted in
//!   `num_threads` and not in `num_idle` looks at the queue before it waits
//!   or exits. When starting a thread fails, the job stays queued if some
//!   thread exists, and is taken back out (and the spawn panics) if none
//!   does.
//! * Shutdown sets `shutdown`, cancels what is queued, wakes every thread
//!   and waits on `exited` until `num_alive` reaches zero or the timeout
//!   passes, then joins the threads that exited.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::mem;
use std::thread;
use std::time::{Duration, Instant};

use slab::Slab;

use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::{lock, Arc, Condvar, Mutex, MutexGuard};
use crate::runtime::blocking::task::Job;
use crate::runtime::builder::ThreadOptions;
use crate::runtime::{context, scheduler};
use crate::task::{Id, JoinHandle};

/// The owner's side of a blocking pool: only it shuts the pool down.
pub(crate) struct BlockingPool {
    spawner: Spawner,
}

/// A cloneable handle that queues jobs on a blocking pool.
#[derive(Clone)]
pub(crate) struct Spawner {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Mutex<Shared>,
    /// Idle threads wait here for a job or for shutdown.
    work: Condvar,
    /// Shutdown waits here for the last thread to exit.
    exited: Condvar,
    /// The most threads the pool may have at once.
    thread_cap: usize,
    keep_alive: Duration,
    options: ThreadOptions,
    /// Threads whose job has returned and that have not yet looked at the
    /// queue again. Each will take the next queued job within microseconds,
    /// so a spawn counts them as available instead of starting a thread:
    /// without this, a task that spawns its next job as soon as the last
    /// one wakes it finds no idle thread and starts a new one every time.
    finishing: Arc<AtomicUsize>,
}

struct Shared {
    /// Jobs spawned and not yet started.
    queue: VecDeque<Job>,
    /// Threads started and still taking jobs (busy or idle).
    num_threads: usize,
    /// Threads started that have not yet taken the lock for the first
    /// time. At most one at a time: a burst of jobs does not start a
    /// thread per job; the new thread starts the next one if jobs are
    /// still waiting when it runs (see `run_jobs`).
    num_starting: usize,
    /// Threads waiting for a job that are owed no wake-up.
    num_idle: usize,
    /// Wake-ups sent to idle threads and not yet taken by one.
    num_notify: usize,
    /// Threads started whose last act (after their stop callback) is still
    /// to come; shutdown waits for this to reach zero.
    num_alive: usize,
    /// Set once, by [`BlockingPool::shutdown`]; later spawns are cancelled.
    shutdown: bool,
    /// Join handles of the threads, keyed by the key each thread was given.
    /// A thread that exits on its own takes its handle out (detaching
    /// itself); at shutdown they stay, to be joined.
    threads: Slab<thread::JoinHandle<()>>,
}

/// Why a job could not be queued; the job comes back to be cancelled.
enum Refused {
    ShutDown(Job),
    NoThread(Job, io::Error),
}

thread_local! {
    /// The pool (its `Inner`'s address) this thread belongs to; 0 if none.
    static POOL_OF_THREAD: Cell<usize> = const { Cell::new(0) };
    /// The `finishing` counter of this thread's pool.
    static POOL_FINISHING: RefCell<Option<Arc<AtomicUsize>>> = const { RefCell::new(None) };
    /// Whether this thread counted itself in `finishing`.
    static FINISHING_COUNTED: Cell<bool> = const { Cell::new(false) };
}

/// Called by a blocking job on a pool thread once its closure returned:
/// the thread is about to look at the queue again.
pub(crate) fn job_body_returned() {
    let _ = POOL_FINISHING.try_with(|f| {
        if let Some(finishing) = &*f.borrow() {
            finishing.fetch_add(1, SeqCst);
            FINISHING_COUNTED.with(|c| c.set(true));
        }
    });
}

impl BlockingPool {
    /// A pool of at most `thread_cap` threads, none started yet.
    pub(crate) fn new(
        thread_cap: usize,
        keep_alive: Duration,
        options: ThreadOptions,
    ) -> BlockingPool {
        let inner = Inner {
            shared: Mutex::new(Shared {
                queue: VecDeque::new(),
                num_threads: 0,
                num_idle: 0,
                num_notify: 0,
                num_alive: 0,
                num_starting: 0,
                shutdown: false,
                threads: Slab::new(),
            }),
            work: Condvar::new(),
            exited: Condvar::new(),
            thread_cap,
            keep_alive,
            options,
            finishing: Arc::new(AtomicUsize::new(0)),
        };
        BlockingPool {
            spawner: Spawner {
                inner: Arc::new(inner),
            },
        }
    }

    pub(crate) fn spawner(&self) -> &Spawner {
        &self.spawner
    }

    /// Cancels the queued jobs, tells the threads to exit once their
    /// current job is done, and waits for them: for ever if `timeout` is
    /// `None`, not at all if it is zero. It never waits when called from an
    /// asynchronous context or from one of this pool's threads, where
    /// waiting could deadlock. Later calls do nothing.
    pub(crate) fn shutdown(&mut self, timeout: Option<Duration>) {
        let inner = &self.spawner.inner;
        let queued = {
            let mut shared = lock(&inner.shared);
            if shared.shutdown {
                return;
            }
            shared.shutdown = true;
            inner.work.notify_all();
            mem::take(&mut shared.queue)
        };
        for job in queued {
            job.cancel();
        }
        if timeout == Some(Duration::ZERO) || context::is_in_runtime() || inner.is_pool_thread() {
            return;
        }
        // A deadline too far to represent is no deadline.
        let deadline = timeout.and_then(|timeout| Instant::now().checked_add(timeout));
        let mut shared = lock(&inner.shared);
        while shared.num_alive > 0 {
            shared = match deadline {
                None => wait(&inner.exited, shared),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return;
                    }
                    wait_timeout(&inner.exited, shared, deadline - now)
                }
            };
        }
        let threads = mem::take(&mut shared.threads);
        drop(shared);
        for (_, thread) in threads {
            // Each has done its last act; a panic there was its own (the
            // callbacks and jobs catch theirs), so there is nothing to add.
            let _ = thread.join();
        }
    }
}

impl Drop for BlockingPool {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl Spawner {
    /// Queues `func` to run on a pool thread; `rt` is the runtime the
    /// thread enters.
    ///
    /// # Panics
    ///
    /// If the pool has no thread and the OS refuses to start one.
    #[track_caller]
    pub(crate) fn spawn_blocking<F, R>(&self, rt: &scheduler::Handle, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (job, join) = Job::new(func, Id::next());
        // A paused test clock must not skip time while the job may still
        // wake a task: the job holds its auto-advance off until done.
        #[cfg(feature = "test-util")]
        let job = job.holding_clock(crate::time::clock::Inhibit::new(rt));
        match self.push(rt, job) {
            Ok(()) => join,
            Err(Refused::ShutDown(job)) => {
                job.cancel();
                join
            }
            Err(Refused::NoThread(job, err)) => {
                job.cancel();
                drop(join);
                panic!(
                    "OS can't spawn a thread for the blocking pool, and the pool has none \
                     to run the job: {err}"
                );
            }
        }
    }

    fn push(&self, rt: &scheduler::Handle, job: Job) -> Result<(), Refused> {
        let inner = &self.inner;
        let mut shared = lock(&inner.shared);
        if shared.shutdown {
            return Err(Refused::ShutDown(job));
        }
        shared.queue.push_back(job);
        if inner.finishing.load(SeqCst) + shared.num_starting >= shared.queue.len() {
            // A thread just done with its job, or one being started, takes
            // this one: both look at the queue under this lock, and neither
            // needs a wake-up (a sleeping thread on another core costs one).
            return Ok(());
        }
        if shared.num_idle > 0 {
            shared.num_idle -= 1;
            shared.num_notify += 1;
            inner.work.notify_one();
            return Ok(());
        }
        if shared.num_starting > 0 {
            // The thread being started starts the next one if jobs still
            // wait when it runs.
            return Ok(());
        }
        if shared.num_threads == inner.thread_cap {
            // Every thread is busy; the first one done takes the job.
            return Ok(());
        }
        match self.start_thread(&mut shared, rt) {
            Ok(()) => Ok(()),
            // A busy thread will take the job when it is done.
            Err(_) if shared.num_threads > 0 => Ok(()),
            Err(err) => {
                // No thread will ever look at the queue: take the job back
                // (it is the last one: the lock was held since the push).
                let job = shared.queue.pop_back().expect("the job just queued");
                Err(Refused::NoThread(job, err))
            }
        }
    }

    /// Starts a pool thread. Called with the lock held, so that the thread
    /// is counted and its handle stored before it can look at `Shared`.
    fn start_thread(&self, shared: &mut Shared, rt: &scheduler::Handle) -> io::Result<()> {
        let entry = shared.threads.vacant_entry();
        let key = entry.key();
        let inner = self.inner.clone();
        let rt = rt.clone();
        let thread = self
            .inner
            .options
            .thread_builder()
            .spawn(move || run_thread(inner, rt, key))?;
        entry.insert(thread);
        shared.num_threads += 1;
        shared.num_starting += 1;
        shared.num_alive += 1;
        Ok(())
    }

    /// Threads of the pool, busy or idle.
    pub(crate) fn num_threads(&self) -> usize {
        lock(&self.inner.shared).num_threads
    }

    /// Threads of the pool waiting for a job (a thread woken for a job
    /// counts as busy).
    pub(crate) fn num_idle_threads(&self) -> usize {
        lock(&self.inner.shared).num_idle
    }

    /// Jobs queued and not yet started.
    pub(crate) fn queue_depth(&self) -> usize {
        lock(&self.inner.shared).queue.len()
    }
}

/// The life of a pool thread: in the runtime's context, run jobs until
/// shutdown or until idle for `keep_alive`.
fn run_thread(inner: Arc<Inner>, rt: scheduler::Handle, key: usize) {
    POOL_OF_THREAD.with(|pool| pool.set(inner.address()));
    POOL_FINISHING.with(|f| *f.borrow_mut() = Some(inner.finishing.clone()));
    {
        let _current = context::set_current(&rt);
        inner.options.on_start();
        inner.run_jobs(&inner, key, &rt);
        inner.options.on_stop();
    }
    // The runtime may be gone; let its last references go before the
    // thread counts as exited.
    drop(rt);
    let mut shared = lock(&inner.shared);
    shared.num_alive -= 1;
    if shared.num_alive == 0 {
        inner.exited.notify_all();
    }
}

impl Inner {
    fn address(&self) -> usize {
        self as *const Inner as usize
    }

    /// Whether this thread is one of this pool's.
    fn is_pool_thread(&self) -> bool {
        POOL_OF_THREAD.with(Cell::get) == self.address()
    }

    fn run_jobs(&self, me: &Arc<Inner>, key: usize, rt: &scheduler::Handle) {
        let mut shared = lock(&self.shared);
        shared.num_starting -= 1;
        // More jobs wait than this thread (and those about to finish) can
        // take at once: start the next thread, one at a time.
        if shared.queue.len() > 1 + self.finishing.load(SeqCst)
            && shared.num_idle == 0
            && shared.num_threads < self.thread_cap
            && !shared.shutdown
        {
            let spawner = Spawner { inner: me.clone() };
            // A refused thread only means fewer threads: this one and the
            // others still take the jobs.
            let _ = spawner.start_thread(&mut shared, rt);
        }
        'work: loop {
            while let Some(job) = shared.queue.pop_front() {
                drop(shared);
                job.run();
                shared = lock(&self.shared);
                if FINISHING_COUNTED.with(|c| c.replace(false)) {
                    self.finishing.fetch_sub(1, SeqCst);
                }
            }
            if shared.shutdown {
                break;
            }
            shared.num_idle += 1;
            // A keep-alive too long to represent is for ever.
            let deadline = Instant::now().checked_add(self.keep_alive);
            loop {
                shared = match deadline {
                    None => wait(&self.work, shared),
                    Some(deadline) => {
                        let left = deadline.saturating_duration_since(Instant::now());
                        wait_timeout(&self.work, shared, left)
                    }
                };
                if shared.num_notify > 0 {
                    // A spawn took this thread off `num_idle` already.
                    shared.num_notify -= 1;
                    continue 'work;
                }
                if shared.shutdown {
                    shared.num_idle -= 1;
                    break 'work;
                }
                if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                    shared.num_idle -= 1;
                    // Exiting on its own: no one will join this thread.
                    drop(shared.threads.try_remove(key));
                    break 'work;
                }
                // A spurious wake-up: wait on.
            }
        }
        shared.num_threads -= 1;
    }
}

fn wait<'a, T>(condvar: &Condvar, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    // The data behind every lock here stays consistent across a panic (see
    // `crate::loom::lock`).
    match condvar.wait(guard) {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn wait_timeout<'a, T>(
    condvar: &Condvar,
    guard: MutexGuard<'a, T>,
    timeout: Duration,
) -> MutexGuard<'a, T> {
    match condvar.wait_timeout(guard, timeout) {
        Ok((guard, _)) => guard,
        Err(poisoned) => poisoned.into_inner().0,
    }
}

impl fmt::Debug for BlockingPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingPool")
            .field("spawner", &self.spawner)
            .finish()
    }
}

impl fmt::Debug for Spawner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("blocking::Spawner")
            .field("thread_cap", &self.inner.thread_cap)
            .field("keep_alive", &self.inner.keep_alive)
            .finish_non_exhaustive()
    }
}
