//! Giving the scheduler a turn.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields once to the scheduler: the task is queued behind the tasks that are
/// ready now, then resumes.
///
/// ```
/// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     zokio::task::yield_now().await;
/// });
/// ```
///
/// # Cancel safety
///
/// Cancel safe: it holds no resource.
pub async fn yield_now() {
    YieldNow { yielded: false }.await
}

struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // A wake during the poll makes the scheduler requeue the task behind
        // the others once this poll returns.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
