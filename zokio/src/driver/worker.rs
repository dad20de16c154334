//! A multi-thread worker's own I/O driver, shared so that an idle peer can
//! deliver its I/O while the worker is stuck in a task.
//!
//! Each worker reaps its own ring or epoll instance. A task that does not
//! yield (a long computation, a blocking call without `block_in_place`)
//! keeps its worker from reaping, and the sockets served there would wait
//! for it. So the driver sits behind a mutex: the owner locks it to park
//! and to poll between batches, and an idle peer that finds the owner
//! awake and not polling for a while ([`WorkerDriver::owner_polls`]
//! unchanged) takes it with `try_lock` and delivers what is ready
//! ([`Driver::harvest`]); the woken tasks then run on the peer. The peer
//! also watches the driver's descriptor from its own driver
//! ([`Driver::watch`]), so that it wakes when more arrives. The scheduler
//! decides when (`multi_thread::harvest`).

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, MutexGuard, TryLockError};

use super::{lock, Driver, IoHandle, Park};

/// A worker's I/O driver and what its peers may see of it.
pub(crate) struct WorkerDriver {
    driver: Mutex<Driver>,
    /// Times the owner polled the driver (parks and passes between
    /// batches); a peer harvesting does not count.
    owner_polls: AtomicU64,
    /// The ring's or epoll instance's descriptor: readable while it has
    /// something to deliver. Open as long as `driver` is.
    fd: RawFd,
    io: IoHandle,
}

impl WorkerDriver {
    /// Wraps a worker's I/O driver; `None` for a driver without I/O.
    pub(crate) fn new(driver: Driver) -> Option<WorkerDriver> {
        let io = driver.io_handle()?;
        let fd = match &driver.park {
            Park::Uring(ring) => ring.fd(),
            Park::Poll(instance) => instance.fd(),
            Park::Condvar(_) => return None,
        };
        Some(WorkerDriver {
            driver: Mutex::new(driver),
            owner_polls: AtomicU64::new(0),
            fd,
            io,
        })
    }

    /// The driver for its owner to park in or poll; counts a poll.
    pub(crate) fn owner(&self) -> MutexGuard<'_, Driver> {
        let driver = lock(&self.driver);
        self.count_poll();
        driver
    }

    /// As [`owner`](Self::owner), or `None` while a peer harvests.
    pub(crate) fn try_owner(&self) -> Option<MutexGuard<'_, Driver>> {
        let driver = try_lock(&self.driver)?;
        self.count_poll();
        Some(driver)
    }

    /// Whether the driver has entries to submit or completions to
    /// deliver; false while a peer harvests it.
    pub(crate) fn has_pending_io(&self) -> bool {
        try_lock(&self.driver).is_some_and(|driver| driver.has_pending_io())
    }

    fn count_poll(&self) {
        // Only the owner writes it.
        self.owner_polls
            .store(self.owner_polls.load(Relaxed).wrapping_add(1), Relaxed);
    }

    /// How many times the owner has polled the driver.
    pub(crate) fn owner_polls(&self) -> u64 {
        self.owner_polls.load(Relaxed)
    }

    /// Delivers what the driver has ready, from the thread of peer `me`
    /// (whose driver is `own`), unless someone else holds it; the driver
    /// stops watching `own` first (epoll instances cannot watch each
    /// other). Whether it did.
    pub(crate) fn harvest(&self, me: usize, own: &WorkerDriver) -> bool {
        match try_lock(&self.driver) {
            Some(mut driver) => {
                driver.unwatch(me, own);
                driver.harvest();
                true
            }
            None => false,
        }
    }

    /// Wakes the owner when it sleeps in the driver.
    pub(crate) fn unparker(&self) -> super::Unparker {
        lock(&self.driver).unparker()
    }

    /// The I/O driver sockets reach this one through.
    pub(crate) fn io_handle(&self) -> IoHandle {
        self.io.clone()
    }
}

fn try_lock<T>(mutex: &Mutex<T>) -> Option<MutexGuard<'_, T>> {
    match mutex.try_lock() {
        Ok(guard) => Some(guard),
        Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}

impl Driver {
    /// Delivers the completions or events that are ready and submits what
    /// is queued, without sleeping, on behalf of a stuck owner: nothing
    /// about the owner (its CPU, that it reaps) is recorded.
    fn harvest(&mut self) {
        match &mut self.park {
            Park::Uring(ring) => ring.harvest(),
            Park::Poll(instance) => instance.harvest(),
            Park::Condvar(_) => {}
        }
    }

    /// Makes this driver's parks also end when `peer`'s descriptor becomes
    /// readable, until [`unwatch`](Self::unwatch); `key` names the peer
    /// (its worker index). Cheap to call again while watching. Whether it
    /// watches now.
    pub(crate) fn watch(&mut self, key: usize, peer: &WorkerDriver) -> bool {
        match &mut self.park {
            Park::Uring(ring) => ring.watch(key, peer.fd),
            Park::Poll(instance) => instance.watch(key, peer.fd),
            Park::Condvar(_) => false,
        }
    }

    /// Stops watching `peer` (a one-shot watch in flight may still end
    /// one park early).
    pub(crate) fn unwatch(&mut self, key: usize, peer: &WorkerDriver) {
        if let Park::Poll(instance) = &mut self.park {
            instance.unwatch(key, peer.fd);
        }
    }
}
