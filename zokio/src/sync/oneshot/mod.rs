//! A channel that carries one value from one task to another.
//!
//! [`channel`] returns a [`Sender`] and a [`Receiver`]. The sender sends at
//! most one value and never waits; the receiver is a [`Future`] that
//! completes with the value, or with [`error::RecvError`] when the
//! sender is dropped without sending. Either half may live on any thread, and
//! the receiver can also be waited on from a plain thread with
//! [`blocking_recv`](Receiver::blocking_recv).
//!
//! ```
//! use zokio::sync::oneshot;
//!
//! #[zokio::main]
//! async fn main() {
//!     let (tx, rx) = oneshot::channel();
//!
//!     zokio::spawn(async move {
//!         if tx.send(3).is_err() {
//!             println!("the receiver dropped");
//!         }
//!     });
//!
//!     match rx.await {
//!         Ok(v) => println!("got = {v:?}"),
//!         Err(_) => println!("the sender dropped"),
//!     }
//! }
//! ```
//!
//! A common use is to send the result of a computation, or a reply to a
//! request, back to whoever asked for it:
//!
//! ```
//! use zokio::sync::oneshot;
//!
//! async fn some_computation() -> String {
//!     "the result of the computation".to_string()
//! }
//!
//! #[zokio::main]
//! async fn main() {
//!     let (tx, rx) = oneshot::channel();
//!
//!     let join_handle = zokio::spawn(async move {
//!         let res = some_computation().await;
//!         tx.send(res).unwrap();
//!         // Keep working after sending the result...
//!     });
//!
//!     let res = rx.await.unwrap();
//!     assert_eq!(res, "the result of the computation");
//!     join_handle.await.unwrap();
//! }
//! ```
//!
//! # Implementation
//!
//! A channel is one heap block, `Inner`: a state word (its bits are
//! described in `sync/oneshot/state.rs`), a slot for the value and a slot
//! for each side's waker. The block has no separate reference count: the state
//! word's `TX_RELEASED` and `RX_RELEASED` bits say which handles still use it.
//! On the two common paths the sender completes and releases in a single
//! compare-and-swap, and the receiver needs no atomic write at all: it sees
//! the sender released, takes the value and frees the block.
//!
//! ## The unsafe protocol
//!
//! Every `SAFETY:` comment in this module cites one of these rules.
//!
//! 1. **The block.** Each handle may use the block until it *releases* it,
//!    by a read-modify-write of the state word that sets its `*_RELEASED`
//!    bit; after that it never touches the block again. The block is freed
//!    exactly once: by the handle whose own release found the other's bit
//!    set, or by a handle that sees the other's bit set (an `Acquire` load or
//!    a failed transition) without releasing itself — it is then the only
//!    user left. A [`Receiver`] whose `inner` is `None` has released.
//! 2. **The value slot** belongs to the sender until it sets `COMPLETE`. If
//!    it sets `SENT` in the same transition, the slot, holding the value,
//!    belongs to the receiver from then on, which takes the value at most
//!    once. A sender that finds the channel `CLOSED` takes its value back
//!    before completing without `SENT`.
//! 3. **The receiver's waker slot** belongs to the receiver while `RX_WAKER`
//!    is clear. The receiver publishes it by setting `RX_WAKER`, which fails
//!    once `COMPLETE` is set. While `RX_WAKER` is set nobody writes the slot
//!    and both sides may read it; the receiver makes it its own again by
//!    clearing the bit, which also fails once `COMPLETE` is set. So after a
//!    transition sets `COMPLETE` while `RX_WAKER` is set, the slot stays
//!    read-only until the block is freed, and the sender wakes it.
//! 4. **The sender's waker slot** mirrors rule 3 with `TX_WAKER` and
//!    `CLOSED`: the sender writes it while `TX_WAKER` is clear, publishing and
//!    unpublishing fail once `CLOSED` is set, and the receiver wakes it when
//!    its transition sets `CLOSED` while `TX_WAKER` is set and `COMPLETE` is
//!    clear.
//! 5. **Freeing** drops whatever the three slots still hold; by rule 1 the
//!    freeing handle is the only user, so it owns them all.

pub mod error;
mod state;

#[cfg(all(test, loom))]
mod loom_tests;

use std::fmt;
use std::future::{poll_fn, Future};
use std::mem::{ManuallyDrop, MaybeUninit};
use std::pin::Pin;
use std::ptr::{addr_of_mut, NonNull};
use std::task::{ready, Context, Poll, Waker};

use crate::loom::UnsafeCell;
use crate::runtime::context;
use crate::runtime::coop;
use crate::runtime::thread_park::ThreadPark;
use error::{RecvError, TryRecvError};
use state::{
    Release, Snapshot, State, TransitionToClosed, TransitionToRxDropped, TransitionToSent,
    TransitionToTxDropped,
};

/// Creates a oneshot channel: one allocation, shared by the two halves.
///
/// ```
/// use zokio::sync::oneshot;
///
/// #[zokio::main]
/// async fn main() {
///     let (tx, rx) = oneshot::channel();
///     zokio::spawn(async move { tx.send("hello").unwrap() });
///     assert_eq!(rx.await, Ok("hello"));
/// }
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Inner::allocate();
    (Sender { inner }, Receiver { inner: Some(inner) })
}

/// The shared block of a channel.
struct Inner<T> {
    state: State,
    /// # Invariant
    /// Owned as rule 2 says.
    value: UnsafeCell<Option<T>>,
    /// # Invariant
    /// Owned as rule 3 says.
    rx_waker: UnsafeCell<Option<Waker>>,
    /// # Invariant
    /// Owned as rule 4 says.
    tx_waker: UnsafeCell<Option<Waker>>,
    /// Makes loom report a block that is never freed.
    #[cfg(loom)]
    _leak_check: loom::alloc::Track<()>,
}

/// Frees the block.
///
/// # Safety
/// The caller is the last user of the block (rule 1).
unsafe fn dealloc<T>(inner: NonNull<Inner<T>>) {
    // SAFETY: the block is a `Box` allocation of this layout, fully
    // initialised (`Inner::allocate`), and the caller is its last user
    // (rule 1), so nobody else reads it any more (rule 5).
    let mut block = unsafe { Box::from_raw(inner.as_ptr()) };
    block.before_free();
    drop(block);
}

impl<T> Inner<T> {
    /// A new block, initialised in place. (Built on the stack and moved into
    /// a `Box`, it is copied with wide loads that stall on the narrow stores
    /// that built it: a sixth of the time of a send and a receive.)
    fn allocate() -> NonNull<Inner<T>> {
        let block = Box::into_raw(Box::new(MaybeUninit::<Inner<T>>::uninit())).cast::<Inner<T>>();
        // SAFETY: `block` is a fresh, non-null allocation with the layout of
        // `Inner<T>` (which `MaybeUninit` keeps), so a `Box<Inner<T>>` may free
        // it once every field below is written.
        unsafe {
            addr_of_mut!((*block).state).write(State::new());
            addr_of_mut!((*block).value).write(UnsafeCell::new(None));
            addr_of_mut!((*block).rx_waker).write(UnsafeCell::new(None));
            addr_of_mut!((*block).tx_waker).write(UnsafeCell::new(None));
            #[cfg(loom)]
            addr_of_mut!((*block)._leak_check).write(loom::alloc::Track::new(()));
            NonNull::new_unchecked(block)
        }
    }

    /// Loom does not see memory being freed: freeing writes to every part of
    /// the block, so that loom reports any access by the other side that is
    /// not ordered before the free.
    #[cfg(loom)]
    fn before_free(&mut self) {
        self.state.touch_mut();
        self.value.with_mut(|_| ());
        self.rx_waker.with_mut(|_| ());
        self.tx_waker.with_mut(|_| ());
    }

    #[cfg(not(loom))]
    #[inline(always)]
    fn before_free(&mut self) {}
}

/// Sends a value to the associated [`Receiver`].
///
/// Made by [`channel`]. Sending consumes the sender: a oneshot channel
/// carries one value. Dropping the sender without sending makes the receiver
/// complete with [`RecvError`].
///
/// ```
/// use zokio::sync::oneshot;
///
/// #[zokio::main]
/// async fn main() {
///     let (tx, rx) = oneshot::channel::<u32>();
///     zokio::spawn(async move { drop(tx) });
///     assert!(rx.await.is_err());
/// }
/// ```
pub struct Sender<T> {
    /// # Invariant
    /// The sender has not released the block (rule 1).
    inner: NonNull<Inner<T>>,
}

/// Receives the value of the associated [`Sender`]: a [`Future`] that
/// completes with `Ok(value)`, or with `Err(RecvError)` if the sender was
/// dropped without sending.
///
/// Made by [`channel`]. Like Tokio's, the receiver has no `recv` method: await
/// it directly. Polling it again after it completed panics; see
/// [`is_terminated`](Receiver::is_terminated).
///
/// ```
/// use zokio::sync::oneshot;
///
/// #[zokio::main]
/// async fn main() {
///     let (tx, rx) = oneshot::channel();
///     zokio::spawn(async move {
///         if tx.send(3).is_err() {
///             println!("the receiver dropped");
///         }
///     });
///     match rx.await {
///         Ok(v) => assert_eq!(v, 3),
///         Err(_) => println!("the sender dropped"),
///     }
/// }
/// ```
///
/// # Cancel safety
///
/// Awaiting the receiver is cancel safe. To wait for it in a loop beside
/// other futures, poll `&mut rx`: if another branch completes first, no value
/// was taken from the channel and a later poll still gets it.
pub struct Receiver<T> {
    /// # Invariant
    /// While `Some`, the receiver has not released the block (rule 1).
    inner: Option<NonNull<Inner<T>>>,
}

// SAFETY: the handles move a `T` (which is `Send`) and wakers (which are
// `Send + Sync`) between threads; every access to the shared block follows
// rules 1 to 5, which the atomic state word arbitrates.
unsafe impl<T: Send> Send for Sender<T> {}
// SAFETY: through `&Sender` only the state word is read.
unsafe impl<T: Send> Sync for Sender<T> {}
// SAFETY: as for `Sender`.
unsafe impl<T: Send> Send for Receiver<T> {}
// SAFETY: through `&Receiver` only the state word is read.
unsafe impl<T: Send> Sync for Receiver<T> {}

impl<T> Sender<T> {
    fn inner(&self) -> &Inner<T> {
        // SAFETY: a sender has not released the block (rule 1).
        unsafe { self.inner.as_ref() }
    }

    /// Sends `value` to the receiver, or gives it back if the receiver was
    /// dropped or closed.
    ///
    /// Sending never waits, so it works in synchronous code too. `Ok` means
    /// the value is in the channel, not that it will be received: the
    /// receiver may be dropped right after without receiving it (the value
    /// is then dropped with it).
    ///
    /// ```
    /// use zokio::sync::oneshot;
    ///
    /// let (tx, rx) = oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(7), Err(7));
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// assert_eq!(tx.send(8), Ok(()));
    /// assert_eq!(rx.try_recv(), Ok(8));
    /// ```
    pub fn send(self, value: T) -> Result<(), T> {
        let this = ManuallyDrop::new(self);
        let inner = this.inner();
        // SAFETY: `COMPLETE` is clear (only this handle sets it, and it
        // exists), so the value slot is the sender's (rule 2).
        inner.value.with_mut(|slot| unsafe { *slot = Some(value) });
        match inner.state.transition_to_sent() {
            TransitionToSent::Released => Ok(()),
            TransitionToSent::WakeReceiver => {
                // SAFETY: the transition set `COMPLETE` while `RX_WAKER` was
                // set (rule 3), and the sender has not released.
                unsafe { wake_receiver_and_release(this.inner) };
                Ok(())
            }
            TransitionToSent::Closed => {
                // SAFETY: nothing was published; `COMPLETE` is still clear,
                // so the slot is still the sender's (rule 2).
                let value = inner.value.with_mut(|slot| unsafe { (*slot).take() });
                // SAFETY: the sender has not released; `this` is never used
                // again.
                unsafe { drop_sender(this.inner) };
                Err(value.expect("the value slot is the sender's until it completes"))
            }
        }
    }

    /// Whether the receiver was dropped or [closed](Receiver::close): a value
    /// sent now would come back as an error.
    ///
    /// ```
    /// use zokio::sync::oneshot;
    ///
    /// let (tx, rx) = oneshot::channel::<()>();
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner().state.load().is_closed()
    }

    /// Waits until the receiver is dropped or [closed](Receiver::close).
    ///
    /// Useful to stop computing a value nobody will receive any more.
    ///
    /// ```
    /// use zokio::sync::oneshot;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (mut tx, rx) = oneshot::channel::<()>();
    ///     zokio::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    ///     println!("the receiver dropped");
    /// }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe: dropping the future changes nothing in
    /// the channel.
    pub async fn closed(&mut self) {
        poll_fn(|cx| self.poll_closed(cx)).await
    }

    /// Polls for the receiver being dropped or [closed](Receiver::close):
    /// `Ready(())` once it is, otherwise `Pending`, and the task of `cx` is
    /// woken when it happens. Only the task of the last call is woken.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use zokio::sync::oneshot;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (mut tx, mut rx) = oneshot::channel::<()>();
    ///     zokio::spawn(async move { rx.close() });
    ///     poll_fn(|cx| tx.poll_closed(cx)).await;
    ///     assert!(tx.send(()).is_err());
    /// }
    /// ```
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let coop = ready!(coop::poll_proceed(cx));
        let inner = self.inner();
        let state = inner.state.load();
        if state.is_closed() {
            coop.made_progress();
            return Poll::Ready(());
        }
        if state.has_tx_waker() {
            // SAFETY: `TX_WAKER` is set: nobody writes the slot and the
            // sender may read it (rule 4).
            let same = inner.tx_waker.with(|slot| unsafe {
                (*slot)
                    .as_ref()
                    .is_some_and(|waker| waker.will_wake(cx.waker()))
            });
            if same {
                return Poll::Pending;
            }
            if inner.state.unset_tx_waker().is_err() {
                coop.made_progress();
                return Poll::Ready(());
            }
        }
        // SAFETY: `TX_WAKER` is clear: the slot is the sender's (rule 4).
        inner
            .tx_waker
            .with_mut(|slot| unsafe { *slot = Some(cx.waker().clone()) });
        match inner.state.set_tx_waker() {
            Ok(()) => Poll::Pending,
            Err(_closed) => {
                coop.made_progress();
                Poll::Ready(())
            }
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // SAFETY: the sender has not released, and is gone after this.
        unsafe { drop_sender(self.inner) }
    }
}

/// Completes the channel without a value and releases it for the sender.
///
/// # Safety
/// The caller is the sender, has not released, and never uses `inner` again.
unsafe fn drop_sender<T>(inner: NonNull<Inner<T>>) {
    // SAFETY: not released yet (rule 1).
    match unsafe { inner.as_ref() }.state.transition_to_tx_dropped() {
        TransitionToTxDropped::Released => {}
        // SAFETY: the receiver had released: the sender is the last user
        // (rule 1).
        TransitionToTxDropped::Dealloc => unsafe { dealloc(inner) },
        // SAFETY: the transition set `COMPLETE` while `RX_WAKER` was set
        // (rule 3); the sender has not released.
        TransitionToTxDropped::WakeReceiver => unsafe { wake_receiver_and_release(inner) },
    }
}

/// Wakes the waiting receiver, then releases the block for the sender (also
/// if the waker panics).
///
/// # Safety
/// The caller is the sender, has not released, and its transition set
/// `COMPLETE` while `RX_WAKER` was set.
unsafe fn wake_receiver_and_release<T>(inner: NonNull<Inner<T>>) {
    let release = SenderRelease(inner);
    // SAFETY: the sender releases only when `release` drops (rule 1); the
    // slot is read-only from now on and the sender may read it (rule 3).
    unsafe { inner.as_ref() }.rx_waker.with(|slot| unsafe {
        if let Some(waker) = &*slot {
            waker.wake_by_ref();
        }
    });
    drop(release);
}

/// Releases the block for the sender when dropped.
struct SenderRelease<T>(NonNull<Inner<T>>);

impl<T> Drop for SenderRelease<T> {
    fn drop(&mut self) {
        // SAFETY: this is the sender's release; until it, the block is live
        // (rule 1).
        if let Release::Dealloc = unsafe { self.0.as_ref() }.state.release_sender() {
            // SAFETY: the receiver had released: the sender was the last user
            // (rule 1).
            unsafe { dealloc(self.0) }
        }
    }
}

impl<T> Receiver<T> {
    /// Closes the channel without dropping the receiver: no value can be
    /// sent from now on, and a sender waiting in
    /// [`closed`](Sender::closed) is woken. A value sent before can still be
    /// received with [`try_recv`](Receiver::try_recv). Does nothing if the
    /// channel was closed already or a value was received.
    ///
    /// ```
    /// use zokio::sync::oneshot::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// rx.close();
    /// assert!(tx.is_closed());
    /// assert_eq!(tx.send("never received"), Err("never received"));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// tx.send("will receive").unwrap();
    /// rx.close();
    /// assert_eq!(rx.try_recv(), Ok("will receive"));
    /// ```
    pub fn close(&mut self) {
        let Some(inner) = self.inner else { return };
        // SAFETY: not released yet (rule 1).
        let inner = unsafe { inner.as_ref() };
        if let TransitionToClosed::WakeSender = inner.state.transition_to_closed() {
            // SAFETY: the transition set `CLOSED` while `TX_WAKER` was set and
            // `COMPLETE` clear (rule 4); the receiver has not released.
            unsafe { wake_sender(inner) }
        }
    }

    /// Whether the receiver already completed: it yielded its value or its
    /// error (through `.await`, a poll or [`try_recv`](Receiver::try_recv))
    /// and must not be polled again.
    ///
    /// ```
    /// use zokio::sync::oneshot;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let (tx, mut rx) = oneshot::channel();
    ///     tx.send(1).unwrap();
    ///     assert!(!rx.is_terminated());
    ///     assert_eq!((&mut rx).await, Ok(1));
    ///     assert!(rx.is_terminated());
    /// }
    /// ```
    pub fn is_terminated(&self) -> bool {
        self.inner.is_none()
    }

    /// Whether there is no value to receive right now: none was sent yet,
    /// the sender was dropped without sending, or the value was received.
    ///
    /// ```
    /// use zokio::sync::oneshot;
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// assert!(rx.is_empty());
    /// tx.send(1).unwrap();
    /// assert!(!rx.is_empty());
    /// rx.try_recv().unwrap();
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        match self.inner {
            None => true,
            // SAFETY: not released yet (rule 1). A value that was sent stays
            // in the slot until this receiver takes it and lets go of the
            // block (rule 2).
            Some(inner) => !unsafe { inner.as_ref() }.state.load().is_sent(),
        }
    }

    /// Takes the value if it was sent, without waiting.
    ///
    /// Returns [`TryRecvError::Empty`] if no value was sent yet, and
    /// [`TryRecvError::Closed`] if none will come: the sender was dropped
    /// without sending, the receiver was [closed](Receiver::close) before a
    /// value was sent, or the value was already received. Usable outside any
    /// task; the current task is not registered for a wake-up.
    ///
    /// ```
    /// use zokio::sync::oneshot::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send("hello").unwrap();
    /// assert_eq!(rx.try_recv(), Ok("hello"));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let Some(inner) = self.inner else {
            return Err(TryRecvError::Closed);
        };
        // SAFETY: not released yet (rule 1).
        let state = unsafe { inner.as_ref() }.state.load();
        if state.is_complete() || state.is_closed() {
            self.finish(inner, state)
                .map_err(|RecvError(())| TryRecvError::Closed)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// Blocks this thread until the value arrives; for synchronous code
    /// that receives from asynchronous code.
    ///
    /// # Panics
    ///
    /// If called on a thread that drives a runtime (inside `block_on` or a
    /// task): blocking there would stop the tasks, maybe the very one that
    /// must send.
    ///
    /// ```
    /// use zokio::sync::oneshot;
    ///
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let (tx, rx) = oneshot::channel::<u8>();
    /// let sync_code = std::thread::spawn(move || rx.blocking_recv());
    /// rt.block_on(async move { tx.send(10).unwrap() });
    /// assert_eq!(sync_code.join().unwrap(), Ok(10));
    /// ```
    #[track_caller]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        if context::is_in_runtime() {
            panic!(
                "Cannot block the current thread from within a runtime. This happens because a \
                 function attempted to block the current thread while the thread is being used \
                 to drive asynchronous tasks."
            );
        }
        ThreadPark::new().block_on(self)
    }

    /// The channel is complete or closed, as `state` shows: takes the value
    /// if one was sent, and lets go of the block.
    fn finish(&mut self, inner: NonNull<Inner<T>>, state: Snapshot) -> Result<T, RecvError> {
        self.inner = None;
        let value = if state.is_sent() {
            // SAFETY: `SENT` is set: the slot is the receiver's (rule 2), and
            // the block is live until the release below (rule 1).
            unsafe { inner.as_ref() }
                .value
                .with_mut(|slot| unsafe { (*slot).take() })
        } else {
            None
        };
        if state.is_tx_released() {
            // SAFETY: the sender had released when `state` was loaded: the
            // receiver is the last user (rule 1).
            unsafe { dealloc(inner) }
        } else {
            // The channel is complete, or the receiver closed it and woke a
            // waiting sender then, so nobody is left to wake.
            drop(ReceiverRelease(inner));
        }
        value.ok_or(RecvError(()))
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let inner = this
            .inner
            .expect("oneshot::Receiver polled after completion");
        let coop = ready!(coop::poll_proceed(cx));
        // SAFETY: not released yet (rule 1).
        let shared = unsafe { inner.as_ref() };
        let mut state = shared.state.load();
        if !state.is_complete() && !state.is_closed() {
            match register_rx_waker(shared, state, cx.waker()) {
                Ok(()) => return Poll::Pending,
                Err(complete) => state = complete,
            }
        }
        coop.made_progress();
        Poll::Ready(this.finish(inner, state))
    }
}

/// Publishes `waker` as the receiver's, unless the published one would wake
/// the same task. Fails, returning the word, once the channel is complete.
fn register_rx_waker<T>(inner: &Inner<T>, state: Snapshot, waker: &Waker) -> Result<(), Snapshot> {
    if state.has_rx_waker() {
        // SAFETY: `RX_WAKER` is set: nobody writes the slot and the receiver
        // may read it (rule 3).
        let same = inner.rx_waker.with(|slot| unsafe {
            (*slot)
                .as_ref()
                .is_some_and(|published| published.will_wake(waker))
        });
        if same {
            return Ok(());
        }
        inner.state.unset_rx_waker()?;
    }
    // SAFETY: `RX_WAKER` is clear: the slot is the receiver's (rule 3).
    inner
        .rx_waker
        .with_mut(|slot| unsafe { *slot = Some(waker.clone()) });
    inner.state.set_rx_waker()
}

impl<T> Drop for Receiver<T> {
    #[inline]
    fn drop(&mut self) {
        if let Some(inner) = self.inner {
            // SAFETY: a receiver whose `inner` is `Some` has not released,
            // and it is gone after this.
            unsafe { drop_receiver(inner) }
        }
    }
}

/// Closes the channel, wakes a sender waiting in `closed()`, and releases
/// the block for the receiver.
///
/// # Safety
/// The caller is the receiver, has not released, and never uses `inner`
/// again.
unsafe fn drop_receiver<T>(inner: NonNull<Inner<T>>) {
    // SAFETY: not released yet (rule 1).
    let shared = unsafe { inner.as_ref() };
    match shared.state.transition_to_rx_dropped() {
        TransitionToRxDropped::Released => {}
        // SAFETY: the sender had released: the receiver is the last user
        // (rule 1).
        TransitionToRxDropped::Dealloc => unsafe { dealloc(inner) },
        TransitionToRxDropped::WakeSender => {
            let release = ReceiverRelease(inner);
            // SAFETY: the transition set `CLOSED` while `TX_WAKER` was set
            // and `COMPLETE` clear (rule 4); the receiver releases only when
            // `release` drops (rule 1).
            unsafe { wake_sender(shared) };
            drop(release);
        }
    }
}

/// Wakes the sender waiting in `closed()`.
///
/// # Safety
/// The caller is the receiver, has not released, and its transition set
/// `CLOSED` while `TX_WAKER` was set and `COMPLETE` clear.
unsafe fn wake_sender<T>(inner: &Inner<T>) {
    // SAFETY: the slot is read-only from now on and the receiver may read it
    // (rule 4).
    inner.tx_waker.with(|slot| unsafe {
        if let Some(waker) = &*slot {
            waker.wake_by_ref();
        }
    });
}

/// Releases the block for the receiver when dropped. Used only where no
/// sender can be waiting in `closed()`: the channel is complete or closed.
struct ReceiverRelease<T>(NonNull<Inner<T>>);

impl<T> Drop for ReceiverRelease<T> {
    fn drop(&mut self) {
        // SAFETY: this is the receiver's release; until it, the block is
        // live (rule 1).
        if let Release::Dealloc = unsafe { self.0.as_ref() }.state.release_receiver() {
            // SAFETY: the sender had released: the receiver was the last user
            // (rule 1).
            unsafe { dealloc(self.0) }
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("state", &self.inner().state)
            .finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Receiver");
        match self.inner {
            // SAFETY: not released yet (rule 1).
            Some(inner) => out.field("state", &unsafe { inner.as_ref() }.state),
            None => out.field("terminated", &true),
        };
        out.finish()
    }
}
