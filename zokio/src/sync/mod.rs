//! Synchronisation primitives for tasks.

pub mod oneshot;

mod cancellation_token;
pub use cancellation_token::{
    CancellationToken, DropGuard, DropGuardRef, WaitForCancellationFuture,
    WaitForCancellationFutureOwned,
};
