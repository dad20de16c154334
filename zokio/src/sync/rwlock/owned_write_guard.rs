//! The write guards that own an `Arc` of their lock.

use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::{OwnedRwLockReadGuard, RwLock};

/// Exclusive write access to the data of a [`RwLock`] held in an [`Arc`];
/// released when dropped. Borrows nothing, so it can move into a spawned
/// task.
///
/// Made by [`RwLock::write_owned`] and [`RwLock::try_write_owned`].
///
/// ```
/// use std::sync::Arc;
/// use zokio::sync::RwLock;
///
/// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let lock = Arc::new(RwLock::new(0));
/// let mut guard = lock.clone().write_owned().await;
/// zokio::spawn(async move { *guard += 1 }).await.unwrap();
/// assert_eq!(*lock.read().await, 1);
/// # });
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    /// # Invariant
    /// This guard holds all `permits` permits of `lock` (rule 1), and
    /// `data` points to `lock`'s data.
    permits: u32,
    data: *mut T,
    lock: Arc<RwLock<T>>,
}

/// Exclusive write access to a part `U` of the data of a [`RwLock<T>`] held
/// in an [`Arc`], made by [`OwnedRwLockWriteGuard::map`]; released when
/// dropped.
///
/// ```
/// use std::sync::Arc;
/// use zokio::sync::{OwnedRwLockWriteGuard, RwLock};
///
/// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let lock = Arc::new(RwLock::new((0, 'a')));
/// let mut first = OwnedRwLockWriteGuard::map(lock.clone().write_owned().await, |p| &mut p.0);
/// *first = 3;
/// drop(first);
/// assert_eq!(*lock.read().await, (3, 'a'));
/// # });
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct OwnedRwLockMappedWriteGuard<T: ?Sized, U: ?Sized = T> {
    /// # Invariant
    /// As for `OwnedRwLockWriteGuard`, and `data` points into `lock`'s data
    /// (rule 2).
    permits: u32,
    data: *mut U,
    lock: Arc<RwLock<T>>,
    _data: PhantomData<U>,
}

// SAFETY: the guard stands for exclusive access to a `T` that the lock
// shares between threads (hence `Send + Sync`, as for the lock) and a
// share of the `Arc`; its release works from any thread.
unsafe impl<T: ?Sized + Send + Sync> Send for OwnedRwLockWriteGuard<T> {}
// SAFETY: sharing the guard shares `&T` and the `Arc`.
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedRwLockWriteGuard<T> {}
// SAFETY: as for `OwnedRwLockWriteGuard`, for the part `U` too.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Send
    for OwnedRwLockMappedWriteGuard<T, U>
{
}
// SAFETY: as for `OwnedRwLockWriteGuard`, for the part `U` too.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync
    for OwnedRwLockMappedWriteGuard<T, U>
{
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// A guard for `lock`, all of whose permits the caller just acquired.
    pub(super) fn new(lock: Arc<RwLock<T>>) -> OwnedRwLockWriteGuard<T> {
        OwnedRwLockWriteGuard {
            permits: lock.max_readers,
            data: lock.data.get(),
            lock,
        }
    }

    /// Moves the `Arc` out without releasing the permits.
    fn into_parts(self) -> (Arc<RwLock<T>>, u32) {
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is never dropped, so the `Arc` is moved out once;
        // the permits go with it to the caller (rule 3).
        (unsafe { std::ptr::read(&this.lock) }, this.permits)
    }

    /// Turns the guard into one for a part of the data, chosen by `f`.
    ///
    /// An associated function, not a method, so that it does not hide a
    /// method of `T`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = Arc::new(RwLock::new(vec![1, 2]));
    /// let mut last = OwnedRwLockWriteGuard::map(lock.clone().write_owned().await, |v| {
    ///     v.last_mut().unwrap()
    /// });
    /// *last = 20;
    /// drop(last);
    /// assert_eq!(*lock.read().await, [1, 20]);
    /// # });
    /// ```
    #[inline]
    pub fn map<U: ?Sized, F>(mut this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data: *mut U = f(&mut *this);
        let (lock, permits) = this.into_parts();
        OwnedRwLockMappedWriteGuard {
            permits,
            data,
            lock,
            _data: PhantomData,
        }
    }

    /// Like [`map`](Self::map), but `f` may decline: then the original
    /// guard comes back in `Err`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = Arc::new(RwLock::new(vec![1]));
    /// let guard = lock.clone().write_owned().await;
    /// let guard = OwnedRwLockWriteGuard::try_map(guard, |v| v.get_mut(9)).unwrap_err();
    /// assert!(OwnedRwLockWriteGuard::try_map(guard, |v| v.first_mut()).is_ok());
    /// # });
    /// ```
    #[inline]
    pub fn try_map<U: ?Sized, F>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let data: *mut U = match f(&mut *this) {
            Some(data) => data,
            None => return Err(this),
        };
        let (lock, permits) = this.into_parts();
        Ok(OwnedRwLockMappedWriteGuard {
            permits,
            data,
            lock,
            _data: PhantomData,
        })
    }

    /// The same access as a mapped guard (for code that takes one).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = Arc::new(RwLock::new(1));
    /// let mut mapped = OwnedRwLockWriteGuard::into_mapped(lock.write_owned().await);
    /// *mapped = 2;
    /// # });
    /// ```
    pub fn into_mapped(this: Self) -> OwnedRwLockMappedWriteGuard<T> {
        OwnedRwLockWriteGuard::map(this, |data| data)
    }

    /// Turns write access into read access without letting another writer
    /// in between.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::RwLock;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let lock = Arc::new(RwLock::new(1));
    ///     let mut n = lock.clone().write_owned().await;
    ///     *n = 2;
    ///     let n = n.downgrade();
    ///     assert_eq!(*lock.read().await, 2);
    ///     assert_eq!(*n, 2);
    /// }
    /// ```
    pub fn downgrade(self) -> OwnedRwLockReadGuard<T> {
        let data = self.data;
        let (lock, permits) = self.into_parts();
        lock.semaphore.release(permits as usize - 1);
        // SAFETY: this guard held all permits and released all but one,
        // which the read guard keeps; `data` points to the data (rules 1,
        // 3, 4).
        unsafe { OwnedRwLockReadGuard::from_parts(lock, data) }
    }

    /// Like [`downgrade`](Self::downgrade), for a part of the data chosen
    /// by `f`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = Arc::new(RwLock::new((1, 2)));
    /// let guard = lock.clone().write_owned().await;
    /// let second = OwnedRwLockWriteGuard::downgrade_map(guard, |p| &p.1);
    /// assert_eq!(*second, 2);
    /// # });
    /// ```
    pub fn downgrade_map<U: ?Sized, F>(this: Self, f: F) -> OwnedRwLockReadGuard<T, U>
    where
        F: FnOnce(&T) -> &U,
    {
        OwnedRwLockReadGuard::map(this.downgrade(), f)
    }

    /// Like [`downgrade_map`](Self::downgrade_map), but `f` may decline:
    /// then the write guard comes back in `Err`, still writing.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = Arc::new(RwLock::new(vec![1]));
    /// let guard = lock.clone().write_owned().await;
    /// let guard = OwnedRwLockWriteGuard::try_downgrade_map(guard, |v| v.get(3)).unwrap_err();
    /// let first = OwnedRwLockWriteGuard::try_downgrade_map(guard, |v| v.first()).unwrap();
    /// assert_eq!(*first, 1);
    /// # });
    /// ```
    pub fn try_downgrade_map<U: ?Sized, F>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockReadGuard<T, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        let data: *const U = match f(&*this) {
            Some(data) => data,
            None => return Err(this),
        };
        let (lock, permits) = this.into_parts();
        lock.semaphore.release(permits as usize - 1);
        // SAFETY: as for `downgrade`; `data` was derived from this guard's
        // reference (rule 2).
        Ok(unsafe { OwnedRwLockReadGuard::from_parts(lock, data) })
    }

    /// The lock this guard writes.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = Arc::new(RwLock::new(1));
    /// let guard = lock.clone().write_owned().await;
    /// assert!(Arc::ptr_eq(OwnedRwLockWriteGuard::rwlock(&guard), &lock));
    /// # });
    /// ```
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized> Deref for OwnedRwLockWriteGuard<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard holds every permit, and its `Arc` keeps the
        // data alive (rules 1, 3).
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for OwnedRwLockWriteGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`, and `&mut self` makes it exclusive.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized> Drop for OwnedRwLockWriteGuard<T> {
    fn drop(&mut self) {
        self.lock.semaphore.release(self.permits as usize);
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockMappedWriteGuard<T, U> {
    /// Moves the `Arc` out without releasing the permits.
    fn into_parts(self) -> (Arc<RwLock<T>>, u32) {
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is never dropped, so the `Arc` is moved out once;
        // the permits go with it to the caller (rule 3).
        (unsafe { std::ptr::read(&this.lock) }, this.permits)
    }

    /// Narrows the guard further to a part chosen by `f`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = Arc::new(RwLock::new(((1, 2), 3)));
    /// let outer = OwnedRwLockWriteGuard::map(lock.clone().write_owned().await, |t| &mut t.0);
    /// let mut inner = OwnedRwLockMappedWriteGuard::map(outer, |t| &mut t.0);
    /// *inner = 10;
    /// drop(inner);
    /// assert_eq!(*lock.read().await, ((10, 2), 3));
    /// # });
    /// ```
    #[inline]
    pub fn map<V: ?Sized, F>(mut this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, V>
    where
        F: FnOnce(&mut U) -> &mut V,
    {
        let data: *mut V = f(&mut *this);
        let (lock, permits) = this.into_parts();
        OwnedRwLockMappedWriteGuard {
            permits,
            data,
            lock,
            _data: PhantomData,
        }
    }

    /// Like [`map`](Self::map), but `f` may decline: then the original
    /// guard comes back in `Err`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = Arc::new(RwLock::new(vec![vec![1]]));
    /// let row = OwnedRwLockWriteGuard::map(lock.clone().write_owned().await, |v| &mut v[0]);
    /// let row = OwnedRwLockMappedWriteGuard::try_map(row, |r| r.get_mut(5)).unwrap_err();
    /// assert_eq!(*row, [1]);
    /// # });
    /// ```
    #[inline]
    pub fn try_map<V: ?Sized, F>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, V>, Self>
    where
        F: FnOnce(&mut U) -> Option<&mut V>,
    {
        let data: *mut V = match f(&mut *this) {
            Some(data) => data,
            None => return Err(this),
        };
        let (lock, permits) = this.into_parts();
        Ok(OwnedRwLockMappedWriteGuard {
            permits,
            data,
            lock,
            _data: PhantomData,
        })
    }

    /// The lock this guard writes.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let lock = Arc::new(RwLock::new((1, 2)));
    /// let guard = OwnedRwLockWriteGuard::map(lock.clone().write_owned().await, |p| &mut p.0);
    /// assert!(Arc::ptr_eq(OwnedRwLockMappedWriteGuard::rwlock(&guard), &lock));
    /// # });
    /// ```
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedRwLockMappedWriteGuard<T, U> {
    type Target = U;

    fn deref(&self) -> &U {
        // SAFETY: this guard holds every permit, `data` points into the
        // data, and its `Arc` keeps it alive (rules 1 to 3).
        unsafe { &*self.data }
    }
}

impl<T: ?Sized, U: ?Sized> DerefMut for OwnedRwLockMappedWriteGuard<T, U> {
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: as for `deref`, and `&mut self` makes it exclusive.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedRwLockMappedWriteGuard<T, U> {
    fn drop(&mut self) {
        self.lock.semaphore.release(self.permits as usize);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedRwLockWriteGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for OwnedRwLockWriteGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Debug> fmt::Debug for OwnedRwLockMappedWriteGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Display> fmt::Display for OwnedRwLockMappedWriteGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
