//! `MaybeDone`: a future that keeps its output once complete.
//!
//! # Pinning
//!
//! `MaybeDone<F>` pins `F` structurally while it is in the `Future` variant:
//!
//! 1. The future is never moved out of a pinned `MaybeDone`; it only leaves
//!    by being dropped in place, when [`Pin::set`] replaces the variant.
//! 2. The output is *not* structurally pinned: once in `Done`, it may be
//!    moved out through a pinned reference.
//! 3. `MaybeDone` has no `Drop` impl, and is `Unpin` only when both `F` and
//!    `F::Output` are, as the auto trait gives it.

use std::fmt;
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// A future that runs `F` to completion and then holds its output until
/// it is taken; see [`maybe_done`].
///
/// Polling it once complete returns `Ready(())` again at once, so a set of
/// them can be polled together until all are done, as
/// [`join!`](crate::join) does.
pub enum MaybeDone<F: Future> {
    /// The future, not complete yet.
    Future(F),
    /// The future's output, not taken yet.
    Done(F::Output),
    /// The output was taken.
    Gone,
}

/// Wraps a future (or anything [`IntoFuture`](std::future::IntoFuture)) in a
/// [`MaybeDone`].
///
/// ```
/// use std::pin::pin;
/// use zokio::future::maybe_done;
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() {
///     let mut done = pin!(maybe_done(async { 5 }));
///     done.as_mut().await;
///     assert_eq!(done.as_mut().output_mut(), Some(&mut 5));
///     assert_eq!(done.as_mut().take_output(), Some(5));
///     assert_eq!(done.as_mut().take_output(), None);
/// }
/// ```
pub fn maybe_done<F: std::future::IntoFuture>(future: F) -> MaybeDone<F::IntoFuture> {
    MaybeDone::Future(future.into_future())
}

impl<F: Future> MaybeDone<F> {
    /// The output, if the future has completed and it has not been taken.
    pub fn output_mut(self: Pin<&mut Self>) -> Option<&mut F::Output> {
        // SAFETY: only the output is handed out, and it is not structurally
        // pinned (rule 2); the future is not touched.
        match unsafe { self.get_unchecked_mut() } {
            MaybeDone::Done(output) => Some(output),
            _ => None,
        }
    }

    /// Takes the output, if the future has completed and it has not been
    /// taken already.
    pub fn take_output(self: Pin<&mut Self>) -> Option<F::Output> {
        if !matches!(&*self, MaybeDone::Done(_)) {
            return None;
        }
        // SAFETY: the value is `Done`, so no pinned future is moved (rules 1
        // and 2).
        let this = unsafe { self.get_unchecked_mut() };
        match mem::replace(this, MaybeDone::Gone) {
            MaybeDone::Done(output) => Some(output),
            _ => None,
        }
    }
}

impl<F: Future> Future for MaybeDone<F> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: the future is only pinned again, never moved (rule 1).
        let output = match unsafe { self.as_mut().get_unchecked_mut() } {
            // SAFETY: `self` is pinned, so its `Future` variant is (rule 1).
            MaybeDone::Future(future) => ready!(unsafe { Pin::new_unchecked(future) }.poll(cx)),
            MaybeDone::Done(_) => return Poll::Ready(()),
            MaybeDone::Gone => panic!("`MaybeDone` polled after its output was taken"),
        };
        // Drops the future in place, as pinning allows.
        self.set(MaybeDone::Done(output));
        Poll::Ready(())
    }
}

impl<F: Future> fmt::Debug for MaybeDone<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MaybeDone::Future(_) => f.write_str("MaybeDone::Future(..)"),
            MaybeDone::Done(_) => f.write_str("MaybeDone::Done(..)"),
            MaybeDone::Gone => f.write_str("MaybeDone::Gone"),
        }
    }
}
