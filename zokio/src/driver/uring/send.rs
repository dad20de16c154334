//! Stream send: the bytes of a write are copied into a per-socket buffer and
//! handed to the ring with one `SEND`; the write returns at once and the
//! next write (or a flush) waits for that send to finish. The buffer is the
//! socket's only while the send is in flight (see [`spare`](super::spare)).
//!
//! The send is submitted with the ring's next `io_uring_enter`, together
//! with every other socket's, so a busy server makes one system call per
//! scheduler round rather than one per write. A send the kernel takes only
//! part of is resubmitted from the completion handler for the rest. An error
//! is reported by the next write, flush or shutdown, as a buffered writer
//! would.
//!
//! A large write (at least [`DIRECT_MIN`] bytes) with nothing in flight is
//! first tried as a plain non-blocking `send` from the caller's buffers:
//! one system call, as on the readiness driver, instead of a copy whose cost
//! grows with the size. Only what the socket does not take at once goes the
//! write-behind way, and as a large send that found the socket full (a
//! bulk transfer outrunning its reader), it goes to the ring's kernel
//! workers (`IOSQE_ASYNC`): the kernel's side of the send (the copy, and
//! on loopback the receiving socket's whole processing) then runs on a
//! kernel thread that the scheduler puts on an idle core, in parallel with
//! the worker's tasks, instead of on the worker between them. A stream
//! with its writer and reader on one worker went 1.1× faster on
//! current-thread, and on two workers 1.2× (Tokio's multi-thread runtime
//! runs such a pair on both cores).

use crate::driver::lock;
use std::io::{self, IoSlice};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use io_uring::{opcode, squeue, types};

use super::close::SocketFd;
use super::completion::{Completable, Complete, ReapContext};
use super::{Shared, DIRECT_MIN};

/// The most bytes one write takes.
const MAX_SEND: usize = 256 * 1024;

#[derive(Default)]
struct State {
    /// The bytes being sent; not touched while `in_flight`. Without
    /// capacity when nothing is being sent (see [`spare`](super::spare)).
    buf: Vec<u8>,
    /// How much of `buf` the kernel has taken.
    sent: usize,
    in_flight: bool,
    shutdown: Shutdown,
    error: Option<io::Error>,
    waker: Option<Waker>,
}

/// Where a shutdown of the write side stands.
#[derive(Default)]
enum Shutdown {
    #[default]
    Idle,
    /// Waits for the send in flight, then starts.
    Queued,
    InFlight,
    Done(io::Result<()>),
}

/// The send side of one stream socket.
pub(crate) struct Sender {
    fd: Arc<SocketFd>,
    ring: Arc<Shared>,
    state: Mutex<State>,
}

pub(crate) type SenderRef = Arc<Completable<Sender>>;

impl Sender {
    pub(crate) fn new(fd: Arc<SocketFd>, ring: Arc<Shared>) -> SenderRef {
        Completable::new(Sender {
            fd,
            ring,
            state: Mutex::new(State::default()),
        })
    }

    /// Starts sending `bufs` (up to [`MAX_SEND`] bytes) once the previous
    /// send is done; returns how many bytes it took.
    pub(crate) fn poll_write(
        this: &SenderRef,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut state = lock(&this.state);
        if let Some(err) = state.error.take() {
            return Poll::Ready(Err(err));
        }
        if state.in_flight {
            state.waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let total = bufs.iter().map(|buf| buf.len()).sum::<usize>();
        if total >= DIRECT_MIN {
            // The socket is non-blocking: this never waits.
            match crate::driver::sys::sendv(this.fd.as_raw_fd(), bufs) {
                Ok(n) => return Poll::Ready(Ok(n)),
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                Err(err) => return Poll::Ready(Err(err)),
            }
        }
        if state.buf.capacity() == 0 {
            state.buf = super::spare::take();
        }
        state.buf.clear();
        for buf in bufs {
            let room = MAX_SEND - state.buf.len();
            if room == 0 {
                break;
            }
            crate::driver::copy::extend(&mut state.buf, &buf[..buf.len().min(room)]);
        }
        let n = state.buf.len();
        if n == 0 {
            super::spare::give(&mut state.buf);
            return Poll::Ready(Ok(0));
        }
        state.sent = 0;
        Poll::Ready(Sender::submit(this, &mut state).map(|()| n))
    }

    /// Ready once no send is in flight: with the error of the last one, if
    /// it failed.
    pub(crate) fn poll_flush(this: &SenderRef, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut state = lock(&this.state);
        if let Some(err) = state.error.take() {
            return Poll::Ready(Err(err));
        }
        if state.in_flight {
            state.waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
        Poll::Ready(Ok(()))
    }

    /// Shuts the write side down once the send in flight is done (a
    /// dropped write half must not cut off bytes it already wrote); nobody
    /// waits for the result.
    pub(crate) fn shutdown_when_flushed(this: &SenderRef) {
        let mut state = lock(&this.state);
        if matches!(state.shutdown, Shutdown::Idle)
            && Sender::start_shutdown(this, &mut state).is_err()
        {
            // The ring is gone: the plain system call.
            // SAFETY: a system call on a descriptor `this` keeps open.
            unsafe { libc::shutdown(this.fd.as_raw_fd(), libc::SHUT_WR) };
        }
    }

    /// Shuts the write side down after the writes so far, and waits for
    /// the kernel's answer (see `shutdown`).
    pub(crate) fn poll_shutdown(this: &SenderRef, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut state = lock(&this.state);
        if let Some(err) = state.error.take() {
            return Poll::Ready(Err(err));
        }
        match std::mem::take(&mut state.shutdown) {
            Shutdown::Done(result) => return Poll::Ready(result),
            Shutdown::Idle => {
                if let Err(err) = Sender::start_shutdown(this, &mut state) {
                    return Poll::Ready(Err(err));
                }
            }
            busy => state.shutdown = busy,
        }
        state.waker = Some(cx.waker().clone());
        Poll::Pending
    }

    /// Starts the shutdown now, or queues it behind the send in flight.
    fn start_shutdown(this: &SenderRef, state: &mut State) -> io::Result<()> {
        if state.in_flight {
            state.shutdown = Shutdown::Queued;
            return Ok(());
        }
        super::shutdown::start(this)?;
        state.shutdown = Shutdown::InFlight;
        Ok(())
    }

    /// The kernel's answer to a shutdown.
    pub(crate) fn shutdown_done(this: &SenderRef, result: io::Result<()>) {
        let mut state = lock(&this.state);
        state.shutdown = Shutdown::Done(result);
        let waker = state.waker.take();
        drop(state);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    pub(crate) fn fd(&self) -> &Arc<SocketFd> {
        &self.fd
    }

    pub(crate) fn ring(&self) -> &Arc<Shared> {
        &self.ring
    }

    /// The capacity of the send buffer (for tests).
    #[cfg(test)]
    pub(super) fn capacity(this: &SenderRef) -> usize {
        lock(&this.state).buf.capacity()
    }

    /// Whether a send is in flight (a `try_write` must not overtake it).
    pub(crate) fn is_busy(this: &SenderRef) -> bool {
        lock(&this.state).in_flight
    }

    fn submit(this: &SenderRef, state: &mut State) -> io::Result<()> {
        let rest = &state.buf[state.sent..];
        let entry = opcode::Send::new(
            types::Fd(this.fd.as_raw_fd()),
            rest.as_ptr(),
            rest.len() as u32,
        )
        .flags(libc::MSG_NOSIGNAL)
        .build();
        let entry = if rest.len() >= DIRECT_MIN {
            entry.flags(squeue::Flags::ASYNC)
        } else {
            entry
        };
        // SAFETY: the entry points into `buf`, whose heap memory belongs to
        // `this` and is neither touched nor freed while `in_flight`.
        unsafe { super::ring_for(&this.ring).push_op(this, entry) }?;
        state.in_flight = true;
        Ok(())
    }
}

impl Complete for Sender {
    fn complete(this: &SenderRef, result: i32, _flags: u32, _cx: &mut ReapContext<'_>) {
        let mut state = lock(&this.state);
        state.in_flight = false;
        if result == 0 && state.sent < state.buf.len() {
            state.error = Some(io::ErrorKind::WriteZero.into());
        } else if result >= 0 {
            state.sent += result as usize;
            if state.sent < state.buf.len() {
                if let Err(err) = Sender::submit(this, &mut state) {
                    state.error = Some(err);
                } else {
                    return;
                }
            }
        } else {
            state.error = Some(io::Error::from_raw_os_error(-result));
        }
        // Done with the buffer, sent or failed.
        state.sent = 0;
        super::spare::give(&mut state.buf);
        if let Shutdown::Queued = state.shutdown {
            if let Err(err) = Sender::start_shutdown(this, &mut state) {
                state.shutdown = Shutdown::Done(Err(err));
            }
        }
        let waker = state.waker.take();
        drop(state);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}
