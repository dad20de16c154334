//! Accept: one multishot `ACCEPT` per listener; accepted sockets wait in a
//! queue that `accept` calls pop, so a cancelled `accept` loses no
//! connection.
//!
//! An error (`EMFILE` when the process is out of descriptors, say) ends the
//! multishot; the next `accept` returns it and the one after arms again, so
//! the listener keeps working once descriptors free up, and nothing retries
//! on its own in a loop.

use crate::driver::lock;
use std::collections::VecDeque;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use io_uring::{cqueue, opcode, types};

use super::close::SocketFd;
use super::completion::{Completable, Complete, ReapContext};
use super::Shared;

/// Accepted sockets queued above this pause the multishot.
const MAX_QUEUED: usize = 1024;

#[derive(Default)]
struct State {
    ready: VecDeque<OwnedFd>,
    error: Option<io::Error>,
    armed: bool,
    armed_on: Option<Arc<Shared>>,
    pausing: bool,
    closed: bool,
    waker: Option<Waker>,
}

pub(crate) struct Acceptor {
    fd: Arc<SocketFd>,
    ring: Arc<Shared>,
    state: Mutex<State>,
}

pub(crate) type AcceptorRef = Arc<Completable<Acceptor>>;

impl Acceptor {
    pub(crate) fn new(fd: Arc<SocketFd>, ring: Arc<Shared>) -> AcceptorRef {
        Completable::new(Acceptor {
            fd,
            ring,
            state: Mutex::new(State::default()),
        })
    }

    pub(crate) fn poll_accept(
        this: &AcceptorRef,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<OwnedFd>> {
        let mut state = lock(&this.state);
        if let Some(fd) = state.ready.pop_front() {
            return Poll::Ready(Ok(fd));
        }
        if let Some(err) = state.error.take() {
            return Poll::Ready(Err(err));
        }
        if !state.armed && !state.closed {
            let entry = opcode::AcceptMulti::new(types::Fd(this.fd.as_raw_fd()))
                .flags(libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK)
                .build();
            let ring = super::ring_for(&this.ring);
            // SAFETY: the entry points to no memory.
            if let Err(err) = unsafe { ring.push_op(this, entry) } {
                return Poll::Ready(Err(err));
            }
            state.armed = true;
            state.armed_on = Some(ring);
        }
        state.waker = Some(cx.waker().clone());
        Poll::Pending
    }

    /// The listener is being dropped, or (with `now`) leaves the runtime
    /// through `into_std`: cancels the multishot and closes the connections
    /// it accepted that `accept` has not returned. With `now` the multishot
    /// is gone when this returns, so connections that arrive afterwards wait
    /// in the backlog for the new owner.
    pub(crate) fn close(this: &AcceptorRef, now: bool) {
        let mut state = lock(&this.state);
        state.closed = true;
        state.ready.clear();
        match (state.armed, &state.armed_on) {
            (true, Some(ring)) if now => ring.cancel_now(this),
            (true, _) => cancel(this, &state),
            _ => {}
        }
    }
}

fn cancel(this: &AcceptorRef, state: &State) {
    if let Some(ring) = &state.armed_on {
        ring.cancel(this);
    }
}

impl Complete for Acceptor {
    fn complete(this: &AcceptorRef, result: i32, flags: u32, _cx: &mut ReapContext<'_>) {
        let mut state = lock(&this.state);
        if result >= 0 {
            // SAFETY: a successful accept returns a new descriptor we own.
            let fd = unsafe { OwnedFd::from_raw_fd(result) };
            if !state.closed {
                state.ready.push_back(fd);
            }
        } else if result != -libc::ECANCELED {
            state.error = Some(io::Error::from_raw_os_error(-result));
        }
        if !cqueue::more(flags) {
            state.armed = false;
            state.armed_on = None;
            state.pausing = false;
        } else if state.ready.len() >= MAX_QUEUED && !state.pausing {
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
