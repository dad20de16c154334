//! Send from a buffer the caller hands over (`write_all_owned`): the ring
//! reads the caller's memory directly, with no copy into a socket buffer.
//! The buffer lives in the operation until the kernel is done with it and
//! is handed back when the last send completes.

use crate::driver::lock;
use std::future::Future;
use std::io;
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use io_uring::{opcode, types};

use super::close::SocketFd;
use super::completion::{Completable, Complete, ReapContext};
use super::Shared;
use crate::io::IoBuf;

struct State<B> {
    /// The caller's buffer; read by the kernel while a send is in flight.
    buf: Option<B>,
    result: Option<i32>,
    in_flight: bool,
    waker: Option<Waker>,
}

pub(crate) struct OwnedSendOp<B> {
    fd: Arc<SocketFd>,
    state: Mutex<State<B>>,
}

/// Sends all of `buf`; resolves to the result and the buffer.
pub(crate) struct SendAllOwned<B: IoBuf + Send> {
    op: Arc<Completable<OwnedSendOp<B>>>,
    fallback: Arc<Shared>,
    /// Where the send in flight went (for the cancel).
    ring: Option<Arc<Shared>>,
    sent: usize,
    error: Option<io::Error>,
}

impl<B: IoBuf + Send> SendAllOwned<B> {
    pub(crate) fn new(fd: Arc<SocketFd>, buf: B, fallback: Arc<Shared>) -> SendAllOwned<B> {
        SendAllOwned {
            op: Completable::new(OwnedSendOp {
                fd,
                state: Mutex::new(State {
                    buf: Some(buf),
                    result: None,
                    in_flight: false,
                    waker: None,
                }),
            }),
            fallback,
            ring: None,
            sent: 0,
            error: None,
        }
    }
}

impl<B: IoBuf + Send> Future for SendAllOwned<B> {
    type Output = (io::Result<()>, Option<B>);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let mut state = lock(&this.op.state);
        if state.in_flight {
            match state.result.take() {
                None => {
                    state.waker = Some(cx.waker().clone());
                    return Poll::Pending;
                }
                Some(res) if res < 0 => {
                    this.error = Some(io::Error::from_raw_os_error(-res));
                }
                Some(0) => this.error = Some(io::ErrorKind::WriteZero.into()),
                Some(n) => this.sent += n as usize,
            }
            state.in_flight = false;
        }
        let total = state.buf.as_ref().map_or(0, IoBuf::bytes_init);
        if let Some(err) = this.error.take() {
            return Poll::Ready((Err(err), state.buf.take()));
        }
        if this.sent >= total {
            return Poll::Ready((Ok(()), state.buf.take()));
        }
        let Some(buf) = state.buf.as_ref() else {
            return Poll::Ready((Err(io::ErrorKind::Other.into()), None));
        };
        // SAFETY: `sent < bytes_init`, so the pointer stays in the buffer.
        let ptr = unsafe { buf.stable_ptr().add(this.sent) };
        let len = (total - this.sent).min(u32::MAX as usize) as u32;
        let entry = opcode::Send::new(types::Fd(this.op.fd.as_raw_fd()), ptr, len)
            .flags(libc::MSG_NOSIGNAL)
            .build();
        let ring = super::ring_for(&this.fallback);
        // SAFETY: the entry points into the buffer, which stays in the
        // operation, unmoved (`IoBuf`'s contract), until the completion: a
        // dropped future leaves it there.
        if let Err(err) = unsafe { ring.push_op(&this.op, entry) } {
            return Poll::Ready((Err(err), state.buf.take()));
        }
        state.in_flight = true;
        state.waker = Some(cx.waker().clone());
        this.ring = Some(ring);
        Poll::Pending
    }
}

impl<B: IoBuf + Send> Drop for SendAllOwned<B> {
    fn drop(&mut self) {
        let in_flight = {
            let state = lock(&self.op.state);
            state.in_flight && state.result.is_none()
        };
        if let (true, Some(ring)) = (in_flight, &self.ring) {
            ring.cancel(&self.op);
        }
    }
}

impl<B: IoBuf + Send> Complete for OwnedSendOp<B> {
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
