//! Notifying one task, or all the tasks that wait.
//!
//! # Implementation
//!
//! A `Notify` is a state word (described in `sync/notify/state.rs`: empty,
//! a stored permit, or waiters, plus an epoch that counts `notify_waiters`
//! calls) and two [wait lists](crate::sync::wait_list) behind one lock:
//! `waiting`, the futures waiting in the current epoch, in order, and
//! `woken`, those that a `notify_waiters` call took over but has not unlinked
//! yet. `notify_waiters` moves the whole `waiting` list to `woken` in O(1)
//! together with the epoch increment, then unlinks and wakes `woken` in
//! batches, releasing the lock between them; `notify_one` never sees the
//! taken-over waiters, so a notification meant for later waiters is not
//! spent on them. A waiting future knows which list holds it from the
//! epoch: the one it was created in means `waiting`, a later one `woken`.
//!
//! `notify_one` without waiters is one compare-and-swap (store the permit),
//! and so is `notify_waiters` without waiters (move the epoch on).
//!
//! ## The unsafe protocol
//!
//! Besides the rules of the wait list ("wait-list rule N"), every
//! `SAFETY:` comment in this module cites one of these:
//!
//! 1. **Pinning.** The `waiter` of a `Notified` is structurally pinned: it
//!    is only reached through `Pin` and never moved out.
//! 2. **Which list.** A `Notified` queues its waiter only on its own
//!    `Notify`'s `waiting` list, which holds only waiters of the current
//!    epoch: when the epoch moves on while anybody waits, all of them move
//!    to `woken` under the same lock. So a queued waiter is in `waiting` if
//!    the epoch is the one its future was created in, and in `woken`
//!    otherwise (wait-list rule 4).
//! 3. **Out before it goes.** A `Notified` pushes its waiter only when it
//!    enters the `Waiting` phase, and its `Drop` in that phase removes it
//!    under the lock unless `is_queued` showed it unlinked (wait-list rule
//!    3). In any other phase the waiter is not queued.

mod state;

#[cfg(all(test, loom))]
mod loom_tests;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::loom::{lock, Mutex, MutexGuard};
use crate::sync::wait_list::{WaitList, Waiter, WakeList};
use state::{NextEpoch, Register, State, StorePermit};

/// Notifies a task of an event, without data: a way for tasks to wake one
/// another.
///
/// A `Notify` holds at most one *permit*. [`notify_one`](Notify::notify_one)
/// wakes the task that has waited longest in
/// [`notified().await`](Notify::notified), or, if none waits, stores the
/// permit so that the next `notified().await` completes at once.
/// [`notify_waiters`](Notify::notify_waiters) wakes every task waiting
/// right now and stores nothing.
///
/// Like a thread parker, a stored permit means no wake-up is lost between
/// checking a condition and waiting for it.
///
/// ```
/// use std::sync::Arc;
/// use zokio::sync::Notify;
///
/// #[zokio::main]
/// async fn main() {
///     let notify = Arc::new(Notify::new());
///     let notify2 = notify.clone();
///
///     let handle = zokio::spawn(async move {
///         notify2.notified().await;
///         println!("received notification");
///     });
///
///     println!("sending notification");
///     notify.notify_one();
///
///     // Wait for task to receive notification.
///     handle.await.unwrap();
/// }
/// ```
///
/// A single-consumer channel on top of a queue, the usual pattern:
///
/// ```
/// use std::collections::VecDeque;
/// use std::sync::Mutex;
/// use zokio::sync::Notify;
///
/// struct Channel<T> {
///     values: Mutex<VecDeque<T>>,
///     notify: Notify,
/// }
///
/// impl<T> Channel<T> {
///     pub fn send(&self, value: T) {
///         self.values.lock().unwrap().push_back(value);
///         // Wakes the receiver, or stores a permit for its next wait.
///         self.notify.notify_one();
///     }
///
///     pub async fn recv(&self) -> T {
///         loop {
///             if let Some(value) = self.values.lock().unwrap().pop_front() {
///                 return value;
///             }
///             self.notify.notified().await;
///         }
///     }
/// }
/// # let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
/// # let channel = Channel { values: Mutex::new(VecDeque::new()), notify: Notify::new() };
/// # channel.send(1);
/// # assert_eq!(rt.block_on(channel.recv()), 1);
/// ```
pub struct Notify {
    state: State,
    lists: Mutex<Lists>,
}

/// The waiters, behind the `Notify`'s lock.
struct Lists {
    /// Waiters of the current epoch, oldest first; not empty exactly when
    /// the state is `WAITING`.
    waiting: WaitList<Option<Notification>>,
    /// Waiters a `notify_waiters` call took over (rule 2), being woken.
    woken: WaitList<Option<Notification>>,
}

/// How a waiter was notified: the payload of its wait-list node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Notification {
    /// By `notify_one`: a dropped future hands it on.
    One,
    /// By `notify_last`: a dropped future hands it on.
    Last,
    /// By `notify_waiters`.
    All,
}

/// The future of [`Notify::notified`]: completes when the task is
/// notified.
///
/// It is fused: once complete, it completes again when polled. It is
/// `!Unpin`: pin it (`std::pin::pin!`) to call [`enable`](Notified::enable)
/// or to poll it by hand. It waits while linked into the `Notify`'s wait
/// list, so it must not move:
///
/// ```compile_fail,E0277
/// fn assert_unpin<T: Unpin>(_: &T) {}
/// let notify = zokio::sync::Notify::new();
/// assert_unpin(&notify.notified());
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Notified<'a> {
    notify: &'a Notify,
    /// The epoch when the future was created.
    epoch: usize,
    phase: Phase,
    /// # Invariant
    /// Structurally pinned (rule 1); queued only while `phase` is
    /// `Waiting` (rule 3).
    waiter: Waiter<Option<Notification>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Neither polled nor enabled.
    Init,
    /// The waiter was pushed; it may have been unlinked since.
    Waiting,
    /// Notified; the future completes.
    Done,
}

impl Notify {
    /// A `Notify` without a stored permit.
    ///
    /// ```
    /// use zokio::sync::Notify;
    ///
    /// let notify = Notify::new();
    /// ```
    pub fn new() -> Notify {
        Notify {
            state: State::new(),
            lists: Mutex::new(Lists::new()),
        }
    }

    /// A `Notify` without a stored permit, usable in a `static`.
    ///
    /// ```
    /// use zokio::sync::Notify;
    ///
    /// static NOTIFY: Notify = Notify::const_new();
    /// NOTIFY.notify_one();
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new() -> Notify {
        Notify {
            state: State::new(),
            lists: Mutex::new(Lists::new()),
        }
    }

    /// A future that completes when this task is notified: by
    /// [`notify_one`](Self::notify_one) or [`notify_last`](Self::notify_last)
    /// once it is in line (polled or [enabled](Notified::enable)), by a
    /// permit stored before its first poll, or by any
    /// [`notify_waiters`](Self::notify_waiters) call made after it was
    /// created, polled or not.
    ///
    /// # Cancel safety
    ///
    /// Waiting uses a queue, so that `notify_one` serves the waiters in the
    /// order they started waiting. Dropping the future gives up its place
    /// in the queue. A notification from `notify_one` or `notify_last` that
    /// it received but did not complete with is handed on to the next
    /// waiter (or stored as the permit), so none is lost.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::Notify;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let notify = Arc::new(Notify::new());
    ///     let notify2 = notify.clone();
    ///
    ///     zokio::spawn(async move {
    ///         notify2.notified().await;
    ///         println!("received notification");
    ///     });
    ///
    ///     println!("sending notification");
    ///     notify.notify_one();
    /// }
    /// ```
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            epoch: self.state.load().epoch(),
            phase: Phase::Init,
            waiter: Waiter::new(None),
        }
    }

    /// Wakes the task that has waited longest, or, if none waits, stores a
    /// permit for the next call to `notified().await` (at most one permit
    /// is stored).
    ///
    /// ```
    /// use zokio::sync::Notify;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let notify = Notify::new();
    ///     // Nobody waits: the permit is stored...
    ///     notify.notify_one();
    ///     // ...and this completes at once.
    ///     notify.notified().await;
    /// }
    /// ```
    pub fn notify_one(&self) {
        self.notify_with(Notification::One);
    }

    /// Wakes the task that started waiting last, or, if none waits, stores
    /// a permit like [`notify_one`](Self::notify_one).
    ///
    /// ```
    /// use std::pin::pin;
    /// use zokio::sync::Notify;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let notify = Notify::new();
    ///     let mut first = pin!(notify.notified());
    ///     let mut last = pin!(notify.notified());
    ///     first.as_mut().enable();
    ///     last.as_mut().enable();
    ///     notify.notify_last();
    ///     last.await;
    ///     assert!(!first.as_mut().enable());
    /// }
    /// ```
    pub fn notify_last(&self) {
        self.notify_with(Notification::Last);
    }

    /// Wakes every task whose `notified()` future was created before this
    /// call, whether it was polled yet or not. Stores no permit, and leaves
    /// a stored one in place. Futures created after this call are not
    /// woken by it, even those created while it runs.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::Notify;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let notify = Arc::new(Notify::new());
    ///     let notify2 = notify.clone();
    ///
    ///     let notified1 = notify.notified();
    ///     let notified2 = notify.notified();
    ///
    ///     let handle = zokio::spawn(async move {
    ///         println!("sending notifications");
    ///         notify2.notify_waiters();
    ///     });
    ///
    ///     notified1.await;
    ///     notified2.await;
    ///     println!("received notifications");
    ///     handle.await.unwrap();
    /// }
    /// ```
    pub fn notify_waiters(&self) {
        if let NextEpoch::Done = self.state.next_epoch() {
            return;
        }
        let mut lists = lock(&self.lists);
        match self.state.next_epoch() {
            NextEpoch::Done => return,
            NextEpoch::Waiting => {
                self.state.next_epoch_and_empty();
                let Lists { waiting, woken } = &mut *lists;
                woken.append(waiting);
            }
        }
        let mut wakers = WakeList::new();
        loop {
            while !wakers.is_full() {
                let notified = lists.woken.with_front(|n| *n = Some(Notification::All));
                if notified.is_none() {
                    break;
                }
                wakers.push(lists.woken.pop_front().flatten());
            }
            let done = lists.woken.is_empty();
            drop(lists);
            wakers.wake_all();
            if done {
                return;
            }
            lists = lock(&self.lists);
        }
    }

    fn notify_with(&self, how: Notification) {
        if let StorePermit::Stored = self.state.store_permit() {
            return;
        }
        let lists = lock(&self.lists);
        if let Some(waker) = self.notify_locked(lists, how) {
            waker.wake();
        }
    }

    /// Under the lock: notifies the first (`One`) or last (`Last`) waiter,
    /// or stores the permit. Returns the waker to wake; the lock is
    /// released first.
    fn notify_locked(&self, mut lists: MutexGuard<'_, Lists>, how: Notification) -> Option<Waker> {
        if let StorePermit::Stored = self.state.store_permit() {
            return None;
        }
        let waiting = &mut lists.waiting;
        let waker = match how {
            Notification::Last => {
                waiting.with_back(|n| *n = Some(how));
                waiting.pop_back()
            }
            _ => {
                waiting.with_front(|n| *n = Some(how));
                waiting.pop_front()
            }
        };
        debug_assert!(waker.is_some(), "`WAITING` with an empty list");
        if waiting.is_empty() {
            self.state.waiting_to_empty();
        }
        drop(lists);
        waker.flatten()
    }
}

impl Lists {
    const fn new() -> Lists {
        Lists {
            waiting: WaitList::new(),
            woken: WaitList::new(),
        }
    }
}

impl Notified<'_> {
    /// Puts this future in line for [`notify_one`](Notify::notify_one)
    /// without polling it, so that a notification sent before its first
    /// poll is not missed; otherwise the same as a poll without a waker.
    /// Does nothing more once it is in line.
    ///
    /// Returns `true` if the future is notified (a poll would complete):
    /// `notify_waiters` ran since it was created, it took a stored permit
    /// (on its first `enable` or poll only), or a notification reached it
    /// while it was in line. Notifications sent by `notify_waiters` reach
    /// it whether it is enabled or not.
    ///
    /// ```
    /// use std::pin::pin;
    /// use zokio::sync::Notify;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let notify = Notify::new();
    ///     let mut notified = pin!(notify.notified());
    ///     // In line before the condition is checked:
    ///     assert!(!notified.as_mut().enable());
    ///     notify.notify_one();
    ///     assert!(notified.as_mut().enable());
    ///     notified.await;
    /// }
    /// ```
    pub fn enable(self: Pin<&mut Self>) -> bool {
        self.poll_notified(None).is_ready()
    }

    fn poll_notified(self: Pin<&mut Self>, waker: Option<&Waker>) -> Poll<()> {
        // SAFETY: `waiter` is structurally pinned and never moved out
        // (rule 1); the other fields are plain data.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let mut waiter = unsafe { Pin::new_unchecked(&mut this.waiter) };
        let notify = this.notify;
        match this.phase {
            Phase::Done => return Poll::Ready(()),
            Phase::Init => {
                if let Register::Notified = notify.state.take_permit(this.epoch) {
                    this.phase = Phase::Done;
                    return Poll::Ready(());
                }
                let mut lists = lock(&notify.lists);
                if let Register::Notified = notify.state.register(this.epoch) {
                    this.phase = Phase::Done;
                    return Poll::Ready(());
                }
                // SAFETY: the `Notified` that owns `waiter` removes it
                // before it is dropped (rule 3); the word is `WAITING` in
                // the future's epoch, so `waiting` is the list for it
                // (rule 2).
                unsafe { lists.waiting.push_back(waiter, waker.cloned(), None) };
                this.phase = Phase::Waiting;
                return Poll::Pending;
            }
            Phase::Waiting => {}
        }
        if waiter.is_queued() {
            let mut lists = lock(&notify.lists);
            if notify.state.load().epoch() == this.epoch {
                let queued = match waker {
                    // SAFETY: in this epoch, a queued waiter is in
                    // `waiting` (rule 2).
                    Some(waker) => unsafe { lists.waiting.set_waker(waiter.as_mut(), waker) },
                    None => waiter.is_queued(),
                };
                if queued {
                    return Poll::Pending;
                }
            } else {
                // Notified by `notify_waiters`: leave `woken` now rather
                // than wait for the waker to unlink us.
                // SAFETY: after the epoch moved on, a queued waiter is in
                // `woken` (rule 2).
                unsafe { lists.woken.remove(waiter.as_mut()) };
            }
        }
        this.phase = Phase::Done;
        Poll::Ready(())
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.poll_notified(Some(cx.waker()))
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        if self.phase != Phase::Waiting {
            return;
        }
        // SAFETY: `self` is dropped in place: the waiter was pinned and is
        // not moved (rule 1).
        let mut waiter = unsafe { Pin::new_unchecked(&mut self.waiter) };
        let notify = self.notify;
        let mut lists = if waiter.is_queued() {
            let mut lists = lock(&notify.lists);
            if notify.state.load().epoch() == self.epoch {
                // SAFETY: in this epoch, a queued waiter is in `waiting`
                // (rule 2).
                if unsafe { lists.waiting.remove(waiter.as_mut()) } {
                    if lists.waiting.is_empty() {
                        notify.state.waiting_to_empty();
                    }
                    return;
                }
            } else {
                // SAFETY: after the epoch moved on, a queued waiter is in
                // `woken` (rule 2).
                if unsafe { lists.woken.remove(waiter.as_mut()) } {
                    return;
                }
            }
            Some(lists)
        } else {
            None
        };
        // Unlinked by a notification this future will never complete with:
        // hand a `notify_one` or `notify_last` on.
        let how = waiter
            .with_payload(|n| *n)
            .expect("an unlinked waiter is its owner's");
        if let Some(how @ (Notification::One | Notification::Last)) = how {
            let lists = lists.take().unwrap_or_else(|| lock(&notify.lists));
            if let Some(waker) = notify.notify_locked(lists, how) {
                waker.wake();
            }
        }
    }
}

impl Default for Notify {
    fn default() -> Notify {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notify")
            .field("state", &self.state)
            .finish()
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("epoch", &self.epoch)
            .field("phase", &self.phase)
            .finish()
    }
}
