//! Shutting a stream's write side down through the ring
//! (`IORING_OP_SHUTDOWN`).
//!
//! The shutdown goes behind the send in flight (the [`Sender`] starts it
//! only once that send is done), with the ring's next `io_uring_enter`.
//! `AsyncWrite::poll_shutdown` waits for its result, as it would for
//! `shutdown(2)`'s; a dropped write half starts one and leaves it.
//!
//! The operation holds the sender, and through it the descriptor: the
//! socket cannot be closed (and its number reused) before the kernel has
//! run the shutdown.
//!
//! The kernel runs every shutdown on its workers, so it completes a little
//! later than the `io_uring_enter` that submits it, with no peer involved:
//! it counts in its ring's `prompt` while in flight.

use std::io;
use std::os::fd::AsRawFd;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;

use io_uring::{opcode, types};

use super::completion::{Completable, Complete, ReapContext};
use super::send::{Sender, SenderRef};
use super::Shared;

/// One shutdown in flight for `sender`, on `ring`.
pub(crate) struct ShutdownOp {
    sender: SenderRef,
    ring: Arc<Shared>,
}

/// Queues a shutdown of `sender`'s socket for writing; its result goes to
/// [`Sender::shutdown_done`].
pub(crate) fn start(sender: &SenderRef) -> io::Result<()> {
    let ring = super::ring_for(sender.ring());
    let op = Completable::new(ShutdownOp {
        sender: sender.clone(),
        ring: ring.clone(),
    });
    let entry = opcode::Shutdown::new(types::Fd(sender.fd().as_raw_fd()), libc::SHUT_WR).build();
    ring.prompt.fetch_add(1, SeqCst);
    // SAFETY: the entry points to no memory; the descriptor it names stays
    // open while `op` (which holds it) is in flight.
    let pushed = unsafe { ring.push_op(&op, entry) };
    if pushed.is_err() {
        ring.prompt.fetch_sub(1, SeqCst);
    }
    pushed
}

impl Complete for ShutdownOp {
    fn complete(this: &Arc<Completable<ShutdownOp>>, result: i32, _: u32, _: &mut ReapContext<'_>) {
        let result = if result < 0 {
            Err(io::Error::from_raw_os_error(-result))
        } else {
            Ok(())
        };
        this.ring.prompt.fetch_sub(1, SeqCst);
        Sender::shutdown_done(&this.sender, result);
    }
}
