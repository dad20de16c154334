//! `Timeout`: a future with a deadline.
//!
//! # Pinning
//!
//! `Timeout<T>` polls its future through `Pin<&mut T>` (the future is
//! pinned structurally). The one unsafe block of this module relies on:
//!
//! 1. **`value` never moves while the `Timeout` is pinned.** The only method
//!    that moves it, [`Timeout::into_inner`], takes the `Timeout` by value,
//!    which a pinned `Timeout` of a `!Unpin` future cannot give; and
//!    `Timeout` has no `Drop` impl, so `value` is dropped in place.
//! 2. **`Timeout<T>` is `Unpin` only if `T` is**: `Unpin` comes from the auto
//!    trait alone (`Sleep` is always `Unpin`).
//! 3. **`delay` is not pinned structurally**: `Sleep` is `Unpin` and only
//!    ever reached through `&mut`.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::runtime::coop;
use crate::time::error::Elapsed;
use crate::time::{Instant, Sleep};

/// Requires `future` to complete within `duration`.
///
/// The future is polled first at every poll, so a future that is ready
/// completes with `Ok` even when the deadline has passed; a future that is
/// ready at its first poll never touches the runtime's timers. Otherwise the
/// result is `Err(Elapsed)` once the deadline is reached, and the future is
/// dropped. A duration too long to represent means about 30 years.
///
/// ```
/// use std::time::Duration;
/// use zokio::time::timeout;
///
/// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// # rt.block_on(async {
/// assert_eq!(timeout(Duration::from_secs(1), async { 7 }).await, Ok(7));
/// let never = std::future::pending::<()>();
/// assert!(timeout(Duration::from_millis(5), never).await.is_err());
/// # });
/// ```
///
/// # Cancel safety
///
/// As cancel safe as `future`: dropping the `Timeout` drops `future` and
/// cancels the timer.
///
/// # Panics
///
/// Outside a Zokio runtime, or in one built without timers. The timer is
/// registered with the runtime that first polls the `Timeout` while its
/// future is pending, which must exist then (Tokio takes the runtime at
/// creation).
#[track_caller]
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    let deadline = Instant::now().saturating_add(duration);
    Timeout::new(future.into_future(), Sleep::new_unbound(deadline))
}

/// Requires `future` to complete before `deadline`; see [`timeout`].
///
/// ```
/// use std::time::Duration;
/// use zokio::time::{timeout_at, Instant};
///
/// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// # rt.block_on(async {
/// let deadline = Instant::now() + Duration::from_millis(5);
/// let never = std::future::pending::<()>();
/// assert!(timeout_at(deadline, never).await.is_err());
/// assert!(Instant::now() >= deadline);
/// # });
/// ```
///
/// # Cancel safety
///
/// As cancel safe as `future`.
///
/// # Panics
///
/// As [`timeout`].
#[track_caller]
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    Timeout::new(future.into_future(), Sleep::new_unbound(deadline))
}

/// The future returned by [`timeout`] and [`timeout_at`].
///
/// It is [`Unpin`] if the future it wraps is.
///
/// ```
/// use std::time::Duration;
/// use zokio::time::timeout;
///
/// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// # rt.block_on(async {
/// let guarded = timeout(Duration::from_secs(1), async { "done" });
/// assert_eq!(guarded.await, Ok("done"));
/// # });
/// ```
///
/// # Cancel safety
///
/// As cancel safe as the future it wraps.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Timeout<T> {
    /// Pinned structurally (rule 1).
    value: T,
    /// Not pinned structurally (rule 3).
    delay: Sleep,
}

impl<T> Timeout<T> {
    fn new(value: T, delay: Sleep) -> Timeout<T> {
        Timeout { value, delay }
    }

    /// The wrapped future.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio::time::timeout;
    ///
    /// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// # let _guard = rt.enter();
    /// let guarded = timeout(Duration::from_secs(1), std::future::ready(3));
    /// let _inner: &std::future::Ready<i32> = guarded.get_ref();
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.value
    }

    /// The wrapped future, mutably.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio::time::timeout;
    ///
    /// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// # let _guard = rt.enter();
    /// let mut guarded = timeout(Duration::from_secs(1), std::future::ready(3));
    /// let _inner: &mut std::future::Ready<i32> = guarded.get_mut();
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.value
    }

    /// The wrapped future; the timer is cancelled.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio::time::timeout;
    ///
    /// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// # rt.block_on(async {
    /// let guarded = timeout(Duration::from_secs(1), async { 5 });
    /// assert_eq!(guarded.into_inner().await, 5);
    /// # });
    /// ```
    pub fn into_inner(self) -> T {
        self.value
    }

    #[cfg(test)]
    pub(super) fn delay(&self) -> &Sleep {
        &self.delay
    }
}

impl<T: Future> Future for Timeout<T> {
    type Output = Result<T::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `value` is pinned structurally and never moved while
        // pinned (rules 1 and 2); `delay` is not pinned structurally and is
        // only used through `&mut` (rule 3).
        let (value, delay) = unsafe {
            let this = self.get_unchecked_mut();
            (Pin::new_unchecked(&mut this.value), &mut this.delay)
        };
        let had_budget = coop::has_budget_remaining();
        if let Poll::Ready(out) = value.poll(cx) {
            return Poll::Ready(Ok(out));
        }
        let mut poll_delay = || match Pin::new(&mut *delay).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed::new())),
            Poll::Pending => Poll::Pending,
        };
        // If the future spent the last of the budget, the timer still gets
        // its look: otherwise a future that always spends the budget would
        // never time out.
        if had_budget && !coop::has_budget_remaining() {
            coop::with_unconstrained(poll_delay)
        } else {
            poll_delay()
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Timeout<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("value", &self.value)
            .field("delay", &self.delay)
            .finish()
    }
}
