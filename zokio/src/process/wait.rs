//! Waiting for a child to end without a thread: its pidfd becomes readable
//! when it exits (a `POLL_ADD` on io_uring, epoll on the fallback). Where
//! the kernel has no `pidfd_open` (before Linux 5.3), a `SIGCHLD` listener
//! wakes the wait instead.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::ExitStatus;
use std::task::{Context, Poll};

use crate::driver::readiness::Direction;
use crate::driver::source::{IoSource, Kind};
use crate::signal::unix::{signal, Signal, SignalKind};

/// What tells a wait that the child may have ended.
#[derive(Debug)]
pub(super) enum Exit {
    Pidfd(IoSource),
    Sigchld(Signal),
}

impl Exit {
    /// Set up for the child `pid`, before the first look at its status
    /// (so that an exit after that look is not missed).
    pub(super) fn watch(pid: u32) -> io::Result<Exit> {
        match pidfd_open(pid) {
            Ok(fd) => Ok(Exit::Pidfd(IoSource::new(fd, Kind::Datagram)?)),
            Err(err) if err.raw_os_error() == Some(libc::ENOSYS) => {
                Ok(Exit::Sigchld(signal(SignalKind::child())?))
            }
            Err(err) => Err(err),
        }
    }

    /// Waits until `try_wait` finds the child ended.
    pub(super) fn poll_wait(
        &mut self,
        cx: &mut Context<'_>,
        mut try_wait: impl FnMut() -> io::Result<Option<ExitStatus>>,
    ) -> Poll<io::Result<ExitStatus>> {
        match self {
            Exit::Pidfd(pidfd) => pidfd.poll_io(cx, Direction::Read, |_| match try_wait()? {
                Some(status) => Ok(status),
                // Readable but not reaped yet cannot last; treat it as a
                // spurious wake-up.
                None => Err(io::ErrorKind::WouldBlock.into()),
            }),
            Exit::Sigchld(sigchld) => loop {
                if let Some(status) = try_wait()? {
                    return Poll::Ready(Ok(status));
                }
                if std::task::ready!(sigchld.poll_recv(cx)).is_none() {
                    return Poll::Ready(Err(crate::driver::driver_gone()));
                }
            },
        }
    }
}

fn pidfd_open(pid: u32) -> io::Result<OwnedFd> {
    // SAFETY: `pidfd_open(2)` with no flags returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a new descriptor that nothing else owns; `pidfd_open` sets
    // close-on-exec.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}
