//! The guards an [`AsyncFd`] wait returns: what the driver saw, to clear
//! once the caller's own call finds the descriptor not ready after all.

use std::fmt;
use std::io;
use std::os::fd::AsRawFd;

use super::AsyncFd;
use crate::driver::readiness::{ReadyEvent, READABLE, WRITABLE};
use crate::io::{Interest, Ready};

/// The error of a guard's `try_io` when the call found the descriptor not
/// ready (`WouldBlock`): the readiness is cleared, wait again.
#[derive(Debug)]
pub struct TryIoError(());

impl fmt::Display for TryIoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the operation would block; the readiness was cleared")
    }
}

impl std::error::Error for TryIoError {}

/// What a guard saw, and the bits a clear may take away.
#[derive(Clone, Copy)]
struct Seen {
    event: ReadyEvent,
    interest: Interest,
}

impl Seen {
    fn ready(self) -> Ready {
        Ready::from_bits(self.event.ready).masked(self.interest)
    }

    /// Clears the readiness seen among `bits`, unless a newer event came
    /// in since the wait.
    fn clear<T: AsRawFd>(self, fd: &AsyncFd<T>, bits: usize) {
        fd.source().clear_ready(self.event.only(bits));
    }
}

/// The methods both guards have, over their `fd` and `seen` fields.
macro_rules! readiness_methods {
    () => {
        /// What the wait saw ready.
        pub fn ready(&self) -> Ready {
            self.seen.ready()
        }

        /// Marks the descriptor not ready for what this guard saw, unless
        /// a newer event came in since the wait. Closed sides stay closed.
        pub fn clear_ready(&mut self) {
            self.seen.clear(self.fd, READABLE | WRITABLE);
        }

        /// As `clear_ready`, for the directions of `ready` only
        /// (`Ready::READABLE`, `Ready::WRITABLE`).
        pub fn clear_ready_matching(&mut self, ready: Ready) {
            self.seen
                .clear(self.fd, ready.bits() & (READABLE | WRITABLE));
        }

        /// Keeps the readiness (what dropping the guard does too).
        pub fn retain_ready(&mut self) {}

        /// A `try_io` result: a `WouldBlock` clears the readiness seen.
        fn settle<R>(&mut self, result: io::Result<R>) -> Result<io::Result<R>, TryIoError> {
            match result {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.clear_ready();
                    Err(TryIoError(()))
                }
                result => Ok(result),
            }
        }
    };
}

/// Readiness of an [`AsyncFd`] seen by a wait and not acted on yet; it
/// gives shared access to the `AsyncFd`.
///
/// Call [`clear_ready`](Self::clear_ready) only when a call on the
/// descriptor found it not ready (`WouldBlock`), not merely after a
/// successful one: the next wait is then for a new event. Dropping the
/// guard keeps the readiness, as [`retain_ready`](Self::retain_ready) says.
#[must_use = "clear the readiness when a call finds the descriptor not ready, or retain it"]
pub struct AsyncFdReadyGuard<'a, T: AsRawFd> {
    fd: &'a AsyncFd<T>,
    seen: Seen,
}

impl<'a, T: AsRawFd> AsyncFdReadyGuard<'a, T> {
    pub(super) fn new(fd: &'a AsyncFd<T>, event: ReadyEvent, interest: Interest) -> Self {
        AsyncFdReadyGuard {
            fd,
            seen: Seen { event, interest },
        }
    }

    readiness_methods!();

    /// Runs `f`; if it fails with `WouldBlock`, clears the readiness and
    /// returns `Err(TryIoError)`, else returns its result.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        let result = f(self.fd);
        self.settle(result)
    }

    /// The `AsyncFd`.
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.fd
    }

    /// The value holding the descriptor.
    pub fn get_inner(&self) -> &'a T {
        self.fd.get_ref()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyGuard")
            .field("fd", self.fd)
            .field("ready", &self.ready())
            .finish()
    }
}

/// As [`AsyncFdReadyGuard`], giving mutable access to the `AsyncFd`.
#[must_use = "clear the readiness when a call finds the descriptor not ready, or retain it"]
pub struct AsyncFdReadyMutGuard<'a, T: AsRawFd> {
    fd: &'a mut AsyncFd<T>,
    seen: Seen,
}

impl<'a, T: AsRawFd> AsyncFdReadyMutGuard<'a, T> {
    pub(super) fn new(fd: &'a mut AsyncFd<T>, event: ReadyEvent, interest: Interest) -> Self {
        AsyncFdReadyMutGuard {
            fd,
            seen: Seen { event, interest },
        }
    }

    readiness_methods!();

    /// As [`AsyncFdReadyGuard::try_io`], with mutable access.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&mut AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        let result = f(self.fd);
        self.settle(result)
    }

    /// The `AsyncFd`.
    pub fn get_ref(&self) -> &AsyncFd<T> {
        self.fd
    }

    /// The `AsyncFd`, mutably.
    pub fn get_mut(&mut self) -> &mut AsyncFd<T> {
        self.fd
    }

    /// The value holding the descriptor.
    pub fn get_inner(&self) -> &T {
        self.fd.get_ref()
    }

    /// The value holding the descriptor, mutably.
    pub fn get_inner_mut(&mut self) -> &mut T {
        self.fd.get_mut()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyMutGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyMutGuard")
            .field("fd", &self.fd)
            .field("ready", &self.ready())
            .finish()
    }
}
