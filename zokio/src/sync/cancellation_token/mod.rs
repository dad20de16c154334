//! `CancellationToken`: a signal that asks tasks to stop, with child tokens
//! for parts of the work, as tokio-util's.
//!
//! Tokens form a tree. Cancelling a token cancels all of its descendants
//! (children, their children, ...), never its parent. Dropping every handle
//! to a token takes it out of the tree; its children, unless it was
//! cancelled, are handed to its parent. See `tree.rs` for the locking
//! protocol.
//!
//! A waiting future holds a slot in its token's list of wakers (a slab,
//! under the token's lock), which it frees when it completes or is dropped.

mod guard;
mod tree;

pub use guard::{DropGuard, DropGuardRef};

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::{ready, Context, Poll};

use crate::loom::Arc;
use crate::runtime::coop;
use tree::Node;

/// A token that asks tasks to stop: cheap to clone, shareable across threads
/// and tasks, and awaitable with [`cancelled`](CancellationToken::cancelled).
///
/// A [`child_token`](CancellationToken::child_token) is cancelled when its
/// parent is, but can also be cancelled on its own without affecting the
/// parent. Clones are handles to the same token.
///
/// ```
/// use std::time::Duration;
/// use zokio::sync::CancellationToken;
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() {
///     let token = CancellationToken::new();
///     let child = token.child_token();
///
///     let worker = zokio::spawn(async move {
///         zokio::select! {
///             _ = child.cancelled() => "stopped",
///             _ = zokio::time::sleep(Duration::from_secs(60)) => "finished",
///         }
///     });
///
///     token.cancel();
///     assert_eq!(worker.await.unwrap(), "stopped");
/// }
/// ```
pub struct CancellationToken {
    node: Arc<Node>,
}

impl CancellationToken {
    /// A new token, not cancelled, with no parent.
    ///
    /// ```
    /// let token = zokio::sync::CancellationToken::new();
    /// assert!(!token.is_cancelled());
    /// ```
    pub fn new() -> CancellationToken {
        CancellationToken { node: Node::root() }
    }

    /// A new token that is cancelled when this one is (and is created
    /// cancelled if this one already is). Cancelling the child does not
    /// cancel this token.
    ///
    /// ```
    /// let parent = zokio::sync::CancellationToken::new();
    /// let child = parent.child_token();
    /// child.cancel();
    /// assert!(!parent.is_cancelled());
    ///
    /// let other = parent.child_token();
    /// parent.cancel();
    /// assert!(other.is_cancelled());
    /// ```
    pub fn child_token(&self) -> CancellationToken {
        CancellationToken {
            node: Node::child(&self.node),
        }
    }

    /// Cancels this token and all its descendants, waking every task waiting
    /// on one of them. Cancelling again does nothing.
    ///
    /// ```
    /// let token = zokio::sync::CancellationToken::new();
    /// token.cancel();
    /// assert!(token.is_cancelled());
    /// ```
    pub fn cancel(&self) {
        Node::cancel(&self.node);
    }

    /// True once this token has been cancelled, by itself or an ancestor.
    ///
    /// ```
    /// let parent = zokio::sync::CancellationToken::new();
    /// let child = parent.child_token();
    /// assert!(!child.is_cancelled());
    /// parent.cancel();
    /// assert!(child.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.node.is_cancelled()
    }

    /// Waits until the token is cancelled; completes at once if it already
    /// is. Like other resources, a cancelled token spends a unit of the
    /// task's cooperative budget each time it is found cancelled, so a loop
    /// around a `select!` on it still yields to other tasks.
    ///
    /// ```
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let token = zokio::sync::CancellationToken::new();
    /// let clone = token.clone();
    /// zokio::spawn(async move { clone.cancel() });
    /// token.cancelled().await;
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future only stops waiting; it consumes
    /// nothing.
    pub fn cancelled(&self) -> WaitForCancellationFuture<'_> {
        WaitForCancellationFuture {
            token: self,
            key: None,
        }
    }

    /// As [`cancelled`](CancellationToken::cancelled), but the future owns
    /// the token, so it can be moved into a task.
    ///
    /// ```
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let token = zokio::sync::CancellationToken::new();
    /// let wait = zokio::spawn(token.clone().cancelled_owned());
    /// token.cancel();
    /// wait.await.unwrap();
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as `cancelled`.
    pub fn cancelled_owned(self) -> WaitForCancellationFutureOwned {
        WaitForCancellationFutureOwned {
            token: self,
            key: None,
        }
    }

    /// Runs `future` until it completes (`Some(output)`) or the token is
    /// cancelled (`None`, and the future is dropped). Cancellation is checked
    /// first: if the token is already cancelled, the future is not polled.
    ///
    /// ```
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let token = zokio::sync::CancellationToken::new();
    /// assert_eq!(token.run_until_cancelled(async { 1 }).await, Some(1));
    /// token.cancel();
    /// assert_eq!(token.run_until_cancelled(async { 2 }).await, None);
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping it drops `future`: as cancel safe as `future` is.
    pub async fn run_until_cancelled<F: Future>(&self, future: F) -> Option<F::Output> {
        run_until(self.cancelled(), future).await
    }

    /// As [`run_until_cancelled`](CancellationToken::run_until_cancelled),
    /// taking the token, so that the future can be moved into a task.
    ///
    /// ```
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let token = zokio::sync::CancellationToken::new();
    /// let task = zokio::spawn(token.clone().run_until_cancelled_owned(std::future::pending::<()>()));
    /// token.cancel();
    /// assert_eq!(task.await.unwrap(), None);
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// As `run_until_cancelled`.
    pub async fn run_until_cancelled_owned<F: Future>(self, future: F) -> Option<F::Output> {
        run_until(self.cancelled_owned(), future).await
    }

    /// A guard that cancels the token when dropped, unless
    /// [disarmed](DropGuard::disarm).
    ///
    /// ```
    /// let token = zokio::sync::CancellationToken::new();
    /// let guard = token.clone().drop_guard();
    /// drop(guard);
    /// assert!(token.is_cancelled());
    /// ```
    pub fn drop_guard(self) -> DropGuard {
        DropGuard::new(self)
    }

    /// As [`drop_guard`](CancellationToken::drop_guard), borrowing the
    /// token.
    ///
    /// ```
    /// let token = zokio::sync::CancellationToken::new();
    /// {
    ///     let _guard = token.drop_guard_ref();
    /// }
    /// assert!(token.is_cancelled());
    /// ```
    pub fn drop_guard_ref(&self) -> DropGuardRef<'_> {
        DropGuardRef::new(self)
    }
}

/// Polls `cancelled` first, then `future`.
async fn run_until<C, F>(cancelled: C, future: F) -> Option<F::Output>
where
    C: Future<Output = ()> + Unpin,
    F: Future,
{
    let mut cancelled = cancelled;
    let mut future = pin!(future);
    poll_fn(|cx| {
        if Pin::new(&mut cancelled).poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        future.as_mut().poll(cx).map(Some)
    })
    .await
}

/// Polls `node` for cancellation, spending a unit of the task's cooperative
/// budget when it is: a cancelled token is ready again and again, and a loop
/// that keeps finding it so must still yield to the scheduler now and then.
fn poll_cancelled(node: &Node, key: &mut Option<usize>, cx: &mut Context<'_>) -> Poll<()> {
    let coop = ready!(coop::poll_proceed(cx));
    let out = node.poll_cancelled(key, cx);
    if out.is_ready() {
        coop.made_progress();
    }
    out
}

impl Clone for CancellationToken {
    /// Another handle to the same token (not a child).
    fn clone(&self) -> CancellationToken {
        self.node.add_handle();
        CancellationToken {
            node: self.node.clone(),
        }
    }
}

impl Drop for CancellationToken {
    fn drop(&mut self) {
        Node::drop_handle(&self.node);
    }
}

impl Default for CancellationToken {
    fn default() -> CancellationToken {
        CancellationToken::new()
    }
}

impl fmt::Debug for CancellationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancellationToken")
            .field("is_cancelled", &self.is_cancelled())
            .finish()
    }
}

/// The future of [`CancellationToken::cancelled`].
#[must_use = "futures do nothing unless awaited"]
pub struct WaitForCancellationFuture<'a> {
    token: &'a CancellationToken,
    /// Our slot among the token's waiters, once registered.
    key: Option<usize>,
}

impl Future for WaitForCancellationFuture<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        poll_cancelled(&this.token.node, &mut this.key, cx)
    }
}

impl Drop for WaitForCancellationFuture<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.token.node.remove_waiter(key);
        }
    }
}

impl fmt::Debug for WaitForCancellationFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForCancellationFuture")
            .finish_non_exhaustive()
    }
}

/// The future of [`CancellationToken::cancelled_owned`].
#[must_use = "futures do nothing unless awaited"]
pub struct WaitForCancellationFutureOwned {
    token: CancellationToken,
    /// Our slot among the token's waiters, once registered.
    key: Option<usize>,
}

impl Future for WaitForCancellationFutureOwned {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        poll_cancelled(&this.token.node, &mut this.key, cx)
    }
}

impl Drop for WaitForCancellationFutureOwned {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.token.node.remove_waiter(key);
        }
    }
}

impl fmt::Debug for WaitForCancellationFutureOwned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForCancellationFutureOwned")
            .finish_non_exhaustive()
    }
}
