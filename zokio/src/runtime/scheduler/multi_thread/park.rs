//! How a worker sleeps.
//!
//! With I/O every worker sleeps in an I/O driver of its own (a ring on
//! io_uring, an epoll instance on the readiness backend), so the events of
//! its sockets wake it directly; the worker that holds the shared driver
//! also sleeps until the next timer. Without I/O one worker sleeps in the
//! shared driver (the timers) and the others on a condvar.
//!
//! The state word says where the worker sleeps, so that an unpark goes to
//! the right place; an unpark that arrives while the worker is awake is
//! remembered and makes the next park return at once.

use std::time::Duration;

use crate::driver::{self, Driver, WorkerDriver};
use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::{Arc, Mutex};

/// Awake, no unpark pending.
const EMPTY: usize = 0;
/// Sleeping on its own: its condvar or its own I/O driver.
const PARKED_OWN: usize = 1;
/// Sleeping in the shared driver.
const PARKED_DRIVER: usize = 2;
/// An unpark is pending.
const NOTIFIED: usize = 3;

struct Inner {
    state: AtomicUsize,
    /// Wakes this worker's own condvar or I/O driver.
    own_unparker: driver::Unparker,
    /// Wakes whoever sleeps in the shared driver.
    driver_unparker: driver::Unparker,
}

/// Where a worker sleeps when it is not in the shared driver.
enum Own {
    Condvar(driver::Parker),
    /// Shared with the other workers, which may deliver its I/O while this
    /// one is stuck in a task (see `harvest`).
    Io(std::sync::Arc<WorkerDriver>),
}

/// The sleeping side, owned by one worker thread.
pub(crate) struct Parker {
    inner: Arc<Inner>,
    own: Own,
    index: usize,
}

/// The waking side.
#[derive(Clone)]
pub(crate) struct Unparker {
    inner: Arc<Inner>,
}

/// The driver that one sleeping worker at a time parks in (with I/O:
/// holding it means sleeping with the timers).
pub(crate) type SharedDriver = Mutex<Option<Driver>>;

impl Parker {
    /// A parker for worker `index`, which sleeps in `io` if it has one.
    pub(crate) fn new(
        index: usize,
        driver_unparker: driver::Unparker,
        io: Option<Driver>,
    ) -> (Parker, Unparker) {
        let own = match io.and_then(WorkerDriver::new) {
            Some(io) => Own::Io(std::sync::Arc::new(io)),
            None => Own::Condvar(driver::Parker::new()),
        };
        let own_unparker = match &own {
            Own::Condvar(parker) => parker.unparker(),
            Own::Io(io) => io.unparker(),
        };
        let inner = Arc::new(Inner {
            state: AtomicUsize::new(EMPTY),
            own_unparker,
            driver_unparker,
        });
        (
            Parker {
                inner: inner.clone(),
                own,
                index,
            },
            Unparker { inner },
        )
    }

    /// Whether the worker's own ring has entries to submit or completions
    /// to deliver.
    pub(crate) fn has_pending_io(&self) -> bool {
        matches!(&self.own, Own::Io(io) if io.has_pending_io())
    }

    /// The worker's own I/O driver, if it has one.
    pub(crate) fn io(&self) -> Option<&std::sync::Arc<WorkerDriver>> {
        match &self.own {
            Own::Io(io) => Some(io),
            Own::Condvar(_) => None,
        }
    }

    /// Sleeps until unparked, or for no longer than `cap` (or spuriously:
    /// callers re-check their condition).
    pub(crate) fn park(
        &mut self,
        shared: &SharedDriver,
        handle: &driver::Handle,
        cap: Option<Duration>,
    ) {
        let inner = &*self.inner;
        if inner
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        if let Own::Io(io) = &mut self.own {
            if inner
                .state
                .compare_exchange(EMPTY, PARKED_OWN, SeqCst, SeqCst)
                .is_err()
            {
                inner.state.store(EMPTY, SeqCst);
                return;
            }
            let mut io = io.owner();
            match shared.try_lock() {
                Ok(_timers) => {
                    let wake = handle.timer_wake();
                    if let Some(wake) = wake {
                        wake.set_holder(Some(self.index));
                    }
                    io.park_capped(handle, cap);
                    if let Some(wake) = wake {
                        wake.set_holder(None);
                    }
                }
                Err(_) => io.park_io(cap),
            }
            inner.state.swap(EMPTY, SeqCst);
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
                driver.park_capped(handle, cap);
                inner.state.swap(EMPTY, SeqCst);
                return;
            }
        }
        if inner
            .state
            .compare_exchange(EMPTY, PARKED_OWN, SeqCst, SeqCst)
            .is_err()
        {
            inner.state.store(EMPTY, SeqCst);
            return;
        }
        let Own::Condvar(own) = &mut self.own else {
            unreachable!("a worker with an I/O driver parked above")
        };
        // The own parker keeps an unpark that arrives before this call, so
        // none is lost.
        own.park(cap);
        inner.state.swap(EMPTY, SeqCst);
    }

    /// Between batches of tasks: delivers the I/O completions and events
    /// that are ready and fires due timers, without sleeping.
    pub(crate) fn maintain(&mut self, shared: &SharedDriver, handle: &driver::Handle) {
        if let Own::Io(io) = &mut self.own {
            // A peer delivering this worker's I/O holds it: skip this pass.
            if let Some(mut io) = io.try_owner() {
                io.park_yield(handle);
            } else {
                handle.process_timers();
            }
            return;
        }
        let polled = match shared.try_lock() {
            Ok(mut slot) => match slot.as_mut() {
                Some(driver) => {
                    driver.park_yield(handle);
                    true
                }
                None => false,
            },
            Err(_) => false,
        };
        if !polled {
            handle.process_timers();
        }
    }
}

impl Unparker {
    /// Whether the worker is awake (running, or about to park).
    pub(crate) fn is_awake(&self) -> bool {
        matches!(self.inner.state.load(SeqCst), EMPTY | NOTIFIED)
    }

    pub(crate) fn unpark(&self) {
        let inner = &*self.inner;
        match inner.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED_OWN => inner.own_unparker.unpark(),
            PARKED_DRIVER => inner.driver_unparker.unpark(),
            actual => unreachable!("worker parker in unknown state {actual}"),
        }
    }
}
