//! A channel that holds one value, which senders replace and receivers
//! watch.
//!
//! [`channel`] makes a [`Sender`] and a [`Receiver`] around an initial
//! value. A receiver can look at the current value at any time
//! ([`borrow`](Receiver::borrow)) and wait for it to change
//! ([`changed`](Receiver::changed)). Values in between may be skipped: a
//! receiver always sees the latest value, and never misses that one was
//! sent after the last it saw.
//!
//! Every receiver remembers the *version* it saw last; each send makes a
//! new version. `changed` returns as soon as the channel's version differs
//! from the receiver's, and marks the new version seen.
//!
//! ```
//! use std::time::Duration;
//! use zokio::sync::watch;
//!
//! #[derive(Debug, Clone, PartialEq)]
//! struct Config {
//!     timeout: Duration,
//! }
//!
//! #[zokio::main]
//! async fn main() {
//!     let (tx, mut rx) = watch::channel(Config { timeout: Duration::from_secs(1) });
//!
//!     let watcher = zokio::spawn(async move {
//!         // Wait for a new configuration, then use it.
//!         rx.changed().await.unwrap();
//!         rx.borrow_and_update().timeout
//!     });
//!
//!     tx.send(Config { timeout: Duration::from_secs(2) }).unwrap();
//!     assert_eq!(watcher.await.unwrap(), Duration::from_secs(2));
//! }
//! ```
//!
//! # Implementation
//!
//! The value sits behind a reader-writer lock; a state word beside it holds
//! the version (in steps of two) and, in bit 0, whether every sender is
//! gone. A send writes the value and bumps the version while it holds the
//! write lock, so a reader holding the read lock sees a version that
//! matches the value. Receivers waiting in `changed` queue on intrusive
//! lists (no allocation per wait), one of a few picked by the thread they
//! wait on so that receivers on different workers do not contend for one
//! lock, and each send wakes them all; senders waiting in `closed` queue on
//! another. This module has no `unsafe` code of its own.

pub mod error;
mod receiver;
mod sender;

#[cfg(all(test, loom))]
mod loom_tests;

pub use receiver::{Receiver, Ref};
pub use sender::Sender;

use std::sync::PoisonError;

use crate::loom::atomic::{
    AtomicUsize,
    Ordering::{AcqRel, Acquire},
};
use crate::loom::Arc;
use crate::sync::signal::{Signal, Signals};

#[cfg(loom)]
use loom::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
#[cfg(not(loom))]
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Creates a watch channel holding `init`.
///
/// The receiver starts with `init` marked as seen: its first
/// [`changed`](Receiver::changed) waits for a send.
///
/// ```
/// use zokio::sync::watch;
///
/// #[zokio::main]
/// async fn main() {
///     let (tx, mut rx) = watch::channel("hello");
///     zokio::spawn(async move {
///         tx.send("world").unwrap();
///     });
///     rx.changed().await.unwrap();
///     assert_eq!(*rx.borrow(), "world");
/// }
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        value: RwLock::new(init),
        state: State::new(),
        senders: AtomicUsize::new(1),
        receivers: AtomicUsize::new(1),
        changed: Signals::new(),
        rx_gone: Signal::new(()),
    });
    let version = shared.state.load().version();
    (Sender::new(shared.clone()), Receiver::new(shared, version))
}

/// The part of a channel that every handle shares.
struct Shared<T> {
    value: RwLock<T>,
    state: State,
    /// Senders alive; at zero the state is closed for good.
    senders: AtomicUsize,
    /// Receivers alive; at zero sends fail until `subscribe` adds one.
    receivers: AtomicUsize,
    /// Receivers waiting for a new version, spread over a few lists by the
    /// thread they wait on, so that receivers on different workers do not
    /// contend for one lock; the condition is on `state`.
    changed: Signals,
    /// Senders waiting for `receivers` to reach zero.
    rx_gone: Signal<()>,
}

impl<T> Shared<T> {
    fn read(&self) -> RwLockReadGuard<'_, T> {
        // A panic in a `send_modify` closure poisons the lock; the value is
        // then as the closure left it, which the sender's docs allow.
        self.value.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.value.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The channel's version and whether it is closed.
///
/// | bits  | meaning | set by | cleared by |
/// |-------|---------|--------|------------|
/// | 0     | `CLOSED`: every sender is gone | the last sender's drop | never |
/// | 1..   | the version, bumped by one per send (wrapping) | a send, under the write lock | never |
struct State(AtomicUsize);

const CLOSED: usize = 1;
const STEP: usize = 2;

/// A copy of the state word at one instant.
#[derive(Debug, Clone, Copy)]
struct Snapshot(usize);

/// A version of the value; receivers compare theirs with the channel's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Version(usize);

impl State {
    fn new() -> State {
        State(AtomicUsize::new(0))
    }

    /// Acquire: the value behind a version is visible to whoever sees the
    /// version.
    fn load(&self) -> Snapshot {
        Snapshot(self.0.load(Acquire))
    }

    /// A new version; the caller holds the write lock and wrote the value.
    fn bump(&self) {
        self.0.fetch_add(STEP, AcqRel);
    }

    /// The last sender is gone.
    fn close(&self) {
        self.0.fetch_or(CLOSED, AcqRel);
    }
}

impl Snapshot {
    fn version(self) -> Version {
        Version(self.0 & !CLOSED)
    }

    fn is_closed(self) -> bool {
        self.0 & CLOSED != 0
    }
}

impl Version {
    /// A version different from every version the channel can have
    /// before this one: makes a receiver see the current value as new.
    fn before(self) -> Version {
        Version(self.0.wrapping_sub(STEP))
    }
}
