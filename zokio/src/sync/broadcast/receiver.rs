//! The receiving half of a broadcast channel.

use std::fmt;
use std::future::poll_fn;
use std::pin::pin;
use std::task::{ready, Poll};

use super::error::{RecvError, TryRecvError};
use super::Shared;
use crate::loom::atomic::Ordering::Relaxed;
use crate::loom::Arc;
use crate::runtime::coop;
use crate::runtime::thread_park::ThreadPark;
use crate::sync::signal::Listener;

/// Receives every value sent to a broadcast channel after it was made;
/// made by [`channel`](super::channel), [`Sender::subscribe`] and
/// [`Receiver::resubscribe`].
///
/// [`Sender::subscribe`]: super::Sender::subscribe
///
/// ```
/// use zokio::sync::broadcast;
///
/// #[zokio::main]
/// async fn main() {
///     let (tx, mut rx) = broadcast::channel(8);
///     zokio::spawn(async move {
///         for i in 0..3 {
///             tx.send(i).unwrap();
///         }
///     });
///     let mut got = Vec::new();
///     while let Ok(i) = rx.recv().await {
///         got.push(i);
///     }
///     assert_eq!(got, [0, 1, 2]);
/// }
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The position of the next value to receive.
    next: u64,
}

impl<T> Receiver<T> {
    pub(super) fn new(shared: Arc<Shared<T>>, next: u64) -> Receiver<T> {
        Receiver { shared, next }
    }

    /// How many values sent to this receiver it has not received yet. More
    /// than the channel's capacity means it lagged: the next receive
    /// reports how many values it missed.
    ///
    /// ```
    /// use zokio::sync::broadcast;
    ///
    /// let (tx, mut rx) = broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        let tail = self.shared.lock_tail();
        (tail.pos - self.next) as usize
    }

    /// Whether this receiver has received every value sent to it.
    ///
    /// ```
    /// use zokio::sync::broadcast;
    ///
    /// let (tx, mut rx) = broadcast::channel(4);
    /// assert!(rx.is_empty());
    /// tx.send(1).unwrap();
    /// assert!(!rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether both receivers belong to the same channel.
    ///
    /// ```
    /// use zokio::sync::broadcast;
    ///
    /// let (tx, rx) = broadcast::channel::<()>(2);
    /// let (_other_tx, other) = broadcast::channel::<()>(2);
    /// assert!(rx.same_channel(&tx.subscribe()));
    /// assert!(!rx.same_channel(&other));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// A new receiver of the same channel, which gets the values sent from
    /// now on (not the ones this receiver has yet to read).
    ///
    /// ```
    /// use zokio::sync::broadcast;
    ///
    /// let (tx, mut rx) = broadcast::channel(2);
    /// tx.send(1).unwrap();
    /// let mut rx2 = rx.resubscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx2.try_recv(), Ok(2));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn resubscribe(&self) -> Receiver<T> {
        let next = self.shared.add_receiver();
        Receiver::new(self.shared.clone(), next)
    }
}

impl<T: Clone> Receiver<T> {
    /// Receives the next value, waiting for one if there is none yet.
    ///
    /// Fails with [`RecvError::Lagged`] if values were overwritten before
    /// this receiver read them (the next call returns the oldest value still
    /// in the channel), and with [`RecvError::Closed`] once every sender is
    /// gone and every value was received.
    ///
    /// ```
    /// use zokio::sync::broadcast::{self, error::RecvError};
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, mut rx) = broadcast::channel(2);
    ///     zokio::spawn(async move {
    ///         tx.send(1).unwrap();
    ///     });
    ///     assert_eq!(rx.recv().await, Ok(1));
    ///     assert_eq!(rx.recv().await, Err(RecvError::Closed));
    /// }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe. If the future is dropped before it completes (say,
    /// another `select!` branch won), no value was received: the next call
    /// gets it.
    pub async fn recv(&mut self) -> Result<T, RecvError> {
        let shared = &*self.shared;
        let next = &mut self.next;
        let mut listener = pin!(Listener::new(shared.waiting.here()));
        poll_fn(|cx| {
            let coop = ready!(coop::poll_proceed(cx));
            let out = loop {
                if let Some(value) = shared.try_take(next) {
                    break Ok(value);
                }
                let checked = listener
                    .as_mut()
                    .poll_locked(cx.waker(), |_| shared.check_published(next));
                match ready!(checked) {
                    // The value arrived meanwhile: take it.
                    Ok(()) => shared.wait_for_send(),
                    Err(err) => break Err(err),
                }
            };
            coop.made_progress();
            Poll::Ready(out)
        })
        .await
    }

    /// Takes the next value if there is one now, without waiting.
    ///
    /// ```
    /// use zokio::sync::broadcast::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = broadcast::channel(2);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// for i in 0..3 {
    ///     tx.send(i).unwrap();
    /// }
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        loop {
            if let Some(value) = self.shared.try_take(&mut self.next) {
                return Ok(value);
            }
            match self.shared.check_published(&mut self.next) {
                None => return Err(TryRecvError::Empty),
                Some(Ok(())) => self.shared.wait_for_send(),
                Some(Err(RecvError::Closed)) => return Err(TryRecvError::Closed),
                Some(Err(RecvError::Lagged(n))) => return Err(TryRecvError::Lagged(n)),
            }
        }
    }

    /// Receives the next value from synchronous code, blocking this thread
    /// while there is none.
    ///
    /// # Panics
    ///
    /// If called on a thread that runs a Zokio runtime (a task, or
    /// `block_on`).
    ///
    /// ```
    /// use std::thread;
    /// use zokio::sync::broadcast;
    ///
    /// let (tx, mut rx) = broadcast::channel(2);
    /// let sync_code = thread::spawn(move || rx.blocking_recv());
    /// tx.send(10).unwrap();
    /// assert_eq!(sync_code.join().unwrap(), Ok(10));
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Result<T, RecvError> {
        if crate::runtime::context::is_in_runtime() {
            panic!(
                "Cannot block the current thread from within a runtime. This happens because a \
                 function attempted to block the current thread while the thread is being used \
                 to drive asynchronous tasks."
            );
        }
        ThreadPark::new().block_on(self.recv())
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let (end, last) = {
            let mut tail = self.shared.lock_tail();
            tail.receivers -= 1;
            self.shared.receivers.store(tail.receivers, Relaxed);
            (tail.pos, tail.receivers == 0)
        };
        // Give up this receiver's count on the values it will never read,
        // so that they are dropped once the others have read them.
        let oldest = end.saturating_sub(self.shared.capacity());
        for pos in self.next.max(oldest)..end {
            drop(self.shared.slot(pos).forget(pos));
        }
        if last {
            self.shared.rx_gone.notify_all();
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}
