//! The parent's ends of a child's standard streams: non-blocking pipes
//! driven by readiness (a `POLL_ADD` on io_uring, epoll on the fallback).

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};

use crate::driver::readiness::Direction;
use crate::driver::source::{IoSource, Kind};
use crate::driver::sys;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};

/// One end of a pipe, registered with the runtime.
#[derive(Debug)]
struct Pipe {
    io: IoSource,
}

impl Pipe {
    fn new(fd: impl Into<OwnedFd>) -> io::Result<Pipe> {
        let fd = fd.into();
        sys::set_nonblocking(fd.as_raw_fd(), true)?;
        Ok(Pipe {
            io: IoSource::new(fd, Kind::Datagram)?,
        })
    }

    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let n = std::task::ready!(self.io.poll_io(cx, Direction::Read, |fd| sys::read(
            fd,
            buf.initialize_unfilled()
        )))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }

    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(cx, Direction::Write, |fd| sys::write(fd, buf))
    }

    /// The descriptor, out of the runtime and blocking again: for another
    /// child's standard stream.
    fn into_stdio(self) -> io::Result<Stdio> {
        let fd = self.io.into_fd()?;
        sys::set_nonblocking(fd.as_raw_fd(), false)?;
        Ok(Stdio::from(fd))
    }
}

/// The child's standard input, written by the parent. Dropping it closes
/// the pipe: the child reads end of file.
#[derive(Debug)]
pub struct ChildStdin {
    pipe: Pipe,
}

/// The child's standard output, read by the parent.
#[derive(Debug)]
pub struct ChildStdout {
    pipe: Pipe,
}

/// The child's standard error, read by the parent.
#[derive(Debug)]
pub struct ChildStderr {
    pipe: Pipe,
}

impl ChildStdin {
    /// Registers a `std` child's standard input with the current runtime.
    pub fn from_std(inner: std::process::ChildStdin) -> io::Result<ChildStdin> {
        Ok(ChildStdin {
            pipe: Pipe::new(inner)?,
        })
    }
}

impl ChildStdout {
    /// Registers a `std` child's standard output with the current runtime.
    pub fn from_std(inner: std::process::ChildStdout) -> io::Result<ChildStdout> {
        Ok(ChildStdout {
            pipe: Pipe::new(inner)?,
        })
    }
}

impl ChildStderr {
    /// Registers a `std` child's standard error with the current runtime.
    pub fn from_std(inner: std::process::ChildStderr) -> io::Result<ChildStderr> {
        Ok(ChildStderr {
            pipe: Pipe::new(inner)?,
        })
    }
}

impl AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.pipe.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// The descriptor, and passing the pipe on to another child.
macro_rules! child_pipe {
    ($ty:ident) => {
        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                self.pipe.io.raw_fd()
            }
        }

        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.pipe.io.as_fd()
            }
        }

        /// Hands the pipe to another child as a standard stream (a shell's
        /// `|`): out of this runtime, blocking again.
        impl TryFrom<$ty> for Stdio {
            type Error = io::Error;

            fn try_from(pipe: $ty) -> io::Result<Stdio> {
                pipe.pipe.into_stdio()
            }
        }
    };
}

child_pipe!(ChildStdin);
child_pipe!(ChildStdout);
child_pipe!(ChildStderr);

/// The parent reads a child's output and error.
macro_rules! readable_pipe {
    ($ty:ident) => {
        impl AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                self.pipe.poll_read(cx, buf)
            }
        }
    };
}

readable_pipe!(ChildStdout);
readable_pipe!(ChildStderr);
