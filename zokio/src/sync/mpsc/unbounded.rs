//! The unbounded channel: sending never waits.

use std::fmt;
use std::future::poll_fn;
use std::task::{Context, Poll};

use super::bounded::assert_not_in_runtime;
use super::chan::{Bound, Chan, Rx, Tx, WeakTx};
use super::error::{SendError, TryRecvError};
use crate::runtime::thread_park::ThreadPark;

/// Creates an unbounded channel: sending never waits, and the channel
/// holds as many values as memory allows.
///
/// Use it where a sender must not wait (from synchronous code, or to break
/// a cycle of tasks waiting on each other), and bound the values in flight
/// some other way: a receiver that falls behind makes the channel grow
/// without limit.
///
/// ```
/// use zokio::sync::mpsc;
///
/// #[zokio::main]
/// async fn main() {
///     let (tx, mut rx) = mpsc::unbounded_channel();
///
///     zokio::spawn(async move {
///         for i in 0..10 {
///             tx.send(i).unwrap();
///         }
///     });
///
///     let mut sum = 0;
///     while let Some(i) = rx.recv().await {
///         sum += i;
///     }
///     assert_eq!(sum, 45);
/// }
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let (tx, rx) = Chan::open(Unbounded);
    (UnboundedSender { tx }, UnboundedReceiver { rx })
}

/// No bound: closing the list is all there is to closing the channel.
pub(super) struct Unbounded;

impl Bound for Unbounded {
    const PUSH_AFTER_CLOSE: bool = false;

    fn close(&self) {}

    fn on_recv(&self) {}

    fn is_drained(&self, rx_pos: usize, closed_at: usize) -> bool {
        // Positions before `closed_at` were claimed before the close, so
        // their values come; none after.
        rx_pos == closed_at
    }
}

/// Sends values to the associated [`UnboundedReceiver`]; made by
/// [`unbounded_channel`].
///
/// Clone it to send from several tasks or threads. When every sender is
/// gone, the receiver gets the values still in the channel and then `None`.
///
/// ```
/// use zokio::sync::mpsc;
///
/// let (tx, mut rx) = mpsc::unbounded_channel();
/// let tx2 = tx.clone();
/// std::thread::spawn(move || tx2.send(2).unwrap()).join().unwrap();
/// tx.send(1).unwrap();
/// assert_eq!(rx.try_recv(), Ok(2));
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub struct UnboundedSender<T> {
    tx: Tx<T, Unbounded>,
}

/// An unbounded sender that does not keep the channel open; made by
/// [`UnboundedSender::downgrade`].
///
/// ```
/// use zokio::sync::mpsc;
///
/// let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
/// let weak = tx.downgrade();
/// weak.upgrade().unwrap().send(1).unwrap();
/// drop(tx);
/// assert!(weak.upgrade().is_none());
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub struct WeakUnboundedSender<T> {
    tx: WeakTx<T, Unbounded>,
}

/// Receives the values sent through an unbounded channel; made by
/// [`unbounded_channel`].
///
/// ```
/// use zokio::sync::mpsc;
///
/// #[zokio::main]
/// async fn main() {
///     let (tx, mut rx) = mpsc::unbounded_channel();
///     tx.send("a").unwrap();
///     drop(tx);
///     assert_eq!(rx.recv().await, Some("a"));
///     assert_eq!(rx.recv().await, None);
/// }
/// ```
pub struct UnboundedReceiver<T> {
    rx: Rx<T, Unbounded>,
}

impl<T> UnboundedSender<T> {
    /// Strong senders of the channel alive now.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, rx) = mpsc::unbounded_channel::<u8>();
    /// let weak = tx.downgrade();
    /// let _tx2 = tx.clone();
    /// assert_eq!(tx.strong_count(), 2);
    /// assert_eq!(tx.weak_count(), 1);
    /// # drop((tx, rx, weak));
    /// ```
    pub fn strong_count(&self) -> usize {
        self.tx.chan().strong_count()
    }

    /// Weak senders of the channel alive now (see
    /// [`strong_count`](UnboundedSender::strong_count)).
    pub fn weak_count(&self) -> usize {
        self.tx.chan().weak_count()
    }

    /// Sends `value` without waiting.
    ///
    /// Fails, giving the value back, if the receiver was dropped or
    /// [closed](UnboundedReceiver::close). `Ok` means the value is in the
    /// channel, not that it will be received.
    ///
    /// ```
    /// use zokio::sync::mpsc::{self, error::SendError};
    ///
    /// let (tx, rx) = mpsc::unbounded_channel();
    /// assert!(tx.send(1).is_ok());
    /// drop(rx);
    /// assert_eq!(tx.send(2), Err(SendError(2)));
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.tx.push(value).map_err(SendError)
    }

    /// Waits until the receiver is dropped or
    /// [closed](UnboundedReceiver::close).
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::unbounded_channel::<()>();
    ///     zokio::spawn(async move { rx.close() });
    ///     tx.closed().await;
    ///     assert!(tx.send(()).is_err());
    /// }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future changes nothing in the channel.
    pub async fn closed(&self) {
        self.tx.closed().await
    }

    /// Whether the receiver was dropped or
    /// [closed](UnboundedReceiver::close).
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, rx) = mpsc::unbounded_channel::<()>();
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.tx.chan().is_closed()
    }

    /// A [`WeakUnboundedSender`] for this channel, which does not keep it
    /// open.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, _rx) = mpsc::unbounded_channel::<()>();
    /// let weak = tx.downgrade();
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        WeakUnboundedSender {
            tx: self.tx.downgrade(),
        }
    }

    /// Whether both senders send into the same channel.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, _rx) = mpsc::unbounded_channel::<()>();
    /// let (other, _other_rx) = mpsc::unbounded_channel::<()>();
    /// assert!(tx.same_channel(&tx.clone()));
    /// assert!(!tx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &UnboundedSender<T>) -> bool {
        self.tx.same_channel(&other.tx)
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> UnboundedSender<T> {
        UnboundedSender {
            tx: self.tx.clone(),
        }
    }
}

impl<T> WeakUnboundedSender<T> {
    /// Strong senders of the channel alive now.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, rx) = mpsc::unbounded_channel::<u8>();
    /// let weak = tx.downgrade();
    /// let _tx2 = tx.clone();
    /// assert_eq!(weak.strong_count(), 2);
    /// assert_eq!(weak.weak_count(), 1);
    /// # drop((tx, rx, weak));
    /// ```
    pub fn strong_count(&self) -> usize {
        self.tx.chan().strong_count()
    }

    /// Weak senders of the channel alive now (see
    /// [`strong_count`](WeakUnboundedSender::strong_count)).
    pub fn weak_count(&self) -> usize {
        self.tx.chan().weak_count()
    }

    /// An [`UnboundedSender`], unless every sender is gone.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, _rx) = mpsc::unbounded_channel::<()>();
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        self.tx.upgrade().map(|tx| UnboundedSender { tx })
    }

    /// Whether both weak senders belong to the same channel.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, _rx) = mpsc::unbounded_channel::<()>();
    /// assert!(tx.downgrade().same_channel(&tx.downgrade()));
    /// ```
    pub fn same_channel(&self, other: &WeakUnboundedSender<T>) -> bool {
        self.tx.same_channel(&other.tx)
    }
}

impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> WeakUnboundedSender<T> {
        WeakUnboundedSender {
            tx: self.tx.clone(),
        }
    }
}

impl<T> UnboundedReceiver<T> {
    /// Strong senders of the channel alive now (as [`UnboundedSender::strong_count`]).
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, rx) = mpsc::unbounded_channel::<u8>();
    /// let weak = tx.downgrade();
    /// let _tx2 = tx.clone();
    /// assert_eq!(rx.sender_strong_count(), 2);
    /// assert_eq!(rx.sender_weak_count(), 1);
    /// # drop((tx, rx, weak));
    /// ```
    pub fn sender_strong_count(&self) -> usize {
        self.rx.chan().strong_count()
    }

    /// Weak senders of the channel alive now (see
    /// [`sender_strong_count`](UnboundedReceiver::sender_strong_count)).
    pub fn sender_weak_count(&self) -> usize {
        self.rx.chan().weak_count()
    }

    /// Receives the next value, waiting for one if the channel is empty.
    ///
    /// Returns `None` once the channel is empty and no value can come:
    /// every sender is gone, or the receiver was
    /// [closed](UnboundedReceiver::close). Values sent before are all
    /// received first.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::unbounded_channel();
    ///     zokio::spawn(async move { tx.send("hello").unwrap() });
    ///     assert_eq!(rx.recv().await, Some("hello"));
    ///     assert_eq!(rx.recv().await, None);
    /// }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe. If the future is dropped before it completes (say,
    /// another `select!` branch won), no value was taken from the channel:
    /// the next call gets it.
    pub async fn recv(&mut self) -> Option<T> {
        poll_fn(|cx| self.rx.poll_recv(cx)).await
    }

    /// Receives up to `limit` values into `buffer` (appended), waiting for
    /// the first one if the channel is empty. Returns how many it received;
    /// `0` means the channel is over, or `limit` was `0`.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::unbounded_channel();
    ///     for i in 0..4 {
    ///         tx.send(i).unwrap();
    ///     }
    ///     let mut buffer = Vec::new();
    ///     assert_eq!(rx.recv_many(&mut buffer, 10).await, 4);
    ///     assert_eq!(buffer, [0, 1, 2, 3]);
    /// }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no value
    /// was taken from the channel.
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        poll_fn(|cx| self.rx.poll_recv_many(cx, buffer, limit)).await
    }

    /// Takes the next value if there is one now, without waiting.
    ///
    /// ```
    /// use zokio::sync::mpsc::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = mpsc::unbounded_channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.rx.try_recv()
    }

    /// Receives the next value from synchronous code, blocking this thread
    /// while the channel is empty.
    ///
    /// # Panics
    ///
    /// If called on a thread that runs a Zokio runtime (a task, or
    /// `block_on`).
    ///
    /// ```
    /// use std::thread;
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, mut rx) = mpsc::unbounded_channel();
    /// let sync_code = thread::spawn(move || rx.blocking_recv());
    /// tx.send(10).unwrap();
    /// assert_eq!(sync_code.join().unwrap(), Some(10));
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        assert_not_in_runtime();
        ThreadPark::new().block_on(self.recv())
    }

    /// Closes the channel without dropping the receiver: sending fails from
    /// now on, and senders waiting in
    /// [`closed`](UnboundedSender::closed) wake. The values already sent
    /// can still be received; `recv` returns `None` after them.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, mut rx) = mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// rx.close();
    /// assert!(tx.send(2).is_err());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(rx.try_recv().is_err());
    /// ```
    pub fn close(&mut self) {
        self.rx.close();
    }

    /// Whether the channel is closed: the receiver closed it, or every
    /// sender is gone. Values may still wait to be received.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, rx) = mpsc::unbounded_channel::<()>();
    /// assert!(!rx.is_closed());
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.rx.is_closed()
    }

    /// Whether no value is ready to be received now.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, rx) = mpsc::unbounded_channel();
    /// assert!(rx.is_empty());
    /// tx.send(0).unwrap();
    /// assert!(!rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }

    /// How many values are in the channel (counting sends that are under
    /// way on other threads).
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, mut rx) = mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// Polls for the next value: `Ready(Some(value))`, `Ready(None)` once
    /// the channel is over, or `Pending`, and then the task of `cx` wakes
    /// when a value arrives or the channel ends. Only the task of the latest
    /// call is woken.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio::sync::mpsc;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::unbounded_channel();
    ///     zokio::spawn(async move { tx.send(3).unwrap() });
    ///     assert_eq!(poll_fn(|cx| rx.poll_recv(cx)).await, Some(3));
    /// }
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rx.poll_recv(cx)
    }

    /// Polls for up to `limit` values, appending them to `buffer`: as
    /// [`recv_many`](UnboundedReceiver::recv_many), one poll at a time.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio::sync::mpsc;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::unbounded_channel();
    ///     tx.send(1).unwrap();
    ///     let mut buffer = Vec::new();
    ///     let n = poll_fn(|cx| rx.poll_recv_many(cx, &mut buffer, 10)).await;
    ///     assert_eq!((n, buffer), (1, vec![1]));
    /// }
    /// ```
    pub fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        self.rx.poll_recv_many(cx, buffer, limit)
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender")
            .field("chan", self.tx.chan())
            .finish()
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakUnboundedSender")
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedReceiver")
            .field("chan", self.rx.chan())
            .finish()
    }
}
