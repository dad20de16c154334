//! Cancelling an operation in flight (`IORING_OP_ASYNC_CANCEL`).
//!
//! A cancel names its target by `user_data`; its own completion carries
//! the [`Token::Ignore`] token. The target's last completion still comes
//! (with `-ECANCELED`, or with its result if it finished first), so the
//! memory it uses stays alive until then (completion rules 2 and 3), and
//! data it received before the cancel took effect reaches its owner.

use std::sync::Arc;

use io_uring::opcode;

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
}
