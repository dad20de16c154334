//! `Sleep`: a future that completes at a deadline.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use crate::runtime::{coop, scheduler};
use crate::time::driver::{TimeDriver, TimerKey};
use crate::time::Instant;

const TIMERS_DISABLED: &str = "A Zokio runtime was found, but timers are disabled. \
     Call `enable_time` (or `enable_all`) on the runtime Builder.";

/// Waits until `duration` has elapsed.
///
/// The sleep completes no earlier than `duration` after this call, at a
/// resolution of one millisecond. No work is done until it is first polled.
/// A duration too long to represent sleeps for about 30 years.
///
/// ```
/// use std::time::Duration;
/// use zokio::time::{sleep, Instant};
///
/// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// # rt.block_on(async {
/// let start = Instant::now();
/// sleep(Duration::from_millis(10)).await;
/// assert!(start.elapsed() >= Duration::from_millis(10));
/// # });
/// ```
///
/// # Cancel safety
///
/// Cancel safe: dropping the [`Sleep`] before it completes cancels its
/// timer and loses nothing.
///
/// # Panics
///
/// Outside a Zokio runtime, or in one built without timers (see
/// [`Builder::enable_time`](crate::runtime::Builder::enable_time)).
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    Sleep::new(Instant::now().saturating_add(duration))
}

/// Waits until `deadline` is reached.
///
/// A deadline in the past completes at the first poll, or within a
/// millisecond.
///
/// ```
/// use std::time::Duration;
/// use zokio::time::{sleep_until, Instant};
///
/// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// # rt.block_on(async {
/// let deadline = Instant::now() + Duration::from_millis(10);
/// sleep_until(deadline).await;
/// assert!(Instant::now() >= deadline);
/// # });
/// ```
///
/// # Cancel safety
///
/// Cancel safe: dropping the [`Sleep`] before it completes cancels its
/// timer and loses nothing.
///
/// # Panics
///
/// Outside a Zokio runtime, or in one built without timers.
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(deadline)
}

/// The future returned by [`sleep`] and [`sleep_until`]: completes once its
/// deadline is reached.
///
/// Its timer goes into the runtime's wheel when it is first polled, and
/// leaves it when it fires or when the `Sleep` is dropped.
///
/// Unlike Tokio's, `Sleep` is [`Unpin`]: it can be polled through
/// `&mut Sleep`. Code written for Tokio, which pins it first, works as is.
///
/// If its runtime shuts down, the `Sleep` completes at once (Tokio's
/// panics).
///
/// ```
/// use std::time::Duration;
/// use zokio::time::{sleep, Instant};
///
/// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// # rt.block_on(async {
/// let mut delay = sleep(Duration::from_secs(3600));
/// // Changed our mind: wake up in 5 ms instead.
/// std::pin::Pin::new(&mut delay).reset(Instant::now() + Duration::from_millis(5));
/// (&mut delay).await;
/// assert!(delay.is_elapsed());
/// # });
/// ```
///
/// # Cancel safety
///
/// Cancel safe: it holds nothing but its own timer, which a drop cancels.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Sleep {
    deadline: Instant,
    /// The runtime whose wheel holds the timer. Taken at creation by
    /// `sleep`, or from the runtime that first polls it (see
    /// [`Sleep::new_unbound`]).
    handle: Option<scheduler::Handle>,
    timer: Timer,
}

/// Where a `Sleep`'s timer stands.
#[derive(Debug, Clone, Copy)]
enum Timer {
    /// Not in the wheel: the next poll registers it.
    Idle,
    /// In the wheel under `key`, due at `tick`. Once the driver has reached
    /// `tick`, the key is dead: the timer fired and left the wheel.
    Waiting { key: TimerKey, tick: u64 },
    /// The deadline has been reached; polls return `Ready`.
    Fired,
}

impl Sleep {
    /// A sleep bound to the current runtime.
    #[track_caller]
    pub(crate) fn new(deadline: Instant) -> Sleep {
        let handle = match scheduler::Handle::with_current(|handle| {
            handle.driver().time().is_some().then(|| handle.clone())
        }) {
            Ok(Some(handle)) => handle,
            Ok(None) => panic!("{TIMERS_DISABLED}"),
            Err(err) => panic!("{err}"),
        };
        Sleep {
            deadline,
            handle: Some(handle),
            timer: Timer::Idle,
        }
    }

    /// A sleep that checks now that a runtime with timers is current, but
    /// takes that runtime's handle only when it first registers its timer:
    /// a timeout whose future is ready at once never touches the runtime.
    /// It binds to the runtime current where it is first polled.
    #[track_caller]
    #[inline]
    pub(crate) fn new_unbound(deadline: Instant) -> Sleep {
        #[cold]
        #[inline(never)]
        #[track_caller]
        fn no_timers(err: Option<crate::runtime::TryCurrentError>) -> ! {
            match err {
                None => panic!("{TIMERS_DISABLED}"),
                Some(err) => panic!("{err}"),
            }
        }
        match scheduler::Handle::with_current(|handle| handle.driver().time().is_some()) {
            Ok(true) => {}
            Ok(false) => no_timers(None),
            Err(err) => no_timers(Some(err)),
        }
        Sleep {
            deadline,
            handle: None,
            timer: Timer::Idle,
        }
    }

    /// The instant at which the sleep completes.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio::time::{sleep_until, Instant};
    ///
    /// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// # rt.block_on(async {
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(sleep_until(deadline).deadline(), deadline);
    /// # });
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has been reached by the runtime's timers: the
    /// next poll completes. A sleep that was never polled answers `false`
    /// until the runtime has passed its deadline.
    ///
    /// ```
    /// use std::time::Duration;
    /// use zokio::time::sleep;
    ///
    /// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// # rt.block_on(async {
    /// let mut delay = sleep(Duration::from_millis(1));
    /// assert!(!delay.is_elapsed());
    /// (&mut delay).await;
    /// assert!(delay.is_elapsed());
    /// # });
    /// ```
    pub fn is_elapsed(&self) -> bool {
        match (self.timer, &self.handle) {
            (Timer::Fired, _) => true,
            (Timer::Waiting { tick, .. }, Some(handle)) => timers(handle).has_reached(tick),
            (Timer::Idle, Some(handle)) => {
                let time = timers(handle);
                time.has_reached(time.deadline_tick(self.deadline))
            }
            (_, None) => false,
        }
    }

    /// Moves the deadline, whether or not the sleep has completed: it will
    /// complete (again) once `deadline` is reached. The timer moves in
    /// place, keeping the waker of the last poll.
    ///
    /// ```
    /// use std::pin::pin;
    /// use std::time::Duration;
    /// use zokio::time::{sleep, Instant};
    ///
    /// # let rt = zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// # rt.block_on(async {
    /// let mut delay = pin!(sleep(Duration::from_millis(1)));
    /// delay.as_mut().await;
    /// let deadline = Instant::now() + Duration::from_millis(5);
    /// delay.as_mut().reset(deadline);
    /// delay.as_mut().await;
    /// assert!(Instant::now() >= deadline);
    /// # });
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        self.get_mut().reset_deadline(deadline);
    }

    /// [`reset`](Sleep::reset) without the pin.
    pub(crate) fn reset_deadline(&mut self, deadline: Instant) {
        self.deadline = deadline;
        if let (Timer::Waiting { key, tick }, Some(handle)) = (self.timer, &self.handle) {
            let time = timers(handle);
            let new_tick = time.deadline_tick(deadline);
            if !time.has_reached(tick) && time.reset(key, new_tick) {
                self.timer = Timer::Waiting {
                    key,
                    tick: new_tick,
                };
                return;
            }
        }
        // Fired, or moved to a reached deadline: the next poll registers
        // again, or finds the deadline reached.
        self.timer = Timer::Idle;
    }

    /// Whether the timer is out of the wheel and not known to have fired.
    pub(crate) fn is_idle(&self) -> bool {
        matches!(self.timer, Timer::Idle)
    }

    /// Polls the timer, without spending cooperative budget.
    pub(crate) fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match self.timer {
            Timer::Fired => Poll::Ready(()),
            Timer::Waiting { key, tick } => {
                let time = timers(self.handle.as_ref().expect("a waiting sleep is bound"));
                if time.has_reached(tick) || time.poll_timer(key, cx.waker()).is_ready() {
                    self.timer = Timer::Fired;
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            }
            Timer::Idle => {
                let time = timers(self.handle.get_or_insert_with(bind_current));
                let tick = time.deadline_tick(self.deadline);
                match time.register(tick, cx.waker()) {
                    Some(key) => {
                        self.timer = Timer::Waiting { key, tick };
                        Poll::Pending
                    }
                    None => {
                        self.timer = Timer::Fired;
                        Poll::Ready(())
                    }
                }
            }
        }
    }
}

/// The handle of the runtime that polls an unbound sleep.
fn bind_current() -> scheduler::Handle {
    match scheduler::Handle::with_current(|handle| {
        handle.driver().time().is_some().then(|| handle.clone())
    }) {
        Ok(Some(handle)) => handle,
        Ok(None) => panic!("{TIMERS_DISABLED}"),
        Err(err) => panic!(
            "{err} (a `zokio::time::Timeout` registers its timer with the runtime \
             that first polls it)"
        ),
    }
}

/// The timers of a runtime a sleep is bound to.
fn timers(handle: &scheduler::Handle) -> &TimeDriver {
    handle
        .driver()
        .time()
        .expect("a sleep is only bound to a runtime with timers")
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let coop = ready!(coop::poll_proceed(cx));
        let ready = self.get_mut().poll_elapsed(cx);
        if ready.is_ready() {
            coop.made_progress();
        }
        ready
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let (Timer::Waiting { key, tick }, Some(handle)) = (self.timer, &self.handle) {
            let time = timers(handle);
            // A timer that fired has left the wheel already: no lock.
            if !time.has_reached(tick) {
                time.cancel(key);
            }
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("timer", &self.timer)
            .finish_non_exhaustive()
    }
}
