//! Stream receive: one multishot `RECV` per socket into the ring's provided
//! buffers, its data queued per socket for reads to drain.
//!
//! The queue is a buffer the ring lent ([`Lent`]) followed by bytes copied
//! out of others. Data that arrives when the queue is empty stays in its
//! buffer, and the read copies it straight into the caller's (one copy, as
//! a plain `recv` makes); data that arrives behind unread data, or when the
//! ring has lent as many buffers as it may, is copied into the queue and its
//! buffer goes back to the kernel at once.
//!
//! Nothing received is ever lost to cancellation: a read that is dropped
//! leaves the data in the queue for the next one. An idle socket holds no
//! buffer. When a reader falls behind by more than [`HIGH_WATER`] bytes the
//! multishot is cancelled, so the kernel's socket buffer (and TCP flow
//! control) hold the rest, and a later read arms it again.
//!
//! A read into a large buffer (at least [`DIRECT_MIN`](super::DIRECT_MIN)
//! bytes) goes to the kernel itself instead ([`Receiver::try_direct`]):
//! once the queue is
//! drained and the multishot is stopped, a plain non-blocking `recv` fills
//! the caller's buffer, and the caller waits for readiness when there is
//! nothing. For bulk transfers that saves two copies of every byte (into the
//! queue and out of it) for one system call per read, which is what such
//! reads cost on the readiness driver. Small reads keep the multishot.

use crate::driver::lock;
use std::io;
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use io_uring::{cqueue, opcode, types};

use super::buf_ring::Lent;
use super::close::SocketFd;
use super::completion::{Completable, Complete, ReapContext};
use super::{steer, Shared, BUFFER_GROUP};

/// Queued bytes above which the multishot is paused.
const HIGH_WATER: usize = 256 * 1024;

/// What [`Receiver::try_direct`] did.
pub(crate) enum Direct {
    /// It read this many bytes (0: end of stream), or failed.
    Done(io::Result<usize>),
    /// The multishot is being stopped; the caller is woken when it is.
    Stopping,
    /// The socket has nothing now: wait for it to be readable.
    WouldBlock,
}

#[derive(Default)]
struct State {
    /// The first queued bytes, still in the buffer the kernel put them in.
    lent: Option<Lent>,
    /// Queued bytes after those; without capacity when empty (see
    /// [`spare`](super::spare)).
    data: Vec<u8>,
    /// Bytes of `data` already read.
    pos: usize,
    eof: bool,
    error: Option<io::Error>,
    /// A multishot is in flight.
    armed: bool,
    /// The ring it is in flight on (cancels go there).
    armed_on: Option<Arc<Shared>>,
    /// A cancel for the in-flight multishot was sent (back-pressure).
    pausing: bool,
    /// The socket was dropped: never arm again.
    closed: bool,
    waker: Option<Waker>,
    /// Steering's look at where the packets arrive (multi-thread only).
    look: crate::driver::steer::Look,
    /// The multishot was cancelled to move to this ring.
    moving_to: Option<Arc<Shared>>,
}

impl State {
    /// Bytes queued for reads.
    fn queued(&self) -> usize {
        self.lent.as_ref().map_or(0, Lent::len) + self.data.len() - self.pos
    }
}

/// The receive side of one stream socket.
pub(crate) struct Receiver {
    fd: Arc<SocketFd>,
    ring: Arc<Shared>,
    state: Mutex<State>,
}

pub(crate) type ReceiverRef = Arc<Completable<Receiver>>;

impl Receiver {
    pub(crate) fn new(fd: Arc<SocketFd>, ring: Arc<Shared>) -> ReceiverRef {
        Completable::new(Receiver {
            fd,
            ring,
            state: Mutex::new(State::default()),
        })
    }

    /// The ring the socket was registered with (for tests).
    #[cfg(test)]
    pub(super) fn home(this: &ReceiverRef) -> &Arc<Shared> {
        &this.ring
    }

    /// Bytes queued behind the lent buffer, and the capacity holding
    /// them (for tests).
    #[cfg(test)]
    pub(super) fn copied(this: &ReceiverRef) -> (usize, usize) {
        let state = lock(&this.state);
        (state.data.len() - state.pos, state.data.capacity())
    }

    /// Calls `take` with the queued bytes once there are some (or with an
    /// empty slice at end of stream); `take` returns how many it consumed.
    pub(crate) fn poll_take(
        this: &ReceiverRef,
        cx: &mut Context<'_>,
        take: impl FnOnce(&[u8]) -> usize,
    ) -> Poll<io::Result<()>> {
        let mut state = lock(&this.state);
        match Receiver::take_now(this, &mut state, take) {
            Some(result) => Poll::Ready(result),
            None => {
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    /// Copies queued bytes into `buf` without waiting: `None` when nothing
    /// is queued (the multishot is armed for more).
    pub(crate) fn try_read(this: &ReceiverRef, buf: &mut [u8]) -> Option<io::Result<usize>> {
        Receiver::take_into(this, &mut lock(&this.state), buf)
    }

    /// A read into `buf` that bypasses the queue once it is empty (see the
    /// module docs). The state lock is held across the `recv`, so that no
    /// multishot can be armed meanwhile and take bytes out of order.
    pub(crate) fn try_direct(this: &ReceiverRef, cx: &mut Context<'_>, buf: &mut [u8]) -> Direct {
        let mut state = lock(&this.state);
        if state.queued() > 0 || state.error.is_some() || state.eof {
            return match Receiver::take_into(this, &mut state, buf) {
                Some(result) => Direct::Done(result),
                None => Direct::WouldBlock,
            };
        }
        if state.armed {
            if !state.pausing {
                state.pausing = true;
                cancel(this, &state);
            }
            state.waker = Some(cx.waker().clone());
            return Direct::Stopping;
        }
        // The socket is non-blocking: this never waits.
        match crate::driver::sys::recv(this.fd.as_raw_fd(), buf, 0) {
            Ok(0) => {
                state.eof = true;
                Direct::Done(Ok(0))
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => Direct::WouldBlock,
            result => Direct::Done(result),
        }
    }

    /// Ready once a read would not wait.
    pub(crate) fn poll_ready(this: &ReceiverRef, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut state = lock(&this.state);
        if state.queued() > 0 || state.eof || state.error.is_some() {
            return Poll::Ready(Ok(()));
        }
        if let Err(err) = Receiver::arm(this, &mut state) {
            return Poll::Ready(Err(err));
        }
        state.waker = Some(cx.waker().clone());
        Poll::Pending
    }

    /// [`take_now`](Self::take_now) copying into `buf`; `Ok(0)` at end of
    /// stream.
    fn take_into(
        this: &ReceiverRef,
        state: &mut State,
        buf: &mut [u8],
    ) -> Option<io::Result<usize>> {
        let mut n = 0;
        let taken = Receiver::take_now(this, state, |data| {
            n = data.len().min(buf.len());
            crate::driver::copy::copy(&mut buf[..n], &data[..n]);
            n
        });
        taken.map(|result| result.map(|()| n))
    }

    fn take_now(
        this: &ReceiverRef,
        state: &mut State,
        take: impl FnOnce(&[u8]) -> usize,
    ) -> Option<io::Result<()>> {
        if let Some(lent) = &mut state.lent {
            lent.consume(take(lent.bytes()));
            if lent.len() == 0 {
                // Back to the ring (see `buf_ring`).
                state.lent = None;
            }
            return Some(Ok(()));
        }
        if state.pos < state.data.len() {
            let n = take(&state.data[state.pos..]);
            state.pos += n;
            if state.pos == state.data.len() {
                state.pos = 0;
                super::spare::give(&mut state.data);
            }
            return Some(Ok(()));
        }
        if let Some(err) = state.error.take() {
            return Some(Err(err));
        }
        if state.eof {
            take(&[]);
            return Some(Ok(()));
        }
        if let Err(err) = Receiver::arm(this, state) {
            return Some(Err(err));
        }
        None
    }

    fn arm(this: &ReceiverRef, state: &mut State) -> io::Result<()> {
        if state.armed || state.closed || state.eof {
            return Ok(());
        }
        let ring = super::ring_for(&this.ring);
        Receiver::push_multishot(this, &ring)?;
        ring.steering.armed();
        state.armed = true;
        state.armed_on = Some(ring);
        Ok(())
    }

    /// Queues the socket's multishot receive on `ring`.
    fn push_multishot(this: &ReceiverRef, ring: &Shared) -> io::Result<()> {
        let entry = opcode::RecvMulti::new(types::Fd(this.fd.as_raw_fd()), BUFFER_GROUP).build();
        // SAFETY: the entry points to no memory of ours (the kernel picks
        // buffers from the ring).
        unsafe { ring.push_op(this, entry) }
    }

    /// Arms the multishot on `ring`, which adopted it from another ring
    /// (see [`steer`]); runs on `ring`'s reaper. The receive counts as
    /// armed meanwhile, so nothing else arms it; a stop or a close asked
    /// for in between is honoured here.
    pub(super) fn arm_adopted(this: &ReceiverRef, ring: &Arc<Shared>) {
        let mut state = lock(&this.state);
        let result = if state.closed || state.pausing || state.eof || state.error.is_some() {
            Ok(false)
        } else {
            Receiver::push_multishot(this, ring).map(|()| true)
        };
        match result {
            Ok(true) => state.armed_on = Some(ring.clone()),
            other => {
                ring.steering.disarmed();
                state.armed = false;
                state.pausing = false;
                if let Err(err) = other {
                    state.error = Some(err);
                }
                let waker = state.waker.take();
                drop(state);
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
        }
    }

    /// The socket is being dropped, or (with `now`) leaves the runtime
    /// through `into_std`: cancels the multishot so that the kernel lets go
    /// of the socket, and drops what is queued. With `now` the multishot is
    /// gone when this returns, so bytes that arrive afterwards stay in the
    /// socket for its new owner.
    pub(crate) fn close(this: &ReceiverRef, now: bool) {
        let mut state = lock(&this.state);
        state.closed = true;
        state.lent = None;
        match (state.armed, &state.armed_on) {
            (true, Some(ring)) if now => ring.cancel_now(this),
            (true, _) => cancel(this, &state),
            _ => {}
        }
    }

    /// A data completion on the ring the multishot is armed on: move it if
    /// steering says so (see [`steer`]).
    fn steer(this: &ReceiverRef, state: &mut State) {
        let Some(ring) = &state.armed_on else {
            return;
        };
        if let Some(to) = steer::Steering::look(ring, this.fd.as_raw_fd(), &mut state.look) {
            Receiver::start_move(this, state, to);
        }
    }

    /// Moves the multishot to `to`: cancels it, and its last completion
    /// hands the socket over (see [`steer`]). Nothing happens unless it is
    /// armed on a ring and neither stopping nor moving already.
    #[cfg(test)]
    pub(super) fn move_to(this: &ReceiverRef, to: Arc<Shared>) {
        Receiver::start_move(this, &mut lock(&this.state), to);
    }

    fn start_move(this: &ReceiverRef, state: &mut State, to: Arc<Shared>) {
        if state.armed_on.is_none() || state.pausing || state.moving_to.is_some() {
            return;
        }
        cancel(this, state);
        state.moving_to = Some(to);
    }
}

fn cancel(this: &ReceiverRef, state: &State) {
    if let Some(ring) = &state.armed_on {
        ring.cancel(this);
    }
}

impl Complete for Receiver {
    fn complete(this: &ReceiverRef, result: i32, flags: u32, cx: &mut ReapContext<'_>) {
        let mut state = lock(&this.state);
        if result > 0 {
            if let Some(bid) = cqueue::buffer_select(flags) {
                let len = result as usize;
                if state.closed {
                    cx.buffers.recycle(bid);
                } else if let Some(lent) = (state.queued() == 0)
                    .then(|| cx.buffers.lend(bid, len))
                    .flatten()
                {
                    state.lent = Some(lent);
                } else {
                    if state.data.capacity() == 0 {
                        state.data = super::spare::take();
                    }
                    crate::driver::copy::extend(&mut state.data, cx.buffers.filled(bid, len));
                    cx.buffers.recycle(bid);
                }
            }
            if cqueue::more(flags) && !state.pausing && state.moving_to.is_none() {
                Receiver::steer(this, &mut state);
            }
        } else if result == 0 {
            state.eof = true;
        } else if result == -libc::ENOBUFS {
            cx.buffers.grow();
        } else if result != -libc::ECANCELED {
            state.error = Some(io::Error::from_raw_os_error(-result));
        }
        if !cqueue::more(flags) {
            if let Some(ring) = state.armed_on.take() {
                ring.steering.disarmed();
            }
            state.armed = false;
            let moving_to = state.moving_to.take();
            if let Some(to) = moving_to.filter(|_| !state.pausing && !state.closed) {
                // Still armed as far as readers go, until `to` arms it.
                state.armed = steer::Steering::adopt(&to, this.clone());
            }
            state.pausing = false;
            // Out of buffers while a reader waits: try again at once.
            if result == -libc::ENOBUFS && state.waker.is_some() && state.queued() == 0 {
                let _ = Receiver::arm(this, &mut state);
            }
        } else if state.queued() > HIGH_WATER && !state.pausing {
            state.pausing = true;
            cancel(this, &state);
        }
        let waker = state.waker.take();
        drop(state);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}
