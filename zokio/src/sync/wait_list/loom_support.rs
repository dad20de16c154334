//! Helpers for the loom models of the primitives built on the wait list:
//! wakers that unpark a loom thread or count their wake-ups, and a
//! `block_on` that parks between polls.

use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread::{self, Thread};

/// What a waker made here does when woken.
enum Target {
    /// Unparks a loom thread.
    Thread(Thread),
    /// Counts the wake-ups, for futures that are only polled by hand.
    Count(AtomicUsize),
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

// The data pointer of every waker made here comes from `Arc::into_raw` of a
// loom `Arc<Target>` (so that loom reports a leaked waker), and each waker
// owns one count of it.
unsafe fn clone(ptr: *const ()) -> RawWaker {
    // SAFETY: see above; the clone owns the new count.
    unsafe { Arc::increment_strong_count(ptr as *const Target) };
    RawWaker::new(ptr, &VTABLE)
}

unsafe fn wake(ptr: *const ()) {
    // SAFETY: see above; this consumes the waker's count.
    let target = unsafe { Arc::from_raw(ptr as *const Target) };
    fire(&target);
}

unsafe fn wake_by_ref(ptr: *const ()) {
    // SAFETY: see above; the waker's count keeps the target alive.
    fire(unsafe { &*(ptr as *const Target) });
}

unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: see above; this gives the waker's count up.
    drop(unsafe { Arc::from_raw(ptr as *const Target) });
}

fn fire(target: &Target) {
    match target {
        Target::Thread(thread) => thread.unpark(),
        Target::Count(count) => {
            count.fetch_add(1, SeqCst);
        }
    }
}

fn waker_for(target: Arc<Target>) -> Waker {
    let data = Arc::into_raw(target) as *const ();
    // SAFETY: the vtable keeps the `Arc` count as described above.
    unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) }
}

/// A waker that unparks the calling loom thread.
pub(crate) fn thread_waker() -> Waker {
    waker_for(Arc::new(Target::Thread(thread::current())))
}

/// A waker that counts its wake-ups, and the count.
pub(crate) fn counting_waker() -> (Waker, impl Fn() -> usize) {
    let target = Arc::new(Target::Count(AtomicUsize::new(0)));
    let count = target.clone();
    let read = move || match &*count {
        Target::Count(n) => n.load(SeqCst),
        Target::Thread(_) => unreachable!(),
    };
    (waker_for(target), read)
}

/// Polls `future` on this loom thread until it completes, parking between
/// polls; `waker` must unpark this thread (see [`thread_waker`]).
pub(crate) fn block_on<F: Future>(waker: &Waker, future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(waker);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        thread::park();
    }
}

/// Polls `future` once with `waker`.
pub(crate) fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}
