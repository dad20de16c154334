//! The current-thread scheduler: every task runs on the thread that calls
//! `block_on`.
//!
//! The scheduler state that only the driving thread touches — the run
//! queue, the owned-task list, the driver — lives in a [`Core`]. A thread
//! that calls `block_on` takes the core, installs it in its context (so
//! that spawns and wakes on this thread go straight to the local queue, with
//! no lock and no atomic operation), runs tasks and puts the core back when
//! its future completes. Other threads reach the scheduler through the
//! shared [`Handle`]: a locked inject queue, then an unpark.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{
    AtomicBool, AtomicU64, Ordering::AcqRel, Ordering::Acquire, Ordering::Relaxed,
};
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Wake, Waker};

use crate::driver::{self, Driver, Unparker};
use crate::loom::{lock, Mutex};
use crate::runtime::blocking;
use crate::runtime::builder::ThreadOptions;
use crate::runtime::config::{Config, Flavor};
use crate::runtime::scheduler::unhandled_panic::PanicState;
use crate::runtime::thread_park::ThreadPark;
use crate::runtime::{context, coop, scheduler};
use crate::task::list::OwnedTasks;
use crate::task::{new_task, Id, JoinHandle, Notified, Schedule, Task};
use crate::time::clock::Clock;

use crate::runtime::scheduler::every::Every;
use crate::runtime::scheduler::inject::Inject;

/// The most tasks moved from the inject queue per lock.
const INJECT_BATCH: usize = 32;

/// An entry of the inject queue.
enum Injected {
    /// A task woken from another thread.
    Woken(Notified<Arc<Handle>>),
    /// A task spawned from another thread: the core binds it to its owned
    /// list when it takes it.
    Spawned(Task<Arc<Handle>>, Notified<Arc<Handle>>),
}

/// The shared side of a current-thread runtime.
pub(crate) struct Handle {
    pub(crate) driver: driver::Handle,
    inject: Inject<Injected>,
    /// Set by the `block_on` waker: the main future must be polled again.
    woken: AtomicBool,
    /// The core, while no thread drives the scheduler.
    core: Mutex<Option<Box<Core>>>,
    /// Threads in `block_on` waiting for the core to come back.
    core_waiters: Mutex<Vec<Unparker>>,
    event_interval: u32,
    pub(crate) metrics: Metrics,
    /// The runtime's blocking pool.
    pub(crate) blocking: blocking::Spawner,
    /// Park/unpark callbacks.
    hooks: ThreadOptions,
    /// Shared by every worker of a thread-per-core runtime.
    panic_state: Arc<PanicState>,
}

/// Counters kept for `RuntimeMetrics`.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    pub(crate) spawned: AtomicU64,
    pub(crate) polls: AtomicU64,
    pub(crate) parks: AtomicU64,
    pub(crate) remote_schedules: AtomicU64,
}

/// The state only the driving thread touches.
struct Core {
    tasks: VecDeque<Notified<Arc<Handle>>>,
    owned: OwnedTasks<Arc<Handle>>,
    /// When the inject queue goes first.
    inject_first: Every,
    /// Taken out while the thread parks in it.
    driver: Option<Driver>,
    /// Polls counted locally, published to the metrics now and then.
    polls: u64,
}

/// Installed in the thread context while a thread holds the core.
pub(crate) struct Context {
    handle: Arc<Handle>,
    core: RefCell<Option<Box<Core>>>,
}

/// Creates a runtime's shared handle, its core parked inside.
pub(crate) fn new(
    config: &Config,
    blocking: blocking::Spawner,
    hooks: ThreadOptions,
    panic_state: Arc<PanicState>,
) -> std::io::Result<Arc<Handle>> {
    // Only a current-thread runtime's clock may be paused (by tests): a
    // thread-per-core worker's runs as the system's.
    let pausable = cfg!(feature = "test-util") && config.flavor == Flavor::CurrentThread;
    let clock = config
        .enable_time
        .then(|| Clock::new(pausable, config.start_paused));
    let (driver, driver_handle) =
        driver::new(clock, config.enable_io.then_some(config.io_backend))?;
    let core = Box::new(Core {
        tasks: VecDeque::with_capacity(64),
        owned: OwnedTasks::new(),
        inject_first: Every::new(config.global_queue_interval),
        driver: Some(driver),
        polls: 0,
    });
    Ok(Arc::new(Handle {
        driver: driver_handle,
        inject: Inject::new(),
        woken: AtomicBool::new(false),
        core: Mutex::new(Some(core)),
        core_waiters: Mutex::new(Vec::new()),
        event_interval: config.event_interval,
        metrics: Metrics::default(),
        blocking,
        hooks,
        panic_state,
    }))
}

impl Handle {
    pub(crate) fn spawn<F>(me: &Arc<Handle>, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        me.metrics.spawned.fetch_add(1, Relaxed);
        let (task, notified, join) = new_task(future, me.clone(), id);
        let rejected = with_local_core(me, |core| match core {
            Some(core) => match core.owned.bind(task) {
                Ok(()) => {
                    core.tasks.push_back(notified);
                    None
                }
                Err(task) => Some((task, notified)),
            },
            None => match me.inject.push(Injected::Spawned(task, notified)) {
                Ok(()) => {
                    me.driver.unpark();
                    None
                }
                Err(Injected::Spawned(task, notified)) => Some((task, notified)),
                Err(Injected::Woken(_)) => unreachable!("the inject queue returned another entry"),
            },
        });
        if let Some((task, notified)) = rejected {
            // The runtime is shutting down: cancel the task at once.
            drop(notified);
            task.shutdown();
        }
        join
    }

    fn take_core(&self) -> Option<Box<Core>> {
        lock(&self.core).take()
    }

    fn put_core(&self, core: Box<Core>) {
        *lock(&self.core) = Some(core);
        for waiter in lock(&self.core_waiters).drain(..) {
            waiter.unpark();
        }
    }

    /// Tasks alive in the owned list, if the core is parked here.
    pub(crate) fn num_alive_tasks(&self) -> Option<usize> {
        lock(&self.core).as_ref().map(|core| core.owned.len())
    }

    pub(crate) fn inject_depth(&self) -> usize {
        self.inject.len()
    }
}

/// Runs `f` with this thread's core for `handle`, or `None` if this thread
/// does not hold it (or holds it borrowed, during shutdown).
#[inline]
fn with_local_core<R>(handle: &Arc<Handle>, f: impl FnOnce(Option<&mut Core>) -> R) -> R {
    context::with_scheduler(|cx| {
        let cx = match cx {
            Some(scheduler::Context::CurrentThread(cx)) if Arc::ptr_eq(&cx.handle, handle) => cx,
            _ => return f(None),
        };
        match cx.core.try_borrow_mut() {
            Ok(mut core) => f(core.as_deref_mut()),
            Err(_) => f(None),
        }
    })
}

impl Schedule for Arc<Handle> {
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        let released = with_local_core(self, |core| core.and_then(|core| core.owned.remove(task)));
        debug_assert!(
            released.is_some()
                // SAFETY: we hold a reference to `task`; reading the owner
                // field races with no one when it is 0 (rule 4).
                || unsafe { task.raw().header().owner.with(|o| *o) } == 0,
            "a bound task completed off its scheduler's thread"
        );
        released
    }

    fn unhandled_panic(&self) {
        if self.panic_state.task_panicked() {
            // Let a parked `block_on` see it.
            self.driver.unpark();
        }
    }

    fn schedule(&self, task: Notified<Self>) {
        let remote = with_local_core(self, |core| match core {
            Some(core) => {
                core.tasks.push_back(task);
                None
            }
            None => Some(task),
        });
        if let Some(task) = remote {
            self.metrics.remote_schedules.fetch_add(1, Relaxed);
            // A closed inject queue means shutdown: the task was or will be
            // cancelled, so dropping this entry loses nothing.
            if self.inject.push(Injected::Woken(task)).is_ok() {
                self.driver.unpark();
            }
        }
    }
}

/// The waker of the future passed to `block_on`.
struct BlockOnWaker(Arc<Handle>);

impl Wake for BlockOnWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0
            .woken
            .store(true, std::sync::atomic::Ordering::Release);
        self.0.driver.unpark();
    }
}

/// Runs `future` to completion on this thread, driving the scheduler while
/// this thread holds the core.
#[track_caller]
pub(crate) fn block_on<F: Future>(handle: &Arc<Handle>, future: F) -> F::Output {
    let scheduler_handle = scheduler::Handle::CurrentThread(handle.clone());
    let _enter = context::enter_runtime(&scheduler_handle);
    let mut future = pin!(future);
    let mut park: Option<ThreadPark> = None;
    handle.panic_state.check();
    loop {
        if let Some(core) = handle.take_core() {
            let guard = CoreGuard::new(handle, core);
            return guard.enter(|cx| cx.run_until(future.as_mut()));
        }
        // Another thread drives the scheduler: wait for our future or for
        // the core, whichever comes first.
        let park = park.get_or_insert_with(ThreadPark::new);
        lock(&handle.core_waiters).push(park.unparker());
        if lock(&handle.core).is_some() {
            continue;
        }
        let mut cx = TaskContext::from_waker(park.waker());
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        park.park();
    }
}

/// Holds the core while this thread drives the scheduler, and gives it back
/// to the handle when dropped — also when the future passed to `block_on`
/// panics, so the tasks stay with the runtime and are cancelled when it is
/// dropped.
struct CoreGuard<'a> {
    handle: &'a Arc<Handle>,
    cx: scheduler::Context,
}

impl<'a> CoreGuard<'a> {
    fn new(handle: &'a Arc<Handle>, core: Box<Core>) -> CoreGuard<'a> {
        CoreGuard {
            handle,
            cx: scheduler::Context::CurrentThread(Context {
                handle: handle.clone(),
                core: RefCell::new(Some(core)),
            }),
        }
    }

    /// Runs `f` with the core installed in this thread's context.
    fn enter<R>(&self, f: impl FnOnce(&Context) -> R) -> R {
        context::set_scheduler(&self.cx, || match &self.cx {
            scheduler::Context::CurrentThread(cx) => f(cx),
            _ => unreachable!("a current-thread guard holds a current-thread context"),
        })
    }
}

impl Drop for CoreGuard<'_> {
    fn drop(&mut self) {
        if let scheduler::Context::CurrentThread(cx) = &self.cx {
            if let Some(core) = cx.core.borrow_mut().take() {
                self.handle.put_core(core);
            }
        }
    }
}

impl Context {
    /// The scheduler loop: polls `future` whenever it is woken and runs the
    /// tasks in between, parking in the driver when there is nothing to do.
    fn run_until<F: Future>(&self, mut future: Pin<&mut F>) -> F::Output {
        let handle = &self.handle;
        let waker = Waker::from(Arc::new(BlockOnWaker(handle.clone())));
        let mut task_cx = TaskContext::from_waker(&waker);
        handle.woken.store(true, Relaxed);
        loop {
            if handle.woken.swap(false, AcqRel) {
                if let Poll::Ready(out) = coop::budget(|| future.as_mut().poll(&mut task_cx)) {
                    return out;
                }
            }
            // A batch of tasks runs even if the main future was woken
            // meanwhile, so that a future that keeps yielding cannot starve
            // the tasks.
            let mut ran_out = false;
            for _ in 0..handle.event_interval {
                match self.next_task() {
                    Some(task) => {
                        coop::budget(|| task.run());
                        handle.panic_state.check();
                    }
                    None => {
                        ran_out = true;
                        break;
                    }
                }
            }
            if ran_out && !handle.woken.load(Relaxed) {
                self.park(false);
            } else {
                // Let timers (and, later, I/O) in between batches of tasks.
                self.park(true);
            }
        }
    }

    /// The next task to run: the local queue first, except every
    /// `global_queue_interval` ticks, when the inject queue goes first so
    /// that remote work is never starved.
    fn next_task(&self) -> Option<Notified<Arc<Handle>>> {
        let handle = &self.handle;
        let mut core_ref = self.core.borrow_mut();
        let core = core_ref.as_mut().expect("core missing from its context");
        core.polls += 1;
        if !core.inject_first.tick() {
            if let Some(task) = core.tasks.pop_front() {
                return Some(task);
            }
        }
        if !handle.inject.is_empty() {
            let mut rejected = Vec::new();
            for item in handle.inject.pop_batch(INJECT_BATCH) {
                match item {
                    Injected::Woken(task) => core.tasks.push_back(task),
                    Injected::Spawned(task, notified) => match core.owned.bind(task) {
                        Ok(()) => core.tasks.push_back(notified),
                        Err(task) => rejected.push((task, notified)),
                    },
                }
            }
            if !rejected.is_empty() {
                drop(core_ref);
                for (task, notified) in rejected {
                    drop(notified);
                    task.shutdown();
                }
                return self.next_task();
            }
        }
        core.tasks.pop_front()
    }

    /// Parks in the driver (or only polls it, if `yield_only`), with the
    /// core's driver taken out so that wakers fired by the driver can push
    /// into the local queue.
    fn park(&self, yield_only: bool) {
        let handle = &self.handle;
        let mut driver = {
            let mut core_ref = self.core.borrow_mut();
            let core = core_ref.as_mut().expect("core missing from its context");
            handle
                .metrics
                .polls
                .fetch_add(std::mem::take(&mut core.polls), Relaxed);
            let Some(driver) = core.driver.take() else {
                return;
            };
            driver
        };
        if yield_only {
            driver.park_yield(&handle.driver);
        } else if !self.auto_advance(&mut driver) {
            handle.metrics.parks.fetch_add(1, Relaxed);
            handle.hooks.on_park();
            driver.park(&handle.driver);
            handle.hooks.on_unpark();
        }
        if let Some(core) = self.core.borrow_mut().as_mut() {
            core.driver = Some(driver);
        }
    }

    /// With the clock paused (by a test), instead of sleeping: polls the
    /// driver without waiting and, if that gave nothing to run, moves the
    /// clock to the next timer and fires it. `false` if the thread must
    /// sleep after all: the clock runs, a blocking job holds it, the kernel
    /// is still at an operation that finishes on its own, or no timer is
    /// left.
    fn auto_advance(&self, driver: &mut Driver) -> bool {
        let handle = &self.handle;
        let Some(time) = handle.driver.time() else {
            return false;
        };
        if !time.clock().can_auto_advance() {
            return false;
        }
        driver.park_yield(&handle.driver);
        self.has_work() || (!driver.awaits_kernel() && time.auto_advance())
    }

    /// Whether a task or the `block_on` future waits to be polled.
    fn has_work(&self) -> bool {
        let handle = &self.handle;
        let local = self
            .core
            .borrow()
            .as_ref()
            .is_some_and(|core| !core.tasks.is_empty());
        local || !handle.inject.is_empty() || handle.woken.load(Acquire)
    }

    /// Cancels every task and empties every queue. Destructors run here, with
    /// the core installed, so they may spawn (those tasks are cancelled at
    /// once) and wake.
    fn shutdown(&self) {
        let handle = &self.handle;
        loop {
            let mut progressed = false;
            for item in handle.inject.close_and_drain() {
                progressed = true;
                if let Injected::Spawned(task, notified) = item {
                    drop(notified);
                    task.shutdown();
                }
            }
            loop {
                let task = self
                    .core
                    .borrow_mut()
                    .as_mut()
                    .and_then(|c| c.owned.close_and_pop());
                match task {
                    Some(task) => {
                        progressed = true;
                        task.shutdown();
                    }
                    None => break,
                }
            }
            loop {
                let task = self
                    .core
                    .borrow_mut()
                    .as_mut()
                    .and_then(|c| c.tasks.pop_front());
                match task {
                    Some(task) => {
                        progressed = true;
                        drop(task);
                    }
                    None => break,
                }
            }
            if !progressed {
                break;
            }
        }
        handle.driver.shutdown();
    }
}

/// Shuts the runtime down: cancels every task, on this thread.
pub(crate) fn shutdown(handle: &Arc<Handle>) {
    let Some(core) = handle.take_core() else {
        // Another thread is inside `block_on`; it cannot be interrupted. The
        // inject queue is closed so no new work arrives; the tasks are
        // cancelled when the last handle goes.
        handle.inject.close_and_drain();
        return;
    };
    let scheduler_handle = scheduler::Handle::CurrentThread(handle.clone());
    let _current = context::set_current(&scheduler_handle);
    CoreGuard::new(handle, core).enter(|cx| cx.shutdown());
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("current_thread::Handle")
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("current_thread::Context")
            .finish_non_exhaustive()
    }
}
