//! The readiness driver: epoll (kqueue elsewhere) through `mio`, used where
//! io_uring is not available or not wanted.
//!
//! Every registered descriptor has a [`Readiness`] in a slab; the key is the
//! `mio` token. Registrations are edge-triggered: a task that gets
//! `WouldBlock` clears the readiness it saw and waits for the next edge.

use crate::driver::lock;
use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};
use slab::Slab;

use super::readiness::{self, Readiness};

/// The token of the waker that unparks the driver.
const WAKER: Token = Token(usize::MAX);

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;

/// The part of the driver any thread may use.
pub(crate) struct Shared {
    registry: mio::Registry,
    waker: mio::Waker,
    resources: Mutex<Slab<Arc<Readiness>>>,
    state: AtomicUsize,
    shutdown: AtomicBool,
    wakeups: AtomicUsize,
}

/// The part owned by whoever parks in the driver.
pub(crate) struct Driver {
    poll: Poll,
    events: Events,
    shared: Arc<Shared>,
}

/// One registered descriptor; deregisters when dropped.
pub(crate) struct Registration {
    shared: Arc<Shared>,
    key: usize,
    fd: RawFd,
    pub(crate) readiness: Arc<Readiness>,
}

pub(crate) fn new() -> io::Result<(Driver, Arc<Shared>)> {
    let poll = Poll::new()?;
    let registry = poll.registry().try_clone()?;
    let waker = mio::Waker::new(&registry, WAKER)?;
    let shared = Arc::new(Shared {
        registry,
        waker,
        resources: Mutex::new(Slab::new()),
        state: AtomicUsize::new(EMPTY),
        shutdown: AtomicBool::new(false),
        wakeups: AtomicUsize::new(0),
    });
    let driver = Driver {
        poll,
        events: Events::with_capacity(1024),
        shared: shared.clone(),
    };
    Ok((driver, shared))
}

impl Shared {
    /// Registers `fd` for read and write readiness.
    pub(crate) fn register(self: &Arc<Self>, fd: RawFd) -> io::Result<Registration> {
        if self.shutdown.load(SeqCst) {
            return Err(super::driver_gone());
        }
        let readiness = Arc::new(Readiness::default());
        let key = lock(&self.resources).insert(readiness.clone());
        let interest = Interest::READABLE | Interest::WRITABLE;
        if let Err(err) = self
            .registry
            .register(&mut SourceFd(&fd), Token(key), interest)
        {
            lock(&self.resources).remove(key);
            return Err(err);
        }
        Ok(Registration {
            shared: self.clone(),
            key,
            fd,
            readiness,
        })
    }

    pub(crate) fn unpark(&self) {
        if self.state.swap(NOTIFIED, SeqCst) == PARKED {
            let _ = self.waker.wake();
            self.wakeups.fetch_add(1, SeqCst);
        }
    }

    pub(crate) fn wakeups(&self) -> usize {
        self.wakeups.load(SeqCst)
    }

    /// Refuses new registrations and wakes every waiting task.
    pub(crate) fn shutdown(&self) {
        self.shutdown.store(true, SeqCst);
        let resources: Vec<_> = lock(&self.resources)
            .iter()
            .map(|(_, r)| r.clone())
            .collect();
        for resource in resources {
            resource.wake_all();
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let _ = self.shared.registry.deregister(&mut SourceFd(&self.fd));
        lock(&self.shared.resources).try_remove(self.key);
    }
}

impl Driver {
    /// Sleeps until an event, an unpark or `timeout`, then delivers events.
    pub(crate) fn park(&mut self, timeout: Option<Duration>) {
        let shared = &*self.shared;
        let sleep = timeout != Some(Duration::ZERO)
            && shared
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_err()
            && shared
                .state
                .compare_exchange(EMPTY, PARKED, SeqCst, SeqCst)
                .is_ok();
        let wait = if sleep { timeout } else { Some(Duration::ZERO) };
        let result = self.poll.poll(&mut self.events, wait);
        if sleep {
            shared.state.store(EMPTY, SeqCst);
        } else {
            let _ = shared
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst);
        }
        if let Err(err) = result {
            if err.kind() != io::ErrorKind::Interrupted {
                tracing::warn!("epoll_wait failed: {err}");
            }
            return;
        }
        for event in self.events.iter() {
            if event.token() == WAKER {
                continue;
            }
            let mut ready = 0;
            if event.is_readable() {
                ready |= readiness::READABLE;
            }
            if event.is_writable() {
                ready |= readiness::WRITABLE;
            }
            if event.is_read_closed() {
                ready |= readiness::READ_CLOSED;
            }
            if event.is_write_closed() {
                ready |= readiness::WRITE_CLOSED;
            }
            if event.is_error() {
                ready |= readiness::ERROR;
            }
            let resource = lock(&shared.resources).get(event.token().0).cloned();
            if let Some(resource) = resource {
                resource.set(ready);
            }
        }
    }
}
