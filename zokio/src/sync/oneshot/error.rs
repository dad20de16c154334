//! Errors of [`oneshot`](super) channels.

use std::fmt;

/// The sender was dropped without sending a value; returned by awaiting a
/// [`Receiver`](super::Receiver) and by
/// [`blocking_recv`](super::Receiver::blocking_recv).
///
/// ```
/// use zokio::sync::oneshot;
///
/// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let (tx, rx) = oneshot::channel::<u32>();
/// drop(tx);
/// let err = rx.await.unwrap_err();
/// assert_eq!(err.to_string(), "channel closed");
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvError(pub(super) ());

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("channel closed")
    }
}

impl std::error::Error for RecvError {}

/// Why [`try_recv`](super::Receiver::try_recv) returned no value.
///
/// ```
/// use zokio::sync::oneshot::{self, error::TryRecvError};
///
/// let (tx, mut rx) = oneshot::channel::<u32>();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// No value has been sent yet; one may still come.
    Empty,
    /// No value will come: the sender was dropped without sending, the
    /// receiver was closed, or the value was already received.
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("channel empty"),
            TryRecvError::Closed => f.write_str("channel closed"),
        }
    }
}

impl std::error::Error for TryRecvError {}
