//! A multi-producer, multi-consumer channel in which every receiver gets
//! every value.
//!
//! [`channel`] makes a [`Sender`] and a [`Receiver`]; more receivers come
//! from [`Sender::subscribe`] and [`Receiver::resubscribe`], and each sees
//! the values sent after it was made, in order. Values are cloned for each
//! receiver, so `T` must be `Clone`.
//!
//! The channel keeps the last `capacity` values (rounded up to a power of
//! two). Sending never waits: when the channel is full, the oldest value
//! is overwritten, and a receiver that had not read it yet gets
//! [`RecvError::Lagged`](error::RecvError::Lagged) with the number of
//! values it missed, then continues from the oldest value still there.
//!
//! A value is dropped once every receiver that was there when it was sent
//! has received it (or gone), or when it is overwritten. When every sender
//! is gone, receivers get the values left for them, then
//! [`RecvError::Closed`](error::RecvError::Closed).
//!
//! ```
//! use zokio::sync::broadcast;
//!
//! #[zokio::main]
//! async fn main() {
//!     let (tx, mut rx1) = broadcast::channel(16);
//!     let mut rx2 = tx.subscribe();
//!
//!     let first = zokio::spawn(async move {
//!         assert_eq!(rx1.recv().await.unwrap(), 10);
//!         assert_eq!(rx1.recv().await.unwrap(), 20);
//!     });
//!     let second = zokio::spawn(async move {
//!         assert_eq!(rx2.recv().await.unwrap(), 10);
//!         assert_eq!(rx2.recv().await.unwrap(), 20);
//!     });
//!
//!     tx.send(10).unwrap();
//!     tx.send(20).unwrap();
//!     first.await.unwrap();
//!     second.await.unwrap();
//! }
//! ```
//!
//! # Implementation
//!
//! A ring of `capacity` slots, each a reader-writer lock around the
//! position of the value it holds, and a count of the receivers that still
//! have to read it. The tail (next position, receiver count, closed flag)
//! sits behind one lock together with an intrusive list of the receivers
//! waiting for a value: a send takes that lock, writes the slot, moves the
//! tail and wakes the waiting receivers; a receiver waiting for a value
//! queues a node it holds itself, so waiting allocates nothing. A receiver
//! reads a slot under its read lock, so receivers clone the same value in
//! parallel; it takes the tail lock only when the slot it wants is not
//! written yet or was overwritten. This module has no `unsafe` code of its
//! own.

pub mod error;
mod receiver;
mod sender;

#[cfg(all(test, loom))]
mod loom_tests;

pub use receiver::Receiver;
pub use sender::{Sender, WeakSender};

use std::sync::PoisonError;

use crate::loom::atomic::{
    AtomicUsize,
    Ordering::{AcqRel, Relaxed},
};
use crate::loom::Arc;
use crate::sync::signal::Signal;

#[cfg(loom)]
use loom::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
#[cfg(not(loom))]
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Creates a broadcast channel that keeps the last `capacity` values
/// (rounded up to a power of two).
///
/// # Panics
///
/// If `capacity` is zero, or larger than `usize::MAX / 2`.
///
/// ```
/// use zokio::sync::broadcast;
///
/// #[zokio::main]
/// async fn main() {
///     let (tx, mut rx) = broadcast::channel(4);
///     tx.send("hello").unwrap();
///     assert_eq!(rx.recv().await.unwrap(), "hello");
/// }
/// ```
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(capacity > 0, "broadcast channel capacity cannot be zero");
    assert!(
        capacity <= usize::MAX >> 1,
        "broadcast channel capacity exceeded `usize::MAX / 2`"
    );
    let capacity = capacity.next_power_of_two();
    let buffer = (0..capacity)
        .map(|_| Slot {
            data: RwLock::new(SlotData {
                pos: EMPTY,
                value: None,
            }),
            remaining: AtomicUsize::new(0),
        })
        .collect();
    let shared = Arc::new(Shared {
        buffer,
        mask: capacity - 1,
        tail: Signal::new(Tail {
            pos: 0,
            receivers: 1,
            closed: false,
        }),
        senders: AtomicUsize::new(1),
        receivers: AtomicUsize::new(1),
        rx_gone: Signal::new(()),
    });
    (Sender::new(shared.clone()), Receiver::new(shared, 0))
}

/// The position of a slot that never held a value: no receiver ever asks
/// for it.
const EMPTY: u64 = u64::MAX;

/// The part of a channel that every handle shares.
struct Shared<T> {
    buffer: Box<[Slot<T>]>,
    /// `buffer.len() - 1`; the length is a power of two.
    mask: usize,
    /// The tail, and the receivers waiting for the next value.
    tail: Signal<Tail>,
    /// Strong senders; at zero the channel is closed for good.
    senders: AtomicUsize,
    /// `tail.receivers`, readable without the lock, for `Sender::closed`.
    receivers: AtomicUsize,
    /// Senders waiting for `receivers` to reach zero.
    rx_gone: Signal<()>,
}

/// Where the next value goes, and who will read it.
struct Tail {
    /// The position of the next value.
    pos: u64,
    /// Receivers alive.
    receivers: usize,
    /// Every sender is gone.
    closed: bool,
}

struct Slot<T> {
    data: RwLock<SlotData<T>>,
    /// Receivers that still have to read the value. Set by the sender under
    /// the write lock; decremented by receivers under the read lock.
    remaining: AtomicUsize,
}

struct SlotData<T> {
    /// The position of the value in the slot (or of the last one, once it
    /// was dropped), or `EMPTY`.
    pos: u64,
    /// `None` once every receiver it was sent to has read it.
    value: Option<T>,
}

impl<T> Shared<T> {
    fn capacity(&self) -> u64 {
        self.buffer.len() as u64
    }

    fn slot(&self, pos: u64) -> &Slot<T> {
        &self.buffer[pos as usize & self.mask]
    }

    /// Counts a new receiver; returns the position it starts at.
    fn add_receiver(&self) -> u64 {
        let mut tail = self.tail.lock();
        tail.receivers += 1;
        self.receivers.store(tail.receivers, Relaxed);
        tail.pos
    }

    /// The value at `*next`, if its slot holds it, advancing `*next`.
    fn try_take(&self, next: &mut u64) -> Option<T>
    where
        T: Clone,
    {
        let pos = *next;
        let slot = self.slot(pos);
        let data = slot.read();
        if data.pos != pos {
            return None;
        }
        // A receiver only asks for positions sent while it was counted, so
        // the value is still there for it.
        let value = data
            .value
            .clone()
            .expect("a value stays until its receivers have read it");
        *next = pos + 1;
        let last = slot.remaining.fetch_sub(1, AcqRel) == 1;
        drop(data);
        if last {
            drop(slot.take_if_at(pos));
        }
        Some(value)
    }

    /// With the tail locked, when the slot at `*next` did not hold its
    /// value: `None` if the receiver must wait, `Some(Ok)` if the value is
    /// there now, or the error to return (moving `*next` past the values it
    /// missed).
    fn check_tail(&self, tail: &Tail, next: &mut u64) -> Option<Result<(), error::RecvError>> {
        if tail.pos == *next {
            return tail.closed.then_some(Err(error::RecvError::Closed));
        }
        let oldest = tail.pos.saturating_sub(self.capacity());
        if *next < oldest {
            let missed = oldest - *next;
            *next = oldest;
            return Some(Err(error::RecvError::Lagged(missed)));
        }
        Some(Ok(()))
    }
}

impl<T> Slot<T> {
    fn read(&self) -> RwLockReadGuard<'_, SlotData<T>> {
        // Nothing panics while a slot is write-locked but `T::drop`, which
        // runs after the lock is released; a poisoned lock is still sound.
        self.data.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, SlotData<T>> {
        self.data.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes the value out if the slot still holds position `pos`; its last
    /// receiver read it.
    fn take_if_at(&self, pos: u64) -> Option<T> {
        let mut data = self.write();
        if data.pos == pos {
            data.value.take()
        } else {
            None
        }
    }

    /// A receiver that will not read position `pos` gives up its count on
    /// it; returns the value if that was the last count, to be dropped
    /// outside the lock.
    fn forget(&self, pos: u64) -> Option<T> {
        let data = self.read();
        if data.pos != pos {
            return None;
        }
        let last = self.remaining.fetch_sub(1, AcqRel) == 1;
        drop(data);
        if last {
            self.take_if_at(pos)
        } else {
            None
        }
    }
}
