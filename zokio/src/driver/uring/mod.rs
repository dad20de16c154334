//! The io_uring driver.
//!
//! One ring per scheduler thread: the current-thread scheduler has one, and
//! each multi-thread or thread-per-core worker has its own, which it parks
//! in and reaps. On a multi-thread runtime a stream's receive moves to the
//! ring of the worker its packets arrive on ([`steer`]).
//!
//! * **Submission.** Any thread may queue an entry ([`Shared::push`]). The
//!   thread that reaps the ring batches its own entries and submits them all
//!   with the `io_uring_enter` it parks in (or with the non-blocking one it
//!   makes every `event_interval` ticks); any other thread, or any thread
//!   while the reaper sleeps, submits at once.
//! * **Parking.** The reaper sleeps *in the ring*: one `io_uring_enter` that
//!   submits, waits for a completion, and times out at the next timer.
//! * **Waking.** Other threads wake a parked reaper by writing to an eventfd
//!   that the ring keeps a read armed on; the write happens only when the
//!   reaper is really parked, so a busy runtime makes no wake-up syscalls.
//! * **Completions** reach their operation through `user_data` (see
//!   [`completion`]'s rules) and wake its task wherever that task runs now.

pub(crate) mod accept;
mod buf_ring;
mod cancel;
pub(crate) mod close;
pub(crate) mod completion;
pub(crate) mod connect;
pub(crate) mod msg;
pub(crate) mod poll_add;
mod probe;
pub(crate) mod recv;
pub(crate) mod send;
pub(crate) mod send_owned;
pub(crate) mod shutdown;
mod spare;
pub(crate) mod steer;

use crate::driver::lock;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Mutex;
use std::time::Duration;

use io_uring::{cqueue, opcode, squeue, types, IoUring};

use buf_ring::BufRing;
use completion::{Completable, Complete, ReapContext, Token, FIRST_POINTER, FIRST_WATCH};

pub(crate) use buf_ring::GROUP as BUFFER_GROUP;

/// Entries in each ring's submission queue.
const RING_ENTRIES: u32 = 1024;
/// Provided receive buffers per ring, the size of each, and how many the
/// kernel gets at first (more as it runs out: see `buf_ring`).
const RECV_BUFFERS: u16 = 256;
const RECV_BUFFER_SIZE: usize = 16 * 1024;
const RECV_BUFFERS_FIRST: u16 = 32;

/// Reads into buffers and writes of at least this many bytes go between
/// the caller's buffer and the socket with one plain system call (see
/// `recv` and `send`): above it, the copies the ring's own path makes cost
/// more than the system call it saves.
pub(crate) const DIRECT_MIN: usize = 16 * 1024;

/// Park states, as for the condvar parker.
const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;

/// The part of a ring any thread may use.
pub(crate) struct Shared {
    ring: IoUring,
    /// Serialises writers of the submission queue.
    sq_lock: Mutex<()>,
    /// Whether the reaper sleeps in the ring (`PARKED`), or an unpark is
    /// pending for it (`NOTIFIED`).
    state: AtomicUsize,
    /// The thread that reaped the ring last (see [`thread_mark`]); its own
    /// entries wait for its next `io_uring_enter`.
    reaper: AtomicUsize,
    eventfd: OwnedFd,
    /// The 8 bytes the armed eventfd read writes into.
    eventfd_buf: Box<u64>,
    /// Pointers the ring owns (completion rule 2) that are not back yet.
    in_flight: AtomicUsize,
    /// Operations in flight that finish without any peer, in the kernel's
    /// own time (a shutdown, which the kernel runs on its workers): a
    /// paused test clock must not skip time past them.
    pub(crate) prompt: AtomicUsize,
    shutdown: AtomicBool,
    wakeups: AtomicUsize,
    /// Where stream receives should run (multi-thread rings only).
    steering: steer::Steering,
}

/// The reaping side, owned by whoever parks in the ring.
pub(crate) struct Driver {
    shared: std::sync::Arc<Shared>,
    buffers: Option<BufRing>,
    completions: Vec<cqueue::Entry>,
    /// Peers (by index) whose ring descriptor a `POLL_ADD` of this ring
    /// watches now (see [`Driver::watch`]).
    watching: Vec<bool>,
}

/// The ring an operation started on this thread goes to: the worker's own,
/// or `fallback` (the ring the socket was registered with) elsewhere. Any
/// ring can operate on any descriptor, so a task that moved to another
/// worker keeps its I/O on that worker.
pub(crate) fn ring_for(fallback: &std::sync::Arc<Shared>) -> std::sync::Arc<Shared> {
    match super::worker_io() {
        Some(super::IoHandle::Uring(ring)) => ring,
        _ => fallback.clone(),
    }
}

/// An address unique to the calling thread.
fn thread_mark() -> usize {
    thread_local!(static MARK: u8 = const { 0 });
    MARK.with(|mark| mark as *const u8 as usize)
}

/// Sets up a ring, probes it and registers its buffers. Any failure means
/// io_uring is not usable here; the caller decides whether to fall back.
pub(crate) fn new() -> io::Result<(Driver, std::sync::Arc<Shared>)> {
    let ring = probe::setup(RING_ENTRIES)?;
    probe::probe(&ring)?;
    let buffers = BufRing::register(&ring, RECV_BUFFERS, RECV_BUFFER_SIZE, RECV_BUFFERS_FIRST)?;
    // Blocking on purpose: io_uring fails a read of a non-blocking
    // descriptor with EAGAIN at once instead of waiting for it.
    // SAFETY: `eventfd` returns a new descriptor or -1.
    let efd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
    if efd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `efd` is a fresh descriptor that nothing else owns.
    let eventfd = unsafe { OwnedFd::from_raw_fd(efd) };
    let shared = std::sync::Arc::new(Shared {
        ring,
        sq_lock: Mutex::new(()),
        state: AtomicUsize::new(EMPTY),
        reaper: AtomicUsize::new(thread_mark()),
        eventfd,
        eventfd_buf: Box::new(0),
        in_flight: AtomicUsize::new(0),
        prompt: AtomicUsize::new(0),
        shutdown: AtomicBool::new(false),
        wakeups: AtomicUsize::new(0),
        steering: steer::Steering::new(),
    });
    shared.arm_unpark();
    let driver = Driver {
        shared: shared.clone(),
        buffers: Some(buffers),
        completions: Vec::with_capacity(256),
        watching: Vec::new(),
    };
    Ok((driver, shared))
}

impl Shared {
    /// Queues `entry`. It is submitted by the reaper's next `io_uring_enter`
    /// if the caller is the reaper and awake, at once otherwise.
    ///
    /// # Safety
    ///
    /// The entry's `user_data` and the memory it points to follow the
    /// [`completion`] rules.
    pub(crate) unsafe fn push(&self, entry: &squeue::Entry) -> io::Result<()> {
        if self.shutdown.load(SeqCst) {
            return Err(driver_gone());
        }
        let is_pointer = entry.get_user_data() >= FIRST_POINTER;
        {
            let _guard = lock(&self.sq_lock);
            loop {
                // SAFETY: `sq_lock` makes this the only writer of the queue.
                let mut sq = unsafe { self.ring.submission_shared() };
                // SAFETY: the caller upholds the completion rules.
                if unsafe { sq.push(entry) }.is_ok() {
                    sq.sync();
                    break;
                }
                drop(sq);
                // Full: let the kernel take what is queued.
                self.submit_now()?;
            }
            if is_pointer {
                self.in_flight.fetch_add(1, SeqCst);
            }
        }
        if self.reaper.load(SeqCst) != thread_mark() || self.state.load(SeqCst) == PARKED {
            // The entry is queued whatever this says: it goes with the next
            // `io_uring_enter`, so a failure here is not the push's.
            if let Err(err) = self.submit_now() {
                tracing::warn!("io_uring_enter failed: {err}");
            }
        }
        Ok(())
    }

    /// Queues `entry` as `op`'s operation: its `user_data` takes a count of
    /// `op` (completion rule 2), given back here if the entry was not queued.
    ///
    /// # Safety
    ///
    /// Every piece of memory the entry points to lives in `op` and stays put
    /// until the operation's last completion (completion rule 3).
    pub(crate) unsafe fn push_op<T: Complete>(
        &self,
        op: &std::sync::Arc<Completable<T>>,
        entry: squeue::Entry,
    ) -> io::Result<()> {
        let entry = entry.user_data(completion::into_user_data(op));
        // SAFETY: the user data owns a count of `op` (rule 2); the caller
        // vouches for the memory (rule 3).
        if let Err(err) = unsafe { self.push(&entry) } {
            // SAFETY: the entry was not queued, so the count that
            // `into_user_data` took is still ours to give back.
            drop(unsafe {
                std::sync::Arc::from_raw(entry.get_user_data() as *const Completable<T>)
            });
            return Err(err);
        }
        Ok(())
    }

    fn submit_now(&self) -> io::Result<()> {
        match self.ring.submitter().submit() {
            Ok(_) => Ok(()),
            Err(err) if is_transient(&err) => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// Wakes the reaper if it sleeps in the ring, or makes its next park
    /// return at once.
    pub(crate) fn unpark(&self) {
        if self.state.swap(NOTIFIED, SeqCst) == PARKED {
            let one: u64 = 1;
            // SAFETY: writes 8 bytes from a live u64 to our eventfd.
            unsafe {
                libc::write(
                    self.eventfd.as_raw_fd(),
                    (&one as *const u64).cast(),
                    std::mem::size_of::<u64>(),
                )
            };
            self.wakeups.fetch_add(1, SeqCst);
        }
    }

    pub(crate) fn wakeups(&self) -> usize {
        self.wakeups.load(SeqCst)
    }

    /// Stream receives steered to this ring so far (see [`steer`]).
    pub(crate) fn receive_moves(&self) -> u64 {
        self.steering.moves()
    }

    fn arm_unpark(&self) {
        let entry = opcode::Read::new(
            types::Fd(self.eventfd.as_raw_fd()),
            (&*self.eventfd_buf as *const u64).cast_mut().cast(),
            8,
        )
        .build()
        .user_data(Token::Unpark as u64);
        // SAFETY: a token `user_data`; the buffer is boxed in `self`, which
        // outlives the ring's use of it: the ring closes before `self` drops.
        let _ = unsafe { self.push(&entry) };
    }

    fn is_shut_down(&self) -> bool {
        self.shutdown.load(SeqCst)
    }

    /// Marks the driver gone: new operations fail with an error.
    pub(crate) fn shutdown(&self) {
        self.shutdown.store(true, SeqCst);
    }
}

use super::driver_gone;

fn is_transient(err: &io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(libc::EINTR | libc::EAGAIN | libc::EBUSY | libc::ETIME)
    )
}

impl Driver {
    pub(crate) fn shared(&self) -> &std::sync::Arc<Shared> {
        &self.shared
    }

    /// Submits what is queued, sleeps until a completion, an unpark or
    /// `timeout`, then runs the completion handlers.
    pub(crate) fn park(&mut self, timeout: Option<Duration>) {
        self.shared.reaper.store(thread_mark(), SeqCst);
        self.shared.steering.record_cpu();
        steer::Steering::arm_adopted(&self.shared);
        let shared = &*self.shared;
        let sleep = timeout != Some(Duration::ZERO)
            && shared
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_err()
            && shared
                .state
                .compare_exchange(EMPTY, PARKED, SeqCst, SeqCst)
                .is_ok();
        let submitter = shared.ring.submitter();
        let result = if !sleep && self.is_idle() {
            // Nothing to submit and nothing completed: a busy worker's
            // poll between batches costs no system call.
            Ok(0)
        } else if !sleep {
            submitter.submit()
        } else if let Some(timeout) = timeout {
            let ts = types::Timespec::from(timeout);
            let args = types::SubmitArgs::new().timespec(&ts);
            submitter.submit_with_args(1, &args)
        } else {
            submitter.submit_and_wait(1)
        };
        if sleep {
            shared.state.store(EMPTY, SeqCst);
        } else {
            // Consume an unpark that came while awake.
            let _ = shared
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst);
        }
        if let Err(err) = result {
            if !is_transient(&err) {
                tracing::warn!("io_uring_enter failed: {err}");
            }
        }
        self.reap();
    }

    /// Whether an operation that finishes on its own is in flight (see
    /// `Shared::prompt`).
    pub(crate) fn awaits_kernel(&self) -> bool {
        self.shared.prompt.load(SeqCst) > 0
    }

    /// The ring's descriptor.
    pub(crate) fn fd(&self) -> std::os::fd::RawFd {
        self.shared.ring.as_raw_fd()
    }

    /// Submits what is queued and runs the handlers of what completed,
    /// without sleeping, from a thread other than the reaper's, which stays
    /// the reaper: its own entries still wait for its next
    /// `io_uring_enter`, and everyone else's go at once. (Handlers re-arm
    /// on the ring of the thread they run on, as on a task's move.)
    pub(crate) fn harvest(&mut self) {
        if self.is_idle() {
            return;
        }
        if let Err(err) = self.shared.ring.submitter().submit() {
            if !is_transient(&err) {
                tracing::warn!("io_uring_enter failed: {err}");
            }
        }
        self.reap();
    }

    /// Arms a one-shot `POLL_ADD` on `fd`, the ring of peer `key`, unless
    /// one is in flight: its completion ends this ring's park when the
    /// peer has completions. A peer beyond the tokens there are for is not
    /// watched. Whether one is in flight now.
    pub(crate) fn watch(&mut self, key: usize, fd: std::os::fd::RawFd) -> bool {
        let user_data = FIRST_WATCH + key as u64;
        if user_data >= FIRST_POINTER {
            return false;
        }
        if self.watching.len() <= key {
            self.watching.resize(key + 1, false);
        }
        if !self.watching[key] {
            let entry = opcode::PollAdd::new(types::Fd(fd), libc::POLLIN as u32)
                .build()
                .user_data(user_data);
            // SAFETY: a token `user_data`; the entry points to no memory.
            self.watching[key] = unsafe { self.shared.push(&entry) }.is_ok();
        }
        self.watching[key]
    }

    /// Whether the submission queue is empty and no completion waits, in
    /// the queue or in the kernel (work a cooperative ring runs only when
    /// asked, completions that overflowed the queue).
    pub(crate) fn is_idle(&self) -> bool {
        let shared = &*self.shared;
        let _guard = lock(&shared.sq_lock);
        // SAFETY: `sq_lock` makes this the only user of the submission
        // queue; the completion queue belongs to the reaper, which holds
        // `&self`, and is only read.
        unsafe {
            let sq = shared.ring.submission_shared();
            sq.is_empty()
                && !sq.taskrun()
                && !sq.cq_overflow()
                && shared.ring.completion_shared().is_empty()
        }
    }

    /// Runs the handlers of every completion in the queue.
    fn reap(&mut self) {
        let shared = &*self.shared;
        loop {
            self.completions.clear();
            {
                // SAFETY: only the reaper, which holds `&mut self`, reads the
                // completion queue.
                let cq = unsafe { shared.ring.completion_shared() };
                self.completions.extend(cq.take(256));
            }
            if self.completions.is_empty() {
                return;
            }
            let Some(buffers) = self.buffers.as_mut() else {
                return;
            };
            // Returned buffers first: the kernel may need them for the
            // receives these completions re-arm.
            buffers.reclaim();
            let mut cx = ReapContext { buffers };
            for cqe in &self.completions {
                let user_data = cqe.user_data();
                if user_data >= FIRST_POINTER {
                    if !cqueue::more(cqe.flags()) {
                        shared.in_flight.fetch_sub(1, SeqCst);
                    }
                    // SAFETY: a pointer `user_data` comes from
                    // `into_user_data`, and its count is given back only by
                    // its last completion (completion rules 1 and 2).
                    unsafe { completion::dispatch(user_data, cqe.result(), cqe.flags(), &mut cx) };
                } else if user_data == Token::Unpark as u64 {
                    shared.arm_unpark();
                } else if user_data >= FIRST_WATCH {
                    if let Some(watching) =
                        self.watching.get_mut((user_data - FIRST_WATCH) as usize)
                    {
                        *watching = false;
                    }
                }
            }
        }
    }
}

impl Drop for Driver {
    /// Cancels what is still in flight and waits for the kernel to hand
    /// every buffer back, so that nothing leaks and nothing is written into
    /// freed memory.
    fn drop(&mut self) {
        self.shared.shutdown();
        self.shared.steering.clear();
        let cancel = opcode::AsyncCancel2::new(types::CancelBuilder::any())
            .build()
            .user_data(Token::Ignore as u64);
        {
            let _guard = lock(&self.shared.sq_lock);
            // SAFETY: a token `user_data`, no memory.
            let mut sq = unsafe { self.shared.ring.submission_shared() };
            // SAFETY: as above.
            let _ = unsafe { sq.push(&cancel) };
        }
        for _ in 0..1000 {
            if self.shared.in_flight.load(SeqCst) == 0 {
                break;
            }
            self.shared.state.store(EMPTY, SeqCst);
            self.park(Some(Duration::from_millis(10)));
        }
        // The buffers must outlive the ring's use of them; unregister first.
        if self.shared.in_flight.load(SeqCst) == 0 {
            let _ = self
                .shared
                .ring
                .submitter()
                .unregister_buf_ring(buf_ring::GROUP);
        } else {
            // The kernel still holds some: leaking is the safe choice.
            std::mem::forget(self.buffers.take());
        }
    }
}
