//! The sending half of a broadcast channel.

use std::fmt;
use std::future::poll_fn;
use std::pin::pin;

use super::error::SendError;
use super::{Receiver, Shared};
use crate::loom::atomic::Ordering::{AcqRel, Acquire, Relaxed};
use crate::loom::Arc;
use crate::sync::signal::Listener;

/// Sends values to every [`Receiver`] of a broadcast channel; made by
/// [`channel`](super::channel).
///
/// Clone it to send from several tasks. When every sender is gone,
/// receivers get the values left for them and then
/// [`RecvError::Closed`](super::error::RecvError::Closed).
///
/// ```
/// use zokio::sync::broadcast;
///
/// #[zokio::main]
/// async fn main() {
///     let (tx, mut rx) = broadcast::channel(4);
///     let tx2 = tx.clone();
///     tx.send(1).unwrap();
///     tx2.send(2).unwrap();
///     assert_eq!(rx.recv().await.unwrap(), 1);
///     assert_eq!(rx.recv().await.unwrap(), 2);
/// }
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// A sender that does not keep the channel open; made by
/// [`Sender::downgrade`].
///
/// ```
/// use zokio::sync::broadcast;
///
/// let (tx, mut rx) = broadcast::channel(2);
/// let weak = tx.downgrade();
/// weak.upgrade().unwrap().send(1).unwrap();
/// drop(tx);
/// assert!(weak.upgrade().is_none());
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub struct WeakSender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    pub(super) fn new(shared: Arc<Shared<T>>) -> Sender<T> {
        Sender { shared }
    }

    /// Sends `value` to every receiver; returns how many there are.
    ///
    /// Never waits: if the channel is full, the oldest value is overwritten
    /// (receivers that had not read it get
    /// [`Lagged`](super::error::RecvError::Lagged)). Fails, giving the value
    /// back, if there is no receiver; the value is not kept then.
    ///
    /// ```
    /// use zokio::sync::broadcast;
    ///
    /// let (tx, rx) = broadcast::channel(2);
    /// let _rx2 = tx.subscribe();
    /// assert_eq!(tx.send(1), Ok(2));
    /// drop(rx);
    /// drop(_rx2);
    /// assert!(tx.send(2).is_err());
    /// ```
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let mut tail = self.shared.lock_tail();
        if tail.receivers == 0 {
            return Err(SendError(value));
        }
        let pos = tail.pos;
        let slot = self.shared.slot(pos);
        let overwritten = {
            let mut data = slot.write();
            data.pos = pos;
            slot.remaining.store(tail.receivers, Relaxed);
            data.value.replace(value)
        };
        tail.pos = pos + 1;
        self.shared.publish(&tail);
        let receivers = tail.receivers;
        drop(tail);
        self.shared.waiting.notify_all();
        // Outside every lock: `T::drop` may do anything.
        drop(overwritten);
        Ok(receivers)
    }

    /// A new receiver, which gets the values sent from now on.
    ///
    /// Also works when every receiver is gone: sending succeeds again.
    ///
    /// ```
    /// use zokio::sync::broadcast;
    ///
    /// let (tx, _rx) = broadcast::channel(2);
    /// tx.send(1).unwrap();
    /// let mut late = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(late.try_recv(), Ok(2));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        let next = self.shared.add_receiver();
        Receiver::new(self.shared.clone(), next)
    }

    /// How many receivers there are.
    ///
    /// ```
    /// use zokio::sync::broadcast;
    ///
    /// let (tx, rx) = broadcast::channel::<()>(2);
    /// let rx2 = tx.subscribe();
    /// assert_eq!(tx.receiver_count(), 2);
    /// drop((rx, rx2));
    /// assert_eq!(tx.receiver_count(), 0);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.lock_tail().receivers
    }

    /// How many values are in the channel: sent, and neither read by every
    /// receiver that was there when they were sent nor overwritten.
    ///
    /// ```
    /// use zokio::sync::broadcast;
    ///
    /// let (tx, mut rx1) = broadcast::channel(4);
    /// let mut rx2 = tx.subscribe();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(tx.len(), 2);
    /// rx1.try_recv().unwrap();
    /// assert_eq!(tx.len(), 2);
    /// rx2.try_recv().unwrap();
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        let tail = self.shared.lock_tail();
        let oldest = tail.pos.saturating_sub(self.shared.capacity());
        // Each receiver reads in order, so the values still unread by
        // someone are the newest ones.
        let mut len = 0;
        for pos in (oldest..tail.pos).rev() {
            let slot = self.shared.slot(pos);
            let data = slot.read();
            if data.pos != pos || slot.remaining.load(Relaxed) == 0 {
                break;
            }
            len += 1;
        }
        len
    }

    /// Whether [`len`](Sender::len) is zero.
    ///
    /// ```
    /// use zokio::sync::broadcast;
    ///
    /// let (tx, mut rx) = broadcast::channel(4);
    /// assert!(tx.is_empty());
    /// tx.send(1).unwrap();
    /// assert!(!tx.is_empty());
    /// rx.try_recv().unwrap();
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits until every receiver is gone.
    ///
    /// ```
    /// use zokio::sync::broadcast;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, rx) = broadcast::channel::<()>(2);
    ///     zokio::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    ///     assert_eq!(tx.receiver_count(), 0);
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

    /// Whether both senders send into the same channel.
    ///
    /// ```
    /// use zokio::sync::broadcast;
    ///
    /// let (tx, _rx) = broadcast::channel::<()>(2);
    /// let (other, _other_rx) = broadcast::channel::<()>(2);
    /// assert!(tx.same_channel(&tx.clone()));
    /// assert!(!tx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// A [`WeakSender`] for this channel, which does not keep it open.
    ///
    /// ```
    /// use zokio::sync::broadcast;
    ///
    /// let (tx, _rx) = broadcast::channel::<()>(2);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            shared: self.shared.clone(),
        }
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
            let mut tail = self.shared.lock_tail();
            tail.closed = true;
            self.shared.publish(&tail);
            drop(tail);
            self.shared.waiting.notify_all();
        }
    }
}

impl<T> WeakSender<T> {
    /// A [`Sender`], unless every sender is gone.
    ///
    /// ```
    /// use zokio::sync::broadcast;
    ///
    /// let (tx, _rx) = broadcast::channel::<()>(2);
    /// let weak = tx.downgrade();
    /// let strong = weak.upgrade().unwrap();
    /// drop(tx);
    /// assert!(weak.upgrade().is_some());
    /// drop(strong);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        let mut senders = self.shared.senders.load(Relaxed);
        loop {
            if senders == 0 {
                return None;
            }
            match self
                .shared
                .senders
                .compare_exchange_weak(senders, senders + 1, Relaxed, Relaxed)
            {
                Ok(_) => return Some(Sender::new(self.shared.clone())),
                Err(actual) => senders = actual,
            }
        }
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> WeakSender<T> {
        WeakSender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}
