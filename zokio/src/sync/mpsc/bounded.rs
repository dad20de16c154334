//! The bounded channel: at most `buffer` values (sent or reserved) at once.

use std::fmt;
use std::future::poll_fn;
use std::mem::ManuallyDrop;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use super::chan::{Bound, Chan, Rx, Tx, WeakTx};
use super::error::{SendError, SendTimeoutError, TryRecvError, TrySendError};
use crate::runtime::thread_park::ThreadPark;
use crate::runtime::{context, coop};
use crate::sync::{Semaphore, TryAcquireError};

/// Creates a bounded channel: it holds at most `buffer` values, and a
/// sender waits while it is full.
///
/// Every value sent, or room reserved with [`Sender::reserve`], takes one
/// unit of capacity; receiving a value gives it back. Senders waiting for
/// capacity get it in the order they asked.
///
/// # Panics
///
/// If `buffer` is zero, or larger than [`Semaphore::MAX_PERMITS`].
///
/// ```
/// use zokio::sync::mpsc;
///
/// #[zokio::main]
/// async fn main() {
///     let (tx, mut rx) = mpsc::channel(100);
///
///     zokio::spawn(async move {
///         for i in 0..10 {
///             if tx.send(i).await.is_err() {
///                 println!("receiver dropped");
///                 return;
///             }
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
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(buffer > 0, "mpsc bounded channel requires buffer > 0");
    assert!(
        buffer <= Semaphore::MAX_PERMITS,
        "mpsc bounded channel requires buffer <= Semaphore::MAX_PERMITS"
    );
    let bound = Bounded {
        semaphore: Semaphore::new(buffer),
        max: buffer,
    };
    let (tx, rx) = Chan::open(bound);
    (Sender { tx }, Receiver { rx })
}

/// The capacity of a bounded channel: a semaphore holding one permit per
/// free place. A permit leaves it when a sender reserves a place and comes
/// back when the receiver takes the value out (or the reservation is
/// dropped unused).
pub(super) struct Bounded {
    semaphore: Semaphore,
    max: usize,
}

impl Bound for Bounded {
    const PUSH_AFTER_CLOSE: bool = true;

    fn close(&self) {
        self.semaphore.close();
    }

    fn on_recv(&self) {
        self.semaphore.release(1);
    }

    fn is_drained(&self, _rx_pos: usize, _closed_at: usize) -> bool {
        // Every permit is back: no value is in the channel and no
        // reservation can still send one.
        self.semaphore.available_permits() == self.max
    }
}

/// Gives back the place of a reservation that was not used.
fn release_unused<T>(chan: &Chan<T, Bounded>) {
    chan.bound.semaphore.release(1);
    if chan.is_closed() {
        // The receiver may be waiting for the last reservations to go.
        chan.wake_rx();
    }
}

/// Sends values to the associated [`Receiver`]; made by [`channel`].
///
/// Clone it to send from several tasks. When every `Sender` (and every
/// [`OwnedPermit`]) is gone, the receiver gets the values still in the
/// channel and then `None`.
///
/// ```
/// use zokio::sync::mpsc;
///
/// #[zokio::main]
/// async fn main() {
///     let (tx, mut rx) = mpsc::channel(8);
///     for id in 0..3 {
///         let tx = tx.clone();
///         zokio::spawn(async move { tx.send(id).await.unwrap() });
///     }
///     drop(tx);
///     let mut got = Vec::new();
///     while let Some(id) = rx.recv().await {
///         got.push(id);
///     }
///     got.sort();
///     assert_eq!(got, [0, 1, 2]);
/// }
/// ```
pub struct Sender<T> {
    tx: Tx<T, Bounded>,
}

/// A sender that does not keep the channel open; made by
/// [`Sender::downgrade`].
///
/// The receiver gets `None` once every [`Sender`] is gone, however many
/// `WeakSender`s remain; [`upgrade`](WeakSender::upgrade) then fails.
///
/// ```
/// use zokio::sync::mpsc;
///
/// #[zokio::main]
/// async fn main() {
///     let (tx, mut rx) = mpsc::channel::<u8>(1);
///     let weak = tx.downgrade();
///     let tx2 = weak.upgrade().unwrap();
///     tx2.send(1).await.unwrap();
///     drop((tx, tx2));
///     assert_eq!(rx.recv().await, Some(1));
///     assert_eq!(rx.recv().await, None);
///     assert!(weak.upgrade().is_none());
/// }
/// ```
pub struct WeakSender<T> {
    tx: WeakTx<T, Bounded>,
}

/// Receives the values sent through a bounded channel; made by
/// [`channel`].
///
/// ```
/// use zokio::sync::mpsc;
///
/// #[zokio::main]
/// async fn main() {
///     let (tx, mut rx) = mpsc::channel(2);
///     tx.send("a").await.unwrap();
///     tx.send("b").await.unwrap();
///     assert_eq!(rx.recv().await, Some("a"));
///     assert_eq!(rx.recv().await, Some("b"));
/// }
/// ```
pub struct Receiver<T> {
    rx: Rx<T, Bounded>,
}

/// A reserved place in the channel, borrowed from a [`Sender`]; made by
/// [`Sender::reserve`] and [`Sender::try_reserve`].
///
/// [`send`](Permit::send) fills it without waiting and without failing.
/// Dropping it unused gives the place back.
///
/// ```
/// use zokio::sync::mpsc;
///
/// #[zokio::main]
/// async fn main() {
///     let (tx, mut rx) = mpsc::channel(1);
///     let permit = tx.reserve().await.unwrap();
///     // The channel is full now, though nothing was sent yet.
///     assert!(tx.try_send(0).is_err());
///     permit.send(1);
///     assert_eq!(rx.recv().await, Some(1));
/// }
/// ```
pub struct Permit<'a, T> {
    tx: &'a Tx<T, Bounded>,
}

/// A reserved place in the channel that owns its [`Sender`]; made by
/// [`Sender::reserve_owned`] and [`Sender::try_reserve_owned`].
///
/// [`send`](OwnedPermit::send) fills it and gives the sender back. Dropping
/// it unused gives the place back (and drops the sender).
///
/// ```
/// use zokio::sync::mpsc;
///
/// #[zokio::main]
/// async fn main() {
///     let (tx, mut rx) = mpsc::channel(1);
///     let permit = tx.reserve_owned().await.unwrap();
///     let tx = permit.send(5);
///     assert_eq!(rx.recv().await, Some(5));
///     drop(tx);
///     assert_eq!(rx.recv().await, None);
/// }
/// ```
pub struct OwnedPermit<T> {
    /// `None` only while `send` or `release` consume the permit.
    tx: Option<Tx<T, Bounded>>,
}

impl<T> Sender<T> {
    /// Strong senders of the channel alive now.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, rx) = mpsc::channel::<u8>(1);
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
    /// [`strong_count`](Sender::strong_count)).
    pub fn weak_count(&self) -> usize {
        self.tx.chan().weak_count()
    }

    fn chan(&self) -> &Chan<T, Bounded> {
        self.tx.chan()
    }

    /// Sends `value`, waiting for room if the channel is full.
    ///
    /// Fails, giving the value back, if the receiver was dropped or
    /// [closed](Receiver::close) (also while this call waits). `Ok` means
    /// the value is in the channel, not that it will be received.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(1);
    ///     zokio::spawn(async move {
    ///         for i in 0..3 {
    ///             tx.send(i).await.unwrap();
    ///         }
    ///     });
    ///     assert_eq!(rx.recv().await, Some(0));
    ///     assert_eq!(rx.recv().await, Some(1));
    ///     assert_eq!(rx.recv().await, Some(2));
    /// }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe. If the future is dropped before it completes (say,
    /// another `select!` branch won), the value was not sent, but it is
    /// dropped with the future and lost, and the sender loses its place in
    /// the queue of senders waiting for room. To wait for room without
    /// risking the value, use [`reserve`](Sender::reserve), which is cancel
    /// safe, and send through the permit.
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        match self.reserve().await {
            Ok(permit) => {
                permit.send(value);
                Ok(())
            }
            Err(_) => Err(SendError(value)),
        }
    }

    /// Sends `value` if there is room right now, without waiting.
    ///
    /// Fails with [`TrySendError::Full`] if the channel is full (or senders
    /// are already waiting for room), and with [`TrySendError::Closed`] if
    /// the receiver was dropped or closed; the value comes back either way.
    ///
    /// ```
    /// use zokio::sync::mpsc::{self, error::TrySendError};
    ///
    /// let (tx, mut rx) = mpsc::channel(1);
    /// assert!(tx.try_send(1).is_ok());
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(tx.try_send(3).is_ok());
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.chan().bound.semaphore.try_acquire_permits(1) {
            Ok(()) => {
                Permit { tx: &self.tx }.send(value);
                Ok(())
            }
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(value)),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(value)),
        }
    }

    /// Sends `value`, waiting at most `timeout` for room.
    ///
    /// Fails with [`SendTimeoutError::Timeout`] if no room came in time, and
    /// with [`SendTimeoutError::Closed`] if the receiver was dropped or
    /// closed; the value comes back either way.
    ///
    /// # Panics
    ///
    /// Outside a Zokio runtime, or in one built without timers (as
    /// [`time::timeout`](crate::time::timeout)), even if there is room.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio::sync::mpsc::{self, error::SendTimeoutError};
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(1);
    ///     tx.send_timeout(1, Duration::from_millis(10)).await.unwrap();
    ///     let full = tx.send_timeout(2, Duration::from_millis(10)).await;
    ///     assert_eq!(full, Err(SendTimeoutError::Timeout(2)));
    ///     assert_eq!(rx.recv().await, Some(1));
    /// }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe, like [`send`](Sender::send): dropping the future
    /// drops the value.
    pub async fn send_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendTimeoutError<T>> {
        match crate::time::timeout(timeout, self.reserve()).await {
            Ok(Ok(permit)) => {
                permit.send(value);
                Ok(())
            }
            Ok(Err(_)) => Err(SendTimeoutError::Closed(value)),
            Err(_) => Err(SendTimeoutError::Timeout(value)),
        }
    }

    /// Sends `value` from synchronous code, blocking this thread while the
    /// channel is full.
    ///
    /// # Panics
    ///
    /// If called on a thread that runs a Zokio runtime (a task, or
    /// `block_on`): blocking there would stop the runtime. Use
    /// [`send`](Sender::send) there, or call this from
    /// `spawn_blocking`.
    ///
    /// ```
    /// use std::thread;
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, mut rx) = mpsc::channel(1);
    /// let sync_code = thread::spawn(move || {
    ///     tx.blocking_send(10).unwrap();
    ///     tx.blocking_send(20).unwrap();
    /// });
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async move {
    ///     assert_eq!(rx.recv().await, Some(10));
    ///     assert_eq!(rx.recv().await, Some(20));
    /// });
    /// sync_code.join().unwrap();
    /// ```
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        assert_not_in_runtime();
        ThreadPark::new().block_on(self.send(value))
    }

    /// Waits for room in the channel and reserves it: the returned
    /// [`Permit`] sends one value without waiting.
    ///
    /// Fails if the receiver was dropped or closed.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(1);
    ///     let permit = tx.reserve().await.unwrap();
    ///     permit.send(42);
    ///     assert_eq!(rx.recv().await, Some(42));
    /// }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe. Senders waiting for room are served in order; dropping
    /// the future gives up its place in that queue, and room that was being
    /// handed to it goes to the next sender (or back to the channel), so no
    /// capacity is lost.
    pub async fn reserve(&self) -> Result<Permit<'_, T>, SendError<()>> {
        self.acquire().await?;
        Ok(Permit { tx: &self.tx })
    }

    /// Waits for room in the channel and reserves it, moving the sender
    /// into the returned [`OwnedPermit`], which can be sent to another task
    /// or stored without borrowing.
    ///
    /// Fails if the receiver was dropped or closed (the sender is dropped
    /// then).
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(1);
    ///     let permit = tx.clone().reserve_owned().await.unwrap();
    ///     zokio::spawn(async move {
    ///         permit.send("from a task");
    ///     })
    ///     .await
    ///     .unwrap();
    ///     assert_eq!(rx.recv().await, Some("from a task"));
    /// }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe as [`reserve`](Sender::reserve) is, but the sender moved
    /// into the future is dropped with it.
    pub async fn reserve_owned(self) -> Result<OwnedPermit<T>, SendError<()>> {
        self.acquire().await?;
        Ok(OwnedPermit { tx: Some(self.tx) })
    }

    /// Reserves room if there is some right now, without waiting.
    ///
    /// ```
    /// use zokio::sync::mpsc::{self, error::TrySendError};
    ///
    /// let (tx, mut rx) = mpsc::channel(1);
    /// let permit = tx.try_reserve().unwrap();
    /// assert!(matches!(tx.try_reserve(), Err(TrySendError::Full(()))));
    /// permit.send(7);
    /// assert_eq!(rx.try_recv(), Ok(7));
    /// ```
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        match self.chan().bound.semaphore.try_acquire_permits(1) {
            Ok(()) => Ok(Permit { tx: &self.tx }),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(())),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(())),
        }
    }

    /// Reserves room if there is some right now, moving the sender into the
    /// returned [`OwnedPermit`]. On failure the sender comes back inside the
    /// error.
    ///
    /// ```
    /// use zokio::sync::mpsc::{self, error::TrySendError};
    ///
    /// let (tx, mut rx) = mpsc::channel(1);
    /// let permit = tx.clone().try_reserve_owned().unwrap();
    /// let tx = match tx.try_reserve_owned() {
    ///     Err(TrySendError::Full(tx)) => tx,
    ///     _ => unreachable!(),
    /// };
    /// permit.send(1);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(tx.try_reserve_owned().is_ok());
    /// ```
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Sender<T>>> {
        match self.chan().bound.semaphore.try_acquire_permits(1) {
            Ok(()) => Ok(OwnedPermit { tx: Some(self.tx) }),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(self)),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(self)),
        }
    }

    /// Takes one permit of the channel's semaphore.
    async fn acquire(&self) -> Result<(), SendError<()>> {
        let semaphore = &self.chan().bound.semaphore;
        // With room and nobody waiting, take a permit without building the
        // semaphore's waiting future (a fifth of the cost of a send). It
        // spends the task's budget as the waiting future does.
        let fast = poll_fn(|cx| {
            let coop = ready!(coop::poll_proceed(cx));
            Poll::Ready(match semaphore.try_acquire_permits(1) {
                Ok(()) => {
                    coop.made_progress();
                    Some(Ok(()))
                }
                Err(TryAcquireError::Closed) => {
                    coop.made_progress();
                    Some(Err(SendError(())))
                }
                // Wait in line; the waiting future spends the unit itself.
                Err(TryAcquireError::NoPermits) => None,
            })
        })
        .await;
        match fast {
            Some(out) => out,
            None => semaphore
                .acquire_permits(1)
                .await
                .map_err(|_| SendError(())),
        }
    }

    /// Waits until the receiver is dropped or [closed](Receiver::close).
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, rx) = mpsc::channel::<()>(1);
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
        self.tx.closed().await
    }

    /// Whether the receiver was dropped or [closed](Receiver::close).
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, rx) = mpsc::channel::<()>(1);
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan().is_closed()
    }

    /// The room left: [`max_capacity`](Sender::max_capacity) minus the
    /// values in the channel and the places reserved.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, mut rx) = mpsc::channel(5);
    /// assert_eq!(tx.capacity(), 5);
    /// let permit = tx.try_reserve().unwrap();
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.capacity(), 3);
    /// drop(permit);
    /// rx.try_recv().unwrap();
    /// assert_eq!(tx.capacity(), 5);
    /// ```
    pub fn capacity(&self) -> usize {
        self.chan().bound.semaphore.available_permits()
    }

    /// The `buffer` the channel was created with.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, _rx) = mpsc::channel::<()>(5);
    /// tx.try_send(()).unwrap();
    /// assert_eq!(tx.max_capacity(), 5);
    /// ```
    pub fn max_capacity(&self) -> usize {
        self.chan().bound.max
    }

    /// A [`WeakSender`] for this channel, which does not keep it open.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, _rx) = mpsc::channel::<()>(1);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            tx: self.tx.downgrade(),
        }
    }

    /// Whether both senders send into the same channel.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, _rx) = mpsc::channel::<()>(1);
    /// let (other, _other_rx) = mpsc::channel::<()>(1);
    /// assert!(tx.same_channel(&tx.clone()));
    /// assert!(!tx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        self.tx.same_channel(&other.tx)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        Sender {
            tx: self.tx.clone(),
        }
    }
}

impl<T> WeakSender<T> {
    /// Strong senders of the channel alive now.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, rx) = mpsc::channel::<u8>(1);
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
    /// [`strong_count`](WeakSender::strong_count)).
    pub fn weak_count(&self) -> usize {
        self.tx.chan().weak_count()
    }

    /// A [`Sender`], unless every sender is gone (then the channel is over
    /// for good).
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, _rx) = mpsc::channel::<()>(1);
    /// let weak = tx.downgrade();
    /// let strong = weak.upgrade().unwrap();
    /// drop(tx);
    /// assert!(weak.upgrade().is_some());
    /// drop(strong);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.tx.upgrade().map(|tx| Sender { tx })
    }

    /// Whether both weak senders belong to the same channel.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, _rx) = mpsc::channel::<()>(1);
    /// assert!(tx.downgrade().same_channel(&tx.downgrade()));
    /// ```
    pub fn same_channel(&self, other: &WeakSender<T>) -> bool {
        self.tx.same_channel(&other.tx)
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> WeakSender<T> {
        WeakSender {
            tx: self.tx.clone(),
        }
    }
}

impl<T> Receiver<T> {
    /// Strong senders of the channel alive now (as [`Sender::strong_count`]).
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, rx) = mpsc::channel::<u8>(1);
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
    /// [`sender_strong_count`](Receiver::sender_strong_count)).
    pub fn sender_weak_count(&self) -> usize {
        self.rx.chan().weak_count()
    }

    /// Receives the next value, waiting for one if the channel is empty.
    ///
    /// Returns `None` once the channel is empty and no value can come: every
    /// sender is gone, or the receiver was [closed](Receiver::close) and
    /// every reserved place was used or given back. Values sent before are
    /// all received first.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(10);
    ///     zokio::spawn(async move { tx.send("hello").await.unwrap() });
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
    /// `0` means the channel is over (as `recv` returning `None`), or
    /// `limit` was `0`.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(10);
    ///     for i in 0..5 {
    ///         tx.send(i).await.unwrap();
    ///     }
    ///     let mut buffer = Vec::new();
    ///     assert_eq!(rx.recv_many(&mut buffer, 3).await, 3);
    ///     assert_eq!(rx.recv_many(&mut buffer, 3).await, 2);
    ///     assert_eq!(buffer, [0, 1, 2, 3, 4]);
    ///     drop(tx);
    ///     assert_eq!(rx.recv_many(&mut buffer, 3).await, 0);
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
    /// Fails with [`TryRecvError::Empty`] if no value is there yet, and with
    /// [`TryRecvError::Disconnected`] if none will come (as `recv` returning
    /// `None`).
    ///
    /// ```
    /// use zokio::sync::mpsc::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = mpsc::channel(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(1).unwrap();
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
    /// let (tx, mut rx) = mpsc::channel(1);
    /// let sync_code = thread::spawn(move || rx.blocking_recv());
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async move { tx.send(10).await.unwrap() });
    /// assert_eq!(sync_code.join().unwrap(), Some(10));
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        assert_not_in_runtime();
        ThreadPark::new().block_on(self.recv())
    }

    /// Closes the channel without dropping the receiver: sending fails from
    /// now on, except through places reserved before ([`Permit`]s), and
    /// senders waiting in [`closed`](Sender::closed) wake. The values
    /// already sent can still be received; `recv` returns `None` after them.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(2);
    ///     tx.send(1).await.unwrap();
    ///     rx.close();
    ///     assert!(tx.send(2).await.is_err());
    ///     assert_eq!(rx.recv().await, Some(1));
    ///     assert_eq!(rx.recv().await, None);
    /// }
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
    /// let (tx, mut rx) = mpsc::channel::<()>(1);
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
    /// let (tx, rx) = mpsc::channel(1);
    /// assert!(rx.is_empty());
    /// tx.try_send(0).unwrap();
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
    /// let (tx, mut rx) = mpsc::channel(3);
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// assert_eq!(rx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// The room left in the channel; see [`Sender::capacity`].
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, rx) = mpsc::channel(4);
    /// tx.try_send(()).unwrap();
    /// assert_eq!(rx.capacity(), 3);
    /// ```
    pub fn capacity(&self) -> usize {
        self.rx.chan().bound.semaphore.available_permits()
    }

    /// The `buffer` the channel was created with.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (_tx, rx) = mpsc::channel::<()>(4);
    /// assert_eq!(rx.max_capacity(), 4);
    /// ```
    pub fn max_capacity(&self) -> usize {
        self.rx.chan().bound.max
    }

    /// Polls for the next value: `Ready(Some(value))`, `Ready(None)` once
    /// the channel is over (as [`recv`](Receiver::recv)), or `Pending`, and
    /// then the task of `cx` wakes when a value arrives or the channel ends.
    /// Only the task of the latest call is woken.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio::sync::mpsc;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(1);
    ///     zokio::spawn(async move { tx.send(3).await.unwrap() });
    ///     assert_eq!(poll_fn(|cx| rx.poll_recv(cx)).await, Some(3));
    /// }
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rx.poll_recv(cx)
    }

    /// Polls for up to `limit` values, appending them to `buffer`: as
    /// [`recv_many`](Receiver::recv_many), one poll at a time.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio::sync::mpsc;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(4);
    ///     tx.send(1).await.unwrap();
    ///     tx.send(2).await.unwrap();
    ///     let mut buffer = Vec::new();
    ///     let n = poll_fn(|cx| rx.poll_recv_many(cx, &mut buffer, 10)).await;
    ///     assert_eq!((n, buffer), (2, vec![1, 2]));
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

impl<T> Permit<'_, T> {
    /// Sends `value` into the reserved place. Never waits, never fails: the
    /// value is in the channel even if the receiver closed meanwhile (it is
    /// then dropped with the channel unless the receiver still takes it).
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, mut rx) = mpsc::channel(1);
    /// tx.try_reserve().unwrap().send("x");
    /// assert_eq!(rx.try_recv(), Ok("x"));
    /// ```
    pub fn send(self, value: T) {
        // The permit travels with the value: the receiver gives it back.
        let this = ManuallyDrop::new(self);
        if this.tx.push(value).is_err() {
            unreachable!("a bounded channel takes reserved values after it closes");
        }
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        release_unused(self.tx.chan());
    }
}

impl<T> OwnedPermit<T> {
    /// Sends `value` into the reserved place and gives the sender back.
    /// Never waits, never fails (see [`Permit::send`]).
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, mut rx) = mpsc::channel(1);
    /// let permit = tx.try_reserve_owned().unwrap();
    /// let tx = permit.send(1);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(tx.try_send(2).is_ok());
    /// ```
    pub fn send(mut self, value: T) -> Sender<T> {
        let tx = self.tx.take().expect("an owned permit holds its sender");
        if tx.push(value).is_err() {
            unreachable!("a bounded channel takes reserved values after it closes");
        }
        Sender { tx }
    }

    /// Gives the reserved place back unused, and the sender with it.
    ///
    /// ```
    /// use zokio::sync::mpsc;
    ///
    /// let (tx, _rx) = mpsc::channel::<()>(1);
    /// let permit = tx.try_reserve_owned().unwrap();
    /// let tx = permit.release();
    /// assert_eq!(tx.capacity(), 1);
    /// ```
    pub fn release(mut self) -> Sender<T> {
        let tx = self.tx.take().expect("an owned permit holds its sender");
        release_unused(tx.chan());
        Sender { tx }
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(tx) = self.tx.take() {
            release_unused(tx.chan());
        }
    }
}

/// Panics when blocking here would stall a runtime.
#[track_caller]
pub(super) fn assert_not_in_runtime() {
    if context::is_in_runtime() {
        panic!(
            "Cannot block the current thread from within a runtime. This happens because a \
             function attempted to block the current thread while the thread is being used to \
             drive asynchronous tasks."
        );
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").field("chan", self.chan()).finish()
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("chan", self.rx.chan())
            .finish()
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit")
            .field("chan", self.tx.chan())
            .finish()
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").finish_non_exhaustive()
    }
}
