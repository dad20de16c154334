//! One datagram from or into a buffer the caller hands over: `SENDMSG`
//! and `RECVMSG` (`UdpSocket::send_to_owned`, `recv_from_owned` and their
//! connected forms). The kernel reads or writes the caller's memory itself,
//! with no system call and no copy on Zokio's side.
//!
//! # Memory the kernel uses
//!
//! A `msghdr`, the one `iovec` it names and the socket address live in one
//! boxed [`Header`] owned by the operation; the `iovec` points into the
//! caller's buffer, which the operation also owns. All of it is set up
//! before the entry is queued and stays put until the operation's last
//! completion (completion rule 3): a future dropped early leaves the
//! buffer in the operation, and the ring's count keeps the operation alive.
//! While the operation is in flight nothing on our side reads or writes the
//! header; after the completion only the future reads it.
//!
//! # Cancel safety
//!
//! A send whose future is dropped may still have sent the datagram; a
//! receive whose future is dropped after the kernel filled the buffer loses
//! that datagram (the buffer goes with the future). The socket methods say
//! so.

use crate::driver::lock;
use std::cell::UnsafeCell;
use std::future::Future;
use std::io;
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use io_uring::{opcode, types};
use socket2::{SockAddr, SockAddrStorage};

use super::close::SocketFd;
use super::completion::{Completable, Complete, ReapContext};
use super::Shared;
use crate::io::{IoBuf, IoBufMut};

/// What the kernel reads (and, for a receive, writes) besides the buffer.
struct Header {
    msg: libc::msghdr,
    iov: libc::iovec,
    /// The destination of a send to an address; the sender of a received
    /// datagram.
    addr: SockAddrStorage,
}

/// [`Header`], boxed so that the pointers inside it stay valid.
struct KernelMemory(Box<UnsafeCell<Header>>);

// SAFETY: the header's raw pointers point into the header itself and into
// the buffer the same operation owns. The header is written only while the
// operation is built (before it is shared), by the kernel while the
// operation is in flight, and read only after its completion was observed
// under the state lock (see the module's rules).
unsafe impl Send for KernelMemory {}
// SAFETY: as above; no two threads touch the header at the same time.
unsafe impl Sync for KernelMemory {}

struct State<B> {
    /// The caller's buffer, until the future hands it back.
    buf: Option<B>,
    result: Option<i32>,
    waker: Option<Waker>,
}

pub(crate) struct MsgOp<B> {
    memory: KernelMemory,
    /// Keeps the socket open until the kernel is done with it.
    fd: Arc<SocketFd>,
    receive: bool,
    state: Mutex<State<B>>,
}

/// A datagram's send or receive; resolves to the bytes moved, the sender's
/// address (a receive's), and the buffer.
pub(crate) struct Msg<B: IoBuf + Send> {
    op: Arc<Completable<MsgOp<B>>>,
    /// The ring the socket was registered with, for a thread without one.
    fallback: Arc<Shared>,
    /// Where the operation went (for the cancel).
    submitted: Option<Arc<Shared>>,
}

pub(crate) type MsgOutput<B> = (io::Result<(usize, Option<SockAddr>)>, Option<B>);

/// The address part of a [`Header`].
enum Addr<'a> {
    /// Send to this address.
    To(&'a SockAddr),
    /// Send to the connected peer.
    Connected,
    /// Room for a received datagram's sender.
    From,
}

impl<B: IoBuf + Send> Msg<B> {
    /// Sends `buf`'s initialized bytes as one datagram, to `to` or (with
    /// `None`) to the connected peer.
    pub(crate) fn send(
        fd: Arc<SocketFd>,
        buf: B,
        to: Option<&SockAddr>,
        fallback: Arc<Shared>,
    ) -> Msg<B> {
        let addr = to.map_or(Addr::Connected, Addr::To);
        let memory = KernelMemory::new(buf.stable_ptr().cast_mut(), buf.bytes_init(), addr);
        Msg::new(memory, fd, buf, false, fallback)
    }

    fn new(
        memory: KernelMemory,
        fd: Arc<SocketFd>,
        buf: B,
        receive: bool,
        fallback: Arc<Shared>,
    ) -> Msg<B> {
        Msg {
            op: Completable::new(MsgOp {
                memory,
                fd,
                receive,
                state: Mutex::new(State {
                    buf: Some(buf),
                    result: None,
                    waker: None,
                }),
            }),
            fallback,
            submitted: None,
        }
    }
}

impl<B: IoBufMut + Send> Msg<B> {
    /// Receives one datagram into the whole of `buf` (from its start, up to
    /// `bytes_total`; a longer datagram is cut to fit, as `recv_from`'s).
    /// The caller marks the received bytes initialized.
    pub(crate) fn receive(fd: Arc<SocketFd>, mut buf: B, fallback: Arc<Shared>) -> Msg<B> {
        let memory = KernelMemory::new(buf.stable_mut_ptr(), buf.bytes_total(), Addr::From);
        Msg::new(memory, fd, buf, true, fallback)
    }
}

impl KernelMemory {
    /// A boxed header for one `iovec` of `len` bytes at `base` and `addr`.
    fn new(base: *mut u8, len: usize, addr: Addr<'_>) -> KernelMemory {
        let memory = KernelMemory(Box::new(UnsafeCell::new(Header {
            // SAFETY: `msghdr` is plain data; all zeros is a valid empty one.
            msg: unsafe { std::mem::zeroed() },
            iov: libc::iovec {
                iov_base: base.cast(),
                iov_len: len,
            },
            addr: SockAddrStorage::zeroed(),
        })));
        let raw = memory.0.get();
        // SAFETY: `raw` is the header just boxed, which nothing else uses
        // yet; the pointers stored point into the same box, whose contents
        // never move.
        unsafe {
            (*raw).msg.msg_iov = &raw mut (*raw).iov;
            (*raw).msg.msg_iovlen = 1;
            let name = (&raw mut (*raw).addr).cast::<libc::c_void>();
            match addr {
                Addr::To(to) => {
                    std::ptr::copy_nonoverlapping(
                        to.as_ptr().cast::<u8>(),
                        name.cast::<u8>(),
                        to.len() as usize,
                    );
                    (*raw).msg.msg_name = name;
                    (*raw).msg.msg_namelen = to.len();
                }
                Addr::Connected => {}
                Addr::From => {
                    (*raw).msg.msg_name = name;
                    (*raw).msg.msg_namelen = (*raw).addr.size_of();
                }
            }
        }
        memory
    }

    /// The `msghdr` the entry names.
    fn msghdr(&self) -> *mut libc::msghdr {
        let raw = self.0.get();
        // SAFETY: a place projection, no access.
        unsafe { &raw mut (*raw).msg }
    }

    /// The sender's address the kernel wrote, if any.
    ///
    /// # Safety
    ///
    /// Only after the receive's completion.
    unsafe fn sender(&self) -> Option<SockAddr> {
        let raw = self.0.get();
        // SAFETY: the kernel is done with the header (the caller's promise).
        let len = unsafe { (*raw).msg.msg_namelen };
        if len == 0 {
            return None;
        }
        let mut copy = SockAddrStorage::zeroed();
        let size = copy.size_of().min(len);
        // SAFETY: both are `sockaddr_storage`s; `size` fits either; `view_as`
        // with `sockaddr_storage` is socket2's contract for the storage.
        unsafe {
            std::ptr::copy_nonoverlapping(
                (&raw const (*raw).addr).cast::<u8>(),
                (copy.view_as::<libc::sockaddr_storage>() as *mut libc::sockaddr_storage)
                    .cast::<u8>(),
                size as usize,
            );
            Some(SockAddr::new(copy, size))
        }
    }
}

impl<B: IoBuf + Send> Future for Msg<B> {
    type Output = MsgOutput<B>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MsgOutput<B>> {
        let this = &mut *self;
        let mut state = lock(&this.op.state);
        if let Some(result) = state.result {
            let buf = state.buf.take();
            if result < 0 {
                return Poll::Ready((Err(io::Error::from_raw_os_error(-result)), buf));
            }
            let sender = if this.op.receive {
                // SAFETY: the completion came: the kernel is done with it.
                unsafe { this.op.memory.sender() }
            } else {
                None
            };
            return Poll::Ready((Ok((result as usize, sender)), buf));
        }
        state.waker = Some(cx.waker().clone());
        if this.submitted.is_none() {
            let fd = types::Fd(this.op.fd.as_raw_fd());
            let msg = this.op.memory.msghdr();
            let entry = if this.op.receive {
                opcode::RecvMsg::new(fd, msg).build()
            } else {
                opcode::SendMsg::new(fd, msg)
                    .flags(libc::MSG_NOSIGNAL as u32)
                    .build()
            };
            let ring = super::ring_for(&this.fallback);
            // SAFETY: the entry points at the header and the buffer, both
            // owned by the operation and unmoved until its completion (the
            // module's rules).
            if let Err(err) = unsafe { ring.push_op(&this.op, entry) } {
                return Poll::Ready((Err(err), state.buf.take()));
            }
            this.submitted = Some(ring);
        }
        Poll::Pending
    }
}

impl<B: IoBuf + Send> Drop for Msg<B> {
    fn drop(&mut self) {
        let Some(ring) = &self.submitted else { return };
        if lock(&self.op.state).result.is_none() {
            ring.cancel(&self.op);
        }
    }
}

impl<B: IoBuf + Send> Complete for MsgOp<B> {
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
