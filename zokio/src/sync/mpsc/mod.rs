//! Multi-producer, single-consumer channels: many tasks send values, one
//! task receives them, in the order they were sent.
//!
//! [`channel`] makes a bounded channel: it holds at most a given number of
//! values, and [`Sender::send`] waits while it is full, which slows fast
//! producers down to the pace of the consumer. [`unbounded_channel`] makes
//! one whose [`UnboundedSender::send`] never waits (and which grows without
//! limit if the consumer falls behind).
//!
//! Senders can be cloned and used from any task or thread; the receiver is
//! one. When every sender is gone, the receiver gets the values still in
//! the channel and then `None`. When the receiver is dropped or
//! [closed](Receiver::close), sending fails and gives the value back.
//!
//! Both flavours can be used from synchronous code: `blocking_send` and
//! `blocking_recv` block the calling thread (not inside a runtime), and the
//! unbounded sender's `send` never blocks at all.
//!
//! ```
//! use zokio::sync::mpsc;
//!
//! async fn some_computation(input: u32) -> String {
//!     format!("the result of computation {input}")
//! }
//!
//! #[zokio::main]
//! async fn main() {
//!     let (tx, mut rx) = mpsc::channel(100);
//!
//!     for i in 0..3 {
//!         let tx = tx.clone();
//!         zokio::spawn(async move {
//!             let res = some_computation(i).await;
//!             tx.send(res).await.unwrap();
//!         });
//!     }
//!     drop(tx);
//!
//!     let mut results = Vec::new();
//!     while let Some(res) = rx.recv().await {
//!         results.push(res);
//!     }
//!     assert_eq!(results.len(), 3);
//! }
//! ```
//!
//! # Implementation
//!
//! The values sit in a linked list of blocks of slots (`sync/mpsc/block.rs`):
//! a sender claims a position with one `fetch_add`, writes its slot and sets
//! the slot's ready bit; no lock is taken on either side. Blocks the
//! receiver has emptied are reused. The receiver's waker sits in an atomic
//! slot (`sync/mpsc/rx_waker.rs`); a receiver about to wait also flags the
//! block it waits in, so a send touches the waker only when the receiver
//! waits for it, and otherwise costs two uncontended read-modify-writes. A bounded
//! channel's capacity is a [`Semaphore`](crate::sync::Semaphore) with one
//! permit per free place: a sender takes one before it claims a position,
//! and the receiver gives it back when it takes the value out, so waiting
//! senders are served in order and a dropped `reserve` loses no capacity.
//! Senders waiting in `closed()` queue on an intrusive list
//! (`sync/mpsc/signal.rs`), so waiting allocates nothing.
//!
//! ## The unsafe protocol
//!
//! Every `SAFETY:` comment in this module cites one of these rules.
//!
//! 1. **Slots.** A position belongs to the one sender whose `fetch_add` on
//!    the tail word claimed it. Its slot is that sender's until it sets the
//!    slot's ready bit (`Release`); then it is the receiver's, which reads
//!    the value once, after loading the bit with `Acquire`, and moves past
//!    it. Positions claimed after the receiver closed an unbounded channel
//!    are void: never written.
//! 2. **Block fields.** A block's `start` is written only while no other
//!    thread can reach the block (just allocated, or reclaimed), before the
//!    `Release` exchange that links it after another block; while it is
//!    linked it is read-only.
//! 3. **The tail block** moves forward only, by an exchange from a block to
//!    its `next`, and only once every slot of the block it leaves is ready.
//!    So a sender, which loads it after claiming its position, loads a block
//!    at or before the one holding its position, and finds that one by
//!    walking `next` pointers.
//! 4. **Release.** The sender whose exchange moved the tail block past a
//!    block B then reads the tail position X with a read-modify-write,
//!    stores X in B's `released_at`, and sets B's `RELEASED` bit. Every
//!    sender that loaded the tail block while it was B or earlier claimed a
//!    position before X: otherwise X's read-modify-write (`AcqRel`) would
//!    come before that sender's claim (`Acquire`) in the tail word's order,
//!    so the exchange would happen before the sender loaded the tail block,
//!    which then could not still have been B.
//! 5. **Reclaim.** Only the receiver reclaims a block, and only once it is
//!    behind the head block, `RELEASED`, and the receiver's position has
//!    reached its `released_at`: by then the receiver has read the value of
//!    every sender that could still hold a pointer to it (rule 4), whose
//!    write was its last access to any block. Hence, while a sender has not
//!    written its position, every block from the tail block it loaded on is
//!    live; and the head block and the blocks from the tail block on are
//!    never reclaimed. A reclaimed block is reset and linked after the last
//!    block (rule 2 applies again), or freed.
//! 6. **The last user.** The last handle to drop the channel is its only
//!    user: it drops the values from the receiver's position up to the
//!    first slot that is not ready (every push is done, and void positions
//!    come only after every written one), and frees every block from the
//!    oldest one not reclaimed on.
//! 7. **Receiver fields.** The list head and the close position belong to
//!    the receiver: they are mutated only through `&mut` of it (or by the
//!    last user), and read through `&` of it.
//! 8. **The waker slot** belongs to whoever moved the waker's state word
//!    from idle to `REGISTERING` or `WAKING`, until it clears the bit it
//!    set; a registration that finds `WAKING` set when it finishes keeps the
//!    slot until it stores idle.
//! 9. **Waiting.** A receiver that finds no value registers its waker, then
//!    sets `RX_WAITING` in the `ready` word of the block of its next
//!    position (linking that block first if need be), then looks again.
//!    The sender of that position sets its ready bit in the same word with
//!    an `AcqRel` read-modify-write, so one of the two comes second and sees
//!    the other: either the receiver finds the value, or the sender finds
//!    `RX_WAITING` (and, through it, the registered waker) and wakes it.
//!    Everything else the receiver waits for (the last sender's drop, a
//!    reservation given back after the close) wakes it unconditionally, after
//!    making itself visible.
//!
//! The intrusive wait list behind `closed()` has its own rules, in
//! `sync/mpsc/signal.rs`.

mod block;
mod bounded;
mod chan;
pub mod error;
mod rx_waker;
mod unbounded;

#[cfg(all(test, loom))]
pub(crate) mod loom_tests;

pub use bounded::{channel, OwnedPermit, Permit, Receiver, Sender, WeakSender};
pub use unbounded::{unbounded_channel, UnboundedReceiver, UnboundedSender, WeakUnboundedSender};
