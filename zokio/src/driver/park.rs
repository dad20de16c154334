//! A thread parker: what a worker sleeps on when it has nothing to run.
//!
//! One `Parker` belongs to the thread that runs the scheduler; any number of
//! [`Unparker`]s wake it from other threads. An unpark that comes while the
//! thread is awake is remembered, so the next park returns at once: no
//! wake-up is ever lost, and a park with no unpark sleeps until its timeout.
//! The io_uring driver (a later issue) replaces this by parking in the ring.

use std::time::Duration;

use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::{lock, Arc, Condvar, Mutex};

/// Nobody is parked and no unpark is pending.
const EMPTY: usize = 0;
/// The owner is parked (or about to be) on the condvar.
const PARKED: usize = 1;
/// An unpark arrived; the next park consumes it and returns at once.
const NOTIFIED: usize = 2;

#[derive(Debug)]
struct Inner {
    state: AtomicUsize,
    lock: Mutex<()>,
    condvar: Condvar,
    /// Unparks that had to take the lock to wake a sleeper (a metric).
    wakeups: AtomicUsize,
}

/// The sleeping side; `!Clone`, owned by whoever runs the scheduler.
#[derive(Debug)]
pub(crate) struct Parker {
    inner: Arc<Inner>,
}

/// The waking side; cheap to clone and `Send + Sync`.
#[derive(Debug, Clone)]
pub(crate) struct Unparker {
    inner: Arc<Inner>,
}

impl Parker {
    pub(crate) fn new() -> Parker {
        Parker {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                lock: Mutex::new(()),
                condvar: Condvar::new(),
                wakeups: AtomicUsize::new(0),
            }),
        }
    }

    pub(crate) fn unparker(&self) -> super::Unparker {
        super::Unparker::Condvar(Unparker {
            inner: self.inner.clone(),
        })
    }

    /// Sleeps until unparked or until `timeout` passes (`None`: no timeout).
    /// A zero timeout only consumes a pending unpark.
    pub(crate) fn park(&mut self, timeout: Option<Duration>) {
        let inner = &*self.inner;
        // Fast path: an unpark is already pending.
        if inner
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        if timeout == Some(Duration::ZERO) {
            return;
        }
        let mut guard = lock(&inner.lock);
        match inner.state.compare_exchange(EMPTY, PARKED, SeqCst, SeqCst) {
            Ok(_) => {}
            Err(NOTIFIED) => {
                inner.state.store(EMPTY, SeqCst);
                return;
            }
            Err(actual) => unreachable!("parker in state {actual} while its owner parks"),
        }
        match timeout {
            None => loop {
                guard = match inner.condvar.wait(guard) {
                    Ok(guard) => guard,
                    Err(poisoned) => poisoned.into_inner(),
                };
                if inner
                    .state
                    .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                    .is_ok()
                {
                    return;
                }
                // A spurious wake-up: sleep again.
            },
            Some(timeout) => {
                let (_guard, _) = match inner.condvar.wait_timeout(guard, timeout) {
                    Ok(pair) => pair,
                    Err(poisoned) => poisoned.into_inner(),
                };
                // Woken, timed out or spurious: either way leave EMPTY.
                inner.state.swap(EMPTY, SeqCst);
            }
        }
    }
}

impl Unparker {
    /// Wakes the parked thread, or makes its next park return at once.
    pub(crate) fn unpark(&self) {
        let inner = &*self.inner;
        match inner.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED => {
                // Take the lock so the notification cannot slip in between the
                // parker's state change and its wait on the condvar.
                drop(lock(&inner.lock));
                inner.wakeups.fetch_add(1, SeqCst);
                inner.condvar.notify_one();
            }
            actual => unreachable!("parker in unknown state {actual}"),
        }
    }

    /// How many unparks had to wake a sleeping thread.
    pub(crate) fn wakeups(&self) -> usize {
        self.inner.wakeups.load(SeqCst)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn unpark_before_park_is_remembered() {
        let mut parker = Parker::new();
        parker.unparker().unpark();
        parker.park(None);
    }

    #[test]
    fn unpark_from_another_thread_wakes() {
        let mut parker = Parker::new();
        let unparker = parker.unparker();
        let t = std::thread::spawn(move || unparker.unpark());
        parker.park(None);
        t.join().unwrap();
    }

    #[test]
    fn zero_timeout_returns() {
        let mut parker = Parker::new();
        parker.park(Some(Duration::ZERO));
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;

    #[test]
    fn no_lost_wakeup() {
        loom::model(|| {
            let mut parker = Parker::new();
            let unparker = parker.unparker();
            let t = loom::thread::spawn(move || unparker.unpark());
            parker.park(None);
            t.join().unwrap();
        });
    }
}
