//! Closing a stream socket through the ring.
//!
//! A socket's descriptor is shared (an `Arc`) between the socket and the
//! operations the kernel still holds it for; whoever lets go of it last
//! closes it. For a stream socket on io_uring that close is an
//! `IORING_OP_CLOSE` queued on the ring of the thread letting go (its
//! worker's ring, or the ring the socket was registered with): on the
//! ring's own thread it goes to the kernel with the next `io_uring_enter`,
//! behind the sends and cancels queued before it, instead of costing a
//! system call of its own. A server that closes a connection per request
//! saves one system call per connection.
//!
//! Listeners and datagram sockets close at once with `close(2)`: a program
//! that drops one and binds its address again expects the address free. So
//! does everything where the ring cannot take the close (the runtime is
//! gone, or the queue cannot be submitted).
//!
//! The descriptor number stays taken until the close reaches the kernel: at
//! the latest when the ring's thread next parks or polls its ring.

use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::sync::Arc;

use io_uring::{opcode, types};

use super::completion::Token;
use super::Shared;

/// A socket's descriptor; closed through `ring` when it has one, never
/// when it is borrowed.
pub(crate) struct SocketFd {
    fd: ManuallyDrop<OwnedFd>,
    /// The ring the socket was registered with, if it closes through a
    /// ring.
    ring: Option<Arc<Shared>>,
    /// Someone else owns the descriptor (`AsyncFd`): dropping this leaves
    /// it open.
    borrowed: bool,
}

impl SocketFd {
    /// A descriptor closed with `close(2)`.
    pub(crate) fn plain(fd: OwnedFd) -> SocketFd {
        SocketFd {
            fd: ManuallyDrop::new(fd),
            ring: None,
            borrowed: false,
        }
    }

    /// A descriptor closed through the current thread's ring, or `ring`.
    pub(crate) fn closed_by_ring(fd: OwnedFd, ring: Arc<Shared>) -> SocketFd {
        SocketFd {
            fd: ManuallyDrop::new(fd),
            ring: Some(ring),
            borrowed: false,
        }
    }

    /// A descriptor that something else owns and closes.
    ///
    /// # Safety
    ///
    /// `fd` must be open until every operation that was handed this value
    /// has stopped using its number: its owner (an `AsyncFd`'s inner value)
    /// outlives the `IoSource` that cancels them, and the kernel keeps the
    /// file of an operation already submitted. The value is never turned
    /// into an `OwnedFd` ([`into_owned`](Self::into_owned) panics) nor
    /// closed.
    pub(crate) unsafe fn borrowed(fd: RawFd) -> SocketFd {
        SocketFd {
            // SAFETY: `fd` is open (the caller's promise); the `OwnedFd`
            // is only ever borrowed, and `Drop` forgets it instead of
            // closing it.
            fd: ManuallyDrop::new(unsafe { OwnedFd::from_raw_fd(fd) }),
            ring: None,
            borrowed: true,
        }
    }

    /// The descriptor itself; nothing closes it any more.
    pub(crate) fn into_owned(self) -> OwnedFd {
        assert!(!self.borrowed, "a borrowed descriptor has another owner");
        let mut this = ManuallyDrop::new(self);
        drop(this.ring.take());
        // SAFETY: `this` is never dropped, so `fd` is taken exactly once.
        unsafe { ManuallyDrop::take(&mut this.fd) }
    }
}

impl Drop for SocketFd {
    fn drop(&mut self) {
        // SAFETY: `fd` is taken once, here (or in `into_owned`, which does
        // not run this).
        let fd = unsafe { ManuallyDrop::take(&mut self.fd) };
        if self.borrowed {
            let _ = fd.into_raw_fd();
            return;
        }
        let Some(home) = &self.ring else {
            return drop(fd);
        };
        let entry = opcode::Close::new(types::Fd(fd.as_raw_fd()))
            .build()
            .user_data(Token::Ignore as u64);
        // SAFETY: a token `user_data`; the entry points to no memory.
        match unsafe { super::ring_for(home).push(&entry) } {
            // The ring closes it now: the number is no longer ours.
            Ok(()) => {
                let _ = fd.into_raw_fd();
            }
            Err(_) => drop(fd),
        }
    }
}

impl Deref for SocketFd {
    type Target = OwnedFd;
    fn deref(&self) -> &OwnedFd {
        &self.fd
    }
}

impl AsRawFd for SocketFd {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl AsFd for SocketFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
