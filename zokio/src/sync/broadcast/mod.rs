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
//! sits behind one lock, which a send takes to write the slot and move the
//! tail; it then publishes the position and the closed flag in one atomic
//! word and wakes the waiting receivers. A receiver reads a slot under its
//! read lock, so receivers clone the same value in parallel. When the slot
//! it wants is not written yet it checks the published word, and waits by
//! queueing a node it holds itself (waiting allocates nothing) on one of a
//! few intrusive lists, picked by the thread it runs on: receivers on
//! different workers never take the tail lock or one shared list lock to
//! wait. This module has no `unsafe` code of its
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
    AtomicU64, AtomicUsize,
    Ordering::{AcqRel, Acquire, Relaxed, Release},
};
use crate::loom::{lock, Arc, Mutex, MutexGuard};
use crate::sync::signal::{Signal, Signals};

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
        tail: Mutex::new(Tail {
            pos: 0,
            receivers: 1,
            closed: false,
        }),
        published: AtomicU64::new(0),
        waiting: Signals::new(),
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
    /// Where the next value goes, and who will read it.
    tail: Mutex<Tail>,
    /// `tail.pos << 1 | tail.closed`, stored under the tail lock whenever
    /// either changes: what a receiver checks before it waits, without
    /// taking the tail lock that every sender takes.
    published: AtomicU64,
    /// Receivers waiting for the next value (or the close), by thread.
    waiting: Signals,
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

    fn lock_tail(&self) -> MutexGuard<'_, Tail> {
        lock(&self.tail)
    }

    /// Makes `tail`'s position and closed flag visible to receivers that
    /// check before they wait; the caller holds the tail lock and, after
    /// releasing it, wakes `waiting`.
    fn publish(&self, tail: &Tail) {
        self.published
            .store(tail.pos << 1 | u64::from(tail.closed), Release);
    }

    /// Waits for a send in progress to finish, before a receiver tries
    /// again for a value that [`check_published`](Self::check_published)
    /// said is there: the slot may be being overwritten by a send that has
    /// not yet published its position (the receiver lagged), which the next
    /// check then reports. Without this the receiver would spin until the
    /// sender is done.
    fn wait_for_send(&self) {
        drop(self.lock_tail());
    }

    /// Counts a new receiver; returns the position it starts at.
    fn add_receiver(&self) -> u64 {
        let mut tail = self.lock_tail();
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

    /// When the slot at `*next` did not hold its value: `None` if the
    /// receiver must wait, `Some(Ok)` if the value is there now, or the
    /// error to return (moving `*next` past the values it missed).
    ///
    /// Acquire: a position seen published has its slot written.
    fn check_published(&self, next: &mut u64) -> Option<Result<(), error::RecvError>> {
        let published = self.published.load(Acquire);
        let (pos, closed) = (published >> 1, published & 1 == 1);
        if pos == *next {
            return closed.then_some(Err(error::RecvError::Closed));
        }
        let oldest = pos.saturating_sub(self.capacity());
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
