//! A condition that many tasks wait for: a lock around the state the
//! condition depends on, and an intrusive list of the tasks waiting.
//!
//! Used for everything in the channels that several tasks may wait for at
//! once: senders waiting for an `mpsc` receiver to close, `broadcast`
//! receivers waiting for a value, `watch` receivers waiting for a change,
//! and senders waiting for the last receiver to go.
//!
//! A waiting future holds a [`Listener`] (a [`Waiter`] node, so waiting
//! allocates nothing). [`Listener::poll_locked`] checks the condition under
//! the lock and queues the node if it is false; whoever makes the condition
//! true does so before it calls [`SignalGuard::notify_all`], which wakes every
//! listener queued at that moment. Checking and queueing under the same lock
//! that `notify_all` takes means no wake-up is lost.
//!
//! `notify_all` wakes waiters in batches, unlocking in between; a listener
//! that queues during a batch must not be woken by it (it saw the new state
//! already, and waking it again and again could go on forever). So each
//! node's payload is the *round* of the signal when it queued, and a
//! notification only wakes nodes queued in earlier rounds. The list is FIFO,
//! so those are all at its front.
//!
//! # The unsafe protocol
//!
//! Besides the rules of the [wait list](crate::sync::wait_list), which
//! `SAFETY:` comments here cite as "wait-list rule N":
//!
//! 1. **Pinning.** A listener's `waiter` is structurally pinned: it is only
//!    reached through `Pin` and never moved out.
//! 2. **One list.** A listener queues its waiter only on its own signal's
//!    list, under that signal's lock (wait-list rule 4).
//! 3. **Out before it goes.** `queued` is true from the push until the
//!    listener sees its node unlinked; while it is true, `Drop` removes the
//!    node under the lock unless `is_queued` shows it unlinked (wait-list
//!    rule 3).

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Poll, Waker};

use crate::loom::{lock, Mutex, MutexGuard};
use crate::sync::wait_list::{WaitList, Waiter, WakeList};

/// A state `S` behind a lock, and the tasks waiting for a condition on it.
pub(crate) struct Signal<S> {
    shared: Mutex<Shared<S>>,
}

struct Shared<S> {
    state: S,
    /// Each payload is the `round` in which the listener queued.
    waiters: WaitList<u64>,
    /// How many `notify_all` calls found listeners.
    round: u64,
}

/// The locked state of a [`Signal`].
pub(crate) struct SignalGuard<'a, S> {
    signal: &'a Signal<S>,
    guard: MutexGuard<'a, Shared<S>>,
}

impl<S> Signal<S> {
    pub(crate) fn new(state: S) -> Signal<S> {
        Signal {
            shared: Mutex::new(Shared {
                state,
                waiters: WaitList::new(),
                round: 0,
            }),
        }
    }

    pub(crate) fn lock(&self) -> SignalGuard<'_, S> {
        SignalGuard {
            signal: self,
            guard: lock(&self.shared),
        }
    }

    /// Wakes every listener queued now; call it after making the condition
    /// true.
    pub(crate) fn notify_all(&self) {
        self.lock().notify_all();
    }
}

impl<S> SignalGuard<'_, S> {
    /// Wakes every listener queued now, and unlocks. The wakers run with the
    /// lock released.
    pub(crate) fn notify_all(self) {
        let SignalGuard { signal, mut guard } = self;
        if guard.waiters.is_empty() {
            return;
        }
        guard.round += 1;
        let round = guard.round;
        let mut wakers = WakeList::new();
        loop {
            while !wakers.is_full() {
                let earlier = guard.waiters.with_front(|queued_in| *queued_in < round);
                if earlier != Some(true) {
                    break;
                }
                wakers.push(guard.waiters.pop_front().flatten());
            }
            let more = wakers.is_full();
            drop(guard);
            wakers.wake_all();
            if !more {
                return;
            }
            guard = lock(&signal.shared);
        }
    }
}

impl<S> Deref for SignalGuard<'_, S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.guard.state
    }
}

impl<S> DerefMut for SignalGuard<'_, S> {
    fn deref_mut(&mut self) -> &mut S {
        &mut self.guard.state
    }
}

/// One task's place among the waiters of a [`Signal`].
pub(crate) struct Listener<'a, S> {
    signal: &'a Signal<S>,
    /// The waiter was pushed and not seen unlinked since (rule 3).
    queued: bool,
    /// # Invariant
    /// Structurally pinned (rule 1); queued only on `signal`'s list
    /// (rule 2).
    waiter: Waiter<u64>,
}

impl<'a, S> Listener<'a, S> {
    pub(crate) fn new(signal: &'a Signal<S>) -> Listener<'a, S> {
        Listener {
            signal,
            queued: false,
            waiter: Waiter::new(0),
        }
    }

    /// `Ready` with what `ready` returns, once it returns `Some`; otherwise
    /// the listener waits (queued with `waker`) for the next `notify_all`.
    /// `ready` runs under the signal's lock, so a caller should check a
    /// lock-free version of the condition first where it has one.
    pub(crate) fn poll_locked<R>(
        self: Pin<&mut Self>,
        waker: &Waker,
        ready: impl FnOnce(&mut S) -> Option<R>,
    ) -> Poll<R> {
        // SAFETY: `waiter` is structurally pinned and never moved out
        // (rule 1); the other fields are plain data.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let waiter = unsafe { Pin::new_unchecked(&mut this.waiter) };
        let mut guard = lock(&this.signal.shared);
        let shared = &mut *guard;
        // Under the lock the flag cannot change (wait-list rule 2).
        let still_queued = this.queued && waiter.is_queued();
        if let Some(out) = ready(&mut shared.state) {
            if still_queued {
                // SAFETY: queued on this signal's list only (rule 2).
                unsafe { shared.waiters.remove(waiter) };
            }
            this.queued = false;
            return Poll::Ready(out);
        }
        if still_queued {
            // SAFETY: as above.
            unsafe { shared.waiters.set_waker(waiter, waker) };
        } else {
            // SAFETY: `Drop` removes the waiter before it goes unless it saw
            // it unlinked (rule 3), and it is queued on no other list
            // (rule 2).
            unsafe {
                shared
                    .waiters
                    .push_back(waiter, Some(waker.clone()), shared.round)
            };
            this.queued = true;
        }
        Poll::Pending
    }
}

impl<S> Drop for Listener<'_, S> {
    fn drop(&mut self) {
        if !self.queued || !self.waiter.is_queued() {
            return;
        }
        // SAFETY: dropped in place: the waiter was pinned and is not moved
        // (rule 1).
        let waiter = unsafe { Pin::new_unchecked(&mut self.waiter) };
        let mut shared = lock(&self.signal.shared);
        // SAFETY: queued on this signal's list or on none (rule 2).
        unsafe { shared.waiters.remove(waiter) };
    }
}

/// Several [`Signal`]s for one condition, one per group of threads: a
/// listener queues on the one of the thread it waits on, and a notifier
/// wakes them all. Listeners on different workers then do not contend for
/// one lock, which matters when many tasks wait on one channel (`watch`,
/// `broadcast`) and re-queue as soon as they are woken.
///
/// The condition lives outside (in atomics the listener reads under its
/// shard's lock): each shard on its own keeps `Signal`'s promise that no
/// wake-up is lost, as long as the notifier makes the condition true before
/// it calls [`notify_all`](Signals::notify_all).
pub(crate) struct Signals {
    shards: [Signal<()>; SHARDS],
}

/// Shards of a [`Signals`]; more than the workers of a typical machine
/// would only cost the notifier.
const SHARDS: usize = 8;

impl Signals {
    pub(crate) fn new() -> Signals {
        Signals {
            shards: std::array::from_fn(|_| Signal::new(())),
        }
    }

    /// The shard a listener on this thread queues on.
    pub(crate) fn here(&self) -> &Signal<()> {
        use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        std::thread_local! {
            static SHARD: usize = NEXT.fetch_add(1, Relaxed) % SHARDS;
        }
        &self.shards[SHARD.with(|shard| *shard)]
    }

    /// Wakes every listener queued now on any shard.
    pub(crate) fn notify_all(&self) {
        for shard in &self.shards {
            shard.notify_all();
        }
    }
}

impl fmt::Debug for Signals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signals").finish_non_exhaustive()
    }
}

impl<S> fmt::Debug for Signal<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal").finish_non_exhaustive()
    }
}

impl<S> fmt::Debug for Listener<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listener")
            .field("queued", &self.queued)
            .finish()
    }
}
