//! An asynchronous, fair mutex.
//!
//! # Implementation
//!
//! A mutex is a [`Semaphore`] with one permit and a cell holding the data.
//! Locking acquires the permit (one compare-and-swap when the mutex is
//! free, no lock); unlocking releases it (one compare-and-swap when nobody
//! waits), or hands it straight to the first waiting task. Waiters are
//! served in the order they started waiting.
//!
//! The cell is a `std` `UnsafeCell`, not the loom shim's: guards hand out
//! references that live as long as they do, which loom's closure-based cell
//! cannot express. The semaphore that orders the accesses is modelled.
//!
//! ## The unsafe protocol
//!
//! Every `SAFETY:` comment in this module and its guard modules cites one
//! of these rules.
//!
//! 1. **One guard at a time.** The data is reached only through `&mut
//!    Mutex`, by value, or through a guard, and a guard exists only while
//!    it holds the semaphore's single permit, which it releases when it
//!    drops (and not before). So at most one guard exists, and the
//!    permit's hand-over (an `AcqRel` read-modify-write of the semaphore's
//!    state, or its wait-list lock) orders each holder's accesses after
//!    the previous holder's.
//! 2. **Mapped guards** keep a pointer derived from the exclusive
//!    reference of the guard they came from, together with that guard's
//!    permit; the pointer is valid while they hold the permit.
//! 3. **Owned guards** hold an `Arc` of the mutex, so the data outlives
//!    them; a guard that is turned into another moves its `Arc` and permit
//!    into it without releasing.

mod guard;
mod owned_guard;

pub use guard::{MappedMutexGuard, MutexGuard};
pub use owned_guard::{OwnedMappedMutexGuard, OwnedMutexGuard};

use std::cell::UnsafeCell;
use std::fmt;
use std::sync::Arc;

use crate::runtime::context;
use crate::runtime::thread_park::ThreadPark;
use crate::sync::Semaphore;

/// An asynchronous mutual-exclusion lock for data shared between tasks.
///
/// [`lock`](Mutex::lock) waits without blocking the thread, and the guard
/// may be held across an `.await`, unlike `std::sync::Mutex`'s. Waiting is
/// fair: tasks get the lock in the order they asked for it. There is no
/// poisoning: a task that panics while holding the guard releases the lock
/// as it unwinds.
///
/// For data that is only touched briefly and never across an `.await`, a
/// `std::sync::Mutex` is cheaper; this one is for holding the lock while
/// waiting for something else, such as I/O.
///
/// ```
/// use std::sync::Arc;
/// use zokio::sync::Mutex;
///
/// #[zokio::main]
/// async fn main() {
///     let count = Arc::new(Mutex::new(0));
///     let mut tasks = Vec::new();
///     for _ in 0..5 {
///         let count = count.clone();
///         tasks.push(zokio::spawn(async move {
///             for _ in 0..10 {
///                 let mut lock = count.lock().await;
///                 *lock += 1;
///             }
///         }));
///     }
///     for task in tasks {
///         task.await.unwrap();
///     }
///     assert_eq!(*count.lock().await, 50);
/// }
/// ```
pub struct Mutex<T: ?Sized> {
    semaphore: Semaphore,
    /// # Invariant
    /// Accessed as rule 1 says.
    data: UnsafeCell<T>,
}

// SAFETY: through `&Mutex` the data is reached by one guard at a time
// (rule 1), which may be on any thread: `T: Send` suffices, as for
// `std::sync::Mutex`.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

/// The mutex was locked; returned by `try_lock` (and by the `try_*`
/// methods of [`RwLock`](crate::sync::RwLock)).
///
/// ```
/// use zokio::sync::Mutex;
///
/// let mutex = Mutex::new(1);
/// let _guard = mutex.try_lock().unwrap();
/// let err = mutex.try_lock().unwrap_err();
/// assert_eq!(err.to_string(), "operation would block");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TryLockError(pub(crate) ());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block")
    }
}

impl std::error::Error for TryLockError {}

impl<T> Mutex<T> {
    /// An unlocked mutex holding `value`.
    ///
    /// ```
    /// use zokio::sync::Mutex;
    ///
    /// let lock = Mutex::new(5);
    /// ```
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            semaphore: Semaphore::new(1),
            data: UnsafeCell::new(value),
        }
    }

    /// An unlocked mutex holding `value`, usable in a `static`.
    ///
    /// ```
    /// use zokio::sync::Mutex;
    ///
    /// static LOCK: Mutex<i32> = Mutex::const_new(5);
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new(value: T) -> Mutex<T> {
        Mutex {
            semaphore: Semaphore::const_new(1),
            data: UnsafeCell::new(value),
        }
    }

    /// Takes the data out of the mutex.
    ///
    /// ```
    /// use zokio::sync::Mutex;
    ///
    /// let mutex = Mutex::new(1);
    /// assert_eq!(mutex.into_inner(), 1);
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Waits for the lock and returns a guard that gives access to the
    /// data and unlocks when dropped.
    ///
    /// Tasks get the lock in the order they call `lock`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future gives up its place in the queue,
    /// and if the lock was already handed to it, passes it on to the next
    /// waiter.
    ///
    /// ```
    /// use zokio::sync::Mutex;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let mutex = Mutex::new(1);
    ///     let mut n = mutex.lock().await;
    ///     *n = 2;
    ///     drop(n);
    ///     assert_eq!(*mutex.lock().await, 2);
    /// }
    /// ```
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        self.acquire().await;
        MutexGuard::new(self)
    }

    /// Locks without waiting: a guard, or [`TryLockError`] if the mutex is
    /// locked or other tasks wait for it.
    ///
    /// ```
    /// use zokio::sync::Mutex;
    ///
    /// let mutex = Mutex::new(1);
    /// let n = mutex.try_lock().unwrap();
    /// assert_eq!(*n, 1);
    /// assert!(mutex.try_lock().is_err());
    /// ```
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        self.try_acquire()?;
        Ok(MutexGuard::new(self))
    }

    /// Waits for the lock like [`lock`](Self::lock), returning a guard
    /// that owns an [`Arc`] of the mutex instead of borrowing it, so that
    /// it can move into a spawned task.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future gives up its place in the queue,
    /// and if the lock was already handed to it, passes it on to the next
    /// waiter.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::Mutex;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let mutex = Arc::new(Mutex::new(1));
    ///     let mut guard = mutex.clone().lock_owned().await;
    ///     zokio::spawn(async move { *guard += 1 }).await.unwrap();
    ///     assert_eq!(*mutex.lock().await, 2);
    /// }
    /// ```
    pub async fn lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        self.acquire().await;
        OwnedMutexGuard::new(self)
    }

    /// Locks without waiting, returning a guard that owns an [`Arc`] of the
    /// mutex; [`TryLockError`] if it is locked or other tasks wait for it.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::Mutex;
    ///
    /// let mutex = Arc::new(Mutex::new(1));
    /// let guard = mutex.clone().try_lock_owned().unwrap();
    /// assert!(mutex.clone().try_lock_owned().is_err());
    /// drop(guard);
    /// assert!(mutex.try_lock_owned().is_ok());
    /// ```
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        self.try_acquire()?;
        Ok(OwnedMutexGuard::new(self))
    }

    /// Blocks this thread until the lock is free; for synchronous code
    /// that shares data with asynchronous code.
    ///
    /// # Panics
    ///
    /// If called on a thread that drives a runtime (inside `block_on` or a
    /// task): blocking there could stop the very task that holds the lock.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::Mutex;
    ///
    /// let mutex = Arc::new(Mutex::new(1));
    /// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let guard = rt.block_on(mutex.clone().lock_owned());
    /// let sync_code = {
    ///     let mutex = mutex.clone();
    ///     std::thread::spawn(move || *mutex.blocking_lock() += 1)
    /// };
    /// drop(guard);
    /// sync_code.join().unwrap();
    /// assert_eq!(*mutex.blocking_lock(), 2);
    /// ```
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        refuse_in_runtime();
        ThreadPark::new().block_on(self.lock())
    }

    /// Blocks this thread until the lock is free, returning an owned guard
    /// (see [`blocking_lock`](Self::blocking_lock)).
    ///
    /// # Panics
    ///
    /// If called on a thread that drives a runtime.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::Mutex;
    ///
    /// let mutex = Arc::new(Mutex::new(1));
    /// let mut guard = mutex.clone().blocking_lock_owned();
    /// *guard += 1;
    /// drop(guard);
    /// assert_eq!(*mutex.blocking_lock(), 2);
    /// ```
    #[track_caller]
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        refuse_in_runtime();
        ThreadPark::new().block_on(self.lock_owned())
    }

    /// The data, through an exclusive borrow of the mutex: no locking is
    /// needed.
    ///
    /// ```
    /// use zokio::sync::Mutex;
    ///
    /// let mut mutex = Mutex::new(1);
    /// *mutex.get_mut() = 2;
    /// assert_eq!(mutex.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// Acquires the permit; the caller makes it a guard.
    async fn acquire(&self) {
        // The semaphore is never closed.
        if self.semaphore.acquire_permits(1).await.is_err() {
            unreachable!("a mutex's semaphore is never closed");
        }
    }

    fn try_acquire(&self) -> Result<(), TryLockError> {
        self.semaphore
            .try_acquire_permits(1)
            .map_err(|_| TryLockError(()))
    }

    /// Gives the permit of a guard back.
    fn unlock(&self) {
        self.semaphore.release(1);
    }
}

/// Panics when called on a thread that drives a runtime.
#[track_caller]
pub(crate) fn refuse_in_runtime() {
    if context::is_in_runtime() {
        panic!(
            "Cannot block the current thread from within a runtime. This happens because a \
             function attempted to block the current thread while the thread is being used to \
             drive asynchronous tasks."
        );
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Mutex<T> {
        Mutex::new(value)
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(guard) => out.field("data", &&*guard),
            Err(_) => out.field("data", &format_args!("<locked>")),
        };
        out.finish()
    }
}
