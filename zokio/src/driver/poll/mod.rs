//! The readiness driver: epoll (kqueue elsewhere) through `mio`, used where
//! io_uring is not available or not wanted.
//!
//! Every registered descriptor has a [`Readiness`] in a slab; the key is the
//! `mio` token. Registrations are edge-triggered: a task that gets
//! `WouldBlock` clears the readiness it saw and waits for the next edge.
//!
//! A multi-thread runtime gives each worker an epoll instance of its own,
//! as it gives each a ring on io_uring: a socket registers with the one of
//! the worker that creates it, its events wake its task on that worker,
//! and a stream socket moves to the worker its packets come from
//! ([`Registration::saw_data`], by the rule of [`crate::driver::steer`]);
//! other sockets move to the worker that waits on them
//! ([`Registration::follow_task`]). A move registers with the new instance
//! before it leaves the old, and an edge-triggered registration reports the
//! readiness it finds, so no event is lost in between.

use crate::driver::lock;
use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};
use slab::Slab;

use super::readiness::{self, Readiness};
use super::steer;

/// The token of the waker that unparks the driver.
const WAKER: Token = Token(usize::MAX);
/// Tokens from here on watch a peer's epoll instance (see
/// [`Driver::watch`]): this plus the peer's index. Slab keys stay below.
const FIRST_WATCH: usize = usize::MAX / 2;

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
    /// Every instance of the runtime, this one included, in worker order;
    /// unset where there is one instance.
    peers: OnceLock<Vec<Weak<Shared>>>,
    /// The CPU the worker last polled this instance on.
    cpu: AtomicUsize,
    /// Registrations of this instance (its load, for steering).
    registered: AtomicUsize,
    /// Registrations moved here (a metric).
    moves: AtomicU64,
}

/// The part owned by whoever parks in the driver.
pub(crate) struct Driver {
    poll: Poll,
    events: Events,
    shared: Arc<Shared>,
    /// Peers (by index) whose epoll instance is registered with this one.
    watching: Vec<bool>,
}

/// One registered descriptor; deregisters when dropped.
pub(crate) struct Registration {
    fd: RawFd,
    pub(crate) readiness: Arc<Readiness>,
    /// Whether its runtime has instances to move between.
    steers: bool,
    /// Whether it moves to the instance of the worker that waits on it
    /// (sockets that do not steer: datagrams, listeners).
    follows_task: bool,
    home: Mutex<Home>,
}

/// The instance a descriptor is registered with, and its key there.
struct Home {
    shared: Arc<Shared>,
    key: usize,
    look: steer::Look,
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
        peers: OnceLock::new(),
        cpu: AtomicUsize::new(steer::UNKNOWN_CPU),
        registered: AtomicUsize::new(0),
        moves: AtomicU64::new(0),
    });
    let driver = Driver {
        poll,
        events: Events::with_capacity(1024),
        shared: shared.clone(),
        watching: Vec::new(),
    };
    Ok((driver, shared))
}

impl steer::Peer for Shared {
    fn cpu(&self) -> usize {
        self.cpu.load(Relaxed)
    }

    fn load(&self) -> usize {
        self.registered.load(Relaxed)
    }
}

impl Shared {
    /// Links the instances of one multi-thread runtime.
    pub(crate) fn link(instances: &[Arc<Shared>]) {
        let peers: Vec<_> = instances.iter().map(Arc::downgrade).collect();
        for shared in instances {
            let _ = shared.peers.set(peers.clone());
        }
    }

    /// Registers `fd` for read and write readiness, with this thread's
    /// worker's instance if it is one of this runtime's, else with this one.
    /// A stream socket then steers (see [`Registration::saw_data`]); any
    /// other follows its task (see [`Registration::follow_task`]).
    pub(crate) fn register(self: &Arc<Self>, fd: RawFd, stream: bool) -> io::Result<Registration> {
        let home = self.current_peer().unwrap_or_else(|| self.clone());
        let readiness = Arc::new(Readiness::default());
        let key = home.add(fd, &readiness)?;
        Ok(Registration {
            fd,
            readiness,
            steers: home.peers.get().is_some(),
            follows_task: !stream,
            home: Mutex::new(Home {
                shared: home,
                key,
                look: steer::Look::default(),
            }),
        })
    }

    /// This thread's worker's instance, if it is one of this runtime's.
    fn current_peer(&self) -> Option<Arc<Shared>> {
        match super::worker_io() {
            Some(super::IoHandle::Poll(current)) if self.is_peer(&current) => Some(current),
            _ => None,
        }
    }

    fn is_peer(&self, other: &Arc<Shared>) -> bool {
        std::ptr::eq(self, Arc::as_ptr(other))
            || self.peers.get().is_some_and(|peers| {
                peers
                    .iter()
                    .any(|peer| std::ptr::eq(peer.as_ptr(), Arc::as_ptr(other)))
            })
    }

    /// Adds `fd` to this instance, its events going to `readiness`; its key.
    fn add(&self, fd: RawFd, readiness: &Arc<Readiness>) -> io::Result<usize> {
        if self.shutdown.load(SeqCst) {
            return Err(super::driver_gone());
        }
        let key = lock(&self.resources).insert(readiness.clone());
        let interest = Interest::READABLE | Interest::WRITABLE;
        if let Err(err) = self
            .registry
            .register(&mut SourceFd(&fd), Token(key), interest)
        {
            lock(&self.resources).remove(key);
            return Err(err);
        }
        self.registered.fetch_add(1, Relaxed);
        Ok(key)
    }

    /// Takes `fd`, registered under `key`, off this instance.
    fn remove(&self, fd: RawFd, key: usize) {
        let _ = self.registry.deregister(&mut SourceFd(&fd));
        if lock(&self.resources).try_remove(key).is_some() {
            self.registered.fetch_sub(1, Relaxed);
        }
    }

    /// Registrations moved to this instance so far.
    pub(crate) fn moves(&self) -> u64 {
        self.moves.load(Relaxed)
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

impl Registration {
    /// A read of this stream socket brought data: moves the registration
    /// to another worker's instance if steering says so.
    pub(crate) fn saw_data(&self) {
        if !self.steers {
            return;
        }
        let mut home = lock(&self.home);
        let home = &mut *home;
        let Some(peers) = home.shared.peers.get() else {
            return;
        };
        if let Some(to) = steer::look(&*home.shared, peers, self.fd, &mut home.look) {
            self.move_home(home, to);
        }
    }

    /// A task is about to wait on this socket: a socket that follows its
    /// task moves to the instance of the worker running it, so that the
    /// event wakes the task where it runs now, as on io_uring, where each
    /// wait is a `POLL_ADD` on the waiting worker's ring. (A registration
    /// stays put otherwise, and a worker busy with other tasks would hold
    /// the event until its next look at its instance while another sat
    /// idle.) A task moves between workers only when stolen, so this costs
    /// two `epoll_ctl` calls now and then.
    pub(crate) fn follow_task(&self) {
        if !(self.steers && self.follows_task) {
            return;
        }
        let mut home = lock(&self.home);
        let Some(to) = home.shared.current_peer() else {
            return;
        };
        if Arc::ptr_eq(&to, &home.shared) {
            return;
        }
        self.move_home(&mut home, to);
    }

    /// Registers with `to`, then leaves the current instance: edge-triggered,
    /// `to` reports what is ready now, and the old one reports until it
    /// lets go. Stays put if `to` refuses.
    fn move_home(&self, home: &mut Home, to: Arc<Shared>) {
        let Ok(key) = to.add(self.fd, &self.readiness) else {
            return;
        };
        home.shared.remove(self.fd, home.key);
        to.moves.fetch_add(1, Relaxed);
        home.shared = to;
        home.key = key;
    }

    /// Moves the registration to the instance of worker `index` (for
    /// tests).
    #[cfg(test)]
    pub(crate) fn move_to_worker(&self, index: usize) {
        let mut home = lock(&self.home);
        let peers = home
            .shared
            .peers
            .get()
            .expect("a multi-thread runtime links its instances");
        let to = peers[index % peers.len()].upgrade().unwrap();
        if !Arc::ptr_eq(&to, &home.shared) {
            self.move_home(&mut home, to);
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let home = lock(&self.home);
        home.shared.remove(self.fd, home.key);
    }
}

impl Driver {
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Sleeps until an event, an unpark or `timeout`, then delivers events.
    pub(crate) fn park(&mut self, timeout: Option<Duration>) {
        let shared = &*self.shared;
        if shared.peers.get().is_some() {
            shared.cpu.store(steer::current_cpu(), Relaxed);
        }
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
        self.deliver();
    }

    /// The instance's descriptor.
    pub(crate) fn fd(&self) -> RawFd {
        use std::os::fd::AsRawFd;
        self.poll.as_raw_fd()
    }

    /// Delivers the events that are ready without sleeping, from a thread
    /// other than the owner's (nothing about the caller is recorded).
    pub(crate) fn harvest(&mut self) {
        match self.poll.poll(&mut self.events, Some(Duration::ZERO)) {
            Ok(()) => self.deliver(),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => tracing::warn!("epoll_wait failed: {err}"),
        }
    }

    /// Registers `fd`, the epoll instance of peer `key`, with this one:
    /// this instance's parks then end whenever the peer gets events
    /// (edge-triggered, so once per batch), until [`unwatch`](Self::unwatch).
    /// Whether it is registered now (the kernel refuses an instance that
    /// watches this one: `ELOOP`).
    pub(crate) fn watch(&mut self, key: usize, fd: RawFd) -> bool {
        if self.watching.len() <= key {
            self.watching.resize(key + 1, false);
        }
        if !self.watching[key] {
            let token = Token(FIRST_WATCH + key);
            self.watching[key] = self
                .poll
                .registry()
                .register(&mut SourceFd(&fd), token, Interest::READABLE)
                .is_ok();
        }
        self.watching[key]
    }

    /// Takes the peer's instance `fd` off this one.
    pub(crate) fn unwatch(&mut self, key: usize, fd: RawFd) {
        if let Some(watching @ true) = self.watching.get_mut(key) {
            *watching = false;
            let _ = self.poll.registry().deregister(&mut SourceFd(&fd));
        }
    }

    /// Sets the readiness of every resource the last poll reported.
    fn deliver(&mut self) {
        let shared = &*self.shared;
        for event in self.events.iter() {
            if event.token() == WAKER || event.token().0 >= FIRST_WATCH {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::steer::tests::numbers_arrive_in_order_while_moving;
    use crate::net::UdpSocket;
    use crate::runtime::{Builder, IoBackend};

    #[test]
    fn a_moved_registration_loses_and_reorders_nothing() {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .io_backend(IoBackend::Poll)
            .build()
            .unwrap();
        rt.block_on(numbers_arrive_in_order_while_moving(|reader, to| {
            reader
                .io_source()
                .poll_registration()
                .unwrap()
                .move_to_worker(to);
        }));
        let moves = rt.metrics().io_receive_move_count();
        assert!(moves >= 10, "only {moves} moves happened");
    }

    /// A datagram socket registered with one worker's instance, waited on
    /// from a thread that counts as another worker (its instance set by
    /// hand), moves there before it waits, and the datagram's event reaches
    /// the waiter through the new instance.
    #[test]
    fn a_datagram_socket_follows_the_worker_that_waits_on_it() {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .io_backend(IoBackend::Poll)
            .build()
            .unwrap();
        let (socket, sender) = rt.block_on(async {
            let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            (socket, sender)
        });
        let registration = socket.io_source().poll_registration().unwrap();
        let first = lock(&registration.home).shared.clone();
        let peers = first.peers.get().unwrap();
        assert!(
            std::ptr::eq(peers[0].as_ptr(), Arc::as_ptr(&first)),
            "registered with worker 0's"
        );
        let other = peers[1].upgrade().unwrap();
        crate::driver::set_worker_io(Some(crate::driver::IoHandle::Poll(other.clone())));
        let addr = socket.local_addr().unwrap();
        let got = rt.block_on(async {
            let send = std::thread::spawn(move || {
                // Sent once the receive below waits (or before: the new
                // instance reports a datagram already queued as well).
                sender.send_to(b"ping", addr).unwrap();
            });
            let mut buf = [0u8; 8];
            let (n, _) = socket.recv_from(&mut buf).await.unwrap();
            send.join().unwrap();
            buf[..n].to_vec()
        });
        crate::driver::set_worker_io(None);
        assert_eq!(got, b"ping");
        assert!(Arc::ptr_eq(&lock(&registration.home).shared, &other));
        assert_eq!(other.moves(), 1);
        assert_eq!(first.registered.load(Relaxed), 0);
    }
}
