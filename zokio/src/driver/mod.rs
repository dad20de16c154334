//! What a worker parks on: a condvar when the runtime has no I/O, else the
//! I/O driver (io_uring or the readiness fallback), plus the timer wheel.
//!
//! The backend is chosen here and nowhere else ([`select`]): io_uring when
//! the kernel lets this process set up a ring and the probe finds what the
//! driver needs, else `mio`. `ZOKIO_IO=uring|poll` or
//! [`Builder::io_backend`](crate::runtime::Builder::io_backend) force one; a
//! forced io_uring that cannot work is an error from `build()`.

pub(crate) mod copy;
mod park;
pub(crate) mod poll;
pub(crate) mod readiness;
pub(crate) mod source;
mod steer;
pub(crate) mod sys;
#[cfg(target_os = "linux")]
pub(crate) mod uring;
mod worker;

pub(crate) use park::Parker;
pub(crate) use worker::WorkerDriver;

use std::io;
use std::sync::{Arc, Once};
use std::time::Duration;

use crate::runtime::{scheduler, IoBackend};
use crate::time::clock::Clock;
use crate::time::driver::TimeDriver;

/// The part of the driver that any thread may use: wake the worker, reach
/// the timers and the I/O driver.
#[derive(Debug)]
pub(crate) struct Handle {
    time: Option<TimeDriver>,
    unparker: Unparker,
    io: Option<IoHandle>,
}

/// The part owned by the thread that currently runs the scheduler.
pub(crate) struct Driver {
    park: Park,
}

enum Park {
    Condvar(Parker),
    Uring(uring::Driver),
    Poll(poll::Driver),
}

/// Wakes whoever parks in a driver.
#[derive(Clone)]
pub(crate) enum Unparker {
    Condvar(park::Unparker),
    Uring(Arc<uring::Shared>),
    Poll(Arc<poll::Shared>),
    /// Whichever multi-thread worker sleeps with the timers (io_uring,
    /// where every worker sleeps in a ring of its own).
    Timer(Arc<TimerWake>),
}

/// On a multi-thread runtime on io_uring: which worker sleeps until the next
/// timer, so that a new, earlier timer can wake it.
pub(crate) struct TimerWake {
    /// Index of that worker, or `usize::MAX`.
    holder: std::sync::atomic::AtomicUsize,
    workers: Vec<Unparker>,
}

impl TimerWake {
    /// Records that worker `index` (or nobody) sleeps with the timers.
    pub(crate) fn set_holder(&self, index: Option<usize>) {
        self.holder.store(
            index.unwrap_or(usize::MAX),
            std::sync::atomic::Ordering::SeqCst,
        );
    }

    fn unpark(&self) {
        let holder = self.holder.load(std::sync::atomic::Ordering::SeqCst);
        if let Some(worker) = self.workers.get(holder) {
            worker.unpark();
        }
    }
}

/// The I/O driver, as sockets reach it.
#[derive(Clone)]
pub(crate) enum IoHandle {
    Uring(Arc<uring::Shared>),
    Poll(Arc<poll::Shared>),
}

impl std::fmt::Debug for Unparker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Unparker")
    }
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Driver")
    }
}

impl std::fmt::Debug for IoHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IoHandle::Uring(_) => "IoHandle::Uring",
            IoHandle::Poll(_) => "IoHandle::Poll",
        })
    }
}

/// Creates a driver and its shared handle; `clock` is `None` for a runtime
/// without timers, `io` for one without I/O.
pub(crate) fn new(clock: Option<Clock>, io: Option<IoBackend>) -> io::Result<(Driver, Handle)> {
    let (park, unparker, io) = match io {
        None => {
            let parker = Parker::new();
            let unparker = parker.unparker();
            (Park::Condvar(parker), unparker, None)
        }
        Some(requested) => match select(requested)? {
            Selected::Uring(driver, shared) => (
                Park::Uring(driver),
                Unparker::Uring(shared.clone()),
                Some(IoHandle::Uring(shared)),
            ),
            Selected::Poll(driver, shared) => (
                Park::Poll(driver),
                Unparker::Poll(shared.clone()),
                Some(IoHandle::Poll(shared)),
            ),
        },
    };
    let time = clock.map(|clock| TimeDriver::new(unparker.clone(), clock));
    Ok((Driver { park }, Handle { time, unparker, io }))
}

/// The drivers of a multi-thread runtime: the shared one (its timers), its
/// handle, and one I/O driver per worker (a ring, or an epoll instance).
/// The first worker's also serves threads that are not workers.
pub(crate) fn new_multi_thread(
    enable_time: bool,
    io: Option<IoBackend>,
    workers: usize,
) -> io::Result<(Driver, Handle, Vec<Option<Driver>>)> {
    let first = match io {
        Some(requested) => select(requested)?,
        None => {
            let (driver, handle) = new(enable_time.then(Clock::system), None)?;
            return Ok((driver, handle, (0..workers).map(|_| None).collect()));
        }
    };
    let (parks, io) = match first {
        Selected::Poll(driver, shared) => {
            let mut drivers = vec![(driver, shared.clone())];
            for _ in 1..workers {
                drivers.push(poll::new()?);
            }
            poll::Shared::link(&drivers.iter().map(|(_, s)| s.clone()).collect::<Vec<_>>());
            let parks: Vec<_> = drivers.into_iter().map(|(d, _)| Park::Poll(d)).collect();
            (parks, IoHandle::Poll(shared))
        }
        Selected::Uring(driver, shared) => {
            let mut rings = vec![(driver, shared.clone())];
            for _ in 1..workers {
                rings.push(uring::new()?);
            }
            uring::steer::Steering::link(&rings.iter().map(|(_, s)| s.clone()).collect::<Vec<_>>());
            let parks: Vec<_> = rings.into_iter().map(|(d, _)| Park::Uring(d)).collect();
            (parks, IoHandle::Uring(shared))
        }
    };
    let workers: Vec<_> = parks.into_iter().map(|park| Driver { park }).collect();
    let wake = Arc::new(TimerWake {
        holder: std::sync::atomic::AtomicUsize::new(usize::MAX),
        workers: workers.iter().map(Driver::unparker).collect(),
    });
    let unparker = Unparker::Timer(wake);
    let time = enable_time.then(|| TimeDriver::new(unparker.clone(), Clock::system()));
    let handle = Handle {
        time,
        unparker,
        io: Some(io),
    };
    // Nobody sleeps in the shared driver here: holding it only means
    // sleeping with the timers.
    let shared_driver = Driver {
        park: Park::Condvar(Parker::new()),
    };
    Ok((
        shared_driver,
        handle,
        workers.into_iter().map(Some).collect(),
    ))
}

enum Selected {
    Uring(uring::Driver, Arc<uring::Shared>),
    Poll(poll::Driver, Arc<poll::Shared>),
}

/// Picks the I/O backend: the one place that does.
fn select(requested: IoBackend) -> io::Result<Selected> {
    let requested = match requested {
        IoBackend::Auto => match std::env::var("ZOKIO_IO").as_deref() {
            Ok("uring") => IoBackend::Uring,
            Ok("poll") => IoBackend::Poll,
            _ => IoBackend::Auto,
        },
        forced => forced,
    };
    let poll = || poll::new().map(|(d, s)| Selected::Poll(d, s));
    match requested {
        IoBackend::Poll => poll(),
        IoBackend::Uring => match uring::new() {
            Ok((driver, shared)) => Ok(Selected::Uring(driver, shared)),
            Err(err) => Err(io::Error::new(
                err.kind(),
                format!("io_uring was requested but cannot be used here: {err}"),
            )),
        },
        _ => match uring::new() {
            Ok((driver, shared)) => Ok(Selected::Uring(driver, shared)),
            Err(err) => {
                static LOGGED: Once = Once::new();
                LOGGED.call_once(|| {
                    tracing::warn!(
                        "io_uring cannot be used here ({err}); using the readiness driver"
                    )
                });
                poll()
            }
        },
    }
}

thread_local! {
    /// The I/O driver of the multi-thread worker running on this thread.
    static WORKER_IO: std::cell::RefCell<Option<IoHandle>> =
        const { std::cell::RefCell::new(None) };
}

/// Makes `io` the driver that I/O started on this thread goes to (a
/// multi-thread worker's own ring or epoll instance), or clears it.
pub(crate) fn set_worker_io(io: Option<IoHandle>) {
    WORKER_IO.with(|current| *current.borrow_mut() = io);
}

/// The I/O driver of the multi-thread worker running on this thread.
pub(crate) fn worker_io() -> Option<IoHandle> {
    WORKER_IO.with(|current| current.borrow().clone())
}

/// The I/O driver of the runtime the caller is in.
pub(crate) fn current_io() -> io::Result<IoHandle> {
    match scheduler::Handle::with_current(|handle| handle.driver().io.clone()) {
        Ok(Some(io)) => Ok(io),
        Ok(None) => Err(io::Error::other(
            "this runtime has I/O disabled: call `enable_io` (or `enable_all`) on its builder",
        )),
        Err(_) => Err(io::Error::other(
            "there is no Zokio runtime here: I/O objects must be created inside one",
        )),
    }
}

/// Locks a mutex of the drivers' own. Their critical sections do not
/// panic, but a panicking waker could poison one; the data is still
/// consistent then, so the lock is taken anyway.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The error operations get once their driver has shut down.
pub(crate) fn driver_gone() -> io::Error {
    io::Error::other("the runtime's I/O driver has shut down")
}

impl Handle {
    /// The timer wheel, or `None` when the runtime was built without timers.
    pub(crate) fn time(&self) -> Option<&TimeDriver> {
        self.time.as_ref()
    }

    /// The backend sockets of this runtime use, if I/O is on.
    pub(crate) fn io_backend(&self) -> Option<IoBackend> {
        self.io.as_ref().map(|io| match io {
            IoHandle::Uring(_) => IoBackend::Uring,
            IoHandle::Poll(_) => IoBackend::Poll,
        })
    }

    /// Wakes the worker if it is parked, or makes its next park return.
    pub(crate) fn unpark(&self) {
        self.unparker.unpark();
    }

    /// A waker for whoever parks in this driver.
    pub(crate) fn unparker(&self) -> Unparker {
        self.unparker.clone()
    }

    /// Fires the timers that are due, from any thread.
    pub(crate) fn process_timers(&self) {
        if let Some(time) = &self.time {
            time.process();
        }
    }

    /// Unparks that had to wake a sleeping thread (for metrics and tests).
    pub(crate) fn wakeups(&self) -> usize {
        self.unparker.wakeups()
    }

    /// Stream sockets moved between the workers' I/O drivers (multi-thread;
    /// see `steer`).
    pub(crate) fn receive_moves(&self) -> u64 {
        match &self.unparker {
            Unparker::Timer(wake) => wake
                .workers
                .iter()
                .map(|worker| match worker {
                    Unparker::Uring(ring) => ring.receive_moves(),
                    Unparker::Poll(shared) => shared.moves(),
                    _ => 0,
                })
                .sum(),
            _ => 0,
        }
    }

    /// Who sleeps with the timers, on a multi-thread runtime on io_uring.
    pub(crate) fn timer_wake(&self) -> Option<&TimerWake> {
        match &self.unparker {
            Unparker::Timer(wake) => Some(wake),
            _ => None,
        }
    }

    /// Fires every pending timer, refuses new timers and I/O, and wakes
    /// tasks waiting for I/O.
    pub(crate) fn shutdown(&self) {
        if let Some(time) = &self.time {
            time.shutdown();
        }
        match &self.io {
            Some(IoHandle::Uring(ring)) => ring.shutdown(),
            Some(IoHandle::Poll(shared)) => shared.shutdown(),
            None => {}
        }
        // The other workers' epoll instances (their rings shut down as
        // their drivers drop); the handle's own is done above.
        if let Unparker::Timer(wake) = &self.unparker {
            for worker in &wake.workers {
                match (worker, &self.io) {
                    (Unparker::Poll(shared), Some(IoHandle::Poll(own)))
                        if std::sync::Arc::ptr_eq(shared, own) => {}
                    (Unparker::Poll(shared), _) => shared.shutdown(),
                    _ => {}
                }
            }
        }
    }
}

impl Unparker {
    pub(crate) fn unpark(&self) {
        match self {
            Unparker::Condvar(u) => u.unpark(),
            Unparker::Uring(ring) => ring.unpark(),
            Unparker::Poll(shared) => shared.unpark(),
            Unparker::Timer(wake) => wake.unpark(),
        }
    }

    pub(crate) fn wakeups(&self) -> usize {
        match self {
            Unparker::Condvar(u) => u.wakeups(),
            Unparker::Uring(ring) => ring.wakeups(),
            Unparker::Poll(shared) => shared.wakeups(),
            Unparker::Timer(wake) => wake.workers.iter().map(Unparker::wakeups).sum(),
        }
    }
}

impl Driver {
    /// Wakes whoever parks in this driver.
    pub(crate) fn unparker(&self) -> Unparker {
        match &self.park {
            Park::Condvar(parker) => parker.unparker(),
            Park::Uring(driver) => Unparker::Uring(driver.shared().clone()),
            Park::Poll(driver) => Unparker::Poll(driver.shared().clone()),
        }
    }

    /// The I/O driver sockets reach this one through, if it has I/O.
    pub(crate) fn io_handle(&self) -> Option<IoHandle> {
        match &self.park {
            Park::Condvar(_) => None,
            Park::Uring(ring) => Some(IoHandle::Uring(ring.shared().clone())),
            Park::Poll(instance) => Some(IoHandle::Poll(instance.shared().clone())),
        }
    }

    /// Whether this is a ring with entries to submit or completions to
    /// deliver.
    pub(crate) fn has_pending_io(&self) -> bool {
        match &self.park {
            Park::Uring(driver) => !driver.is_idle(),
            _ => false,
        }
    }

    /// Whether an I/O operation that finishes on its own, without a peer,
    /// is in flight: a paused test clock waits for it before it moves.
    pub(crate) fn awaits_kernel(&self) -> bool {
        match &self.park {
            Park::Uring(driver) => driver.awaits_kernel(),
            _ => false,
        }
    }

    /// Sleeps until unparked, an I/O completion or `cap` (`None`: no
    /// limit), leaving timers to whoever sleeps with them.
    pub(crate) fn park_io(&mut self, cap: Option<Duration>) {
        self.park_for(cap);
    }

    fn park_for(&mut self, timeout: Option<Duration>) {
        match &mut self.park {
            Park::Condvar(parker) => parker.park(timeout),
            Park::Uring(driver) => driver.park(timeout),
            Park::Poll(driver) => driver.park(timeout),
        }
    }

    /// Sleeps until unparked, an I/O event or the next timer, then fires
    /// the timers that are due. Returns at once if an unpark is pending.
    pub(crate) fn park(&mut self, handle: &Handle) {
        self.park_capped(handle, None);
    }

    /// As [`park`](Self::park), sleeping no longer than `cap` either.
    pub(crate) fn park_capped(&mut self, handle: &Handle, cap: Option<Duration>) {
        match &handle.time {
            Some(time) => {
                let timeout = earliest(time.before_park(), cap);
                self.park_for(timeout);
                time.after_park();
                time.process();
            }
            None => self.park_for(cap),
        }
    }

    /// Submits queued I/O, delivers completions and events, fires due
    /// timers and consumes a pending unpark, without sleeping.
    pub(crate) fn park_yield(&mut self, handle: &Handle) {
        self.park_for(Some(Duration::ZERO));
        if let Some(time) = &handle.time {
            time.process();
        }
    }
}

/// The shorter of two optional timeouts (`None`: no limit).
pub(crate) fn earliest(a: Option<Duration>, b: Option<Duration>) -> Option<Duration> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}
