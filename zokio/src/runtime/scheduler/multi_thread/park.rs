//! How a worker sleeps: on the shared driver if it is free (so that timers
//! fire while every worker sleeps), on its own condvar otherwise.
//!
//! The state word says where the worker sleeps, so that an unpark goes to
//! the right place; an unpark that arrives while the worker is awake is
//! remembered and makes the next park return at once.

use crate::driver::{self, Driver};
use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::{Arc, Mutex};

/// Awake, no unpark pending.
const EMPTY: usize = 0;
/// Sleeping on its condvar.
const PARKED_CONDVAR: usize = 1;
/// Sleeping in the shared driver.
const PARKED_DRIVER: usize = 2;
/// An unpark is pending.
const NOTIFIED: usize = 3;

struct Inner {
    state: AtomicUsize,
    /// Wakes this worker's own parker (the condvar case).
    own_unparker: driver::Unparker,
    /// Wakes whoever sleeps in the shared driver.
    driver_unparker: driver::Unparker,
}

/// The sleeping side, owned by one worker thread.
pub(crate) struct Parker {
    inner: Arc<Inner>,
    /// Where the worker sleeps when another worker holds the driver.
    own: driver::Parker,
}

/// The waking side.
#[derive(Clone)]
pub(crate) struct Unparker {
    inner: Arc<Inner>,
}

/// The driver that one sleeping worker at a time parks in.
pub(crate) type SharedDriver = Mutex<Option<Driver>>;

impl Parker {
    pub(crate) fn new(driver_unparker: driver::Unparker) -> (Parker, Unparker) {
        let own = driver::Parker::new();
        let inner = Arc::new(Inner {
            state: AtomicUsize::new(EMPTY),
            own_unparker: own.unparker(),
            driver_unparker,
        });
        (
            Parker {
                inner: inner.clone(),
                own,
            },
            Unparker { inner },
        )
    }

    /// Sleeps until unparked (or spuriously: callers re-check their
    /// condition). Parks in the driver (timers fire, and it wakes at the
    /// next deadline) if no other worker holds it.
    pub(crate) fn park(&mut self, shared: &SharedDriver, handle: &driver::Handle) {
        let inner = &*self.inner;
        if inner
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        if let Ok(mut slot) = shared.try_lock() {
            if let Some(driver) = slot.as_mut() {
                if inner
                    .state
                    .compare_exchange(EMPTY, PARKED_DRIVER, SeqCst, SeqCst)
                    .is_err()
                {
                    // An unpark came in between: consume it.
                    inner.state.store(EMPTY, SeqCst);
                    return;
                }
                driver.park(handle);
                inner.state.swap(EMPTY, SeqCst);
                return;
            }
        }
        // I/O this worker queued would otherwise wait for the driver's
        // next park.
        handle.flush_io();
        if inner
            .state
            .compare_exchange(EMPTY, PARKED_CONDVAR, SeqCst, SeqCst)
            .is_err()
        {
            inner.state.store(EMPTY, SeqCst);
            return;
        }
        // The own parker keeps an unpark that arrives before this call, so
        // none is lost.
        self.own.park(None);
        inner.state.swap(EMPTY, SeqCst);
    }
}

impl Unparker {
    pub(crate) fn unpark(&self) {
        let inner = &*self.inner;
        match inner.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED_CONDVAR => inner.own_unparker.unpark(),
            PARKED_DRIVER => inner.driver_unparker.unpark(),
            actual => unreachable!("worker parker in unknown state {actual}"),
        }
    }
}
