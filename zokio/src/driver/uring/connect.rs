//! Connect: one `CONNECT` whose socket address lives in the operation.

use crate::driver::lock;
use std::future::Future;
use std::io;
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use io_uring::{opcode, types};
use socket2::SockAddr;

use super::close::SocketFd;
use super::completion::{Completable, Complete, ReapContext};
use super::Shared;

struct State {
    result: Option<i32>,
    waker: Option<Waker>,
}

pub(crate) struct ConnectOp {
    /// Read by the kernel while the operation is in flight (rule 3).
    addr: SockAddr,
    /// Keeps the socket open until the kernel is done with it.
    _fd: Arc<SocketFd>,
    state: Mutex<State>,
}

/// Connects `fd` to `addr`; dropping it cancels the attempt.
pub(crate) struct Connect {
    op: Arc<Completable<ConnectOp>>,
    /// Where the socket was registered; the attempt goes to the current
    /// thread's ring, recorded in `submitted` for the cancel.
    ring: Arc<Shared>,
    submitted: Option<Arc<Shared>>,
}

impl Connect {
    pub(crate) fn new(fd: Arc<SocketFd>, addr: SockAddr, ring: Arc<Shared>) -> Connect {
        Connect {
            op: Completable::new(ConnectOp {
                addr,
                _fd: fd,
                state: Mutex::new(State {
                    result: None,
                    waker: None,
                }),
            }),
            ring,
            submitted: None,
        }
    }
}

impl Future for Connect {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let mut state = lock(&this.op.state);
        if let Some(result) = state.result {
            return Poll::Ready(if result < 0 {
                Err(io::Error::from_raw_os_error(-result))
            } else {
                Ok(())
            });
        }
        state.waker = Some(cx.waker().clone());
        if this.submitted.is_none() {
            let entry = opcode::Connect::new(
                types::Fd(this.op._fd.as_raw_fd()),
                this.op.addr.as_ptr().cast(),
                this.op.addr.len(),
            )
            .build();
            let ring = super::ring_for(&this.ring);
            // SAFETY: the address lives inside the operation and is never
            // moved.
            if let Err(err) = unsafe { ring.push_op(&this.op, entry) } {
                return Poll::Ready(Err(err));
            }
            this.submitted = Some(ring);
        }
        Poll::Pending
    }
}

impl Drop for Connect {
    fn drop(&mut self) {
        let Some(ring) = &self.submitted else { return };
        if lock(&self.op.state).result.is_none() {
            ring.cancel(&self.op);
        }
    }
}

impl Complete for ConnectOp {
    fn complete(
        this: &Arc<Completable<Self>>,
        result: i32,
        _flags: u32,
        _cx: &mut ReapContext<'_>,
    ) {
        let waker = {
            let mut state = lock(&this.state);
            state.result = Some(result);
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}
