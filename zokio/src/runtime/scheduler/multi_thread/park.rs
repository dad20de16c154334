//! How a worker sleeps: on the shared driver if it is free (so that timers
//! fire while every worker sleeps), on its own condvar otherwise.
//!
//! The state word says where the worker sleeps, so that an unpark goes to
//! the right place; an unpark that arrives while the worker is awake is
//! remembered and makes the next park return at once.

use crate::driver::{self, Driver};
use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::{lock, Arc, Condvar, Mutex};

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
    lock: Mutex<()>,
    condvar: Condvar,
    /// Wakes whoever sleeps in the shared driver.
    driver_unparker: driver::Unparker,
}

/// The sleeping side, owned by one worker thread.
pub(crate) struct Parker {
    inner: Arc<Inner>,
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
        let inner = Arc::new(Inner {
            state: AtomicUsize::new(EMPTY),
            lock: Mutex::new(()),
            condvar: Condvar::new(),
            driver_unparker,
        });
        (
            Parker {
                inner: inner.clone(),
            },
            Unparker { inner },
        )
    }

    /// Sleeps until unparked. Parks in the driver (timers fire, and it
    /// wakes at the next deadline) if no other worker holds it.
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
                match inner
                    .state
                    .compare_exchange(EMPTY, PARKED_DRIVER, SeqCst, SeqCst)
                {
                    Ok(_) => {}
                    Err(_) => {
                        inner.state.store(EMPTY, SeqCst);
                        return;
                    }
                }
                driver.park(handle);
                inner.state.swap(EMPTY, SeqCst);
                return;
            }
        }
        let mut guard = lock(&inner.lock);
        if inner
            .state
            .compare_exchange(EMPTY, PARKED_CONDVAR, SeqCst, SeqCst)
            .is_err()
        {
            inner.state.store(EMPTY, SeqCst);
            return;
        }
        loop {
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
        }
    }
}

impl Unparker {
    pub(crate) fn unpark(&self) {
        let inner = &*self.inner;
        match inner.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED_CONDVAR => {
                drop(lock(&inner.lock));
                inner.condvar.notify_one();
            }
            PARKED_DRIVER => inner.driver_unparker.unpark(),
            actual => unreachable!("worker parker in unknown state {actual}"),
        }
    }
}
