//! `LocalSet`: tasks that are not `Send`, run on the thread that owns the set.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::loom::{lock, Mutex};
use crate::runtime::{coop, Runtime};
use crate::task::list::OwnedTasks;
use crate::task::{new_task, Id, JoinHandle, Notified, Schedule, Task};

/// Tasks run per poll of the set before it yields to its runtime.
const MAX_TASKS_PER_TICK: usize = 61;
/// Every this many ticks the remote queue is looked at first.
const REMOTE_FIRST_INTERVAL: u8 = 31;

/// A set of `!Send` tasks, all run on the thread that drives the set.
///
/// Tasks are added with [`spawn_local`] (inside [`LocalSet::run_until`]) or
/// [`LocalSet::spawn_local`]; they run while the set is awaited, or while a
/// future passed to `run_until` or [`block_on`](LocalSet::block_on) runs.
///
/// ```
/// use std::rc::Rc;
///
/// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
/// let local = zokio::task::LocalSet::new();
/// let shared = Rc::new(5);
/// let out = local.block_on(&rt, async move {
///     zokio::task::spawn_local(async move { *shared * 2 }).await.unwrap()
/// });
/// assert_eq!(out, 10);
/// ```
pub struct LocalSet {
    tick: Cell<u8>,
    context: Rc<LocalContext>,
    _not_send: PhantomData<*const ()>,
}

/// The thread-owned side of a set.
struct LocalContext {
    shared: Arc<LocalShared>,
    queue: RefCell<VecDeque<Notified<Arc<LocalShared>>>>,
    owned: RefCell<OwnedTasks<Arc<LocalShared>>>,
}

/// The side other threads reach through wakers.
struct LocalShared {
    /// Tasks woken from other threads (or from outside the set's polls);
    /// `None` once the set is dropped.
    remote: Mutex<Option<VecDeque<Notified<Arc<LocalShared>>>>>,
    /// The waker of whoever drives the set.
    waker: Mutex<Option<Waker>>,
}

thread_local! {
    /// The set being driven on this thread; null when none.
    static CURRENT: Cell<*const LocalContext> = const { Cell::new(ptr::null()) };
}

/// Runs `f` with the set driven on this thread, if any.
fn with_current<R>(f: impl FnOnce(Option<&LocalContext>) -> R) -> R {
    let ptr = CURRENT.try_with(Cell::get).unwrap_or(ptr::null());
    // SAFETY: `LocalSet::enter` installs the pointer from a live `Rc` it
    // holds, and resets it (also on unwind) before that borrow ends; only
    // this thread reads it.
    f(unsafe { ptr.as_ref() })
}

/// Spawns a `!Send` future on the `LocalSet` driven by this thread.
///
/// # Panics
///
/// Outside a `LocalSet` (`run_until`, `block_on`, or a task of the set).
///
/// ```
/// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
/// zokio::task::LocalSet::new().block_on(&rt, async {
///     let rc = std::rc::Rc::new("local");
///     let out = zokio::task::spawn_local(async move { *rc }).await.unwrap();
///     assert_eq!(out, "local");
/// });
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    with_current(|cx| match cx {
        Some(cx) => cx.spawn(future),
        None => panic!("`spawn_local` called from outside of a `task::LocalSet`"),
    })
}

impl LocalSet {
    /// An empty set.
    pub fn new() -> LocalSet {
        LocalSet {
            tick: Cell::new(0),
            context: Rc::new(LocalContext {
                shared: Arc::new(LocalShared {
                    remote: Mutex::new(Some(VecDeque::new())),
                    waker: Mutex::new(None),
                }),
                queue: RefCell::new(VecDeque::new()),
                owned: RefCell::new(OwnedTasks::new()),
            }),
            _not_send: PhantomData,
        }
    }

    /// Spawns a `!Send` future on this set. It runs once the set is driven.
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let join = self.context.spawn(future);
        self.context.shared.wake();
        join
    }

    /// Runs `future` on `rt`, driving this set's tasks meanwhile.
    ///
    /// # Panics
    ///
    /// As [`Runtime::block_on`].
    #[track_caller]
    pub fn block_on<F: Future>(&self, rt: &Runtime, future: F) -> F::Output {
        rt.block_on(self.run_until(future))
    }

    /// Runs `future`, driving this set's tasks until it completes.
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned future stops driving the set; its tasks stay
    /// in the set and run when it is driven again.
    pub async fn run_until<F: Future>(&self, future: F) -> F::Output {
        RunUntil { set: self, future }.await
    }

    fn enter<R>(&self, f: impl FnOnce() -> R) -> R {
        struct Reset(*const LocalContext);
        impl Drop for Reset {
            fn drop(&mut self) {
                let _ = CURRENT.try_with(|c| c.set(self.0));
            }
        }
        let prev = CURRENT.with(|c| c.replace(Rc::as_ptr(&self.context)));
        let _reset = Reset(prev);
        f()
    }

    /// Runs up to a tick's worth of tasks; true if more are ready.
    fn tick(&self) -> bool {
        for _ in 0..MAX_TASKS_PER_TICK {
            match self.next_task() {
                Some(task) => coop::budget(|| task.run()),
                None => return false,
            }
        }
        true
    }

    fn next_task(&self) -> Option<Notified<Arc<LocalShared>>> {
        let tick = self.tick.get().wrapping_add(1);
        self.tick.set(tick);
        let cx = &self.context;
        if tick % REMOTE_FIRST_INTERVAL == 0 {
            cx.pop_remote()
                .or_else(|| cx.queue.borrow_mut().pop_front())
        } else {
            let local = cx.queue.borrow_mut().pop_front();
            local.or_else(|| cx.pop_remote())
        }
    }
}

impl Default for LocalSet {
    fn default() -> LocalSet {
        LocalSet::new()
    }
}

impl LocalContext {
    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let (task, notified, join) = new_task(future, self.shared.clone(), Id::next());
        let bound = self.owned.borrow_mut().bind(task);
        match bound {
            Ok(()) => self.queue.borrow_mut().push_back(notified),
            Err(task) => {
                drop(notified);
                task.shutdown();
            }
        }
        join
    }

    fn pop_remote(&self) -> Option<Notified<Arc<LocalShared>>> {
        lock(&self.shared.remote).as_mut()?.pop_front()
    }
}

impl LocalShared {
    fn wake(&self) {
        let waker = lock(&self.waker).take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn register(&self, waker: &Waker) {
        let mut slot = lock(&self.waker);
        match slot.as_ref() {
            Some(current) if current.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }
}

impl Schedule for Arc<LocalShared> {
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        with_current(|cx| match cx {
            Some(cx) if Arc::ptr_eq(&cx.shared, self) => match cx.owned.try_borrow_mut() {
                Ok(mut owned) => owned.remove(task),
                Err(_) => None,
            },
            _ => None,
        })
    }

    fn schedule(&self, task: Notified<Self>) {
        let task = with_current(|cx| match cx {
            Some(cx) if Arc::ptr_eq(&cx.shared, self) => match cx.queue.try_borrow_mut() {
                Ok(mut queue) => {
                    queue.push_back(task);
                    None
                }
                Err(_) => Some(task),
            },
            _ => Some(task),
        });
        if let Some(task) = task {
            if let Some(remote) = lock(&self.remote).as_mut() {
                remote.push_back(task);
            }
            // A closed queue means the set was dropped and its tasks were
            // cancelled; dropping the entry loses nothing.
            self.wake();
        }
    }
}

struct RunUntil<'a, F> {
    set: &'a LocalSet,
    future: F,
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of
        // `self`, and `RunUntil` has no `Drop` impl or `Unpin` impl of its own.
        let this = unsafe { self.get_unchecked_mut() };
        let set = this.set;
        // SAFETY: see above.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        set.enter(|| {
            set.context.shared.register(cx.waker());
            if let Poll::Ready(out) = coop::budget(|| future.poll(cx)) {
                return Poll::Ready(out);
            }
            if set.tick() {
                cx.waker().wake_by_ref();
            }
            Poll::Pending
        })
    }
}

/// Awaiting a set runs its tasks until all have completed.
impl Future for LocalSet {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let set = &*self;
        set.enter(|| {
            set.context.shared.register(cx.waker());
            if set.tick() {
                cx.waker().wake_by_ref();
                Poll::Pending
            } else if set.context.owned.borrow().is_empty() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        self.enter(|| {
            let cx = &self.context;
            loop {
                let mut progressed = false;
                loop {
                    let task = cx.owned.borrow_mut().close_and_pop();
                    let Some(task) = task else { break };
                    progressed = true;
                    task.shutdown();
                }
                loop {
                    let task = cx.queue.borrow_mut().pop_front();
                    let Some(task) = task else { break };
                    progressed = true;
                    drop(task);
                }
                let remote = lock(&cx.shared.remote).take();
                if let Some(remote) = remote {
                    progressed |= !remote.is_empty();
                    drop(remote);
                }
                if !progressed {
                    break;
                }
            }
        });
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet").finish_non_exhaustive()
    }
}
