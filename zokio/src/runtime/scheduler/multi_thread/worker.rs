//! A worker: the loop that runs tasks, steals and parks, and the core it
//! owns while it runs.

use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use crate::loom::lock;
use crate::runtime::config::Config;
use crate::runtime::scheduler::every::Every;
use crate::runtime::scheduler::inject::Inject;
use crate::runtime::{context, coop, scheduler};
use crate::task::{Id, Notified};

use super::harvest::Harvest;
use super::load::Load;
use super::park::Parker;
use super::queue::{self, Overflow};
use super::Handle;

/// Tasks woken by the driver that may be a pair serving each other (a
/// client and its server, woken in turn): as few as this stay on their
/// worker unless their polls are long (see [`Load::worth_moving`]).
const PAIR_BACKLOG: usize = 2;
/// Tasks run from the LIFO slot in a row before the slot's task goes to the
/// back of the queue, so that two tasks waking each other cannot starve
/// the rest.
const MAX_LIFO_POLLS: usize = 3;

/// What a worker does about the tasks the driver just woke into its queue.
enum AfterWake {
    /// Runs them.
    Stay,
    /// Wakes a parked worker to steal some.
    Help,
    /// Gives this one to a parked worker.
    HandOff(Notified<Arc<Handle>>),
}

/// The state a worker owns.
pub(crate) struct Core {
    index: usize,
    /// When maintenance runs between tasks.
    maintain: Every,
    /// When the inject queue goes first.
    inject_first: Every,
    /// The task woken last by the running task; runs next.
    lifo: Option<Notified<Arc<Handle>>>,
    run_queue: queue::Local<Notified<Arc<Handle>>>,
    is_searching: bool,
    /// Set while the worker sleeps: tasks woken by the timers it fires
    /// then go to its own queue without waking another worker.
    is_parked: bool,
    rand: u32,
    stats: Stats,
    /// How long the queued tasks will take, roughly.
    load: Load,
    /// The task polled last, to tell a task that takes turns with another
    /// from one that runs alone (see [`Core::after_driver`]).
    last_polled: Option<Id>,
    /// Set when this worker has just handed its one queued task to a
    /// parked worker through the inject queue: it leaves that queue alone
    /// until it runs a task or parks, so as not to take the task back.
    handed_off: bool,
    /// What the worker sleeps on; travels with the core when
    /// `block_in_place` hands it to another thread.
    park: Option<Parker>,
}

/// Counters kept locally and published now and then (polls are counted
/// by the core's [`Load`], which needs them too).
#[derive(Default)]
struct Stats {
    /// The `Load` poll count already published.
    polls_published: u64,
    steals: u64,
    steal_operations: u64,
    parks: u64,
    overflows: u64,
}

/// Installed in the thread context of a worker thread.
pub(crate) struct Context {
    handle: Arc<Handle>,
    core: RefCell<Option<Box<Core>>>,
    /// What this thread has seen of the other workers' drivers. Outside
    /// the core: the I/O it delivers wakes tasks into the core.
    harvest: RefCell<Harvest>,
}

impl<T> Overflow<T> for Inject<T> {
    fn push(&self, task: T) {
        // A closed queue means shutdown: the task is or will be cancelled.
        let _ = Inject::push(self, task);
    }

    fn push_batch<I: Iterator<Item = T>>(&self, iter: I) {
        let _ = Inject::push_batch(self, iter);
    }
}

impl Core {
    pub(super) fn new(
        index: usize,
        run_queue: queue::Local<Notified<Arc<Handle>>>,
        park: Parker,
        config: &Config,
    ) -> Core {
        Core {
            index,
            maintain: Every::new(config.event_interval),
            inject_first: Every::new(config.global_queue_interval),
            lifo: None,
            run_queue,
            is_searching: false,
            is_parked: false,
            rand: 0x9E37_79B9 ^ (index as u32).wrapping_mul(0x85EB_CA6B),
            stats: Stats::default(),
            load: Load::new(),
            last_polled: None,
            handed_off: false,
            park: Some(park),
        }
    }

    /// Queues a task woken or spawned on this worker. True if a parked
    /// worker should be woken to help.
    pub(super) fn schedule_local(
        &mut self,
        task: Notified<Arc<Handle>>,
        is_yield: bool,
        lifo_enabled: bool,
        inject: &Inject<Notified<Arc<Handle>>>,
    ) -> bool {
        if self.is_parked {
            self.push_back(task, inject);
            return false;
        }
        if is_yield || !lifo_enabled {
            self.push_back(task, inject);
            return true;
        }
        match self.lifo.replace(task) {
            Some(prev) => {
                self.push_back(prev, inject);
                true
            }
            None => false,
        }
    }

    fn push_back(&mut self, task: Notified<Arc<Handle>>, inject: &Inject<Notified<Arc<Handle>>>) {
        if self.run_queue.push_back_or_overflow(task, inject) > 0 {
            self.stats.overflows += 1;
        }
    }

    fn has_work(&self) -> bool {
        self.lifo.is_some() || self.run_queue.has_tasks()
    }

    /// After the driver woke tasks into this queue (a park or maintenance
    /// pass): whether they need another worker.
    ///
    /// * One task, while polls run long ([`Load::polls_are_long`]), that is
    ///   not the one polled last: it takes turns with that one (a stream's
    ///   writer and reader, each filling or draining the socket in one long
    ///   poll), and goes to a parked worker, where the two overlap. Its I/O
    ///   goes to that worker's driver from then on, so the split holds. The
    ///   task polled last, woken again, runs alone and stays.
    /// * Otherwise one task stays: this worker runs it next, and a helper
    ///   would find nothing to steal.
    /// * More than [`PAIR_BACKLOG`] by the usual rule ([`Load::worth_help`]),
    ///   as many independent connections gain from a second core; fewer only
    ///   for long polls ([`Load::worth_moving`]).
    fn after_driver(&mut self) -> AfterWake {
        let queued = self.run_queue.len() + usize::from(self.lifo.is_some());
        if queued <= 1 {
            if self.load.polls_are_long() {
                if let Some(task) = self.lifo.take().or_else(|| self.run_queue.pop()) {
                    if Some(task.id()) != self.last_polled {
                        return AfterWake::HandOff(task);
                    }
                    self.lifo = Some(task);
                }
            }
            return AfterWake::Stay;
        }
        // Two or more: at least one is in the run queue, for a helper to steal.
        let help = (queued > PAIR_BACKLOG && self.load.worth_help(queued))
            || self.load.worth_moving(queued);
        if help {
            AfterWake::Help
        } else {
            AfterWake::Stay
        }
    }

    /// Whether this worker's queue holds enough work to wake an idle worker
    /// to help (see [`Load`]).
    pub(super) fn worth_help(&self) -> bool {
        self.load
            .worth_help(self.run_queue.len() + usize::from(self.lifo.is_some()))
    }

    fn next_rand(&mut self) -> u32 {
        // xorshift32
        let mut x = self.rand;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rand = x;
        x
    }

    fn publish_stats(&mut self, handle: &Handle) {
        let m = &handle.shared.metrics.workers[self.index];
        let polls = self.load.polls();
        let s = std::mem::replace(
            &mut self.stats,
            Stats {
                polls_published: polls,
                ..Stats::default()
            },
        );
        m.polls.fetch_add(polls - s.polls_published, Relaxed);
        m.steals.fetch_add(s.steals, Relaxed);
        m.steal_operations.fetch_add(s.steal_operations, Relaxed);
        m.parks.fetch_add(s.parks, Relaxed);
        m.overflows.fetch_add(s.overflows, Relaxed);
    }

    /// Drops every queued entry (at shutdown); true if there were any.
    pub(super) fn drain(&mut self) -> bool {
        let mut any = self.lifo.take().is_some();
        while self.run_queue.pop().is_some() {
            any = true;
        }
        any
    }
}

/// Runs `f` with this thread's core for `handle`, or `None` if this thread
/// is not one of its workers (or its core is borrowed or gone).
pub(super) fn with_local_core<R>(
    handle: &Arc<Handle>,
    f: impl FnOnce(Option<&mut Core>) -> R,
) -> R {
    context::with_scheduler(|cx| {
        let cx = match cx {
            Some(scheduler::Context::MultiThread(cx)) if Arc::ptr_eq(&cx.handle, handle) => cx,
            _ => return f(None),
        };
        match cx.core.try_borrow_mut() {
            Ok(mut core) => f(core.as_deref_mut()),
            Err(_) => f(None),
        }
    })
}

impl Core {
    pub(super) fn schedule_local_from(
        &mut self,
        handle: &Handle,
        task: Notified<Arc<Handle>>,
        is_yield: bool,
    ) -> bool {
        self.schedule_local(task, is_yield, handle.lifo_enabled, &handle.shared.inject)
    }
}

/// The body of a worker thread: runs until shutdown, or until
/// `block_in_place` hands the core to another thread.
pub(crate) fn run(handle: Arc<Handle>, core: Box<Core>) {
    let scheduler_handle = scheduler::Handle::MultiThread(handle.clone());
    let _enter = context::enter_runtime(&scheduler_handle);
    let cx = scheduler::Context::MultiThread(Context {
        handle: handle.clone(),
        core: RefCell::new(Some(core)),
        harvest: RefCell::new(Harvest::new(handle.num_workers())),
    });
    context::set_scheduler(&cx, || {
        if let scheduler::Context::MultiThread(cx) = &cx {
            cx.run();
        }
    });
    if let scheduler::Context::MultiThread(cx) = cx {
        if let Some(mut core) = cx.core.into_inner() {
            core.publish_stats(&handle);
            lock(&handle.shared.exited_cores).push(*core);
        }
    }
}

impl Context {
    /// Takes the core away from this thread so that another thread can run
    /// it while this one blocks (`block_in_place`).
    pub(crate) fn take_core(&self) -> Option<(Arc<Handle>, Box<Core>)> {
        let core = self.core.try_borrow_mut().ok()?.take()?;
        Some((self.handle.clone(), core))
    }

    /// Gives back a core taken by `take_core` (the hand-off failed).
    pub(crate) fn put_core(&self, core: Box<Core>) {
        *self.core.borrow_mut() = Some(core);
    }

    fn has_core(&self) -> bool {
        self.core.borrow().is_some()
    }

    /// Ends `c`'s batch of polls and publishes its mean poll time.
    fn end_batch(&self, c: &mut Core) {
        c.load.end_batch();
        self.handle.shared.remotes[c.index]
            .mean_poll_ns
            .store(c.load.mean_ns(), Relaxed);
    }

    fn with_core<R>(&self, f: impl FnOnce(&mut Core) -> R) -> R {
        f(self
            .core
            .borrow_mut()
            .as_mut()
            .expect("worker core missing from its context"))
    }

    fn run(&self) {
        // I/O started on this thread goes to this worker's driver.
        let io = self.with_core(|c| {
            c.park
                .as_ref()
                .and_then(Parker::io)
                .map(|io| io.io_handle())
        });
        crate::driver::set_worker_io(io);
        self.run_ticks();
        crate::driver::set_worker_io(None);
    }

    fn run_ticks(&self) {
        let handle = &*self.handle;
        self.with_core(|c| c.load.begin_batch());
        // The core leaves this thread if a task calls `block_in_place`.
        while !handle.is_shutdown() && self.has_core() {
            let (maintain, inject_first) =
                self.with_core(|c| (c.maintain.tick(), c.inject_first.tick()));
            if maintain {
                self.maintenance();
            }
            if let Some(task) = self.next_task(inject_first) {
                self.run_task(task);
                continue;
            }
            if self.flush_own_ring() {
                continue;
            }
            if let Some(task) = self.steal_work() {
                self.run_task(task);
                continue;
            }
            self.park();
        }
    }

    /// Between batches: poll the I/O driver if no other worker sleeps in
    /// it (so completions are delivered while every worker is busy), fire
    /// due timers, publish counters.
    fn maintenance(&self) {
        // The parker leaves the core meanwhile: completion handlers wake
        // tasks, which queue on this core as they do while it is parked
        // (at the back, waking no other worker: this one runs them next,
        // and a connection stays on the worker whose ring serves it).
        let mut parker = self.with_core(|c| {
            self.end_batch(c);
            c.is_parked = true;
            c.park.take().expect("worker parker missing")
        });
        parker.maintain(&self.handle.shared.driver, &self.handle.driver);
        let next = self.with_core(|c| {
            c.is_parked = false;
            c.park = Some(parker);
            c.load.begin_batch();
            c.after_driver()
        });
        self.act_after_driver(next);
        self.with_core(|c| c.publish_stats(&self.handle));
    }

    fn act_after_driver(&self, next: AfterWake) {
        match next {
            AfterWake::Stay => {}
            // More woke than this worker gets to soon: let an idle one help.
            AfterWake::Help => self.handle.notify_parked(),
            AfterWake::HandOff(task) => match self.handle.hand_to_parked(task) {
                Ok(()) => self.with_core(|c| c.handed_off = true),
                Err(task) => self.with_core(|c| c.lifo = Some(task)),
            },
        }
    }

    /// Out of local tasks: submits what this worker's own ring holds and
    /// delivers what completed, before looking at other workers' queues.
    /// Its tasks are mostly waiting for those entries (their sends go with
    /// the next `io_uring_enter`), and stealing instead would move a
    /// connection's task off the worker its peer and its ring are on.
    /// Whether that gave this worker work.
    fn flush_own_ring(&self) -> bool {
        if !self.with_core(|c| c.park.as_ref().is_some_and(|p| p.has_pending_io())) {
            return false;
        }
        self.maintenance();
        self.with_core(|c| c.has_work())
    }

    /// The local queue, except every `global_queue_interval` ticks when the
    /// inject queue goes first; when the local queue is empty, a fair share
    /// of the inject queue moves into it.
    fn next_task(&self, inject_first: bool) -> Option<Notified<Arc<Handle>>> {
        let handle = &*self.handle;
        let inject = &handle.shared.inject;
        if self.with_core(|c| c.handed_off) {
            return self.with_core(|c| c.lifo.take().or_else(|| c.run_queue.pop()));
        }
        if inject_first {
            if let Some(task) = inject.pop() {
                return Some(task);
            }
            return self.with_core(|c| c.lifo.take().or_else(|| c.run_queue.pop()));
        }
        // The LIFO slot is normally drained right after the task that filled
        // it, but a task woken by the driver during maintenance lands there
        // with nothing running.
        if let Some(task) = self.with_core(|c| c.lifo.take().or_else(|| c.run_queue.pop())) {
            return Some(task);
        }
        if inject.is_empty() {
            return None;
        }
        let share = inject.len() / handle.num_workers() + 1;
        let room = self.with_core(|c| {
            c.run_queue
                .remaining_slots()
                .min(c.run_queue.max_capacity() / 2)
        });
        let mut batch = inject.pop_batch(share.min(room).max(1)).into_iter();
        let first = batch.next()?;
        if batch.len() > 0 {
            self.with_core(|c| c.run_queue.push_back(batch));
        }
        Some(first)
    }

    /// Becomes a searcher (unless too many search) and steals half of
    /// another worker's queue, starting at a random victim.
    fn steal_work(&self) -> Option<Notified<Arc<Handle>>> {
        let handle = &*self.handle;
        let remotes = &handle.shared.remotes;
        let start = self.with_core(|c| {
            if !c.is_searching {
                if !handle.shared.idle.transition_worker_to_searching() {
                    return None;
                }
                c.is_searching = true;
            }
            Some(c.next_rand() as usize % remotes.len())
        })?;
        let me = self.with_core(|c| c.index);
        for i in 0..remotes.len() {
            let victim = (start + i) % remotes.len();
            if victim == me {
                continue;
            }
            let stolen = self.with_core(|c| {
                let before = c.run_queue.len();
                let task = remotes[victim].steal.steal_into(&mut c.run_queue)?;
                c.stats.steal_operations += 1;
                c.stats.steals += (c.run_queue.len() - before) as u64 + 1;
                Some(task)
            });
            if stolen.is_some() {
                return stolen;
            }
        }
        if self.with_core(|c| c.handed_off) {
            return None;
        }
        handle.shared.inject.pop()
    }

    fn run_task(&self, task: Notified<Arc<Handle>>) {
        let handle = &*self.handle;
        let was_searching = self.with_core(|c| {
            c.load.polled();
            c.last_polled = Some(task.id());
            c.handed_off = false;
            std::mem::take(&mut c.is_searching)
        });
        if was_searching && handle.shared.idle.transition_worker_from_searching() {
            // The last searcher found work: wake another to keep looking.
            handle.notify_parked();
        }
        coop::budget(|| {
            task.run();
            let mut lifo_polls = 0;
            loop {
                if !self.has_core() {
                    // Handed off by `block_in_place`: the LIFO slot went
                    // with the core.
                    return;
                }
                let Some(next) = self.with_core(|c| c.lifo.take()) else {
                    return;
                };
                if lifo_polls >= MAX_LIFO_POLLS || !coop::has_budget_remaining() {
                    // To the back of this worker's queue, waking no other
                    // worker: two tasks that wake each other run best on
                    // one thread, and the next tick reaches the rest.
                    self.with_core(|c| c.push_back(next, &handle.shared.inject));
                    return;
                }
                lifo_polls += 1;
                self.with_core(|c| {
                    c.load.polled();
                    c.last_polled = Some(next.id());
                });
                next.run();
            }
        });
    }

    /// Sleeps until there is work (or shutdown).
    fn park(&self) {
        let handle = &*self.handle;
        let (index, was_searching, has_work) = self.with_core(|c| {
            self.end_batch(c);
            c.handed_off = false;
            let out = (c.index, c.is_searching, c.has_work());
            c.is_searching = false;
            out
        });
        if has_work {
            self.with_core(|c| c.load.begin_batch());
            return;
        }
        if handle
            .shared
            .idle
            .transition_worker_to_parked(index, was_searching)
        {
            // We were the last searcher: look once more for work that came
            // in while we searched, so that it does not wait for a wake-up.
            handle.notify_if_work_pending();
        }
        loop {
            let mut parker = self.with_core(|c| {
                c.is_parked = true;
                c.publish_stats(handle);
                c.park.take().expect("worker parker missing")
            });
            // A stuck peer's I/O may give this worker work instead. Marked
            // as sleeping with no deadline before it looks, so that a peer
            // waking meanwhile either is seen awake or wakes this one.
            let sleep = &handle.shared.remotes[index].sleep;
            let cap = parker.io().and_then(|own| {
                sleep.set(None);
                let cap = self.harvest.borrow_mut().before_park(
                    index,
                    &handle.shared.remotes,
                    own,
                    || handle.has_alive_tasks(),
                );
                sleep.set(cap);
                cap
            });
            let parks = !self.with_core(|c| c.has_work());
            if parks {
                handle.shared.threads_options.on_park();
                parker.park(&handle.shared.driver, &handle.driver, cap);
                handle.shared.threads_options.on_unpark();
            }
            sleep.clear();
            self.with_core(|c| {
                c.is_parked = false;
                c.stats.parks += u64::from(parks);
                c.park = Some(parker);
                c.load.begin_batch();
            });
            if handle.is_shutdown() {
                return;
            }
            if self.with_core(|c| c.has_work()) {
                if parks {
                    // Awake to work, maybe for long: a peer that sleeps
                    // with no deadline should look at this one.
                    super::harvest::nudge(index, &handle.shared.remotes);
                }
                let was_listed = handle.shared.idle.unpark_worker_by_id(index);
                let next = self.with_core(|c| {
                    c.is_searching = !was_listed;
                    c.after_driver()
                });
                self.act_after_driver(next);
                return;
            }
            if handle.shared.idle.is_parked(index) {
                // Woken by a timer or spuriously, with nothing to do.
                continue;
            }
            // Woken for new work, counted as searching.
            super::harvest::nudge(index, &handle.shared.remotes);
            self.with_core(|c| c.is_searching = true);
            return;
        }
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("multi_thread::Context")
            .finish_non_exhaustive()
    }
}
