//! The slow paths: queueing, assigning released permits to waiters, closing,
//! and the future that waits for permits.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

use super::error::{AcquireError, TryAcquireError};
use super::state::{AcquireOrQueue, Release, TryAcquire};
use super::Semaphore;
use crate::loom::{lock, MutexGuard};
use crate::runtime::coop;
use crate::sync::wait_list::{WaitList, Waiter, WakeList};

/// What a queued acquire asked for and has got so far: the payload of its
/// wait-list node.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request {
    /// Permits asked for.
    wanted: usize,
    /// Permits still missing; `wanted - remaining` were assigned to it.
    /// Only the first waiter ever has some assigned (FIFO).
    remaining: usize,
    /// Unlinked by `close`, which took its assigned permits back.
    closed: bool,
}

/// Waits for `wanted` permits of a semaphore; made by
/// [`Semaphore::acquire_permits`]. On `Ok` the caller owns the permits and
/// must release them (the permit types do it when dropped).
///
/// Dropping it while it waits gives up its place in the queue and hands the
/// permits already assigned to it on to the next waiters.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub(crate) struct Acquire<'a> {
    semaphore: &'a Semaphore,
    wanted: usize,
    phase: Phase,
    /// # Invariant
    /// Structurally pinned (rule 1 of the [module](super)); queued only
    /// while `phase` is `Queued` (rule 3).
    waiter: Waiter<Request>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Not polled yet, or polled only while the coop budget was spent.
    Idle,
    /// The waiter was pushed; it may have been unlinked since.
    Queued,
    /// Completed; the output was handed out.
    Done,
}

impl Semaphore {
    /// A future that takes `wanted` permits, waiting in line for them.
    pub(crate) fn acquire_permits(&self, wanted: usize) -> Acquire<'_> {
        Acquire {
            semaphore: self,
            wanted,
            phase: Phase::Idle,
            waiter: Waiter::new(Request {
                wanted,
                remaining: wanted,
                closed: false,
            }),
        }
    }

    /// Takes `n` permits if they are free and nobody waits ahead.
    pub(crate) fn try_acquire_permits(&self, n: usize) -> Result<(), TryAcquireError> {
        match self.state.try_acquire(n) {
            TryAcquire::Acquired => Ok(()),
            TryAcquire::NoPermits => Err(TryAcquireError::NoPermits),
            TryAcquire::Closed => Err(TryAcquireError::Closed),
        }
    }

    /// Gives `n` permits back: to the waiters first, in order, then to the
    /// free pool.
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        if let Release::Contended = self.state.release(n) {
            self.release_locked(lock(&self.waiters), n);
        }
    }

    /// Assigns `n` permits to the waiters in order, waking each one that has
    /// all it wanted; frees the rest, and clears `WAITERS` if the list is
    /// empty. Wakes outside the lock. Also used with `n == 0` after a waiter
    /// left the list, to keep `WAITERS` true to the list.
    fn release_locked<'a>(&'a self, mut list: MutexGuard<'a, WaitList<Request>>, mut n: usize) {
        let mut wakers = WakeList::new();
        loop {
            // Once closed, nobody is served: close empties the list.
            if !self.state.load().is_closed() {
                while !wakers.is_full() {
                    let satisfied = list.with_front(|request| {
                        let given = request.remaining.min(n);
                        request.remaining -= given;
                        n -= given;
                        request.remaining == 0
                    });
                    if satisfied != Some(true) {
                        break;
                    }
                    wakers.push(list.pop_front().flatten());
                }
            }
            let done = !wakers.is_full() || list.is_empty();
            if done {
                self.state.settle(n, !list.is_empty());
            }
            drop(list);
            wakers.wake_all();
            if done {
                return;
            }
            list = lock(&self.waiters);
        }
    }

    /// Closes the semaphore and fails every waiter, taking back the permits
    /// assigned to them.
    pub(super) fn close_and_drain(&self) {
        let mut list = lock(&self.waiters);
        // Under the lock, so that no acquire queues after the drain.
        let _ = self.state.close();
        let mut wakers = WakeList::new();
        loop {
            let mut reclaimed = 0;
            while !wakers.is_full() {
                let assigned = list.with_front(|request| {
                    request.closed = true;
                    request.wanted - request.remaining
                });
                let Some(assigned) = assigned else { break };
                reclaimed += assigned;
                wakers.push(list.pop_front().flatten());
            }
            let empty = list.is_empty();
            self.state.settle(reclaimed, !empty);
            drop(list);
            wakers.wake_all();
            if empty {
                return;
            }
            list = lock(&self.waiters);
        }
    }

    /// First poll that found no free permits: queues, unless the lock shows
    /// enough permits after all, or a close.
    fn queue(
        &self,
        waiter: Pin<&mut Waiter<Request>>,
        wanted: usize,
        waker: &Waker,
    ) -> Poll<Result<(), AcquireError>> {
        let mut list = lock(&self.waiters);
        match self.state.acquire_or_queue(wanted) {
            AcquireOrQueue::Acquired => Poll::Ready(Ok(())),
            AcquireOrQueue::Closed => Poll::Ready(Err(AcquireError(()))),
            AcquireOrQueue::Queue { remaining } => {
                let request = Request {
                    wanted,
                    remaining,
                    closed: false,
                };
                // SAFETY: the `Acquire` that owns `waiter` removes it from
                // this list before it is dropped (rule 3), and queues it on
                // no other list (rule 2).
                unsafe { list.push_back(waiter, Some(waker.clone()), request) };
                Poll::Pending
            }
        }
    }

    /// Poll of a queued waiter: the outcome if it was unlinked, otherwise
    /// the waker is brought up to date.
    fn poll_queued(
        &self,
        mut waiter: Pin<&mut Waiter<Request>>,
        waker: &Waker,
    ) -> Poll<Result<(), AcquireError>> {
        if waiter.is_queued() {
            let mut list = lock(&self.waiters);
            // SAFETY: the waiter is queued on this semaphore's list or on
            // none (rule 2).
            if unsafe { list.set_waker(waiter.as_mut(), waker) } {
                return Poll::Pending;
            }
        }
        let closed = waiter
            .with_payload(|request| request.closed)
            .expect("an unlinked waiter is its owner's");
        Poll::Ready(if closed {
            Err(AcquireError(()))
        } else {
            Ok(())
        })
    }
}

impl Future for Acquire<'_> {
    type Output = Result<(), AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let coop = ready!(coop::poll_proceed(cx));
        // SAFETY: `waiter` is structurally pinned and never moved out of
        // `self` (rule 1); the other fields are plain data.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let waiter = unsafe { Pin::new_unchecked(&mut this.waiter) };
        let outcome = match this.phase {
            Phase::Idle => match this.semaphore.state.try_acquire(this.wanted) {
                TryAcquire::Acquired => Poll::Ready(Ok(())),
                TryAcquire::Closed => Poll::Ready(Err(AcquireError(()))),
                TryAcquire::NoPermits => {
                    let outcome = this.semaphore.queue(waiter, this.wanted, cx.waker());
                    if outcome.is_pending() {
                        this.phase = Phase::Queued;
                    }
                    outcome
                }
            },
            Phase::Queued => this.semaphore.poll_queued(waiter, cx.waker()),
            Phase::Done => panic!("`Acquire` polled after completion"),
        };
        if outcome.is_ready() {
            this.phase = Phase::Done;
            coop.made_progress();
        }
        outcome
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        if self.phase != Phase::Queued {
            return;
        }
        // SAFETY: `self` is being dropped in place: the waiter was pinned
        // and is not moved (rule 1).
        let mut waiter = unsafe { Pin::new_unchecked(&mut self.waiter) };
        let semaphore = self.semaphore;
        if waiter.is_queued() {
            let mut list = lock(&semaphore.waiters);
            // SAFETY: the waiter is queued on this semaphore's list or on
            // none (rule 2).
            if unsafe { list.remove(waiter.as_mut()) } {
                let assigned = waiter
                    .as_mut()
                    .with_payload(|request| request.wanted - request.remaining)
                    .expect("a removed waiter is its owner's");
                // Hands them to the next in line, and keeps `WAITERS` true.
                semaphore.release_locked(list, assigned);
                return;
            }
        }
        // Unlinked before we looked: it got every permit it wanted (which
        // nobody will use now), or it was closed and gave them back.
        let request = waiter
            .with_payload(|request| *request)
            .expect("an unlinked waiter is its owner's");
        if !request.closed {
            semaphore.release(request.wanted);
        }
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("wanted", &self.wanted)
            .field("phase", &self.phase)
            .finish()
    }
}
