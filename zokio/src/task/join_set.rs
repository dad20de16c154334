//! `JoinSet`: a set of spawned tasks, joined in the order they complete.
//!
//! # How completions are found
//!
//! Each member keeps, next to its [`JoinHandle`], a waker of its own (a
//! [`MemberWaker`]) that the set registers as the handle's join waker when
//! the task is spawned. When the task completes, the runtime wakes that
//! waker, which appends the member's key to the set's *ready* queue and
//! wakes whoever awaits [`JoinSet::join_next`]. `join_next` polls only the
//! members in the ready queue, so each completion costs O(1), however many
//! tasks are still running.
//!
//! Keys are slab indices and are reused, so each queue entry carries the
//! member's generation as well; an entry whose member has left the set (it
//! was joined, detached or the set was dropped) is skipped.

use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::mem;
use std::panic;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use slab::Slab;

use crate::loom::atomic::{AtomicBool, Ordering::AcqRel, Ordering::Release};
use crate::loom::{lock, Mutex};
use crate::runtime::{coop, Handle};
use crate::task::{AbortHandle, Id, JoinError, JoinHandle, LocalSet};

/// A collection of tasks spawned on a runtime, whose outputs are collected
/// as they complete.
///
/// All tasks must have the same output type `T`. [`join_next`] waits for
/// the next task to complete, whichever it is; [`join_all`] waits for all.
/// Dropping a `JoinSet` aborts every task still in it.
///
/// [`join_next`]: JoinSet::join_next
/// [`join_all`]: JoinSet::join_all
///
/// ```
/// use zokio::task::JoinSet;
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() {
///     let mut set = JoinSet::new();
///     for i in 0..10u32 {
///         set.spawn(async move { i * i });
///     }
///     let mut sum = 0;
///     while let Some(res) = set.join_next().await {
///         sum += res.unwrap();
///     }
///     assert_eq!(sum, 285);
/// }
/// ```
pub struct JoinSet<T> {
    members: Slab<Member<T>>,
    ready: Arc<ReadyQueue>,
    /// The generation the next member gets.
    next_generation: u64,
}

/// A task in the set.
struct Member<T> {
    handle: JoinHandle<T>,
    /// The waker registered with the handle; wakes `notify`.
    waker: Waker,
    notify: Arc<MemberWaker>,
    /// The output, when the task had already completed at insertion.
    early: Option<Result<T, JoinError>>,
}

/// The queue of members whose task may have completed.
struct ReadyQueue {
    inner: Mutex<ReadyInner>,
}

struct ReadyInner {
    /// `(key, generation)` of each member to poll, in the order they became
    /// ready.
    members: VecDeque<(usize, u64)>,
    /// Whoever waits in `join_next`; taken when woken.
    waiter: Option<Waker>,
}

/// A member's own waker: queues the member once until the set polls it.
struct MemberWaker {
    ready: Arc<ReadyQueue>,
    key: usize,
    generation: u64,
    /// True while the member is in the ready queue (or about to be).
    queued: AtomicBool,
}

impl ReadyQueue {
    /// Forgets every queued member and the waiting task's waker.
    fn clear(&self) {
        let (members, waiter) = {
            let mut ready = lock(&self.inner);
            (mem::take(&mut ready.members), ready.waiter.take())
        };
        // Dropped outside the lock: a waker's drop may run arbitrary code.
        drop((members, waiter));
    }
}

impl Wake for MemberWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, AcqRel) {
            return;
        }
        let waiter = {
            let mut ready = lock(&self.ready.inner);
            ready.members.push_back((self.key, self.generation));
            ready.waiter.take()
        };
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    ///
    /// ```
    /// let set = zokio::task::JoinSet::<()>::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> JoinSet<T> {
        JoinSet {
            members: Slab::new(),
            ready: Arc::new(ReadyQueue {
                inner: Mutex::new(ReadyInner {
                    members: VecDeque::new(),
                    waiter: None,
                }),
            }),
            next_generation: 0,
        }
    }

    /// The number of tasks in the set, running or completed but not joined.
    ///
    /// ```
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut set = zokio::task::JoinSet::new();
    /// set.spawn(async {});
    /// assert_eq!(set.len(), 1);
    /// set.join_next().await;
    /// assert_eq!(set.len(), 0);
    /// # }
    /// ```
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True if the set holds no task.
    ///
    /// ```
    /// let set = zokio::task::JoinSet::<u8>::default();
    /// assert!(set.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

impl<T: 'static> JoinSet<T> {
    /// Spawns a task on the current runtime and adds it to the set.
    ///
    /// The returned [`AbortHandle`] can cancel the task; its output (or
    /// error) is still collected by the set.
    ///
    /// ```
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut set = zokio::task::JoinSet::new();
    /// let abort = set.spawn(std::future::pending::<()>());
    /// abort.abort();
    /// assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// If called outside a Zokio runtime.
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send,
    {
        self.insert(crate::spawn(future))
    }

    /// Spawns a task on the runtime of `handle` and adds it to the set.
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let mut set = zokio::task::JoinSet::new();
    /// set.spawn_on(async { 1 }, rt.handle());
    /// assert_eq!(rt.block_on(set.join_next()).unwrap().unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(&mut self, future: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send,
    {
        self.insert(handle.spawn(future))
    }

    /// Spawns a `!Send` task on the [`LocalSet`] driven by this thread and
    /// adds it to the set.
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// zokio::task::LocalSet::new().block_on(&rt, async {
    ///     let mut set = zokio::task::JoinSet::new();
    ///     let shared = Rc::new(3);
    ///     set.spawn_local(async move { *shared });
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 3);
    /// });
    /// ```
    ///
    /// # Panics
    ///
    /// Outside a `LocalSet`, as [`spawn_local`](crate::task::spawn_local).
    #[track_caller]
    pub fn spawn_local<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(crate::task::spawn_local(future))
    }

    /// Spawns a `!Send` task on `local_set` and adds it to the set. The task
    /// runs once the local set is driven.
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let local = zokio::task::LocalSet::new();
    /// let mut set = zokio::task::JoinSet::new();
    /// set.spawn_local_on(async { "local" }, &local);
    /// let out = local.block_on(&rt, set.join_next());
    /// assert_eq!(out.unwrap().unwrap(), "local");
    /// ```
    pub fn spawn_local_on<F>(&mut self, future: F, local_set: &LocalSet) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(local_set.spawn_local(future))
    }

    /// Runs a blocking closure on the current runtime's blocking pool and
    /// adds it to the set; see [`spawn_blocking`](crate::task::spawn_blocking).
    /// Aborting it has effect only before it starts.
    ///
    /// ```
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut set = zokio::task::JoinSet::new();
    /// set.spawn_blocking(|| 6 * 7);
    /// assert_eq!(set.join_next().await.unwrap().unwrap(), 42);
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// As [`spawn_blocking`](crate::task::spawn_blocking).
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, func: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send,
    {
        self.insert(crate::task::spawn_blocking(func))
    }

    /// Runs a blocking closure on the blocking pool of `handle`'s runtime and
    /// adds it to the set.
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let mut set = zokio::task::JoinSet::new();
    /// set.spawn_blocking_on(|| 5, rt.handle());
    /// assert_eq!(rt.block_on(set.join_next()).unwrap().unwrap(), 5);
    /// ```
    #[track_caller]
    pub fn spawn_blocking_on<F>(&mut self, func: F, handle: &Handle) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send,
    {
        self.insert(handle.spawn_blocking(func))
    }

    /// Adds a spawned task: registers the member's waker as the task's join
    /// waker by polling the handle once.
    fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        let generation = self.next_generation;
        self.next_generation += 1;
        let entry = self.members.vacant_entry();
        let notify = Arc::new(MemberWaker {
            ready: self.ready.clone(),
            key: entry.key(),
            generation,
            queued: AtomicBool::new(false),
        });
        let waker = Waker::from(notify.clone());
        let member = entry.insert(Member {
            handle,
            waker,
            notify,
            early: None,
        });
        // Outside the budget: registering must not be refused, nor spend it.
        let polled = coop::with_unconstrained(|| {
            let mut cx = Context::from_waker(&member.waker);
            Pin::new(&mut member.handle).poll(&mut cx)
        });
        if let Poll::Ready(output) = polled {
            member.early = Some(output);
            member.waker.wake_by_ref();
        }
        abort
    }
}

impl<T> JoinSet<T> {
    /// Waits for one of the tasks to complete and returns its output: `None`
    /// if the set is empty, otherwise the output of whichever task completed
    /// first, or the [`JoinError`] if it panicked or was cancelled. The task
    /// leaves the set.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() {
    ///     let mut set = zokio::task::JoinSet::new();
    ///     set.spawn(async {
    ///         zokio::time::sleep(Duration::from_millis(20)).await;
    ///         "slow"
    ///     });
    ///     set.spawn(async { "fast" });
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), "fast");
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), "slow");
    ///     assert!(set.join_next().await.is_none());
    /// }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if `join_next` is dropped before it completes (for
    /// instance in a [`select!`](crate::select) that another branch wins),
    /// no task leaves the set and no output is lost.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// As [`join_next`](JoinSet::join_next), with the id of the task that
    /// completed.
    ///
    /// ```
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut set = zokio::task::JoinSet::new();
    /// let id = set.spawn(async { 1 }).id();
    /// assert_eq!(set.join_next_with_id().await.unwrap().unwrap(), (id, 1));
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as `join_next`.
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        poll_fn(|cx| self.poll_join_next_with_id(cx)).await
    }

    /// Returns the output of a task that has already completed, without
    /// waiting: `None` if no task has completed (or the set is empty).
    ///
    /// ```
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut set = zokio::task::JoinSet::new();
    /// set.spawn(async { 1 });
    /// assert!(set.try_join_next().is_none()); // not run yet
    /// zokio::task::yield_now().await;
    /// assert_eq!(set.try_join_next().unwrap().unwrap(), 1);
    /// # }
    /// ```
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.try_join_next_with_id().map(|res| res.map(|(_, v)| v))
    }

    /// As [`try_join_next`](JoinSet::try_join_next), with the id of the task.
    ///
    /// ```
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut set = zokio::task::JoinSet::new();
    /// let id = set.spawn(async { 'x' }).id();
    /// zokio::task::yield_now().await;
    /// assert_eq!(set.try_join_next_with_id().unwrap().unwrap(), (id, 'x'));
    /// # }
    /// ```
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        // Members woken while we poll go to the back of the queue; looking
        // at no more than were queued at the start bounds the loop.
        let queued = lock(&self.ready.inner).members.len();
        for _ in 0..queued {
            let (key, generation) = lock(&self.ready.inner).members.pop_front()?;
            if let Poll::Ready(out) = coop::with_unconstrained(|| self.poll_member(key, generation))
            {
                return Some(out);
            }
        }
        None
    }

    /// Polls for the next task to complete, as
    /// [`join_next`](JoinSet::join_next): `Ready(None)` if the set is empty,
    /// `Ready(Some(output))` if a task completed, `Pending` otherwise, in
    /// which case `cx`'s waker is woken when a task completes. Only the waker
    /// of the latest call is woken.
    ///
    /// For implementing a future or stream by hand:
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut set = zokio::task::JoinSet::new();
    /// set.spawn(async { 1 });
    /// let out = poll_fn(|cx| set.poll_join_next(cx)).await;
    /// assert_eq!(out.unwrap().unwrap(), 1);
    /// # }
    /// ```
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_with_id(cx)
            .map(|out| out.map(|res| res.map(|(_, v)| v)))
    }

    /// As [`poll_join_next`](JoinSet::poll_join_next), with the id of the
    /// task.
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut set = zokio::task::JoinSet::new();
    /// let id = set.spawn(async { 2 }).id();
    /// let out = poll_fn(|cx| set.poll_join_next_with_id(cx)).await;
    /// assert_eq!(out.unwrap().unwrap(), (id, 2));
    /// # }
    /// ```
    pub fn poll_join_next_with_id(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(Id, T), JoinError>>> {
        if self.members.is_empty() {
            return Poll::Ready(None);
        }
        loop {
            let next = {
                let mut ready = lock(&self.ready.inner);
                let next = ready.members.pop_front();
                if next.is_none() {
                    match &ready.waiter {
                        Some(waiter) if waiter.will_wake(cx.waker()) => {}
                        _ => ready.waiter = Some(cx.waker().clone()),
                    }
                }
                next
            };
            let Some((key, generation)) = next else {
                return Poll::Pending;
            };
            if let Poll::Ready(out) = self.poll_member(key, generation) {
                return Poll::Ready(Some(out));
            }
            if !coop::has_budget_remaining() {
                // The handle refused for want of budget and re-queued its
                // member; come back after yielding.
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
        }
    }

    /// Polls a member taken off the ready queue; removes it if its task has
    /// completed. `Pending` also for a stale entry.
    fn poll_member(&mut self, key: usize, generation: u64) -> Poll<Result<(Id, T), JoinError>> {
        let Some(member) = self.members.get_mut(key) else {
            return Poll::Pending;
        };
        if member.notify.generation != generation {
            return Poll::Pending;
        }
        // Cleared before polling, so that a completion from now on queues
        // the member again.
        member.notify.queued.store(false, Release);
        let out = match member.early.take() {
            Some(out) => out,
            None => {
                let mut cx = Context::from_waker(&member.waker);
                match Pin::new(&mut member.handle).poll(&mut cx) {
                    Poll::Ready(out) => out,
                    Poll::Pending => return Poll::Pending,
                }
            }
        };
        let member = self.members.remove(key);
        let id = member.handle.id();
        Poll::Ready(out.map(|value| (id, value)))
    }

    /// Waits for every task and returns their outputs, in the order the tasks
    /// completed.
    ///
    /// ```
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut set = zokio::task::JoinSet::new();
    /// for i in 0..3 {
    ///     set.spawn(async move { i });
    /// }
    /// let mut out = set.join_all().await;
    /// out.sort();
    /// assert_eq!(out, [0, 1, 2]);
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// If a task panicked, its panic is resumed here; if a task was
    /// cancelled, this panics. The remaining tasks are then aborted as the
    /// set drops.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: the set is consumed, so dropping the future aborts
    /// the tasks still running and loses the outputs collected so far.
    pub async fn join_all(mut self) -> Vec<T> {
        let mut outputs = Vec::with_capacity(self.len());
        while let Some(res) = self.join_next().await {
            match res {
                Ok(value) => outputs.push(value),
                Err(err) if err.is_panic() => panic::resume_unwind(err.into_panic()),
                Err(err) => panic!("{err}"),
            }
        }
        outputs
    }

    /// Aborts every task in the set. They stay in the set: joining them
    /// returns cancelled [`JoinError`]s, or the output of those that
    /// completed before the abort took effect.
    ///
    /// ```
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut set = zokio::task::JoinSet::new();
    /// for _ in 0..3 {
    ///     set.spawn(std::future::pending::<()>());
    /// }
    /// set.abort_all();
    /// while let Some(res) = set.join_next().await {
    ///     assert!(res.unwrap_err().is_cancelled());
    /// }
    /// # }
    /// ```
    pub fn abort_all(&mut self) {
        for (_, member) in &self.members {
            member.handle.abort();
        }
    }

    /// Removes every task from the set without aborting it: they keep
    /// running, and their outputs are dropped.
    ///
    /// ```
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = zokio::sync::oneshot::channel();
    /// let mut set = zokio::task::JoinSet::new();
    /// set.spawn(async move { tx.send(1).unwrap() });
    /// set.detach_all();
    /// assert!(set.is_empty());
    /// assert_eq!(rx.await.unwrap(), 1);
    /// # }
    /// ```
    pub fn detach_all(&mut self) {
        self.members.clear();
        self.ready.clear();
    }

    /// Aborts every task and waits until all have stopped. The set is empty
    /// afterwards.
    ///
    /// ```
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut set = zokio::task::JoinSet::new();
    /// set.spawn(std::future::pending::<()>());
    /// set.shutdown().await;
    /// assert!(set.is_empty());
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in that every task has been aborted before the first
    /// wait; dropping the future leaves the tasks not yet stopped in the set.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        for (_, member) in &self.members {
            member.handle.abort();
        }
        // Tasks still running hold the queue through their member wakers;
        // they must not keep the waiting task's waker alive too.
        self.ready.clear();
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> JoinSet<T> {
        JoinSet::new()
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}

/// Spawns each future of the iterator into a new set, on the current
/// runtime.
///
/// ```
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let set: zokio::task::JoinSet<u32> = (0..4).map(|i| async move { i }).collect();
/// assert_eq!(set.join_all().await.iter().sum::<u32>(), 6);
/// # }
/// ```
///
/// # Panics
///
/// Outside a Zokio runtime.
impl<T, F> FromIterator<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> JoinSet<T> {
        let mut set = JoinSet::new();
        set.extend(iter);
        set
    }
}

/// Spawns each future of the iterator into the set, on the current runtime.
///
/// # Panics
///
/// Outside a Zokio runtime.
impl<T, F> Extend<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    fn extend<I: IntoIterator<Item = F>>(&mut self, iter: I) {
        for future in iter {
            self.spawn(future);
        }
    }
}
