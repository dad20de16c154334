//! Cancelling an operation in flight (`IORING_OP_ASYNC_CANCEL`).
//!
//! A cancel names its target by `user_data`; its own completion carries
//! the [`Token::Ignore`] token. The target's last completion still comes
//! (with `-ECANCELED`, or with its result if it finished first), so the
//! memory it uses stays alive until then (completion rules 2 and 3), and
//! data it received before the cancel took effect reaches its owner.
//!
//! A cancel queued by the ring's own reaper goes to the kernel with its next
//! `io_uring_enter`; until then the operation still runs. Where that matters
//! (a socket leaving the runtime, whose new owner must get every byte that
//! arrives afterwards), [`Shared::cancel_now`] cancels synchronously.

use std::sync::Arc;

use io_uring::{opcode, types};

use super::completion::{self, Completable, Token};
use super::Shared;

impl Shared {
    /// Asks the kernel to cancel `op`'s operation in flight on this ring.
    pub(crate) fn cancel<T>(&self, op: &Arc<Completable<T>>) {
        let entry = opcode::AsyncCancel::new(completion::user_data_of(op))
            .build()
            .user_data(Token::Ignore as u64);
        // SAFETY: a token user data and no memory.
        let _ = unsafe { self.push(&entry) };
    }

    /// Cancels `op`'s operation in flight on this ring and returns once the
    /// kernel has let go of it (`IORING_REGISTER_SYNC_CANCEL`, Linux 6.0),
    /// so that it takes nothing more from its socket. Its last completion
    /// still comes through the reaper. If the kernel cannot cancel it that
    /// way in a second, the cancel is queued as [`cancel`](Self::cancel)
    /// does.
    pub(crate) fn cancel_now<T>(&self, op: &Arc<Completable<T>>) {
        let target = types::CancelBuilder::user_data(completion::user_data_of(op));
        let limit = types::Timespec::new().sec(1);
        match self
            .ring
            .submitter()
            .register_sync_cancel(Some(limit), target)
        {
            Ok(()) => {}
            // Finished already: its completion is on its way.
            Err(err) if err.raw_os_error() == Some(libc::ENOENT) => {}
            Err(_) => self.cancel(op),
        }
    }
}
