//! Readiness through the ring: a one-shot `POLL_ADD` that sets a
//! [`Readiness`] when it fires. Datagram sockets and `readable`/`writable`
//! waits use it, then make the system call themselves.

use crate::driver::lock;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

use io_uring::{opcode, types};

use super::close::SocketFd;
use super::completion::{Completable, Complete, ReapContext};
use super::Shared;
use crate::driver::readiness::{self, Direction, Readiness};

pub(crate) struct PollArm {
    fd: Arc<SocketFd>,
    ring: Arc<Shared>,
    readiness: Arc<Readiness>,
    direction: Direction,
    armed: AtomicBool,
    /// The ring the poll in flight is on (cancels go there).
    armed_on: Mutex<Option<Arc<Shared>>>,
    closed: AtomicBool,
}

pub(crate) type PollArmRef = Arc<Completable<PollArm>>;

impl PollArm {
    pub(crate) fn new(
        fd: Arc<SocketFd>,
        ring: Arc<Shared>,
        readiness: Arc<Readiness>,
        direction: Direction,
    ) -> PollArmRef {
        Completable::new(PollArm {
            fd,
            ring,
            readiness,
            direction,
            armed: AtomicBool::new(false),
            armed_on: Mutex::new(None),
            closed: AtomicBool::new(false),
        })
    }

    /// Arms a one-shot poll unless one is in flight. A failure to submit
    /// (the driver is gone) marks the resource errored so waiters wake.
    pub(crate) fn arm(this: &PollArmRef) {
        if this.closed.load(SeqCst) || this.armed.swap(true, SeqCst) {
            return;
        }
        let mask = match this.direction {
            Direction::Read => libc::POLLIN | libc::POLLRDHUP,
            Direction::Write => libc::POLLOUT,
        };
        let entry = opcode::PollAdd::new(types::Fd(this.fd.as_raw_fd()), mask as u32).build();
        let ring = super::ring_for(&this.ring);
        *lock(&this.armed_on) = Some(ring.clone());
        // SAFETY: the entry points to no memory.
        if unsafe { ring.push_op(this, entry) }.is_err() {
            this.armed.store(false, SeqCst);
            this.readiness.wake_all();
        }
    }

    pub(crate) fn close(this: &PollArmRef) {
        this.closed.store(true, SeqCst);
        let armed_on = lock(&this.armed_on).clone();
        if let (true, Some(ring)) = (this.armed.load(SeqCst), armed_on) {
            ring.cancel(this);
        }
    }
}

impl Complete for PollArm {
    fn complete(this: &PollArmRef, result: i32, _flags: u32, _cx: &mut ReapContext<'_>) {
        this.armed.store(false, SeqCst);
        if result == -libc::ECANCELED {
            return;
        }
        let mut ready = 0;
        if result < 0 {
            ready |= readiness::ERROR;
        } else {
            let events = result as i16;
            if events & (libc::POLLIN | libc::POLLPRI) != 0 {
                ready |= readiness::READABLE;
            }
            if events & libc::POLLOUT != 0 {
                ready |= readiness::WRITABLE;
            }
            if events & (libc::POLLRDHUP | libc::POLLHUP) != 0 {
                ready |= readiness::READ_CLOSED;
            }
            if events & libc::POLLHUP != 0 {
                ready |= readiness::WRITE_CLOSED;
            }
            if events & libc::POLLERR != 0 {
                ready |= readiness::ERROR;
            }
        }
        this.readiness.set(ready);
    }
}
