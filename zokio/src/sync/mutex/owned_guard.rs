//! The guards that own an `Arc` of their mutex.

use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::Mutex;

/// Access to the data of a locked [`Mutex`] held in an [`Arc`]; unlocks it
/// when dropped. Borrows nothing, so it can move into a spawned task.
///
/// Made by [`Mutex::lock_owned`] and [`Mutex::try_lock_owned`].
///
/// ```
/// use std::sync::Arc;
/// use zokio::sync::Mutex;
///
/// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let mutex = Arc::new(Mutex::new(0));
/// let mut guard = mutex.clone().lock_owned().await;
/// *guard += 1;
/// drop(guard);
/// assert_eq!(*mutex.lock().await, 1);
/// # });
/// ```
#[must_use = "if unused the Mutex will immediately unlock"]
#[clippy::has_significant_drop]
pub struct OwnedMutexGuard<T: ?Sized> {
    /// # Invariant
    /// This guard holds `lock`'s permit (rule 1).
    lock: Arc<Mutex<T>>,
}

/// Access to a part `U` of the data of a locked [`Mutex<T>`] held in an
/// [`Arc`], made by [`OwnedMutexGuard::map`]; unlocks the mutex when
/// dropped.
///
/// ```
/// use std::sync::Arc;
/// use zokio::sync::{Mutex, OwnedMutexGuard};
///
/// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let mutex = Arc::new(Mutex::new((0, 'a')));
/// let mut number = OwnedMutexGuard::map(mutex.clone().lock_owned().await, |p| &mut p.0);
/// *number = 5;
/// drop(number);
/// assert_eq!(*mutex.lock().await, (5, 'a'));
/// # });
/// ```
#[must_use = "if unused the Mutex will immediately unlock"]
#[clippy::has_significant_drop]
pub struct OwnedMappedMutexGuard<T: ?Sized, U: ?Sized = T> {
    /// # Invariant
    /// This guard holds `lock`'s permit (rule 1), and `data` points into
    /// `lock`'s data (rule 2).
    data: *mut U,
    lock: Arc<Mutex<T>>,
    _data: PhantomData<U>,
}

// SAFETY: the guard only hands out `&T` through `&self`; sharing it between
// threads shares `&T`, which needs `T: Sync` (and the guard, `T: Send`).
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedMutexGuard<T> {}
// SAFETY: the guard stands for exclusive access to a `U` inside a `T`
// (rules 1, 2) and for a share of the `Arc`; both may move between threads
// when they are `Send`.
unsafe impl<T: ?Sized + Send, U: ?Sized + Send> Send for OwnedMappedMutexGuard<T, U> {}
// SAFETY: through `&self` the guard hands out `&U`, and the `Arc` it holds
// is shared: both need `Sync`.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync for OwnedMappedMutexGuard<T, U> {}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// A guard for `lock`, whose permit the caller just acquired.
    pub(super) fn new(lock: Arc<Mutex<T>>) -> OwnedMutexGuard<T> {
        OwnedMutexGuard { lock }
    }

    /// Moves the `Arc` out without unlocking.
    fn into_lock(self) -> Arc<Mutex<T>> {
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is never dropped, so the `Arc` is moved out once;
        // its permit goes with it to the caller (rule 3).
        unsafe { std::ptr::read(&this.lock) }
    }

    /// Turns the guard into one for a part of the data, chosen by `f`. The
    /// mutex stays locked until the new guard drops.
    ///
    /// An associated function, not a method, so that it does not hide a
    /// method of `T`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{Mutex, OwnedMutexGuard};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let mutex = Arc::new(Mutex::new(vec![1, 2, 3]));
    /// let mut last = OwnedMutexGuard::map(mutex.clone().lock_owned().await, |v| {
    ///     v.last_mut().unwrap()
    /// });
    /// *last = 30;
    /// drop(last);
    /// assert_eq!(*mutex.lock().await, [1, 2, 30]);
    /// # });
    /// ```
    #[inline]
    pub fn map<U: ?Sized, F>(mut this: Self, f: F) -> OwnedMappedMutexGuard<T, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data: *mut U = f(&mut *this);
        OwnedMappedMutexGuard {
            data,
            lock: this.into_lock(),
            _data: PhantomData,
        }
    }

    /// Like [`map`](Self::map), but `f` may decline: then the original
    /// guard comes back in `Err`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{Mutex, OwnedMutexGuard};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let mutex = Arc::new(Mutex::new(None::<u8>));
    /// let guard = mutex.clone().lock_owned().await;
    /// let mut guard = OwnedMutexGuard::try_map(guard, |o| o.as_mut()).unwrap_err();
    /// *guard = Some(1);
    /// assert!(OwnedMutexGuard::try_map(guard, |o| o.as_mut()).is_ok());
    /// # });
    /// ```
    #[inline]
    pub fn try_map<U: ?Sized, F>(mut this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let data: *mut U = match f(&mut *this) {
            Some(data) => data,
            None => return Err(this),
        };
        Ok(OwnedMappedMutexGuard {
            data,
            lock: this.into_lock(),
            _data: PhantomData,
        })
    }

    /// The mutex this guard locks.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{Mutex, OwnedMutexGuard};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let mutex = Arc::new(Mutex::new(0));
    /// let guard = mutex.clone().lock_owned().await;
    /// assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&guard), &mutex));
    /// # });
    /// ```
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }
}

impl<T: ?Sized> Deref for OwnedMutexGuard<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard holds the permit (rule 1), and its `Arc` keeps
        // the data alive (rule 3).
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`, and `&mut self` makes it exclusive.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        self.lock.unlock();
    }
}

impl<T: ?Sized, U: ?Sized> OwnedMappedMutexGuard<T, U> {
    /// Moves the `Arc` out without unlocking.
    fn into_lock(self) -> Arc<Mutex<T>> {
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is never dropped, so the `Arc` is moved out once;
        // its permit goes with it to the caller (rule 3).
        unsafe { std::ptr::read(&this.lock) }
    }

    /// Narrows the guard further to a part chosen by `f`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let mutex = Arc::new(Mutex::new(((1, 2), 3)));
    /// let outer = OwnedMutexGuard::map(mutex.clone().lock_owned().await, |t| &mut t.0);
    /// let mut inner = OwnedMappedMutexGuard::map(outer, |t| &mut t.0);
    /// *inner = 10;
    /// drop(inner);
    /// assert_eq!(*mutex.lock().await, ((10, 2), 3));
    /// # });
    /// ```
    #[inline]
    pub fn map<S: ?Sized, F>(mut this: Self, f: F) -> OwnedMappedMutexGuard<T, S>
    where
        F: FnOnce(&mut U) -> &mut S,
    {
        let data: *mut S = f(&mut *this);
        OwnedMappedMutexGuard {
            data,
            lock: this.into_lock(),
            _data: PhantomData,
        }
    }

    /// Like [`map`](Self::map), but `f` may decline: then the original
    /// guard comes back in `Err`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let mutex = Arc::new(Mutex::new(vec![vec![1]]));
    /// let row = OwnedMutexGuard::map(mutex.clone().lock_owned().await, |v| &mut v[0]);
    /// let row = OwnedMappedMutexGuard::try_map(row, |r| r.get_mut(3)).unwrap_err();
    /// assert_eq!(*row, [1]);
    /// # });
    /// ```
    #[inline]
    pub fn try_map<S: ?Sized, F>(mut this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, S>, Self>
    where
        F: FnOnce(&mut U) -> Option<&mut S>,
    {
        let data: *mut S = match f(&mut *this) {
            Some(data) => data,
            None => return Err(this),
        };
        Ok(OwnedMappedMutexGuard {
            data,
            lock: this.into_lock(),
            _data: PhantomData,
        })
    }

    /// The mutex this guard locks.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let mutex = Arc::new(Mutex::new((0, 0)));
    /// let guard = OwnedMutexGuard::map(mutex.clone().lock_owned().await, |p| &mut p.1);
    /// assert!(Arc::ptr_eq(OwnedMappedMutexGuard::mutex(&guard), &mutex));
    /// # });
    /// ```
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedMappedMutexGuard<T, U> {
    type Target = U;

    fn deref(&self) -> &U {
        // SAFETY: this guard holds the permit and `data` points into the
        // data, which its `Arc` keeps alive (rules 1 to 3).
        unsafe { &*self.data }
    }
}

impl<T: ?Sized, U: ?Sized> DerefMut for OwnedMappedMutexGuard<T, U> {
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: as for `deref`, and `&mut self` makes it exclusive.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedMappedMutexGuard<T, U> {
    fn drop(&mut self) {
        self.lock.unlock();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Debug> fmt::Debug for OwnedMappedMutexGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Display> fmt::Display for OwnedMappedMutexGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
