//! The shared part of a channel and the logic both flavours share: the
//! strong-sender handle [`Tx`], the weak one [`WeakTx`] and the receiver
//! [`Rx`]. The flavours differ only in their [`Bound`].

use std::fmt;
use std::future::poll_fn;
use std::marker::PhantomData;
use std::ops::Deref;
use std::pin::pin;
use std::process;
use std::task::{ready, Context, Poll};

use super::block::{self, Head, Tail};
use super::error::TryRecvError;
use super::rx_waker::RxWaker;
use crate::loom::atomic::{
    AtomicUsize,
    Ordering::{AcqRel, Acquire, Relaxed, Release},
};
use crate::loom::{Arc, UnsafeCell};
use crate::runtime::coop;
use crate::sync::signal::{Listener, Signal};

/// What a channel flavour adds to the shared list: how much may be in it.
pub(super) trait Bound {
    /// Whether a value may still be pushed after the receiver closed: a
    /// bounded channel's senders reserved their room before.
    const PUSH_AFTER_CLOSE: bool;

    /// The receiver closed the channel.
    fn close(&self);

    /// The receiver took a value out.
    fn on_recv(&self);

    /// After the receiver closed at list position `closed_at` and read up
    /// to `rx_pos`: whether no value can come any more.
    fn is_drained(&self, rx_pos: usize, closed_at: usize) -> bool;
}

/// Keeps what different threads write on separate cache lines.
#[cfg_attr(not(loom), repr(align(128)))]
struct CachePadded<T>(T);

impl<T> Deref for CachePadded<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// The shared part of a channel.
pub(super) struct Chan<T, B> {
    /// Written by every send.
    tail: CachePadded<Tail<T>>,
    /// Written by every send, and by the receiver when it waits.
    rx_waker: CachePadded<RxWaker>,
    /// # Invariant
    /// The receiver's (rule 7).
    rx: CachePadded<UnsafeCell<RxFields<T>>>,
    /// Strong senders; zero, once all are gone, for good.
    senders: AtomicUsize,
    /// Weak senders alive (only counted, for `weak_count`).
    weak_senders: AtomicUsize,
    /// Senders waiting in `closed()`; the condition is `tail.is_closed()`.
    rx_closed: Signal<()>,
    pub(super) bound: B,
    /// The list owns values of type `T`.
    _values: PhantomData<T>,
}

struct RxFields<T> {
    head: Head<T>,
    /// The list position at which the receiver closed the channel.
    closed_at: Option<usize>,
}

// SAFETY: the channel moves values of type `T` between threads (so `T:
// Send`); the list follows rules 1 to 6, the receiver fields rule 7 and the
// waker slot rule 8; `B` is shared by every handle.
unsafe impl<T: Send, B: Send + Sync> Send for Chan<T, B> {}
// SAFETY: as above; no `&T` is ever handed out, so `T: Sync` is not needed.
unsafe impl<T: Send, B: Send + Sync> Sync for Chan<T, B> {}

/// More senders than this means the count is about to overflow (as
/// `Arc` does, abort: the program is leaking handles).
const MAX_SENDERS: usize = usize::MAX >> 1;

impl<T, B: Bound> Chan<T, B> {
    /// A new channel, with one sender and one receiver.
    pub(super) fn open(bound: B) -> (Tx<T, B>, Rx<T, B>) {
        let (tail, head) = block::list();
        let chan = Arc::new(Chan {
            tail: CachePadded(tail),
            rx_waker: CachePadded(RxWaker::new()),
            rx: CachePadded(UnsafeCell::new(RxFields {
                head,
                closed_at: None,
            })),
            senders: AtomicUsize::new(1),
            weak_senders: AtomicUsize::new(0),
            rx_closed: Signal::new(()),
            bound,
            _values: PhantomData,
        });
        (Tx { chan: chan.clone() }, Rx { chan })
    }

    /// Strong senders alive.
    pub(super) fn strong_count(&self) -> usize {
        self.senders.load(Acquire)
    }

    /// Weak senders alive.
    pub(super) fn weak_count(&self) -> usize {
        self.weak_senders.load(Acquire)
    }

    /// Wakes the receiver, to look at the channel again.
    pub(super) fn wake_rx(&self) {
        self.rx_waker.wake();
    }

    /// Whether the receiver closed the channel or is gone.
    pub(super) fn is_closed(&self) -> bool {
        self.tail.is_closed()
    }
}

impl<T, B> Drop for Chan<T, B> {
    fn drop(&mut self) {
        let tail = &self.tail;
        // SAFETY: the last handle is dropping the channel: nobody else uses
        // it (rule 6).
        self.rx.with_mut(|rx| unsafe { (*rx).head.drop_all(tail) });
    }
}

/// A strong sender: while one exists, the receiver waits for values.
pub(super) struct Tx<T, B> {
    chan: Arc<Chan<T, B>>,
}

/// A weak sender: keeps the channel's memory, not the channel, alive.
pub(super) struct WeakTx<T, B> {
    chan: Arc<Chan<T, B>>,
}

impl<T, B: Bound> Tx<T, B> {
    pub(super) fn chan(&self) -> &Chan<T, B> {
        &self.chan
    }

    /// Pushes `value` and wakes the receiver if it waits. Fails, giving the value back,
    /// once the receiver closed, unless the flavour allows pushing then.
    pub(super) fn push(&self, value: T) -> Result<(), T> {
        if self.chan.tail.push(value, B::PUSH_AFTER_CLOSE)? {
            self.chan.rx_waker.wake();
        }
        Ok(())
    }

    /// Waits until the receiver closes the channel or is gone.
    pub(super) async fn closed(&self) {
        let chan = &*self.chan;
        if chan.is_closed() {
            return;
        }
        let mut listener = pin!(Listener::new(&chan.rx_closed));
        poll_fn(|cx| {
            listener
                .as_mut()
                .poll_locked(cx.waker(), |_| chan.is_closed().then_some(()))
        })
        .await
    }

    pub(super) fn same_channel(&self, other: &Tx<T, B>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    pub(super) fn downgrade(&self) -> WeakTx<T, B> {
        self.chan.weak_senders.fetch_add(1, Relaxed);
        WeakTx {
            chan: self.chan.clone(),
        }
    }
}

impl<T, B> Clone for Tx<T, B> {
    fn clone(&self) -> Tx<T, B> {
        if self.chan.senders.fetch_add(1, Relaxed) > MAX_SENDERS {
            process::abort();
        }
        Tx {
            chan: self.chan.clone(),
        }
    }
}

impl<T, B> Drop for Tx<T, B> {
    fn drop(&mut self) {
        // AcqRel: the receiver that loads zero sees every push (the
        // decrements form one release sequence).
        if self.chan.senders.fetch_sub(1, AcqRel) == 1 {
            self.chan.rx_waker.wake();
        }
    }
}

impl<T, B> WeakTx<T, B> {
    pub(super) fn chan(&self) -> &Chan<T, B> {
        &self.chan
    }

    /// A strong sender, unless every strong sender is gone.
    pub(super) fn upgrade(&self) -> Option<Tx<T, B>> {
        let mut senders = self.chan.senders.load(Relaxed);
        loop {
            if senders == 0 {
                return None;
            }
            if senders > MAX_SENDERS {
                process::abort();
            }
            match self
                .chan
                .senders
                .compare_exchange_weak(senders, senders + 1, Relaxed, Relaxed)
            {
                Ok(_) => {
                    return Some(Tx {
                        chan: self.chan.clone(),
                    })
                }
                Err(actual) => senders = actual,
            }
        }
    }

    pub(super) fn same_channel(&self, other: &WeakTx<T, B>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T, B> Clone for WeakTx<T, B> {
    fn clone(&self) -> WeakTx<T, B> {
        self.chan.weak_senders.fetch_add(1, Relaxed);
        WeakTx {
            chan: self.chan.clone(),
        }
    }
}

impl<T, B> Drop for WeakTx<T, B> {
    fn drop(&mut self) {
        self.chan.weak_senders.fetch_sub(1, Release);
    }
}

/// The receiver.
pub(super) struct Rx<T, B: Bound> {
    chan: Arc<Chan<T, B>>,
}

impl<T, B: Bound> Rx<T, B> {
    pub(super) fn chan(&self) -> &Chan<T, B> {
        &self.chan
    }

    /// Runs `f` on the receiver fields.
    fn with_fields<R>(&mut self, f: impl FnOnce(&mut RxFields<T>, &Chan<T, B>) -> R) -> R {
        let chan = &*self.chan;
        // SAFETY: `&mut self` is the receiver (rule 7).
        chan.rx.with_mut(|rx| f(unsafe { &mut *rx }, chan))
    }

    /// Reads the receiver fields.
    fn read_fields<R>(&self, f: impl FnOnce(&RxFields<T>, &Chan<T, B>) -> R) -> R {
        let chan = &*self.chan;
        // SAFETY: a shared reference to the receiver: nobody mutates the
        // fields meanwhile (rule 7).
        chan.rx.with(|rx| f(unsafe { &*rx }, chan))
    }

    /// Takes the next value, if it is there.
    fn pop(&mut self) -> Option<T> {
        let value = self.with_fields(|rx, chan| {
            // SAFETY: `&mut self` is the receiver (rule 7).
            unsafe { rx.head.pop(&chan.tail) }
        })?;
        self.chan.bound.on_recv();
        Some(value)
    }

    /// Whether no value can come any more, besides those in the list now.
    fn is_finished(&self) -> bool {
        // Acquire: a sender's pushes come before its release of the count.
        if self.chan.senders.load(Acquire) == 0 {
            return true;
        }
        self.read_fields(|rx, chan| {
            rx.closed_at
                .is_some_and(|at| chan.bound.is_drained(rx.head.position(), at))
        })
    }

    pub(super) fn try_recv(&mut self) -> Result<T, TryRecvError> {
        if let Some(value) = self.pop() {
            return Ok(value);
        }
        if !self.is_finished() {
            return Err(TryRecvError::Empty);
        }
        // Every push is visible now: one last look.
        self.pop().ok_or(TryRecvError::Disconnected)
    }

    pub(super) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let coop = ready!(coop::poll_proceed(cx));
        let out = match self.try_recv() {
            Err(TryRecvError::Empty) => {
                self.wait(cx);
                // A value pushed before the receiver armed did not wake it.
                match self.try_recv() {
                    Err(TryRecvError::Empty) => return Poll::Pending,
                    out => out,
                }
            }
            out => out,
        };
        coop.made_progress();
        Poll::Ready(out.ok())
    }

    /// Registers the task of `cx` to be woken by the sender of the next
    /// value, by the last sender's drop or by a closing event (rule 9). The
    /// caller must look at the channel again afterwards.
    fn wait(&mut self, cx: &mut Context<'_>) {
        self.chan.rx_waker.register(cx.waker());
        self.with_fields(|rx, chan| {
            // SAFETY: `&mut self` is the receiver (rule 7).
            unsafe { rx.head.arm(&chan.tail) }
        });
    }

    /// Appends up to `limit` values that are there now to `buffer`; also
    /// says whether the channel is finished.
    fn recv_into(&mut self, buffer: &mut Vec<T>, limit: usize) -> (usize, bool) {
        let mut received = 0;
        while received < limit {
            match self.try_recv() {
                Ok(value) => {
                    buffer.push(value);
                    received += 1;
                }
                Err(TryRecvError::Empty) => return (received, false),
                Err(TryRecvError::Disconnected) => return (received, true),
            }
        }
        (received, false)
    }

    pub(super) fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let coop = ready!(coop::poll_proceed(cx));
        let (mut received, mut finished) = self.recv_into(buffer, limit);
        if received == 0 && !finished {
            self.wait(cx);
            (received, finished) = self.recv_into(buffer, limit);
            if received == 0 && !finished {
                return Poll::Pending;
            }
        }
        coop.made_progress();
        Poll::Ready(received)
    }

    /// Closes the channel: sends fail from now on (a bounded channel's
    /// reserved room may still be used), and senders in `closed()` wake.
    pub(super) fn close(&mut self) {
        let first = self.with_fields(|rx, chan| {
            if rx.closed_at.is_some() {
                return false;
            }
            rx.closed_at = Some(chan.tail.close());
            true
        });
        if first {
            self.chan.bound.close();
            self.chan.rx_closed.notify_all();
        }
    }

    /// Whether the receiver closed the channel or every sender is gone.
    pub(super) fn is_closed(&self) -> bool {
        self.read_fields(|rx, _| rx.closed_at.is_some()) || self.chan.senders.load(Acquire) == 0
    }

    /// Values sent and not received yet, counting sends under way.
    pub(super) fn len(&self) -> usize {
        self.read_fields(|rx, chan| {
            // Positions claimed after an unbounded channel closed are void.
            let end = match rx.closed_at {
                Some(at) if !B::PUSH_AFTER_CLOSE => at,
                _ => chan.tail.position(),
            };
            block::distance(rx.head.position(), end)
        })
    }

    /// Whether the next value is not there yet.
    pub(super) fn is_empty(&self) -> bool {
        // SAFETY: a shared reference to the receiver (rule 7).
        !self.read_fields(|rx, _| unsafe { rx.head.has_value() })
    }
}

impl<T, B: Bound> Drop for Rx<T, B> {
    fn drop(&mut self) {
        self.close();
        // Values that are still to come are dropped with the channel.
        while self.pop().is_some() {}
    }
}

impl<T, B> fmt::Debug for Chan<T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chan")
            .field("senders", &self.senders.load(Relaxed))
            .field("closed", &self.tail.is_closed())
            .field("rx_waker", &*self.rx_waker)
            .finish_non_exhaustive()
    }
}
