//! The guards that borrow their mutex.

use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};

use super::Mutex;
use crate::sync::Semaphore;

/// Access to the data of a locked [`Mutex`]; unlocks it when dropped.
///
/// Made by [`Mutex::lock`] and [`Mutex::try_lock`]. It may be held across
/// an `.await` and moved to another thread, but it cannot be shared between
/// threads when the data cannot:
///
/// ```compile_fail,E0277
/// fn assert_sync<T: Sync>(_: &T) {}
/// let mutex = zokio::sync::Mutex::new(std::cell::Cell::new(1));
/// assert_sync(&mutex.try_lock().unwrap());
/// ```
///
/// ```
/// use zokio::sync::Mutex;
///
/// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let mutex = Mutex::new(vec![1]);
/// let mut guard = mutex.lock().await;
/// guard.push(2);
/// assert_eq!(*guard, [1, 2]);
/// # });
/// ```
#[must_use = "if unused the Mutex will immediately unlock"]
#[clippy::has_significant_drop]
pub struct MutexGuard<'a, T: ?Sized> {
    /// # Invariant
    /// This guard holds `lock`'s permit (rule 1).
    lock: &'a Mutex<T>,
}

/// Access to a part of the data of a locked [`Mutex`], made by
/// [`MutexGuard::map`]; unlocks the mutex when dropped.
///
/// ```
/// use zokio::sync::{Mutex, MutexGuard};
///
/// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let mutex = Mutex::new((1, String::from("a")));
/// let mut name = MutexGuard::map(mutex.lock().await, |pair| &mut pair.1);
/// name.push('b');
/// drop(name);
/// assert_eq!(mutex.lock().await.1, "ab");
/// # });
/// ```
#[must_use = "if unused the Mutex will immediately unlock"]
#[clippy::has_significant_drop]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    /// # Invariant
    /// This guard holds the permit of `semaphore`'s mutex (rule 1), and
    /// `data` points into that mutex's data (rule 2).
    semaphore: &'a Semaphore,
    data: *mut T,
    _borrow: PhantomData<&'a mut T>,
}

// SAFETY: the guard only hands out `&T` through `&self`; sharing it between
// threads shares `&T`, which needs `T: Sync` (and the guard, `T: Send`).
unsafe impl<T: ?Sized + Send + Sync> Sync for MutexGuard<'_, T> {}
// SAFETY: the guard stands for exclusive access to a `T` (rules 1, 2) and
// its release works from any thread: moving it moves that access.
unsafe impl<T: ?Sized + Send> Send for MappedMutexGuard<'_, T> {}
// SAFETY: as for `MutexGuard`.
unsafe impl<T: ?Sized + Send + Sync> Sync for MappedMutexGuard<'_, T> {}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// A guard for `lock`, whose permit the caller just acquired.
    pub(super) fn new(lock: &'a Mutex<T>) -> MutexGuard<'a, T> {
        MutexGuard { lock }
    }

    /// Turns the guard into one for a part of the data, chosen by `f`. The
    /// mutex stays locked until the new guard drops.
    ///
    /// An associated function, not a method, so that it does not hide a
    /// method of `T`: call it as `MutexGuard::map(guard, f)`.
    ///
    /// ```
    /// use zokio::sync::{Mutex, MutexGuard};
    ///
    /// #[derive(Debug)]
    /// struct Foo(u32);
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let foo = Mutex::new(Foo(1));
    /// {
    ///     let mut mapped = MutexGuard::map(foo.lock().await, |f| &mut f.0);
    ///     *mapped = 2;
    /// }
    /// assert_eq!(foo.lock().await.0, 2);
    /// # });
    /// ```
    #[inline]
    pub fn map<U: ?Sized, F>(mut this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data: *mut U = f(&mut *this);
        let this = ManuallyDrop::new(this);
        MappedMutexGuard {
            semaphore: &this.lock.semaphore,
            data,
            _borrow: PhantomData,
        }
    }

    /// Like [`map`](Self::map), but `f` may decline: then the original
    /// guard comes back in `Err`.
    ///
    /// ```
    /// use zokio::sync::{Mutex, MutexGuard};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let mutex = Mutex::new(vec![1, 2]);
    /// let first = MutexGuard::try_map(mutex.lock().await, |v| v.first_mut()).unwrap();
    /// assert_eq!(*first, 1);
    /// drop(first);
    /// let guard = mutex.lock().await;
    /// let guard = MutexGuard::try_map(guard, |v| v.get_mut(7)).unwrap_err();
    /// assert_eq!(*guard, [1, 2]);
    /// # });
    /// ```
    #[inline]
    pub fn try_map<U: ?Sized, F>(mut this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let data: *mut U = match f(&mut *this) {
            Some(data) => data,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        Ok(MappedMutexGuard {
            semaphore: &this.lock.semaphore,
            data,
            _borrow: PhantomData,
        })
    }

    /// The mutex this guard locks.
    ///
    /// ```
    /// use zokio::sync::{Mutex, MutexGuard};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let mutex = Mutex::new(0);
    /// let guard = mutex.lock().await;
    /// assert!(std::ptr::eq(MutexGuard::mutex(&guard), &mutex));
    /// # });
    /// ```
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        this.lock
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard holds the permit (rule 1).
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard holds the permit (rule 1), and `&mut self`
        // makes the reference exclusive.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.unlock();
    }
}

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    /// Narrows the guard further to a part chosen by `f`.
    ///
    /// ```
    /// use zokio::sync::{MappedMutexGuard, Mutex, MutexGuard};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let mutex = Mutex::new(((1, 2), 3));
    /// let outer = MutexGuard::map(mutex.lock().await, |t| &mut t.0);
    /// let mut inner = MappedMutexGuard::map(outer, |t| &mut t.1);
    /// *inner = 20;
    /// drop(inner);
    /// assert_eq!(*mutex.lock().await, ((1, 20), 3));
    /// # });
    /// ```
    #[inline]
    pub fn map<U: ?Sized, F>(mut this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data: *mut U = f(&mut *this);
        let this = ManuallyDrop::new(this);
        MappedMutexGuard {
            semaphore: this.semaphore,
            data,
            _borrow: PhantomData,
        }
    }

    /// Like [`map`](Self::map), but `f` may decline: then the original
    /// guard comes back in `Err`.
    ///
    /// ```
    /// use zokio::sync::{MappedMutexGuard, Mutex, MutexGuard};
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let mutex = Mutex::new(Some(vec![5]));
    /// let list = MutexGuard::map(mutex.lock().await, |o| o.as_mut().unwrap());
    /// let first = MappedMutexGuard::try_map(list, |v| v.first_mut()).unwrap();
    /// assert_eq!(*first, 5);
    /// # });
    /// ```
    #[inline]
    pub fn try_map<U: ?Sized, F>(mut this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let data: *mut U = match f(&mut *this) {
            Some(data) => data,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        Ok(MappedMutexGuard {
            semaphore: this.semaphore,
            data,
            _borrow: PhantomData,
        })
    }
}

impl<T: ?Sized> Deref for MappedMutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard holds the permit and `data` points into the
        // data (rules 1, 2).
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for MappedMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`, and `&mut self` makes it exclusive.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized> Drop for MappedMutexGuard<'_, T> {
    fn drop(&mut self) {
        self.semaphore.release(1);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MappedMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MappedMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
