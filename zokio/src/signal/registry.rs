//! The process-wide half of signal handling: one handler per signal
//! number, a self-pipe, and a delivery count per signal.
//!
//! The handler only marks its signal pending and writes a byte into the
//! pipe. Whoever listens drains the pipe ([`dispatch`]) and turns every
//! pending mark into one more delivery: the count goes up and the tasks
//! waiting for that signal wake. A listener waits for the pipe's readiness
//! through the runtime's I/O driver, each on its own duplicate of the
//! read end (an epoll instance takes a descriptor once).
//!
//! # Invariants
//!
//! * The handler touches only [`Slot::pending`] of a slot that exists for
//!   the whole process (a `static` array) and the pipe's write end through
//!   `write(2)`: both are async-signal-safe. It reads the descriptor from
//!   [`WRITE_FD`], set once before any handler is installed and never
//!   closed, so the number it writes to is always the pipe.
//! * A handler is installed at most once per signal ([`Slot::installed`]),
//!   and never removed: Tokio does the same, since a signal that arrives
//!   after its default action was restored would end the process. It
//!   replaces whatever handler the signal had (Tokio's registry calls the
//!   one it replaced; this one does not).
//! * A delivery raises the count only after the pending mark was taken
//!   (`swap`), and the mark is set before the byte is written: a listener
//!   that drained the pipe after a signal's byte sees the signal's mark.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering::SeqCst};
use std::sync::{Mutex, OnceLock};
use std::task::{Context, Waker};

/// Signal numbers this registry has slots for (Linux's real-time signals
/// end at 64).
const SLOTS: usize = 65;

/// Signals that cannot be caught, or whose handler returning would retry
/// the faulting instruction for ever.
const FORBIDDEN: [libc::c_int; 5] = [
    libc::SIGKILL,
    libc::SIGSTOP,
    libc::SIGILL,
    libc::SIGFPE,
    libc::SIGSEGV,
];

pub(super) struct Slot {
    /// Set by the handler, taken by [`dispatch`].
    pending: AtomicBool,
    /// Deliveries so far.
    count: AtomicU64,
    waiters: Mutex<Vec<Waker>>,
    installed: OnceLock<Result<(), i32>>,
}

impl Slot {
    const fn new() -> Slot {
        Slot {
            pending: AtomicBool::new(false),
            count: AtomicU64::new(0),
            waiters: Mutex::new(Vec::new()),
            installed: OnceLock::new(),
        }
    }

    /// Deliveries so far.
    pub(super) fn count(&self) -> u64 {
        self.count.load(SeqCst)
    }

    /// The count once it is past `seen`, else registers the task to wake
    /// at the next delivery.
    pub(super) fn poll_past(&self, seen: u64, cx: &mut Context<'_>) -> Option<u64> {
        let now = self.count();
        if now != seen {
            return Some(now);
        }
        let mut waiters = self.waiters.lock().unwrap_or_else(|p| p.into_inner());
        // Again under the lock: a delivery raises the count before taking
        // it, so it either shows here or finds the waker.
        let now = self.count();
        if now != seen {
            return Some(now);
        }
        if !waiters.iter().any(|w| w.will_wake(cx.waker())) {
            waiters.push(cx.waker().clone());
        }
        None
    }

    fn deliver(&self) {
        self.count.fetch_add(1, SeqCst);
        let waiters = std::mem::take(&mut *self.waiters.lock().unwrap_or_else(|p| p.into_inner()));
        for waker in waiters {
            waker.wake();
        }
    }
}

static SLOT_TABLE: [Slot; SLOTS] = [const { Slot::new() }; SLOTS];

/// The pipe's write end, for the handler; -1 until the pipe exists.
static WRITE_FD: AtomicI32 = AtomicI32::new(-1);

/// The pipe: (read end, write end), both non-blocking, never closed.
static PIPE: OnceLock<io::Result<(OwnedFd, OwnedFd)>> = OnceLock::new();

fn pipe() -> io::Result<&'static (OwnedFd, OwnedFd)> {
    let pipe = PIPE.get_or_init(|| {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: two new descriptors that nothing else owns.
        let ends = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        WRITE_FD.store(ends.1.as_raw_fd(), SeqCst);
        Ok(ends)
    });
    pipe.as_ref()
        .map_err(|err| io::Error::new(err.kind(), err.to_string()))
}

extern "C" fn handler(signal: libc::c_int) {
    let Some(slot) = usize::try_from(signal).ok().and_then(|s| SLOT_TABLE.get(s)) else {
        return;
    };
    slot.pending.store(true, SeqCst);
    let fd = WRITE_FD.load(SeqCst);
    let byte = 1u8;
    // SAFETY: `write` is async-signal-safe; `fd` is the pipe's write end,
    // which is never closed (module invariants). A full pipe (EAGAIN) is
    // fine: its bytes already wake the listeners. `errno` is saved
    // around the call, as the interrupted code may be reading it.
    unsafe {
        let errno = *errno_location();
        libc::write(fd, (&byte as *const u8).cast(), 1);
        *errno_location() = errno;
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
use libc::__errno_location as errno_location;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
use libc::__error as errno_location;

/// The slot of `signal`, with its handler installed.
pub(super) fn register(signal: libc::c_int) -> io::Result<&'static Slot> {
    let slot = usize::try_from(signal)
        .ok()
        .filter(|&s| s > 0 && !FORBIDDEN.contains(&signal))
        .and_then(|s| SLOT_TABLE.get(s))
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("signal {signal} cannot be listened for"),
            )
        })?;
    pipe()?;
    let installed = slot.installed.get_or_init(|| {
        // SAFETY: a zeroed `sigaction` is a valid "no flags, empty mask"
        // value; the fields are filled below before use.
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        action.sa_sigaction = handler as extern "C" fn(libc::c_int) as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        // SAFETY: `sa_mask` is a valid `sigset_t` to empty; `handler` is
        // async-signal-safe (module invariants) and lives for ever.
        let rc = unsafe {
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut())
        };
        if rc < 0 {
            Err(io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EINVAL))
        } else {
            Ok(())
        }
    });
    match installed {
        Ok(()) => Ok(slot),
        Err(errno) => Err(io::Error::from_raw_os_error(*errno)),
    }
}

/// A new descriptor of the pipe's read end, for one listener to wait on.
pub(super) fn read_end() -> io::Result<OwnedFd> {
    let (read, _) = pipe()?;
    read.try_clone()
}

/// Empties the pipe through `fd` (any of its read ends) and delivers every
/// pending signal.
pub(super) fn dispatch(fd: RawFd) {
    let mut buf = [0u8; 128];
    // Stops at `WouldBlock`: the write end is never closed, so there is no
    // end of file, and no other error on a pipe we own.
    loop {
        match crate::driver::sys::read(fd, &mut buf) {
            Ok(n) if n > 0 => {}
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            _ => break,
        }
    }
    for slot in &SLOT_TABLE {
        if slot.pending.swap(false, SeqCst) {
            slot.deliver();
        }
    }
}
