//! An asynchronous, fair, write-preferring reader-writer lock.
//!
//! # Implementation
//!
//! A lock is a [`Semaphore`] with `max_readers` permits and a cell holding
//! the data. A reader takes one permit, a writer all of them. The semaphore
//! is strictly FIFO, so a writer that waits holds back the readers that come
//! after it (write preference), and nobody is starved. The uncontended read
//! and write are one compare-and-swap each, without a lock.
//!
//! As for [`Mutex`](crate::sync::Mutex), the cell is a `std` `UnsafeCell`
//! (guards hand out long-lived references); the semaphore is modelled.
//!
//! ## The unsafe protocol
//!
//! Every `SAFETY:` comment in this module and its guard modules cites one
//! of these rules.
//!
//! 1. **Permits are access.** The data is reached only through `&mut
//!    RwLock`, by value, or through a guard. A read guard exists only while
//!    it holds one permit, a write guard only while it holds all
//!    `max_readers` of them, and each releases its permits when it drops
//!    (not before). So a write guard excludes every other guard, and read
//!    guards only share; the permits' hand-over (an `AcqRel`
//!    read-modify-write of the semaphore's state, or its wait-list lock)
//!    orders each writer after the holders before it.
//! 2. **Mapped guards** keep a pointer derived from the reference of the
//!    guard they came from, together with that guard's permits; the pointer
//!    is valid while they hold them.
//! 3. **Owned guards** hold an `Arc` of the lock, so the data outlives them;
//!    a guard turned into another moves its `Arc` and permits into it
//!    without releasing.
//! 4. **Downgrading** releases all of a writer's permits but one, which the
//!    resulting read guard keeps; the exclusive pointer becomes a shared
//!    one.

mod owned_write_guard;
mod read_guard;
mod write_guard;

#[cfg(all(test, loom))]
mod loom_tests;

pub use owned_write_guard::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard};
pub use read_guard::{OwnedRwLockReadGuard, RwLockReadGuard};
pub use write_guard::{RwLockMappedWriteGuard, RwLockWriteGuard};

use std::cell::UnsafeCell;
use std::fmt;
use std::sync::Arc;

use crate::runtime::thread_park::ThreadPark;
use crate::sync::mutex::refuse_in_runtime;
use crate::sync::{Semaphore, TryLockError};

/// The most readers a lock can admit at once: `u32::MAX >> 3`.
const MAX_READS: u32 = u32::MAX >> 3;

/// An asynchronous reader-writer lock: many readers at a time, or one
/// writer.
///
/// Waiting is fair and write-preferring: tasks get the lock in the order
/// they asked for it, so once a writer waits, readers that come later wait
/// behind it, and neither side can be starved. There is no poisoning: a
/// task that panics while holding a guard releases it as it unwinds.
///
/// ```
/// use zokio::sync::RwLock;
///
/// #[zokio::main]
/// async fn main() {
///     let lock = RwLock::new(5);
///
///     // many reader locks can be held at once
///     {
///         let r1 = lock.read().await;
///         let r2 = lock.read().await;
///         assert_eq!(*r1, 5);
///         assert_eq!(*r2, 5);
///     } // read locks are dropped at this point
///
///     // only one write lock may be held, however
///     {
///         let mut w = lock.write().await;
///         *w += 1;
///         assert_eq!(*w, 6);
///     } // write lock is dropped here
/// }
/// ```
pub struct RwLock<T: ?Sized> {
    /// Permits of the semaphore: what a writer takes.
    max_readers: u32,
    semaphore: Semaphore,
    /// # Invariant
    /// Accessed as rule 1 says.
    data: UnsafeCell<T>,
}

// SAFETY: through `&RwLock` the data is shared by read guards (`T: Sync`)
// on any threads, or held by one write guard on any thread (`T: Send`).
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}

impl<T> RwLock<T> {
    /// An unlocked lock holding `value`, admitting up to `u32::MAX >> 3`
    /// readers at a time.
    ///
    /// ```
    /// use zokio::sync::RwLock;
    ///
    /// let lock = RwLock::new(5);
    /// ```
    pub fn new(value: T) -> RwLock<T> {
        RwLock::with_max_readers(value, MAX_READS)
    }

    /// An unlocked lock holding `value` that admits at most `max_reads`
    /// readers at a time.
    ///
    /// # Panics
    ///
    /// If `max_reads` is 0 or more than `u32::MAX >> 3`.
    ///
    /// ```
    /// use zokio::sync::RwLock;
    ///
    /// let lock = RwLock::with_max_readers(5, 1024);
    /// ```
    #[track_caller]
    pub fn with_max_readers(value: T, max_reads: u32) -> RwLock<T> {
        RwLock {
            max_readers: checked_max_reads(max_reads),
            semaphore: Semaphore::new(max_reads as usize),
            data: UnsafeCell::new(value),
        }
    }

    /// An unlocked lock holding `value`, usable in a `static`.
    ///
    /// ```
    /// use zokio::sync::RwLock;
    ///
    /// static LOCK: RwLock<i32> = RwLock::const_new(5);
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new(value: T) -> RwLock<T> {
        RwLock::const_with_max_readers(value, MAX_READS)
    }

    /// An unlocked lock holding `value` that admits at most `max_reads`
    /// readers at a time, usable in a `static`.
    ///
    /// # Panics
    ///
    /// If `max_reads` is 0 or more than `u32::MAX >> 3`.
    ///
    /// ```
    /// use zokio::sync::RwLock;
    ///
    /// static LOCK: RwLock<i32> = RwLock::const_with_max_readers(5, 1024);
    /// ```
    #[cfg(not(loom))]
    pub const fn const_with_max_readers(value: T, max_reads: u32) -> RwLock<T> {
        RwLock {
            max_readers: checked_max_reads(max_reads),
            semaphore: Semaphore::const_new(max_reads as usize),
            data: UnsafeCell::new(value),
        }
    }

    /// Takes the data out of the lock.
    ///
    /// ```
    /// use zokio::sync::RwLock;
    ///
    /// let lock = RwLock::new(1);
    /// assert_eq!(lock.into_inner(), 1);
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

/// `max_reads`, if a lock may admit that many readers.
#[track_caller]
const fn checked_max_reads(max_reads: u32) -> u32 {
    assert!(
        max_reads != 0 && max_reads <= MAX_READS,
        "a RwLock admits from 1 to `u32::MAX >> 3` readers"
    );
    max_reads
}

impl<T: ?Sized> RwLock<T> {
    /// Waits for shared read access and returns a guard that releases it
    /// when dropped.
    ///
    /// Tasks get the lock in the order they ask for it: a reader that
    /// comes after a waiting writer waits for it.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future gives up its place in the queue,
    /// and if access was already granted to it, passes it on.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::RwLock;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let lock = Arc::new(RwLock::new(1));
    ///     let c_lock = lock.clone();
    ///
    ///     let n = lock.read().await;
    ///     assert_eq!(*n, 1);
    ///
    ///     zokio::spawn(async move {
    ///         // While main has an active read lock, we acquire one too.
    ///         let r = c_lock.read().await;
    ///         assert_eq!(*r, 1);
    ///     }).await.expect("The spawned task has panicked");
    ///
    ///     // Drop the guard after the spawned task finishes.
    ///     drop(n);
    /// }
    /// ```
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        self.acquire(1).await;
        RwLockReadGuard::new(self)
    }

    /// Waits for shared read access, like [`read`](Self::read), returning
    /// a guard that owns an [`Arc`] of the lock, so that it can move into a
    /// spawned task.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future gives up its place in the queue,
    /// and if access was already granted to it, passes it on.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::RwLock;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let lock = Arc::new(RwLock::new(1));
    ///     let n = lock.clone().read_owned().await;
    ///     zokio::spawn(async move { assert_eq!(*n, 1) }).await.unwrap();
    /// }
    /// ```
    pub async fn read_owned(self: Arc<Self>) -> OwnedRwLockReadGuard<T> {
        self.acquire(1).await;
        OwnedRwLockReadGuard::new(self)
    }

    /// Shared read access without waiting; [`TryLockError`] if a writer
    /// holds the lock or waits for it, or `max_readers` readers hold it.
    ///
    /// ```
    /// use zokio::sync::RwLock;
    ///
    /// let lock = RwLock::new(1);
    /// let v = lock.try_read().unwrap();
    /// assert_eq!(*v, 1);
    /// assert!(lock.try_write().is_err());
    /// ```
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.try_acquire(1)?;
        Ok(RwLockReadGuard::new(self))
    }

    /// Shared read access without waiting, returning a guard that owns an
    /// [`Arc`] of the lock.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::RwLock;
    ///
    /// let lock = Arc::new(RwLock::new(1));
    /// let v = lock.clone().try_read_owned().unwrap();
    /// assert_eq!(*v, 1);
    /// ```
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        self.try_acquire(1)?;
        Ok(OwnedRwLockReadGuard::new(self))
    }

    /// Waits for exclusive write access and returns a guard that releases
    /// it when dropped.
    ///
    /// Tasks get the lock in the order they ask for it: once this call
    /// waits, later readers wait behind it.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future gives up its place in the queue,
    /// and the read permits already assigned to it go to the next waiters.
    ///
    /// ```
    /// use zokio::sync::RwLock;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let lock = RwLock::new(1);
    ///     let mut n = lock.write().await;
    ///     *n = 2;
    /// }
    /// ```
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.acquire(self.max_readers).await;
        RwLockWriteGuard::new(self)
    }

    /// Waits for exclusive write access, like [`write`](Self::write),
    /// returning a guard that owns an [`Arc`] of the lock.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future gives up its place in the queue,
    /// and the read permits already assigned to it go to the next waiters.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::RwLock;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let lock = Arc::new(RwLock::new(1));
    ///     let mut n = lock.clone().write_owned().await;
    ///     zokio::spawn(async move { *n = 2 }).await.unwrap();
    ///     assert_eq!(*lock.read().await, 2);
    /// }
    /// ```
    pub async fn write_owned(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        self.acquire(self.max_readers).await;
        OwnedRwLockWriteGuard::new(self)
    }

    /// Exclusive write access without waiting; [`TryLockError`] if any
    /// guard is held or anybody waits.
    ///
    /// ```
    /// use zokio::sync::RwLock;
    ///
    /// let rw = RwLock::new(1);
    /// let v = rw.try_read().unwrap();
    /// assert!(rw.try_write().is_err());
    /// drop(v);
    /// *rw.try_write().unwrap() = 2;
    /// ```
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        self.try_acquire(self.max_readers)?;
        Ok(RwLockWriteGuard::new(self))
    }

    /// Exclusive write access without waiting, returning a guard that owns
    /// an [`Arc`] of the lock.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::RwLock;
    ///
    /// let rw = Arc::new(RwLock::new(1));
    /// let mut v = rw.clone().try_write_owned().unwrap();
    /// *v = 2;
    /// assert!(rw.clone().try_read_owned().is_err());
    /// ```
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        self.try_acquire(self.max_readers)?;
        Ok(OwnedRwLockWriteGuard::new(self))
    }

    /// Blocks this thread until read access is granted; for synchronous
    /// code that shares data with asynchronous code.
    ///
    /// # Panics
    ///
    /// If called on a thread that drives a runtime.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::RwLock;
    ///
    /// let lock = Arc::new(RwLock::new(1));
    /// let c = lock.clone();
    /// let sync_code = std::thread::spawn(move || *c.blocking_read());
    /// assert_eq!(sync_code.join().unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        refuse_in_runtime();
        ThreadPark::new().block_on(self.read())
    }

    /// Blocks this thread until write access is granted; for synchronous
    /// code that shares data with asynchronous code.
    ///
    /// # Panics
    ///
    /// If called on a thread that drives a runtime.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::RwLock;
    ///
    /// let lock = Arc::new(RwLock::new(1));
    /// let c = lock.clone();
    /// std::thread::spawn(move || *c.blocking_write() += 1).join().unwrap();
    /// assert_eq!(*lock.blocking_read(), 2);
    /// ```
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        refuse_in_runtime();
        ThreadPark::new().block_on(self.write())
    }

    /// The data, through an exclusive borrow of the lock: no locking is
    /// needed.
    ///
    /// ```
    /// use zokio::sync::RwLock;
    ///
    /// let mut lock = RwLock::new(1);
    /// *lock.get_mut() = 2;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    async fn acquire(&self, permits: u32) {
        // The semaphore is never closed.
        if self
            .semaphore
            .acquire_permits(permits as usize)
            .await
            .is_err()
        {
            unreachable!("a RwLock's semaphore is never closed");
        }
    }

    fn try_acquire(&self, permits: u32) -> Result<(), TryLockError> {
        self.semaphore
            .try_acquire_permits(permits as usize)
            .map_err(|_| TryLockError(()))
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> RwLock<T> {
        RwLock::new(value)
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => out.field("data", &&*guard),
            Err(_) => out.field("data", &format_args!("<locked>")),
        };
        out.finish()
    }
}
