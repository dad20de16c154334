//! The write guards that borrow their lock.

use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};

use super::{RwLock, RwLockReadGuard};
use crate::sync::Semaphore;

/// Exclusive write access to the data of a [`RwLock`]; released when
/// dropped.
///
/// Made by [`RwLock::write`] and [`RwLock::try_write`].
///
/// ```
/// use zokio::sync::RwLock;
///
/// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let lock = RwLock::new(vec![1]);
/// let mut guard = lock.write().await;
/// guard.push(2);
/// assert_eq!(*guard, [1, 2]);
/// # });
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    /// # Invariant
    /// This guard holds all `permits` permits of `semaphore`'s lock (rule
    /// 1), and `data` points to that lock's data.
    permits: u32,
    semaphore: &'a Semaphore,
    data: *mut T,
    _borrow: PhantomData<&'a mut T>,
}

/// Exclusive write access to a part of the data of a [`RwLock`], made by
/// [`RwLockWriteGuard::map`]; released when dropped.
///
/// ```
/// use zokio::sync::{RwLock, RwLockWriteGuard};
///
/// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let lock = RwLock::new((0, 'a'));
/// let mut first = RwLockWriteGuard::map(lock.write().await, |p| &mut p.0);
/// *first = 1;
/// drop(first);
/// assert_eq!(*lock.read().await, (1, 'a'));
/// # });
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized> {
    /// # Invariant
    /// As for `RwLockWriteGuard`, and `data` points into the lock's data
    /// (rule 2).
    permits: u32,
    semaphore: &'a Semaphore,
    data: *mut T,
    _borrow: PhantomData<&'a mut T>,
}

// SAFETY: the guard stands for exclusive access to a `T` that the lock
// shares between threads (hence `Send + Sync`, as for the lock), and its
// release works from any thread.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockWriteGuard<'_, T> {}
// SAFETY: sharing the guard shares `&T`.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockWriteGuard<'_, T> {}
// SAFETY: as for `RwLockWriteGuard`.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockMappedWriteGuard<'_, T> {}
// SAFETY: as for `RwLockWriteGuard`.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockMappedWriteGuard<'_, T> {}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// A guard for `lock`, all of whose permits the caller just acquired.
    pub(super) fn new(lock: &'a RwLock<T>) -> RwLockWriteGuard<'a, T> {
        RwLockWriteGuard {
            permits: lock.max_readers,
            semaphore: &lock.semaphore,
            data: lock.data.get(),
            _borrow: PhantomData,
        }
    }

    /// Turns the guard into one for a part of the data, chosen by `f`. The
    /// write access lasts until the new guard drops.
    ///
    /// An associated function, not a method, so that it does not hide a
    /// method of `T`: call it as `RwLockWriteGuard::map(guard, f)`.
    ///
    /// ```
    /// use zokio::sync::{RwLock, RwLockWriteGuard};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = RwLock::new(vec![1, 2]);
    /// let mut last = RwLockWriteGuard::map(lock.write().await, |v| v.last_mut().unwrap());
    /// *last = 20;
    /// drop(last);
    /// assert_eq!(*lock.read().await, [1, 20]);
    /// # });
    /// ```
    #[inline]
    pub fn map<U: ?Sized, F>(mut this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data: *mut U = f(&mut *this);
        let this = ManuallyDrop::new(this);
        RwLockMappedWriteGuard {
            permits: this.permits,
            semaphore: this.semaphore,
            data,
            _borrow: PhantomData,
        }
    }

    /// Like [`map`](Self::map), but `f` may decline: then the original
    /// guard comes back in `Err`.
    ///
    /// ```
    /// use zokio::sync::{RwLock, RwLockWriteGuard};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = RwLock::new(vec![1]);
    /// let guard = RwLockWriteGuard::try_map(lock.write().await, |v| v.get_mut(3)).unwrap_err();
    /// let mut first = RwLockWriteGuard::try_map(guard, |v| v.first_mut()).unwrap();
    /// *first = 5;
    /// # });
    /// ```
    #[inline]
    pub fn try_map<U: ?Sized, F>(
        mut this: Self,
        f: F,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let data: *mut U = match f(&mut *this) {
            Some(data) => data,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        Ok(RwLockMappedWriteGuard {
            permits: this.permits,
            semaphore: this.semaphore,
            data,
            _borrow: PhantomData,
        })
    }

    /// The same access as a mapped guard (for code that takes one).
    ///
    /// ```
    /// use zokio::sync::{RwLock, RwLockWriteGuard};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = RwLock::new(1);
    /// let mut mapped = RwLockWriteGuard::into_mapped(lock.write().await);
    /// *mapped = 2;
    /// # });
    /// ```
    pub fn into_mapped(this: Self) -> RwLockMappedWriteGuard<'a, T> {
        RwLockWriteGuard::map(this, |data| data)
    }

    /// Turns write access into read access without letting another writer
    /// in between. Readers waiting behind a writer that waits still wait.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{RwLock, RwLockWriteGuard};
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let lock = Arc::new(RwLock::new(1));
    ///     let mut n = lock.write().await;
    ///     *n = 2;
    ///     let n = n.downgrade();
    ///     // Other readers get in now.
    ///     assert_eq!(*lock.read().await, 2);
    ///     assert_eq!(*n, 2);
    /// }
    /// ```
    pub fn downgrade(self) -> RwLockReadGuard<'a, T> {
        let this = ManuallyDrop::new(self);
        // SAFETY: this guard held all permits; it keeps one for the read
        // guard and releases the others below, and `data` points to the
        // data (rules 1, 4).
        let guard = unsafe { RwLockReadGuard::from_parts(this.semaphore, this.data) };
        this.semaphore.release(this.permits as usize - 1);
        guard
    }

    /// Like [`downgrade`](Self::downgrade), for a part of the data chosen
    /// by `f`.
    ///
    /// ```
    /// use zokio::sync::{RwLock, RwLockWriteGuard};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = RwLock::new((1, 2));
    /// let second = RwLockWriteGuard::downgrade_map(lock.write().await, |p| &p.1);
    /// assert_eq!(*second, 2);
    /// assert_eq!(*lock.read().await, (1, 2));
    /// # });
    /// ```
    pub fn downgrade_map<U: ?Sized, F>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        RwLockReadGuard::map(this.downgrade(), f)
    }

    /// Like [`downgrade_map`](Self::downgrade_map), but `f` may decline:
    /// then the write guard comes back in `Err`, still writing.
    ///
    /// ```
    /// use zokio::sync::{RwLock, RwLockWriteGuard};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = RwLock::new(vec![1]);
    /// let guard = RwLockWriteGuard::try_downgrade_map(lock.write().await, |v| v.get(2));
    /// let guard = guard.unwrap_err();
    /// assert!(lock.try_read().is_err());
    /// let first = RwLockWriteGuard::try_downgrade_map(guard, |v| v.first()).unwrap();
    /// assert_eq!(*first, 1);
    /// # });
    /// ```
    pub fn try_downgrade_map<U: ?Sized, F>(this: Self, f: F) -> Result<RwLockReadGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let data: *const U = match f(&*this) {
            Some(data) => data,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        // SAFETY: as for `downgrade`; `data` was derived from this guard's
        // reference (rule 2).
        let guard = unsafe { RwLockReadGuard::from_parts(this.semaphore, data) };
        this.semaphore.release(this.permits as usize - 1);
        Ok(guard)
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard holds every permit (rule 1).
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard holds every permit (rule 1), and `&mut self`
        // makes the reference exclusive.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.semaphore.release(self.permits as usize);
    }
}

impl<'a, T: ?Sized> RwLockMappedWriteGuard<'a, T> {
    /// Narrows the guard further to a part chosen by `f`.
    ///
    /// ```
    /// use zokio::sync::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = RwLock::new(((1, 2), 3));
    /// let outer = RwLockWriteGuard::map(lock.write().await, |t| &mut t.0);
    /// let mut inner = RwLockMappedWriteGuard::map(outer, |t| &mut t.1);
    /// *inner = 20;
    /// drop(inner);
    /// assert_eq!(*lock.read().await, ((1, 20), 3));
    /// # });
    /// ```
    #[inline]
    pub fn map<U: ?Sized, F>(mut this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data: *mut U = f(&mut *this);
        let this = ManuallyDrop::new(this);
        RwLockMappedWriteGuard {
            permits: this.permits,
            semaphore: this.semaphore,
            data,
            _borrow: PhantomData,
        }
    }

    /// Like [`map`](Self::map), but `f` may decline: then the original
    /// guard comes back in `Err`.
    ///
    /// ```
    /// use zokio::sync::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = RwLock::new(Some(vec![1]));
    /// let list = RwLockWriteGuard::map(lock.write().await, |o| o.as_mut().unwrap());
    /// let list = RwLockMappedWriteGuard::try_map(list, |v| v.get_mut(4)).unwrap_err();
    /// assert_eq!(*list, [1]);
    /// # });
    /// ```
    #[inline]
    pub fn try_map<U: ?Sized, F>(
        mut this: Self,
        f: F,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let data: *mut U = match f(&mut *this) {
            Some(data) => data,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        Ok(RwLockMappedWriteGuard {
            permits: this.permits,
            semaphore: this.semaphore,
            data,
            _borrow: PhantomData,
        })
    }
}

impl<T: ?Sized> Deref for RwLockMappedWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard holds every permit and `data` points into the
        // data (rules 1, 2).
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for RwLockMappedWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`, and `&mut self` makes it exclusive.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized> Drop for RwLockMappedWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.semaphore.release(self.permits as usize);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockMappedWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockMappedWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
