//! `TaskTracker`: counts tasks, and waits for them all once closed.
//!
//! The tracker is one shared block: a state word (`count << 1 | CLOSED`)
//! and a [`Notify`]. Every tracked task holds a [`TaskTrackerToken`], which
//! adds one to the count while it lives. When the count reaches zero while
//! the tracker is closed (or the tracker is closed while the count is zero),
//! the tracker calls [`Notify::notify_waiters`], which completes every
//! `Notified` created before it, polled or not. So a
//! [`TaskTrackerWaitFuture`] completes once it sees the tracker closed and
//! empty, or once its `Notified`, created with it, completes.
//!
//! # Pinning
//!
//! [`TrackedFuture`] pins its future, and [`TaskTrackerWaitFuture`] its
//! `Notified`, structurally: neither is ever moved out of its pinned owner
//! (only [`TrackedFuture::into_inner`], which takes the future by value,
//! moves it), neither owner has a `Drop` impl, and each is `Unpin` only when
//! the pinned field is.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::loom::atomic::{AtomicUsize, Ordering::AcqRel, Ordering::Acquire};
use crate::loom::Arc;
use crate::runtime::{coop, Handle};
use crate::sync::futures::Notified;
use crate::sync::Notify;
use crate::task::{JoinHandle, LocalSet};

/// The `CLOSED` bit of the state word; the rest counts tokens.
const CLOSED: usize = 1;
/// One token in the state word.
const TOKEN: usize = 2;

/// Tracks a group of tasks, so that one can wait for all of them to finish,
/// as tokio-util's `TaskTracker`.
///
/// Unlike a [`JoinSet`](crate::task::JoinSet), it keeps no handle and no
/// output: a finished task leaves nothing behind, so it suits servers that
/// spawn a task per connection and, at shutdown, want to wait for them all.
/// [`wait`](TaskTracker::wait) completes once the tracker is **closed** and
/// **empty**; closing only says that waiting may finish, and tasks can still
/// be added afterwards. Clones share the same tracker.
///
/// ```
/// use zokio::task::TaskTracker;
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() {
///     let tracker = TaskTracker::new();
///     for i in 0..10 {
///         tracker.spawn(async move { zokio::task::yield_now().await; i });
///     }
///     tracker.close();
///     tracker.wait().await;
///     assert!(tracker.is_empty());
/// }
/// ```
#[derive(Clone)]
pub struct TaskTracker {
    inner: Arc<TrackerInner>,
}

struct TrackerInner {
    /// `count << 1 | CLOSED`.
    state: AtomicUsize,
    /// Notified (all waiters) each time the tracker is found closed and
    /// empty.
    closed_and_empty: Notify,
}

impl TrackerInner {
    fn add_token(&self) {
        self.state.fetch_add(TOKEN, AcqRel);
    }

    fn drop_token(&self) {
        let prev = self.state.fetch_sub(TOKEN, AcqRel);
        if prev == TOKEN | CLOSED {
            self.notify_all();
        }
    }

    fn is_closed_and_empty(&self) -> bool {
        self.state.load(Acquire) == CLOSED
    }

    fn notify_all(&self) {
        self.closed_and_empty.notify_waiters();
    }
}

impl TaskTracker {
    /// A new tracker, open and empty.
    ///
    /// ```
    /// let tracker = zokio::task::TaskTracker::new();
    /// assert!(!tracker.is_closed());
    /// assert!(tracker.is_empty());
    /// ```
    pub fn new() -> TaskTracker {
        TaskTracker {
            inner: Arc::new(TrackerInner {
                state: AtomicUsize::new(0),
                closed_and_empty: Notify::new(),
            }),
        }
    }

    /// Waits until the tracker is closed and empty.
    ///
    /// The future completes if, at any time after it was created, the
    /// tracker is both closed and empty, even if it is reopened or gets a
    /// new task before the future is polled again.
    ///
    /// ```
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let tracker = zokio::task::TaskTracker::new();
    /// tracker.spawn(async {});
    /// tracker.close();
    /// tracker.wait().await;
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the future holds no part of the tracker; dropping it
    /// only stops waiting.
    pub fn wait(&self) -> TaskTrackerWaitFuture<'_> {
        TaskTrackerWaitFuture {
            notified: self.inner.closed_and_empty.notified(),
            inner: &self.inner,
            done: false,
        }
    }

    /// Closes the tracker: [`wait`](TaskTracker::wait) completes once it is
    /// also empty. Returns `true` if this call closed it, `false` if it was
    /// closed already. Tasks can still be tracked while it is closed.
    ///
    /// ```
    /// let tracker = zokio::task::TaskTracker::new();
    /// assert!(tracker.close());
    /// assert!(!tracker.close());
    /// assert!(tracker.is_closed());
    /// ```
    pub fn close(&self) -> bool {
        let prev = self.inner.state.fetch_or(CLOSED, AcqRel);
        if prev == 0 {
            self.inner.notify_all();
        }
        prev & CLOSED == 0
    }

    /// Reopens the tracker. Returns `true` if it was closed.
    ///
    /// ```
    /// let tracker = zokio::task::TaskTracker::new();
    /// tracker.close();
    /// assert!(tracker.reopen());
    /// assert!(!tracker.is_closed());
    /// ```
    pub fn reopen(&self) -> bool {
        self.inner.state.fetch_and(!CLOSED, AcqRel) & CLOSED == CLOSED
    }

    /// True if the tracker is closed.
    ///
    /// ```
    /// let tracker = zokio::task::TaskTracker::new();
    /// tracker.close();
    /// assert!(tracker.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner.state.load(Acquire) & CLOSED == CLOSED
    }

    /// The number of tasks (and other tokens) the tracker counts.
    ///
    /// ```
    /// let tracker = zokio::task::TaskTracker::new();
    /// let token = tracker.token();
    /// assert_eq!(tracker.len(), 1);
    /// drop(token);
    /// assert_eq!(tracker.len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.inner.state.load(Acquire) / TOKEN
    }

    /// True if the tracker counts no task.
    ///
    /// ```
    /// let tracker = zokio::task::TaskTracker::new();
    /// assert!(tracker.is_empty());
    /// let _token = tracker.token();
    /// assert!(!tracker.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.inner.state.load(Acquire) / TOKEN == 0
    }

    /// A token that the tracker counts as one task while it lives.
    ///
    /// ```
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let tracker = zokio::task::TaskTracker::new();
    /// let token = tracker.token();
    /// std::thread::spawn(move || {
    ///     // Work that the tracker waits for.
    ///     drop(token);
    /// });
    /// tracker.close();
    /// tracker.wait().await;
    /// # }
    /// ```
    pub fn token(&self) -> TaskTrackerToken {
        self.inner.add_token();
        TaskTrackerToken {
            inner: self.inner.clone(),
        }
    }

    /// Wraps a future so that the tracker counts it until it completes or
    /// is dropped.
    ///
    /// ```
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let tracker = zokio::task::TaskTracker::new();
    /// let tracked = tracker.track_future(async { 1 });
    /// assert_eq!(tracker.len(), 1);
    /// assert_eq!(tracked.await, 1);
    /// assert_eq!(tracker.len(), 0);
    /// # }
    /// ```
    pub fn track_future<F: Future>(&self, future: F) -> TrackedFuture<F> {
        TrackedFuture {
            future,
            token: self.token(),
        }
    }

    /// Spawns a tracked task on the current runtime.
    ///
    /// # Panics
    ///
    /// Outside a Zokio runtime.
    ///
    /// ```
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let tracker = zokio::task::TaskTracker::new();
    /// let handle = tracker.spawn(async { 2 });
    /// assert_eq!(handle.await.unwrap(), 2);
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        crate::spawn(self.track_future(future))
    }

    /// Spawns a tracked task on the runtime of `handle`.
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let tracker = zokio::task::TaskTracker::new();
    /// let handle = tracker.spawn_on(async { 3 }, rt.handle());
    /// assert_eq!(rt.block_on(handle).unwrap(), 3);
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(&self, future: F, handle: &Handle) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        handle.spawn(self.track_future(future))
    }

    /// Spawns a tracked `!Send` task on the [`LocalSet`] driven by this
    /// thread.
    ///
    /// # Panics
    ///
    /// Outside a `LocalSet`.
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// zokio::task::LocalSet::new().block_on(&rt, async {
    ///     let tracker = zokio::task::TaskTracker::new();
    ///     let rc = std::rc::Rc::new(4);
    ///     tracker.spawn_local(async move { *rc });
    ///     tracker.close();
    ///     tracker.wait().await;
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        crate::task::spawn_local(self.track_future(future))
    }

    /// Spawns a tracked `!Send` task on `local_set`.
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let local = zokio::task::LocalSet::new();
    /// let tracker = zokio::task::TaskTracker::new();
    /// tracker.spawn_local_on(async {}, &local);
    /// tracker.close();
    /// local.block_on(&rt, tracker.wait());
    /// ```
    pub fn spawn_local_on<F>(&self, future: F, local_set: &LocalSet) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        local_set.spawn_local(self.track_future(future))
    }

    /// Runs a tracked blocking closure on the current runtime's blocking
    /// pool.
    ///
    /// # Panics
    ///
    /// As [`spawn_blocking`](crate::task::spawn_blocking).
    ///
    /// ```
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let tracker = zokio::task::TaskTracker::new();
    /// tracker.spawn_blocking(|| std::thread::sleep(std::time::Duration::from_millis(1)));
    /// tracker.close();
    /// tracker.wait().await;
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, T>(&self, func: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let token = self.token();
        crate::task::spawn_blocking(move || {
            let _token = token;
            func()
        })
    }

    /// Runs a tracked blocking closure on the blocking pool of `handle`'s
    /// runtime.
    ///
    /// ```
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let tracker = zokio::task::TaskTracker::new();
    /// let job = tracker.spawn_blocking_on(|| 5, rt.handle());
    /// assert_eq!(rt.block_on(job).unwrap(), 5);
    /// ```
    #[track_caller]
    pub fn spawn_blocking_on<F, T>(&self, func: F, handle: &Handle) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let token = self.token();
        handle.spawn_blocking(move || {
            let _token = token;
            func()
        })
    }

    /// True if both are handles to the same tracker.
    ///
    /// ```
    /// let tracker = zokio::task::TaskTracker::new();
    /// assert!(tracker.ptr_eq(&tracker.clone()));
    /// assert!(!tracker.ptr_eq(&zokio::task::TaskTracker::new()));
    /// ```
    pub fn ptr_eq(&self, other: &TaskTracker) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Default for TaskTracker {
    fn default() -> TaskTracker {
        TaskTracker::new()
    }
}

impl fmt::Debug for TaskTracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskTracker")
            .field("len", &self.len())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// Counts as one task of a [`TaskTracker`] while it lives; see
/// [`TaskTracker::token`]. Cloning it counts one more.
///
/// ```
/// let tracker = zokio::task::TaskTracker::new();
/// let token = tracker.token();
/// let again = token.clone();
/// assert_eq!(tracker.len(), 2);
/// assert!(token.task_tracker().ptr_eq(&tracker));
/// drop((token, again));
/// assert!(tracker.is_empty());
/// ```
pub struct TaskTrackerToken {
    inner: Arc<TrackerInner>,
}

impl TaskTrackerToken {
    /// The tracker this token counts in.
    pub fn task_tracker(&self) -> TaskTracker {
        TaskTracker {
            inner: self.inner.clone(),
        }
    }
}

impl Clone for TaskTrackerToken {
    fn clone(&self) -> TaskTrackerToken {
        self.inner.add_token();
        TaskTrackerToken {
            inner: self.inner.clone(),
        }
    }
}

impl Drop for TaskTrackerToken {
    fn drop(&mut self) {
        self.inner.drop_token();
    }
}

impl fmt::Debug for TaskTrackerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskTrackerToken").finish_non_exhaustive()
    }
}

/// A future tracked by a [`TaskTracker`]: counted until it completes or is
/// dropped. See [`TaskTracker::track_future`].
///
/// ```
/// let tracker = zokio::task::TaskTracker::new();
/// let mut tracked = tracker.track_future(std::future::ready(3));
/// let _: &mut std::future::Ready<i32> = tracked.get_mut();
/// let _: &std::future::Ready<i32> = tracked.get_ref();
/// assert_eq!(tracker.len(), 1);
/// let inner = tracked.into_inner();
/// assert!(tracker.is_empty());
/// # drop(inner);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct TrackedFuture<F> {
    future: F,
    token: TaskTrackerToken,
}

impl<F> TrackedFuture<F> {
    /// The wrapped future.
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// The wrapped future, mutably.
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.future
    }

    /// The wrapped future; the tracker stops counting it.
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for TrackedFuture<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned (see the module docs): it is
        // only pinned again here, never moved.
        // The token is dropped with the future, so a spawned task stops
        // being counted when the runtime drops its completed future.
        unsafe { self.map_unchecked_mut(|this| &mut this.future) }.poll(cx)
    }
}

impl<F> fmt::Debug for TrackedFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrackedFuture")
            .field("tracker", &self.token.task_tracker())
            .finish_non_exhaustive()
    }
}

/// The future of [`TaskTracker::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct TaskTrackerWaitFuture<'a> {
    /// Created with the future, so that it sees every `notify_waiters` from
    /// then on. Structurally pinned (see the module docs).
    notified: Notified<'a>,
    inner: &'a TrackerInner,
    done: bool,
}

impl Future for TaskTrackerWaitFuture<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let coop = ready!(coop::poll_proceed(cx));
        // SAFETY: `notified` is structurally pinned (see the module docs):
        // it is only pinned again here, never moved; the other fields are
        // plain data.
        let this = unsafe { self.get_unchecked_mut() };
        if !this.done {
            if !this.inner.is_closed_and_empty() {
                // SAFETY: as above.
                let notified = unsafe { Pin::new_unchecked(&mut this.notified) };
                if notified.poll(cx).is_pending() {
                    return Poll::Pending;
                }
            }
            this.done = true;
        }
        coop.made_progress();
        Poll::Ready(())
    }
}

impl fmt::Debug for TaskTrackerWaitFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskTrackerWaitFuture")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}
