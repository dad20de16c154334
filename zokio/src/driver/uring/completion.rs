//! How a completion finds its owner: the `user_data` protocol.
//!
//! # Rules
//!
//! 1. Every entry Zokio submits carries a `user_data` that is either a
//!    [reserved token](Token) (below [`FIRST_POINTER`]) or a pointer made by
//!    [`into_user_data`] from an `Arc<Completable<T>>`.
//! 2. Such a pointer owns one strong count of its `Arc`. The ring gives it
//!    back exactly once: when the completion that carries it has no
//!    `IORING_CQE_F_MORE` flag (a one-shot operation's only completion, a
//!    multishot operation's last).
//! 3. Every piece of memory an entry points to (a buffer, a socket address,
//!    an `iovec`) lives inside that same `Arc` allocation and is not moved
//!    or freed while the operation is in flight; rule 2 keeps it alive.
//! 4. `Completable` is `#[repr(C)]` with its [`Header`] first, so a pointer
//!    to the whole is a pointer to the header, and the header's function
//!    knows the concrete `T` it was made for.

use std::mem::ManuallyDrop;
use std::sync::Arc;

use io_uring::cqueue;

use super::buf_ring::BufRing;

/// `user_data` values below this are tokens, not pointers (rule 1).
pub(crate) const FIRST_POINTER: u64 = 4096;

/// The reserved `user_data` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub(crate) enum Token {
    /// A completion nobody waits for (a cancel request's own result).
    Ignore = 0,
    /// The read of the unpark eventfd.
    Unpark = 1,
}

/// `user_data` of a `POLL_ADD` on a peer ring's descriptor (a worker
/// watching a stuck peer: see `driver::worker`), plus the peer's index;
/// below [`FIRST_POINTER`].
pub(crate) const FIRST_WATCH: u64 = 1024;

/// What a completion handler may use besides its operation: the ring's
/// provided buffers.
pub(crate) struct ReapContext<'a> {
    pub(crate) buffers: &'a mut BufRing,
}

/// Something that an operation's completions are delivered to.
pub(crate) trait Complete: Send + Sync + Sized + 'static {
    /// Handles one completion. Runs on the thread that reaps the ring.
    fn complete(this: &Arc<Completable<Self>>, result: i32, flags: u32, cx: &mut ReapContext<'_>);
}

/// The first field of every [`Completable`]: how to deliver a completion.
struct Header {
    deliver: unsafe fn(*const Header, i32, u32, &mut ReapContext<'_>),
}

/// A `T` that completions can be delivered to through a thin pointer.
#[repr(C)]
pub(crate) struct Completable<T> {
    header: Header,
    value: T,
}

impl<T: Complete> Completable<T> {
    pub(crate) fn new(value: T) -> Arc<Completable<T>> {
        Arc::new(Completable {
            header: Header {
                deliver: deliver::<T>,
            },
            value,
        })
    }
}

impl<T> std::ops::Deref for Completable<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// Makes a `user_data` that owns one strong count of `this` (rule 2).
pub(crate) fn into_user_data<T: Complete>(this: &Arc<Completable<T>>) -> u64 {
    Arc::into_raw(this.clone()) as u64
}

/// The `user_data` of `this` without taking a count: for cancel requests,
/// which only compare it.
pub(crate) fn user_data_of<T>(this: &Arc<Completable<T>>) -> u64 {
    Arc::as_ptr(this) as u64
}

/// Delivers a completion whose `user_data` is a pointer.
///
/// # Safety
///
/// `user_data` must come from [`into_user_data`] and its count must not have
/// been given back yet (rules 1 and 2).
pub(crate) unsafe fn dispatch(user_data: u64, result: i32, flags: u32, cx: &mut ReapContext<'_>) {
    let header = user_data as *const Header;
    // SAFETY: by rule 4 the pointer addresses a live header (its count keeps
    // it alive, rule 2).
    let deliver = unsafe { (*header).deliver };
    // SAFETY: `deliver` was made for this allocation's `T` (rule 4).
    unsafe { deliver(header, result, flags, cx) }
}

unsafe fn deliver<T: Complete>(
    header: *const Header,
    result: i32,
    flags: u32,
    cx: &mut ReapContext<'_>,
) {
    // SAFETY: rule 4: the header is the start of a live `Completable<T>`
    // whose pointer came from `Arc::into_raw` (rule 1); the count it owns
    // (rule 2) is borrowed here and given back below only on the last
    // completion.
    let this = ManuallyDrop::new(unsafe { Arc::from_raw(header.cast::<Completable<T>>()) });
    T::complete(&this, result, flags, cx);
    if !cqueue::more(flags) {
        drop(ManuallyDrop::into_inner(this));
    }
}
