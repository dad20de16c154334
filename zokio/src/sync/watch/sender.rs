//! The sending half of a watch channel.

use std::fmt;
use std::future::poll_fn;
use std::mem;
use std::pin::pin;

use super::error::SendError;
use super::{Receiver, Ref, Shared};
use crate::loom::atomic::Ordering::{AcqRel, Acquire, Relaxed};
use crate::loom::Arc;
use crate::sync::signal::Listener;

/// Replaces the value of a watch channel; made by
/// [`channel`](super::channel).
///
/// Clone it to send from several tasks. When every sender is gone, the
/// receivers' [`changed`](Receiver::changed) fails (after reporting a last
/// change they had not seen).
///
/// ```
/// use zokio::sync::watch;
///
/// #[zokio::main]
/// async fn main() {
///     let (tx, mut rx) = watch::channel(false);
///     let tx2 = tx.clone();
///     zokio::spawn(async move { tx2.send(true).unwrap() });
///     rx.changed().await.unwrap();
///     assert!(*rx.borrow());
/// }
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    pub(super) fn new(shared: Arc<Shared<T>>) -> Sender<T> {
        Sender { shared }
    }

    /// Replaces the value and notifies the receivers; fails, giving the
    /// value back, if there is no receiver (the value is not stored then).
    ///
    /// ```
    /// use zokio::sync::watch;
    ///
    /// let (tx, rx) = watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow(), 2);
    /// drop(rx);
    /// assert!(tx.send(3).is_err());
    /// assert_eq!(*tx.borrow(), 2);
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.receiver_count() == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Modifies the value in place and notifies the receivers, even if
    /// there is none.
    ///
    /// If `modify` panics, the panic propagates, the value stays as
    /// `modify` left it, and no receiver is notified.
    ///
    /// ```
    /// use zokio::sync::watch;
    ///
    /// let (tx, rx) = watch::channel(vec![1]);
    /// tx.send_modify(|v| v.push(2));
    /// assert_eq!(*rx.borrow(), [1, 2]);
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn send_modify<F: FnOnce(&mut T)>(&self, modify: F) {
        self.send_if_modified(|value| {
            modify(value);
            true
        });
    }

    /// Lets `modify` change the value in place; notifies the receivers only
    /// if it returns `true` (it must return `true` if it changed the value).
    /// Returns what `modify` returned. Works without receivers.
    ///
    /// If `modify` panics, the panic propagates, the value stays as
    /// `modify` left it, and no receiver is notified.
    ///
    /// ```
    /// use zokio::sync::watch;
    ///
    /// let (tx, rx) = watch::channel(5);
    /// let changed = tx.send_if_modified(|v| {
    ///     if *v < 10 {
    ///         *v = 10;
    ///         true
    ///     } else {
    ///         false
    ///     }
    /// });
    /// assert!(changed);
    /// assert!(!tx.send_if_modified(|v| *v < 10));
    /// assert_eq!(*rx.borrow(), 10);
    /// ```
    pub fn send_if_modified<F: FnOnce(&mut T) -> bool>(&self, modify: F) -> bool {
        {
            let mut value = self.shared.write();
            if !modify(&mut value) {
                return false;
            }
            // Under the write lock: a reader holding the read lock sees the
            // version that goes with the value.
            self.shared.state.bump();
        }
        self.shared.changed.notify_all();
        true
    }

    /// Replaces the value, notifies the receivers (even if there is none),
    /// and returns the value it replaced.
    ///
    /// ```
    /// use zokio::sync::watch;
    ///
    /// let (tx, _rx) = watch::channel(1);
    /// assert_eq!(tx.send_replace(2), 1);
    /// assert_eq!(tx.send_replace(3), 2);
    /// ```
    pub fn send_replace(&self, mut value: T) -> T {
        self.send_modify(|current| mem::swap(current, &mut value));
        value
    }

    /// Borrows the current value. See [`Ref`] on holding the borrow: while
    /// it lives, sending waits.
    ///
    /// ```
    /// use zokio::sync::watch;
    ///
    /// let (tx, _rx) = watch::channel(7);
    /// assert_eq!(*tx.borrow(), 7);
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref::new(self.shared.read(), false)
    }

    /// A new receiver, with the current value marked seen.
    ///
    /// Also works when every receiver is gone: sending succeeds again.
    ///
    /// ```
    /// use zokio::sync::watch;
    ///
    /// let (tx, rx) = watch::channel(0);
    /// drop(rx);
    /// assert!(tx.send(1).is_err());
    /// let rx = tx.subscribe();
    /// assert!(tx.send(2).is_ok());
    /// assert_eq!(*rx.borrow(), 2);
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.receivers.fetch_add(1, Relaxed);
        let version = self.shared.state.load().version();
        Receiver::new(self.shared.clone(), version)
    }

    /// How many receivers there are.
    ///
    /// ```
    /// use zokio::sync::watch;
    ///
    /// let (tx, rx) = watch::channel(());
    /// let rx2 = rx.clone();
    /// assert_eq!(tx.receiver_count(), 2);
    /// drop((rx, rx2));
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.receivers.load(Acquire)
    }

    /// Whether every receiver is gone.
    ///
    /// ```
    /// use zokio::sync::watch;
    ///
    /// let (tx, rx) = watch::channel(());
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Waits until every receiver is gone.
    ///
    /// ```
    /// use zokio::sync::watch;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, rx) = watch::channel(());
    ///     zokio::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    ///     assert!(tx.is_closed());
    /// }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future changes nothing in the channel.
    pub async fn closed(&self) {
        let shared = &*self.shared;
        let gone = || (shared.receivers.load(Acquire) == 0).then_some(());
        if gone().is_some() {
            return;
        }
        let mut listener = pin!(Listener::new(&shared.rx_gone));
        poll_fn(|cx| listener.as_mut().poll_locked(cx.waker(), |_| gone())).await
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.shared.senders.fetch_add(1, Relaxed);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.senders.fetch_sub(1, AcqRel) == 1 {
            self.shared.state.close();
            self.shared.changed.notify_all();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("receivers", &self.receiver_count())
            .finish_non_exhaustive()
    }
}
