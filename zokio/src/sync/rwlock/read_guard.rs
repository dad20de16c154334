//! The read guards.

use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::sync::Arc;

use super::RwLock;
use crate::sync::Semaphore;

/// Shared read access to the data of a [`RwLock`] (or a part of it, after
/// [`map`](RwLockReadGuard::map)); released when dropped.
///
/// Made by [`RwLock::read`], [`RwLock::try_read`] and
/// [`RwLockWriteGuard::downgrade`](super::RwLockWriteGuard::downgrade). It
/// stands for a shared reference, so it moves between threads only when
/// the data may be shared:
///
/// ```compile_fail,E0277
/// fn assert_send<T: Send>(_: T) {}
/// let lock = zokio::sync::RwLock::new(std::cell::Cell::new(1));
/// assert_send(lock.try_read().unwrap());
/// ```
///
/// ```
/// use zokio::sync::RwLock;
///
/// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let lock = RwLock::new(vec![1, 2]);
/// let guard = lock.read().await;
/// assert_eq!(guard.len(), 2);
/// # });
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    /// # Invariant
    /// This guard holds one permit of `semaphore`'s lock (rule 1), and
    /// `data` points into that lock's data (rule 2).
    semaphore: &'a Semaphore,
    data: *const T,
    _borrow: PhantomData<&'a T>,
}

/// Shared read access to the data (or a part `U` of the data) of a
/// [`RwLock<T>`] held in an [`Arc`]; released when dropped. Borrows nothing,
/// so it can move into a spawned task.
///
/// Made by [`RwLock::read_owned`], [`RwLock::try_read_owned`] and
/// [`OwnedRwLockWriteGuard::downgrade`](super::OwnedRwLockWriteGuard::downgrade).
///
/// ```
/// use std::sync::Arc;
/// use zokio::sync::RwLock;
///
/// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let lock = Arc::new(RwLock::new(3));
/// let guard = lock.clone().read_owned().await;
/// zokio::spawn(async move { assert_eq!(*guard, 3) }).await.unwrap();
/// # });
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct OwnedRwLockReadGuard<T: ?Sized, U: ?Sized = T> {
    /// # Invariant
    /// This guard holds one permit of `lock` (rule 1), and `data` points
    /// into `lock`'s data (rules 2, 3).
    data: *const U,
    lock: Arc<RwLock<T>>,
    _data: PhantomData<U>,
}

// SAFETY: the guard stands for a `&T`: it may move to another thread if
// `T: Sync`, and its release works from any thread.
unsafe impl<T: ?Sized + Sync> Send for RwLockReadGuard<'_, T> {}
// SAFETY: sharing the guard shares `&T`.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockReadGuard<'_, T> {}
// SAFETY: the guard stands for a `&U` and a share of the `Arc` of a lock,
// which is `Send + Sync` when `T` is.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Send for OwnedRwLockReadGuard<T, U> {}
// SAFETY: sharing the guard shares `&U` and the `Arc`.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync for OwnedRwLockReadGuard<T, U> {}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// A guard for `lock`, one of whose permits the caller just acquired.
    pub(super) fn new(lock: &'a RwLock<T>) -> RwLockReadGuard<'a, T> {
        RwLockReadGuard {
            semaphore: &lock.semaphore,
            data: lock.data.get(),
            _borrow: PhantomData,
        }
    }

    /// A guard for data behind `data`, holding one permit of `semaphore`.
    ///
    /// # Safety
    /// The caller holds one permit of `semaphore`'s lock, hands it over,
    /// and `data` points into that lock's data (rules 1, 2, 4).
    pub(super) unsafe fn from_parts(semaphore: &'a Semaphore, data: *const T) -> Self {
        RwLockReadGuard {
            semaphore,
            data,
            _borrow: PhantomData,
        }
    }

    /// Turns the guard into one for a part of the data, chosen by `f`. The
    /// read access lasts until the new guard drops.
    ///
    /// An associated function, not a method, so that it does not hide a
    /// method of `T`: call it as `RwLockReadGuard::map(guard, f)`.
    ///
    /// ```
    /// use zokio::sync::{RwLock, RwLockReadGuard};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = RwLock::new((1, "one"));
    /// let name = RwLockReadGuard::map(lock.read().await, |pair| &pair.1);
    /// assert_eq!(*name, "one");
    /// # });
    /// ```
    #[inline]
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let data: *const U = f(&*this);
        let this = ManuallyDrop::new(this);
        // SAFETY: the permit moves from `this`, which is not dropped, and
        // `data` was derived from its reference (rules 1, 2).
        unsafe { RwLockReadGuard::from_parts(this.semaphore, data) }
    }

    /// Like [`map`](Self::map), but `f` may decline: then the original
    /// guard comes back in `Err`.
    ///
    /// ```
    /// use zokio::sync::{RwLock, RwLockReadGuard};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = RwLock::new(vec![1]);
    /// let guard = RwLockReadGuard::try_map(lock.read().await, |v| v.get(5)).unwrap_err();
    /// let first = RwLockReadGuard::try_map(guard, |v| v.first()).unwrap();
    /// assert_eq!(*first, 1);
    /// # });
    /// ```
    #[inline]
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<RwLockReadGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let data: *const U = match f(&*this) {
            Some(data) => data,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        // SAFETY: as for `map`.
        Ok(unsafe { RwLockReadGuard::from_parts(this.semaphore, data) })
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard holds a permit and `data` points into the data
        // (rules 1, 2).
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.semaphore.release(1);
    }
}

impl<T: ?Sized> OwnedRwLockReadGuard<T> {
    /// A guard for `lock`, one of whose permits the caller just acquired.
    pub(super) fn new(lock: Arc<RwLock<T>>) -> OwnedRwLockReadGuard<T> {
        OwnedRwLockReadGuard {
            data: lock.data.get(),
            lock,
            _data: PhantomData,
        }
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockReadGuard<T, U> {
    /// A guard for the data behind `data`, holding one permit of `lock`.
    ///
    /// # Safety
    /// The caller holds one permit of `lock`, hands it over, and `data`
    /// points into `lock`'s data (rules 1 to 4).
    pub(super) unsafe fn from_parts(lock: Arc<RwLock<T>>, data: *const U) -> Self {
        OwnedRwLockReadGuard {
            data,
            lock,
            _data: PhantomData,
        }
    }

    /// Moves the `Arc` out without releasing the permit.
    fn into_lock(self) -> Arc<RwLock<T>> {
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is never dropped, so the `Arc` is moved out once;
        // the permit goes with it to the caller (rule 3).
        unsafe { std::ptr::read(&this.lock) }
    }

    /// Turns the guard into one for a part of the data, chosen by `f`.
    ///
    /// An associated function, not a method, so that it does not hide a
    /// method of `U`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockReadGuard, RwLock};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = Arc::new(RwLock::new((1, 2)));
    /// let second = OwnedRwLockReadGuard::map(lock.clone().read_owned().await, |p| &p.1);
    /// assert_eq!(*second, 2);
    /// # });
    /// ```
    #[inline]
    pub fn map<V: ?Sized, F>(this: Self, f: F) -> OwnedRwLockReadGuard<T, V>
    where
        F: FnOnce(&U) -> &V,
    {
        let data: *const V = f(&*this);
        // SAFETY: the permit moves with the `Arc`, and `data` was derived
        // from this guard's reference (rules 2, 3).
        unsafe { OwnedRwLockReadGuard::from_parts(this.into_lock(), data) }
    }

    /// Like [`map`](Self::map), but `f` may decline: then the original
    /// guard comes back in `Err`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockReadGuard, RwLock};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = Arc::new(RwLock::new(vec![7]));
    /// let guard = lock.clone().read_owned().await;
    /// let guard = OwnedRwLockReadGuard::try_map(guard, |v| v.get(1)).unwrap_err();
    /// assert_eq!(*OwnedRwLockReadGuard::try_map(guard, |v| v.first()).unwrap(), 7);
    /// # });
    /// ```
    #[inline]
    pub fn try_map<V: ?Sized, F>(this: Self, f: F) -> Result<OwnedRwLockReadGuard<T, V>, Self>
    where
        F: FnOnce(&U) -> Option<&V>,
    {
        let data: *const V = match f(&*this) {
            Some(data) => data,
            None => return Err(this),
        };
        // SAFETY: as for `map`.
        Ok(unsafe { OwnedRwLockReadGuard::from_parts(this.into_lock(), data) })
    }

    /// The lock this guard reads.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockReadGuard, RwLock};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = Arc::new(RwLock::new(1));
    /// let guard = lock.clone().read_owned().await;
    /// assert!(Arc::ptr_eq(OwnedRwLockReadGuard::rwlock(&guard), &lock));
    /// # });
    /// ```
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedRwLockReadGuard<T, U> {
    type Target = U;

    fn deref(&self) -> &U {
        // SAFETY: this guard holds a permit and `data` points into the
        // data, which its `Arc` keeps alive (rules 1 to 3).
        unsafe { &*self.data }
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedRwLockReadGuard<T, U> {
    fn drop(&mut self) {
        self.lock.semaphore.release(1);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Debug> fmt::Debug for OwnedRwLockReadGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Display> fmt::Display for OwnedRwLockReadGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
