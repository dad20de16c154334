//! The receiving half of a watch channel, and the borrow of its value.

use std::fmt;
use std::future::poll_fn;
use std::ops::Deref;
use std::pin::pin;
use std::task::{ready, Poll};

use super::error::RecvError;
use super::{RwLockReadGuard, Shared, Version};
use crate::loom::atomic::Ordering::{AcqRel, Relaxed};
use crate::loom::Arc;
use crate::runtime::coop;
use crate::sync::signal::Listener;

/// Watches the value of a channel; made by [`channel`](super::channel) and
/// [`Sender::subscribe`](super::Sender::subscribe).
///
/// Clone it to watch from several tasks: each clone remembers on its own
/// which version it saw last.
///
/// ```
/// use zokio::sync::watch;
///
/// #[zokio::main]
/// async fn main() {
///     let (tx, mut rx) = watch::channel(0);
///     zokio::spawn(async move {
///         for i in 1..=3 {
///             tx.send(i).unwrap();
///         }
///     });
///     // Some values may be skipped, never the last one.
///     while rx.changed().await.is_ok() {
///         if *rx.borrow_and_update() == 3 {
///             break;
///         }
///     }
/// }
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The version this receiver saw last.
    version: Version,
}

/// A borrow of the value in a watch channel; made by
/// [`Receiver::borrow`], [`Receiver::borrow_and_update`],
/// [`Receiver::wait_for`] and [`Sender::borrow`](super::Sender::borrow).
///
/// It holds a read lock on the value: while it lives, senders wait to
/// write. Keep it briefly, and never across an `.await` (that can
/// deadlock a task sending on the same thread).
///
/// ```
/// use zokio::sync::watch;
///
/// let (tx, rx) = watch::channel(String::from("hi"));
/// let len = rx.borrow().len(); // the borrow ends here
/// assert_eq!(len, 2);
/// tx.send(String::from("hello")).unwrap();
/// ```
pub struct Ref<'a, T> {
    guard: RwLockReadGuard<'a, T>,
    has_changed: bool,
}

impl<'a, T> Ref<'a, T> {
    pub(super) fn new(guard: RwLockReadGuard<'a, T>, has_changed: bool) -> Ref<'a, T> {
        Ref { guard, has_changed }
    }

    /// Whether the borrowed value was new to the receiver that borrowed it:
    /// not marked seen before this borrow. Always `false` for a borrow made
    /// by the sender.
    ///
    /// ```
    /// use zokio::sync::watch;
    ///
    /// let (tx, mut rx) = watch::channel(0);
    /// assert!(!rx.borrow().has_changed());
    /// tx.send(1).unwrap();
    /// assert!(rx.borrow().has_changed());
    /// assert!(rx.borrow_and_update().has_changed());
    /// assert!(!rx.borrow().has_changed());
    /// ```
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> Receiver<T> {
    pub(super) fn new(shared: Arc<Shared<T>>, version: Version) -> Receiver<T> {
        Receiver { shared, version }
    }

    /// Borrows the current value, without marking it seen.
    ///
    /// See [`Ref`] on holding the borrow: keep it short.
    ///
    /// ```
    /// use zokio::sync::watch;
    ///
    /// let (tx, rx) = watch::channel("a");
    /// tx.send("b").unwrap();
    /// assert_eq!(*rx.borrow(), "b");
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        let guard = self.shared.read();
        // Under the read lock the version matches the value.
        let current = self.shared.state.load().version();
        Ref::new(guard, current != self.version)
    }

    /// Borrows the current value and marks it seen: [`changed`] then waits
    /// for a newer one.
    ///
    /// [`changed`]: Receiver::changed
    ///
    /// ```
    /// use zokio::sync::watch;
    ///
    /// let (tx, mut rx) = watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow_and_update(), 2);
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let guard = self.shared.read();
        let current = self.shared.state.load().version();
        let has_changed = current != self.version;
        self.version = current;
        Ref::new(guard, has_changed)
    }

    /// Whether a value newer than the last one marked seen was sent.
    ///
    /// Fails once every sender is gone, even if the last value was not
    /// seen; use [`borrow`](Receiver::borrow) to read it then.
    ///
    /// ```
    /// use zokio::sync::watch;
    ///
    /// let (tx, rx) = watch::channel(0);
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// drop(tx);
    /// assert!(rx.has_changed().is_err());
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let state = self.shared.state.load();
        if state.is_closed() {
            return Err(RecvError(()));
        }
        Ok(state.version() != self.version)
    }

    /// Marks the current value as not seen: [`changed`](Receiver::changed)
    /// returns at once, and [`has_changed`](Receiver::has_changed) says
    /// `true`.
    ///
    /// ```
    /// use zokio::sync::watch;
    ///
    /// let (_tx, mut rx) = watch::channel(0);
    /// rx.mark_changed();
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// ```
    pub fn mark_changed(&mut self) {
        self.version = self.shared.state.load().version().before();
    }

    /// Marks the current value as seen, without borrowing it.
    ///
    /// ```
    /// use zokio::sync::watch;
    ///
    /// let (tx, mut rx) = watch::channel(0);
    /// tx.send(1).unwrap();
    /// rx.mark_unchanged();
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// ```
    pub fn mark_unchanged(&mut self) {
        self.version = self.shared.state.load().version();
    }

    /// Waits for a value newer than the last one marked seen, then marks it
    /// seen. Returns at once if there is one already.
    ///
    /// Fails once every sender is gone and the last value was seen.
    ///
    /// ```
    /// use zokio::sync::watch;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, mut rx) = watch::channel("hello");
    ///     zokio::spawn(async move {
    ///         tx.send("goodbye").unwrap();
    ///     });
    ///     assert!(rx.changed().await.is_ok());
    ///     assert_eq!(*rx.borrow_and_update(), "goodbye");
    ///     // The sender is gone now.
    ///     assert!(rx.changed().await.is_err());
    /// }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the version seen changes only when the future completes.
    /// In a `select!` loop, a change that comes while another branch runs is
    /// still reported by the next call.
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        changed(&self.shared, &mut self.version).await
    }

    /// Waits until the value satisfies `f`, marks it seen and returns a
    /// borrow of it.
    ///
    /// The current value is checked first, seen or not; then each new value
    /// as it comes (values sent in between may be skipped). Fails once every
    /// sender is gone and the last value does not satisfy `f`. `f` runs
    /// while the value is read-locked: keep it short.
    ///
    /// ```
    /// use zokio::sync::watch;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, mut rx) = watch::channel(0);
    ///     zokio::spawn(async move {
    ///         for i in 1..=10 {
    ///             tx.send(i).unwrap();
    ///         }
    ///     });
    ///     let value = rx.wait_for(|v| *v >= 5).await.unwrap();
    ///     assert!(*value >= 5);
    /// }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future only leaves the values it looked at
    /// marked seen.
    pub async fn wait_for(
        &mut self,
        mut f: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        let shared = &*self.shared;
        let version = &mut self.version;
        let mut closed = false;
        loop {
            {
                let guard = shared.read();
                let current = shared.state.load().version();
                let has_changed = current != *version;
                *version = current;
                // Once closed, only a value not looked at yet can still pass.
                if (!closed || has_changed) && f(&guard) {
                    return Ok(Ref::new(guard, has_changed));
                }
            }
            if closed {
                return Err(RecvError(()));
            }
            closed = changed(shared, version).await.is_err();
        }
    }

    /// Whether both receivers watch the same channel.
    ///
    /// ```
    /// use zokio::sync::watch;
    ///
    /// let (_tx, rx) = watch::channel(0);
    /// let (_other_tx, other) = watch::channel(0);
    /// assert!(rx.same_channel(&rx.clone()));
    /// assert!(!rx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

/// Waits for the channel's version to differ from `version`, then takes it.
async fn changed<T>(shared: &Shared<T>, version: &mut Version) -> Result<(), RecvError> {
    let mut listener = pin!(Listener::new(shared.changed.here()));
    poll_fn(|cx| {
        let coop = ready!(coop::poll_proceed(cx));
        let poll = match observe(shared, version) {
            Some(out) => Poll::Ready(out),
            None => listener
                .as_mut()
                .poll_locked(cx.waker(), |_| observe(shared, version)),
        };
        if poll.is_ready() {
            coop.made_progress();
        }
        poll
    })
    .await
}

/// `Some` when a wait for a change is over: a new version (taken into
/// `version`), or, failing that, a closed channel.
fn observe<T>(shared: &Shared<T>, version: &mut Version) -> Option<Result<(), RecvError>> {
    let state = shared.state.load();
    if state.version() != *version {
        *version = state.version();
        return Some(Ok(()));
    }
    state.is_closed().then_some(Err(RecvError(())))
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Receiver<T> {
        self.shared.receivers.fetch_add(1, Relaxed);
        Receiver {
            shared: self.shared.clone(),
            version: self.version,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.shared.receivers.fetch_sub(1, AcqRel) == 1 {
            self.shared.rx_gone.notify_all();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}
