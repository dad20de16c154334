//! A counting semaphore with strictly fair (FIFO) waiting.
//!
//! # Implementation
//!
//! A semaphore is a state word (free permits and two flags, described in
//! `sync/semaphore/state.rs`) and a [wait list](crate::sync::wait_list) of
//! acquires that found too few free permits. While anybody waits there are
//! no free permits: a release takes the list's lock and assigns its permits
//! to the waiters in order, the first one first, even partially — so a
//! waiter that asks for many permits holds back the smaller requests behind
//! it, and nobody overtakes. With nobody waiting, acquiring and releasing
//! are one compare-and-swap each, without the lock.
//!
//! A waiting acquire that is dropped takes the lock, leaves the list and
//! gives the permits already assigned to it to the next waiters; if it was
//! unlinked with all its permits before it could see them, it releases them
//! all. No permit is ever lost.
//!
//! ## The unsafe protocol
//!
//! Besides the rules of the wait list, which the `SAFETY:` comments here
//! cite as "wait-list rule N", every `SAFETY:` comment in this module cites
//! one of these:
//!
//! 1. **Pinning.** The `waiter` of an `Acquire` future is structurally
//!    pinned: it is only reached through `Pin` and never moved out.
//! 2. **One list.** An `Acquire` queues its waiter only on its own
//!    semaphore's list, under that list's lock (wait-list rule 4).
//! 3. **Out before it goes.** An `Acquire` pushes its waiter only when it
//!    enters the `Queued` phase, and its `Drop` in that phase removes it
//!    under the lock unless `is_queued` showed it unlinked (wait-list rule
//!    3). In any other phase the waiter is not queued.

mod acquire;
mod error;
mod permit;
mod state;

#[cfg(all(test, loom))]
mod loom_tests;

pub use error::{AcquireError, TryAcquireError};
pub use permit::{OwnedSemaphorePermit, SemaphorePermit};

use std::fmt;
use std::sync::Arc;

use crate::loom::Mutex;
use crate::sync::wait_list::WaitList;
use acquire::Request;
use state::State;

/// A counting semaphore: a pool of permits that tasks acquire, wait for
/// when none are left, and give back.
///
/// Waiting is fair: tasks get their permits in the order they asked, and a
/// task asking for many permits makes later tasks wait behind it even if
/// they need fewer. An acquire that is dropped while it waits gives up its
/// place and passes on any permits already assigned to it.
///
/// A semaphore can be [closed](Semaphore::close): waiting tasks then get
/// [`AcquireError`], and so does every later acquire.
///
/// ```
/// use zokio::sync::{Semaphore, TryAcquireError};
///
/// #[zokio::main]
/// async fn main() {
///     let semaphore = Semaphore::new(3);
///
///     let a_permit = semaphore.acquire().await.unwrap();
///     let two_permits = semaphore.acquire_many(2).await.unwrap();
///
///     assert_eq!(semaphore.available_permits(), 0);
///
///     let permit_attempt = semaphore.try_acquire();
///     assert_eq!(permit_attempt.err(), Some(TryAcquireError::NoPermits));
/// }
/// ```
///
/// To limit how many tasks run a section at once, share the semaphore in
/// an [`Arc`] and move an owned permit into each task:
///
/// ```
/// use std::sync::Arc;
/// use zokio::sync::Semaphore;
///
/// #[zokio::main]
/// async fn main() {
///     let semaphore = Arc::new(Semaphore::new(3));
///     let mut tasks = Vec::new();
///     for i in 0..10 {
///         let permit = semaphore.clone().acquire_owned().await.unwrap();
///         tasks.push(zokio::spawn(async move {
///             // at most 3 of these run at a time
///             let _permit = permit;
///             i * 2
///         }));
///     }
///     for task in tasks {
///         task.await.unwrap();
///     }
/// }
/// ```
pub struct Semaphore {
    state: State,
    waiters: Mutex<WaitList<Request>>,
}

impl Semaphore {
    /// The most permits a semaphore can hold: `usize::MAX >> 3`. Creating
    /// one with more, or adding past it, panics.
    pub const MAX_PERMITS: usize = state::MAX_PERMITS;

    /// A semaphore with `permits` permits.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`MAX_PERMITS`](Self::MAX_PERMITS).
    ///
    /// ```
    /// use zokio::sync::Semaphore;
    ///
    /// let semaphore = Semaphore::new(5);
    /// assert_eq!(semaphore.available_permits(), 5);
    /// ```
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            state: State::new(permits),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// A semaphore with `permits` permits, usable in a `static`.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`MAX_PERMITS`](Self::MAX_PERMITS) (at compile
    /// time in a `const` context).
    ///
    /// ```
    /// use zokio::sync::Semaphore;
    ///
    /// static CONNECTIONS: Semaphore = Semaphore::const_new(10);
    /// assert_eq!(CONNECTIONS.available_permits(), 10);
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new(permits: usize) -> Semaphore {
        Semaphore {
            state: State::new(permits),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// How many permits are free right now.
    ///
    /// ```
    /// use zokio::sync::Semaphore;
    ///
    /// let semaphore = Semaphore::new(2);
    /// let _permit = semaphore.try_acquire().unwrap();
    /// assert_eq!(semaphore.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.state.load().permits()
    }

    /// Adds `n` permits. They go to the waiting tasks first, in order.
    ///
    /// # Panics
    ///
    /// If the free permits would exceed [`MAX_PERMITS`](Self::MAX_PERMITS).
    ///
    /// ```
    /// use zokio::sync::Semaphore;
    ///
    /// let semaphore = Semaphore::new(0);
    /// semaphore.add_permits(2);
    /// assert_eq!(semaphore.available_permits(), 2);
    /// ```
    pub fn add_permits(&self, n: usize) {
        self.release(n);
    }

    /// Removes up to `n` free permits from the semaphore for good; returns
    /// how many it removed. Permits held or assigned to waiting tasks are
    /// not touched.
    ///
    /// ```
    /// use zokio::sync::Semaphore;
    ///
    /// let semaphore = Semaphore::new(5);
    /// assert_eq!(semaphore.forget_permits(2), 2);
    /// assert_eq!(semaphore.forget_permits(10), 3);
    /// assert_eq!(semaphore.available_permits(), 0);
    /// ```
    pub fn forget_permits(&self, n: usize) -> usize {
        self.state.forget(n)
    }

    /// Waits for a permit.
    ///
    /// Fails with [`AcquireError`] if the semaphore is closed, before or
    /// while waiting.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, and fair: dropping the future gives up its place in the
    /// queue; a permit already assigned to it goes to the next waiter.
    ///
    /// ```
    /// use zokio::sync::Semaphore;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let semaphore = Semaphore::new(2);
    ///     let permit_1 = semaphore.acquire().await.unwrap();
    ///     assert_eq!(semaphore.available_permits(), 1);
    ///     let permit_2 = semaphore.acquire().await.unwrap();
    ///     assert_eq!(semaphore.available_permits(), 0);
    ///     drop(permit_1);
    ///     assert_eq!(semaphore.available_permits(), 1);
    /// }
    /// ```
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.acquire_permits(1).await?;
        Ok(SemaphorePermit {
            semaphore: self,
            permits: 1,
        })
    }

    /// Waits for `n` permits, all at once. Until it has them, later
    /// acquires wait behind it.
    ///
    /// Fails with [`AcquireError`] if the semaphore is closed, before or
    /// while waiting.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, and fair: dropping the future gives up its place in the
    /// queue, and the permits already assigned to it go to the next
    /// waiters.
    ///
    /// ```
    /// use zokio::sync::Semaphore;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let semaphore = Semaphore::new(5);
    ///     let permit = semaphore.acquire_many(3).await.unwrap();
    ///     assert_eq!(semaphore.available_permits(), 2);
    ///     drop(permit);
    /// }
    /// ```
    pub async fn acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.acquire_permits(n as usize).await?;
        Ok(SemaphorePermit {
            semaphore: self,
            permits: n,
        })
    }

    /// Takes a permit if one is free and no task waits ahead.
    ///
    /// ```
    /// use zokio::sync::{Semaphore, TryAcquireError};
    ///
    /// let semaphore = Semaphore::new(1);
    /// let permit = semaphore.try_acquire().unwrap();
    /// assert_eq!(semaphore.try_acquire().err(), Some(TryAcquireError::NoPermits));
    /// drop(permit);
    /// assert!(semaphore.try_acquire().is_ok());
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and no task waits ahead.
    ///
    /// ```
    /// use zokio::sync::{Semaphore, TryAcquireError};
    ///
    /// let semaphore = Semaphore::new(4);
    /// let permit = semaphore.try_acquire_many(3).unwrap();
    /// assert_eq!(semaphore.try_acquire_many(2).err(), Some(TryAcquireError::NoPermits));
    /// ```
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_permits(n as usize)?;
        Ok(SemaphorePermit {
            semaphore: self,
            permits: n,
        })
    }

    /// Waits for a permit that keeps the semaphore alive: the permit owns
    /// an [`Arc`] of it instead of borrowing it, so it can move into a
    /// spawned task.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, and fair: dropping the future gives up its place in the
    /// queue; a permit already assigned to it goes to the next waiter.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::Semaphore;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let semaphore = Arc::new(Semaphore::new(1));
    ///     let permit = semaphore.clone().acquire_owned().await.unwrap();
    ///     zokio::spawn(async move { drop(permit) }).await.unwrap();
    ///     assert_eq!(semaphore.available_permits(), 1);
    /// }
    /// ```
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.acquire_many_owned(1).await
    }

    /// Waits for `n` permits that keep the semaphore alive (see
    /// [`acquire_owned`](Self::acquire_owned)).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, and fair: dropping the future gives up its place in the
    /// queue, and the permits already assigned to it go to the next
    /// waiters.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::Semaphore;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let semaphore = Arc::new(Semaphore::new(10));
    ///     let permit = semaphore.clone().acquire_many_owned(6).await.unwrap();
    ///     assert_eq!(semaphore.available_permits(), 4);
    ///     drop(permit);
    /// }
    /// ```
    pub async fn acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.acquire_permits(n as usize).await?;
        Ok(OwnedSemaphorePermit {
            semaphore: self,
            permits: n,
        })
    }

    /// Takes a permit that keeps the semaphore alive, if one is free and no
    /// task waits ahead.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::Semaphore;
    ///
    /// let semaphore = Arc::new(Semaphore::new(1));
    /// let permit = semaphore.clone().try_acquire_owned().unwrap();
    /// assert!(semaphore.clone().try_acquire_owned().is_err());
    /// drop(permit);
    /// assert!(semaphore.try_acquire_owned().is_ok());
    /// ```
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// Takes `n` permits that keep the semaphore alive, if they are free
    /// and no task waits ahead.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::Semaphore;
    ///
    /// let semaphore = Arc::new(Semaphore::new(4));
    /// let permit = semaphore.clone().try_acquire_many_owned(3).unwrap();
    /// assert_eq!(permit.num_permits(), 3);
    /// assert!(semaphore.try_acquire_many_owned(2).is_err());
    /// ```
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_permits(n as usize)?;
        Ok(OwnedSemaphorePermit {
            semaphore: self,
            permits: n,
        })
    }

    /// Closes the semaphore: every waiting acquire fails with
    /// [`AcquireError`], and so does every later one (`try_acquire` with
    /// [`TryAcquireError::Closed`]). Permits already held stay valid and
    /// come back as usual; permits can still be added.
    ///
    /// ```
    /// use zokio::sync::{Semaphore, TryAcquireError};
    ///
    /// let semaphore = Semaphore::new(1);
    /// semaphore.close();
    /// assert!(semaphore.is_closed());
    /// assert_eq!(semaphore.try_acquire().err(), Some(TryAcquireError::Closed));
    /// ```
    pub fn close(&self) {
        self.close_and_drain();
    }

    /// Whether [`close`](Self::close) was called.
    ///
    /// ```
    /// use zokio::sync::Semaphore;
    ///
    /// let semaphore = Semaphore::new(1);
    /// assert!(!semaphore.is_closed());
    /// semaphore.close();
    /// assert!(semaphore.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.state.load().is_closed()
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.load();
        f.debug_struct("Semaphore")
            .field("permits", &state.permits())
            .field("closed", &state.is_closed())
            .field("waiters", &state.has_waiters())
            .finish()
    }
}
