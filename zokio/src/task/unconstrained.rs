//! Opting out of the cooperative budget.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::runtime::coop;

/// Runs `future` without the cooperative budget: the runtime's resources
/// (channels, sockets, timers) never make it yield because its task has
/// polled them many times in a row. A future that loops on ready resources
/// can then starve the other tasks of its worker; use it for code that
/// must not be interrupted, not by default.
///
/// ```
/// use zokio::sync::mpsc;
///
/// # zokio::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, mut rx) = mpsc::unbounded_channel();
/// for i in 0..1000 {
///     tx.send(i).unwrap();
/// }
/// // Without the budget, all 1000 receives complete in one poll.
/// let sum = zokio::task::unconstrained(async move {
///     let mut sum = 0;
///     for _ in 0..1000 {
///         sum += rx.recv().await.unwrap();
///     }
///     sum
/// })
/// .await;
/// assert_eq!(sum, 499_500);
/// # });
/// ```
pub fn unconstrained<F: Future>(future: F) -> Unconstrained<F> {
    Unconstrained { future }
}

/// A future run without the cooperative budget; made by [`unconstrained`].
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Unconstrained<F> {
    /// Structurally pinned: reached only through `Pin`, never moved out;
    /// no `Drop` of ours.
    future: F,
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned (see the field).
        let future = unsafe { self.map_unchecked_mut(|this| &mut this.future) };
        coop::with_unconstrained(|| future.poll(cx))
    }
}
