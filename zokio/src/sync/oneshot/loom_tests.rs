//! Loom models of the oneshot protocol: every interleaving of the two sides.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p zokio --lib --release loom`.
//! Loom reports a leaked channel (the `Track` in `Inner`), a leaked waker
//! (the wakers of `block_on` below are loom `Arc`s) and every unsynchronised
//! access to the cells.

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread::{self, Thread};

use super::error::TryRecvError;
use super::{channel, Receiver};

/// Counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counted() -> (Arc<AtomicUsize>, Counted) {
    let drops = Arc::new(AtomicUsize::new(0));
    (drops.clone(), Counted(drops))
}

/// A waker that does nothing, to register a first waker that a later poll
/// replaces.
fn noop_waker() -> Waker {
    const VTABLE: RawWakerVTable = RawWakerVTable::new(
        |_| RawWaker::new(std::ptr::null(), &VTABLE),
        |_| {},
        |_| {},
        |_| {},
    );
    // SAFETY: every function of the vtable ignores the data pointer.
    unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) }
}

static THREAD_WAKER: RawWakerVTable =
    RawWakerVTable::new(clone_thread, wake_thread, wake_thread_by_ref, drop_thread);

// The data pointer of a thread waker comes from `Arc::<Thread>::into_raw`, and
// each waker owns one count of that `Arc`.
unsafe fn clone_thread(ptr: *const ()) -> RawWaker {
    // SAFETY: see above; the clone gets its own count.
    unsafe { Arc::increment_strong_count(ptr as *const Thread) };
    RawWaker::new(ptr, &THREAD_WAKER)
}

unsafe fn wake_thread(ptr: *const ()) {
    // SAFETY: see above; this consumes the waker's count.
    unsafe { Arc::from_raw(ptr as *const Thread) }.unpark();
}

unsafe fn wake_thread_by_ref(ptr: *const ()) {
    // SAFETY: see above; the waker's count keeps the thread handle alive.
    unsafe { &*(ptr as *const Thread) }.unpark();
}

unsafe fn drop_thread(ptr: *const ()) {
    // SAFETY: see above; this gives the waker's count up.
    drop(unsafe { Arc::from_raw(ptr as *const Thread) });
}

/// A waker that unparks this loom thread.
fn thread_waker() -> Waker {
    let data = Arc::into_raw(Arc::new(thread::current())) as *const ();
    // SAFETY: the vtable's functions keep the `Arc` count (see above).
    unsafe { Waker::from_raw(RawWaker::new(data, &THREAD_WAKER)) }
}

/// Polls `future` on this loom thread, parking between polls; `waker` must
/// unpark this thread. Making the waker before the other threads start
/// leaves no loom operation between their start and the first poll, which
/// lets loom explore more orders.
fn block_on<F: Future>(waker: &Waker, future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(waker);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        thread::park();
    }
}

fn poll_with<T>(rx: &mut Receiver<T>, waker: &Waker) -> Poll<Result<T, super::error::RecvError>> {
    Pin::new(rx).poll(&mut Context::from_waker(waker))
}

#[test]
fn loom_send_vs_recv() {
    loom::model(|| {
        let waker = thread_waker();
        let (drops, value) = counted();
        let (tx, rx) = channel();
        let sender = thread::spawn(move || {
            assert!(tx.send(value).is_ok());
        });
        let received = block_on(&waker, rx).expect("the value arrives");
        drop(received);
        sender.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
    });
}

#[test]
fn loom_send_vs_receiver_drop() {
    loom::model(|| {
        let (drops, value) = counted();
        let (tx, rx) = channel();
        let sender = thread::spawn(move || match tx.send(value) {
            Ok(()) => {}
            Err(back) => drop(back),
        });
        drop(rx);
        sender.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
    });
}

#[test]
fn loom_send_vs_waiting_receiver_drop() {
    loom::model(|| {
        let waker = thread_waker();
        let (drops, value) = counted();
        let (tx, mut rx) = channel();
        let sender = thread::spawn(move || {
            let _ = tx.send(value);
        });
        // Registers a waker (or finds the value), then gives up.
        let _ = poll_with(&mut rx, &waker);
        drop(rx);
        sender.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
    });
}

#[test]
fn loom_sender_drop_vs_recv() {
    loom::model(|| {
        let waker = thread_waker();
        let (tx, rx) = channel::<Counted>();
        let sender = thread::spawn(move || drop(tx));
        assert!(block_on(&waker, rx).is_err());
        sender.join().unwrap();
    });
}

#[test]
fn loom_sender_drop_vs_receiver_drop() {
    loom::model(|| {
        let waker = thread_waker();
        let (tx, mut rx) = channel::<Counted>();
        let sender = thread::spawn(move || drop(tx));
        let _ = poll_with(&mut rx, &waker);
        drop(rx);
        sender.join().unwrap();
    });
}

#[test]
fn loom_receiver_changes_waker_while_sending() {
    loom::model(|| {
        let waker = thread_waker();
        let (tx, mut rx) = channel();
        let sender = thread::spawn(move || tx.send(1u8).unwrap());
        // The first poll may publish a no-op waker; `block_on` then has to
        // replace it, racing with the send.
        match poll_with(&mut rx, &noop_waker()) {
            Poll::Ready(value) => assert_eq!(value, Ok(1)),
            Poll::Pending => assert_eq!(block_on(&waker, rx), Ok(1)),
        }
        sender.join().unwrap();
    });
}

#[test]
fn loom_close_vs_send() {
    loom::model(|| {
        let (drops, value) = counted();
        let (tx, mut rx) = channel();
        let sender = thread::spawn(move || tx.send(value).is_ok());
        rx.close();
        let received = rx.try_recv();
        let sent = sender.join().unwrap();
        match received {
            // A value sent before `close` is still received.
            Ok(value) => {
                assert!(sent);
                drop(value);
            }
            // Otherwise the send, before or after `try_recv`, failed.
            Err(TryRecvError::Closed) => assert!(!sent),
            Err(TryRecvError::Empty) => unreachable!("a closed channel is never empty"),
        }
        drop(rx);
        assert_eq!(drops.load(SeqCst), 1);
    });
}

#[test]
fn loom_closed_vs_receiver_drop() {
    loom::model(|| {
        let waker = thread_waker();
        let (mut tx, rx) = channel::<u8>();
        let receiver = thread::spawn(move || drop(rx));
        block_on(&waker, tx.closed());
        assert!(tx.is_closed());
        receiver.join().unwrap();
    });
}

#[test]
fn loom_closed_vs_close() {
    loom::model(|| {
        let waker = thread_waker();
        let (mut tx, mut rx) = channel::<u8>();
        let receiver = thread::spawn(move || {
            rx.close();
            rx
        });
        block_on(&waker, tx.closed());
        assert_eq!(tx.send(1), Err(1));
        let mut rx = receiver.join().unwrap();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn loom_closed_changes_waker_vs_receiver_drop() {
    loom::model(|| {
        let waker = thread_waker();
        let (mut tx, rx) = channel::<u8>();
        let receiver = thread::spawn(move || drop(rx));
        let noop = noop_waker();
        let first = tx.poll_closed(&mut Context::from_waker(&noop));
        if first.is_pending() {
            block_on(&waker, poll_fn(|cx| tx.poll_closed(cx)));
        }
        receiver.join().unwrap();
    });
}
