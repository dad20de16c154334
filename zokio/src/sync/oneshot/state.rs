//! The state word of a oneshot channel: seven flag bits in one atomic.
//!
//! | bit           | meaning                                        | set by                    | cleared by |
//! |---------------|------------------------------------------------|---------------------------|------------|
//! | `RX_WAKER`    | the receiver's waker slot is published         | receiver poll             | receiver (to replace it) while not `COMPLETE` |
//! | `TX_WAKER`    | the sender's waker slot is published           | sender `poll_closed`      | sender (to replace it) while not `CLOSED` |
//! | `COMPLETE`    | the sender is done: it sent, or it was dropped | `send`, sender drop       | never      |
//! | `SENT`        | the value slot holds the value (with `COMPLETE`) | `send`                  | never      |
//! | `CLOSED`      | the receiver accepts no value any more         | `close`, receiver drop    | never      |
//! | `TX_RELEASED` | the sender no longer touches the channel       | `send`, sender drop       | never      |
//! | `RX_RELEASED` | the receiver no longer touches the channel (implies `CLOSED`) | receiver drop or completion | never |
//!
//! The two `*_RELEASED` bits are the channel's reference count: the side
//! that releases second frees it (rule 1 of the [module](super)). On the
//! common paths the sender completes and releases in one compare-and-swap.
//!
//! Every transition is a named method returning a `#[must_use]` value built
//! from a `Copy` [`Snapshot`] of the word. Every read-modify-write is
//! `AcqRel`: each one both publishes this side's writes to the slots and
//! acquires the other side's.

use std::fmt;

use crate::loom::atomic::{
    AtomicUsize,
    Ordering::{AcqRel, Acquire},
};

const RX_WAKER: usize = 1 << 0;
const TX_WAKER: usize = 1 << 1;
const COMPLETE: usize = 1 << 2;
const SENT: usize = 1 << 3;
const CLOSED: usize = 1 << 4;
const TX_RELEASED: usize = 1 << 5;
const RX_RELEASED: usize = 1 << 6;

/// The atomic state word.
pub(super) struct State {
    word: AtomicUsize,
}

/// A copy of the state word at one instant.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Snapshot(usize);

/// What `transition_to_sent` decided; the value is in the slot.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TransitionToSent {
    /// Sent, and the sender released the channel.
    Released,
    /// Sent; the receiver's waker is published and now the sender's to read
    /// (rule 3): wake it, then release.
    WakeReceiver,
    /// The receiver had closed: nothing changed, the value slot is still the
    /// sender's (rule 2).
    Closed,
}

/// What `transition_to_tx_dropped` decided.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TransitionToTxDropped {
    /// Complete without a value; the sender released the channel.
    Released,
    /// The receiver had released already: the sender is the last user and
    /// must free the channel.
    Dealloc,
    /// Complete without a value; the receiver's waker is now the sender's to
    /// read (rule 3): wake it, then release.
    WakeReceiver,
}

/// What `transition_to_closed` decided.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TransitionToClosed {
    /// Closed; nobody waits for it.
    Closed,
    /// Closed; the sender's waker is now the receiver's to read (rule 4):
    /// wake it.
    WakeSender,
}

/// What `transition_to_rx_dropped` decided.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TransitionToRxDropped {
    /// Closed, and the receiver released the channel.
    Released,
    /// The sender had released already: the receiver is the last user and
    /// must free the channel.
    Dealloc,
    /// Closed but not released: the sender's waker is now the receiver's to
    /// read (rule 4): wake it, then release.
    WakeSender,
}

/// What a plain release decided.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Release {
    /// The other side still uses the channel and will free it.
    Kept,
    /// The other side had released: free the channel.
    Dealloc,
}

impl State {
    /// A new channel: nothing sent, nothing closed, both sides present.
    pub(super) fn new() -> State {
        State {
            word: AtomicUsize::new(0),
        }
    }

    /// A non-atomic write to the word, for loom: the block is being freed.
    #[cfg(loom)]
    pub(super) fn touch_mut(&mut self) {
        self.word.with_mut(|_| ());
    }

    pub(super) fn load(&self) -> Snapshot {
        Snapshot(self.word.load(Acquire))
    }

    /// Applies `f` atomically; `f` returns the next word (or `None` to leave
    /// it as it is) and a result.
    fn update<R>(&self, mut f: impl FnMut(Snapshot) -> (Option<Snapshot>, R)) -> R {
        let mut current = self.load();
        loop {
            let (next, out) = f(current);
            let Some(next) = next else { return out };
            match self
                .word
                .compare_exchange_weak(current.0, next.0, AcqRel, Acquire)
            {
                Ok(_) => return out,
                Err(actual) => current = Snapshot(actual),
            }
        }
    }

    /// Sender, after writing the value: publishes it unless the receiver
    /// closed. Releases at once unless a published receiver waker must be
    /// woken first.
    pub(super) fn transition_to_sent(&self) -> TransitionToSent {
        self.update(|cur| {
            debug_assert!(!cur.is_complete());
            if cur.is_closed() {
                (None, TransitionToSent::Closed)
            } else if cur.has_rx_waker() {
                let next = Snapshot(cur.0 | COMPLETE | SENT);
                (Some(next), TransitionToSent::WakeReceiver)
            } else {
                let next = Snapshot(cur.0 | COMPLETE | SENT | TX_RELEASED);
                (Some(next), TransitionToSent::Released)
            }
        })
    }

    /// Sender dropped without sending: completes the channel empty. The
    /// receiver is woken only if it waits and has not closed.
    pub(super) fn transition_to_tx_dropped(&self) -> TransitionToTxDropped {
        self.update(|cur| {
            debug_assert!(!cur.is_complete());
            if cur.is_rx_released() {
                (None, TransitionToTxDropped::Dealloc)
            } else if cur.has_rx_waker() && !cur.is_closed() {
                let next = Snapshot(cur.0 | COMPLETE);
                (Some(next), TransitionToTxDropped::WakeReceiver)
            } else {
                let next = Snapshot(cur.0 | COMPLETE | TX_RELEASED);
                (Some(next), TransitionToTxDropped::Released)
            }
        })
    }

    /// Sender, after a `WakeReceiver` transition woke the receiver.
    pub(super) fn release_sender(&self) -> Release {
        let prev = Snapshot(self.word.fetch_or(TX_RELEASED, AcqRel));
        debug_assert!(prev.is_complete() && !prev.is_tx_released());
        if prev.is_rx_released() {
            Release::Dealloc
        } else {
            Release::Kept
        }
    }

    /// Receiver `close`: no value may be sent from now on.
    pub(super) fn transition_to_closed(&self) -> TransitionToClosed {
        let prev = Snapshot(self.word.fetch_or(CLOSED, AcqRel));
        if prev.sender_waits_for_close() {
            TransitionToClosed::WakeSender
        } else {
            TransitionToClosed::Closed
        }
    }

    /// Receiver drop: closes and releases, unless a sender waiting in
    /// `closed()` must be woken first.
    pub(super) fn transition_to_rx_dropped(&self) -> TransitionToRxDropped {
        self.update(|cur| {
            debug_assert!(!cur.is_rx_released());
            if cur.is_tx_released() {
                (None, TransitionToRxDropped::Dealloc)
            } else if cur.sender_waits_for_close() {
                let next = Snapshot(cur.0 | CLOSED);
                (Some(next), TransitionToRxDropped::WakeSender)
            } else {
                let next = Snapshot(cur.0 | CLOSED | RX_RELEASED);
                (Some(next), TransitionToRxDropped::Released)
            }
        })
    }

    /// Receiver, when no sender can be waiting in `closed()` any more: the
    /// channel is complete, or closed by an earlier transition.
    pub(super) fn release_receiver(&self) -> Release {
        let prev = Snapshot(self.word.fetch_or(CLOSED | RX_RELEASED, AcqRel));
        debug_assert!(!prev.is_rx_released() && !prev.sender_waits_for_close());
        if prev.is_tx_released() {
            Release::Dealloc
        } else {
            Release::Kept
        }
    }

    /// Receiver: publishes its waker slot. Fails, returning the word, once
    /// the channel is complete.
    pub(super) fn set_rx_waker(&self) -> Result<(), Snapshot> {
        self.update(|cur| {
            if cur.is_complete() {
                (None, Err(cur))
            } else {
                (Some(Snapshot(cur.0 | RX_WAKER)), Ok(()))
            }
        })
    }

    /// Receiver: takes its published waker slot back to replace the waker.
    /// Fails, returning the word, once the channel is complete.
    pub(super) fn unset_rx_waker(&self) -> Result<(), Snapshot> {
        self.update(|cur| {
            if cur.is_complete() {
                (None, Err(cur))
            } else {
                (Some(Snapshot(cur.0 & !RX_WAKER)), Ok(()))
            }
        })
    }

    /// Sender: publishes its waker slot. Fails once the receiver closed.
    pub(super) fn set_tx_waker(&self) -> Result<(), Snapshot> {
        self.update(|cur| {
            if cur.is_closed() {
                (None, Err(cur))
            } else {
                (Some(Snapshot(cur.0 | TX_WAKER)), Ok(()))
            }
        })
    }

    /// Sender: takes its published waker slot back to replace the waker.
    /// Fails once the receiver closed.
    pub(super) fn unset_tx_waker(&self) -> Result<(), Snapshot> {
        self.update(|cur| {
            if cur.is_closed() {
                (None, Err(cur))
            } else {
                (Some(Snapshot(cur.0 & !TX_WAKER)), Ok(()))
            }
        })
    }
}

impl Snapshot {
    pub(super) fn has_rx_waker(self) -> bool {
        self.0 & RX_WAKER != 0
    }

    pub(super) fn has_tx_waker(self) -> bool {
        self.0 & TX_WAKER != 0
    }

    pub(super) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }

    pub(super) fn is_sent(self) -> bool {
        self.0 & SENT != 0
    }

    pub(super) fn is_closed(self) -> bool {
        self.0 & CLOSED != 0
    }

    pub(super) fn is_tx_released(self) -> bool {
        self.0 & TX_RELEASED != 0
    }

    pub(super) fn is_rx_released(self) -> bool {
        self.0 & RX_RELEASED != 0
    }

    /// A sender waits in `closed()` and nobody has woken it yet.
    fn sender_waits_for_close(self) -> bool {
        self.0 & (TX_WAKER | COMPLETE | CLOSED) == TX_WAKER
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("State")
            .field("complete", &self.is_complete())
            .field("sent", &self.is_sent())
            .field("closed", &self.is_closed())
            .field("rx_waker", &self.has_rx_waker())
            .field("tx_waker", &self.has_tx_waker())
            .field("tx_released", &self.is_tx_released())
            .field("rx_released", &self.is_rx_released())
            .finish()
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.load().fmt(f)
    }
}
