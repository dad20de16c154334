//! A cell initialised at most once, possibly by an asynchronous function.
//!
//! # Implementation
//!
//! The cell is a flag, a slot for the value and a [`Semaphore`] with one
//! permit that serves as the initialisation lock: whoever holds the permit
//! may initialise. Once the value is in, the semaphore is closed, which
//! fails every waiting initialiser (they then read the value) and every
//! later one. A cancelled or failed initialiser gives its permit back, and
//! the next one in line tries.
//!
//! ## The unsafe protocol
//!
//! Every `SAFETY:` comment in this module cites one of these rules.
//!
//! 1. **Writing.** The slot is written only by the holder of the
//!    semaphore's permit, only while `value_set` is false; the writer then
//!    stores `value_set = true` (`Release`) and closes the semaphore, so
//!    nobody writes it again through `&self`.
//! 2. **Reading.** Once `value_set` loads `true` (`Acquire`), the slot
//!    holds the value and stays unchanged as long as the cell is shared.
//! 3. **Exclusive access.** Through `&mut self` or by value nothing else
//!    reaches the slot, which holds a value exactly when `value_set` is
//!    true.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::mem::MaybeUninit;

use crate::loom::atomic::{
    AtomicBool,
    Ordering::{Acquire, Relaxed, Release},
};
use crate::loom::UnsafeCell;
use crate::sync::{Semaphore, SemaphorePermit};

/// A thread-safe cell that is written at most once, with an optionally
/// asynchronous initialiser: [`get_or_init`](OnceCell::get_or_init) runs it
/// once even when many tasks call it at the same time, and they all get the
/// value.
///
/// ```
/// use zokio::sync::OnceCell;
///
/// async fn some_computation() -> u32 {
///     1 + 1
/// }
///
/// static ONCE: OnceCell<u32> = OnceCell::const_new();
///
/// #[zokio::main]
/// async fn main() {
///     let result = ONCE.get_or_init(some_computation).await;
///     assert_eq!(*result, 2);
/// }
/// ```
pub struct OnceCell<T> {
    value_set: AtomicBool,
    /// # Invariant
    /// Written and read as rules 1 to 3 say.
    value: UnsafeCell<MaybeUninit<T>>,
    /// One permit: the right to initialise (rule 1). Closed once set.
    semaphore: Semaphore,
}

// SAFETY: `&OnceCell` hands out `&T` (so `T: Sync`) and moves a `T` in from
// any thread through `set` or an initialiser (so `T: Send`); the slot is
// written once, before it is published (rules 1, 2).
unsafe impl<T: Send + Sync> Sync for OnceCell<T> {}
// SAFETY: the cell owns its `T`, which moves with it.
unsafe impl<T: Send> Send for OnceCell<T> {}

/// Why [`OnceCell::set`] did not store the value; the value comes back.
///
/// ```
/// use zokio::sync::{OnceCell, SetError};
///
/// let cell = OnceCell::new_with(Some(1));
/// let err = cell.set(2).unwrap_err();
/// assert!(err.is_already_init_err());
/// assert!(matches!(err, SetError::AlreadyInitializedError(2)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetError<T> {
    /// The cell already holds a value.
    AlreadyInitializedError(T),
    /// Another call is initialising the cell right now.
    InitializingError(T),
}

impl<T> SetError<T> {
    /// Whether the cell already held a value.
    ///
    /// ```
    /// use zokio::sync::OnceCell;
    ///
    /// let cell = OnceCell::new_with(Some(1));
    /// assert!(cell.set(2).unwrap_err().is_already_init_err());
    /// ```
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// Whether another call was initialising the cell.
    ///
    /// ```
    /// use std::pin::pin;
    /// use zokio::sync::OnceCell;
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let cell = OnceCell::new();
    /// let mut init = pin!(cell.get_or_init(|| std::future::pending::<u8>()));
    /// // Start the initialiser, which never finishes.
    /// let _ = futures_poll_once(init.as_mut());
    /// assert!(cell.set(1).unwrap_err().is_initializing_err());
    /// # });
    /// # fn futures_poll_once<F: std::future::Future>(f: std::pin::Pin<&mut F>) {
    /// #     struct W;
    /// #     impl std::task::Wake for W { fn wake(self: std::sync::Arc<Self>) {} }
    /// #     let waker = std::task::Waker::from(std::sync::Arc::new(W));
    /// #     let _ = f.poll(&mut std::task::Context::from_waker(&waker));
    /// # }
    /// ```
    pub fn is_initializing_err(&self) -> bool {
        matches!(self, SetError::InitializingError(_))
    }
}

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::AlreadyInitializedError(_) => f.write_str("AlreadyInitializedError"),
            SetError::InitializingError(_) => f.write_str("InitializingError"),
        }
    }
}

impl<T: fmt::Debug> Error for SetError<T> {}

impl<T> OnceCell<T> {
    /// An empty cell.
    ///
    /// ```
    /// use zokio::sync::OnceCell;
    ///
    /// let cell = OnceCell::<u32>::new();
    /// assert!(cell.get().is_none());
    /// ```
    pub fn new() -> OnceCell<T> {
        OnceCell {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            semaphore: Semaphore::new(1),
        }
    }

    /// An empty cell, usable in a `static`.
    ///
    /// ```
    /// use zokio::sync::OnceCell;
    ///
    /// static CELL: OnceCell<u32> = OnceCell::const_new();
    /// assert!(CELL.get().is_none());
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new() -> OnceCell<T> {
        OnceCell {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            semaphore: Semaphore::const_new(1),
        }
    }

    /// A cell holding `value`, usable in a `static`.
    ///
    /// ```
    /// use zokio::sync::OnceCell;
    ///
    /// static CELL: OnceCell<u32> = OnceCell::const_new_with(1);
    /// assert_eq!(CELL.get(), Some(&1));
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new_with(value: T) -> OnceCell<T> {
        OnceCell {
            value_set: AtomicBool::new(true),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            semaphore: Semaphore::const_new(0),
        }
    }

    /// A cell holding `value` if it is `Some`, empty otherwise.
    ///
    /// ```
    /// use zokio::sync::OnceCell;
    ///
    /// assert_eq!(OnceCell::new_with(Some(1)).get(), Some(&1));
    /// assert_eq!(OnceCell::<u8>::new_with(None).get(), None);
    /// ```
    pub fn new_with(value: Option<T>) -> OnceCell<T> {
        match value {
            Some(value) => OnceCell::from(value),
            None => OnceCell::new(),
        }
    }

    /// Whether the cell holds a value.
    ///
    /// ```
    /// use zokio::sync::OnceCell;
    ///
    /// let cell = OnceCell::new();
    /// assert!(!cell.initialized());
    /// cell.set(1).unwrap();
    /// assert!(cell.initialized());
    /// ```
    pub fn initialized(&self) -> bool {
        self.value_set.load(Acquire)
    }

    /// The value, if the cell holds one.
    ///
    /// ```
    /// use zokio::sync::OnceCell;
    ///
    /// let cell = OnceCell::new();
    /// assert_eq!(cell.get(), None);
    /// cell.set(5).unwrap();
    /// assert_eq!(cell.get(), Some(&5));
    /// ```
    pub fn get(&self) -> Option<&T> {
        if self.initialized() {
            // SAFETY: `value_set` loaded true (rule 2).
            Some(unsafe { self.get_unchecked() })
        } else {
            None
        }
    }

    /// The value, mutably, if the cell holds one.
    ///
    /// ```
    /// use zokio::sync::OnceCell;
    ///
    /// let mut cell = OnceCell::new_with(Some(1));
    /// *cell.get_mut().unwrap() += 1;
    /// assert_eq!(cell.get(), Some(&2));
    /// ```
    pub fn get_mut(&mut self) -> Option<&mut T> {
        if self.value_set.load(Relaxed) {
            // SAFETY: exclusive access, and the slot holds the value
            // (rule 3).
            Some(
                self.value
                    .with_mut(|slot| unsafe { (*slot).assume_init_mut() }),
            )
        } else {
            None
        }
    }

    /// Stores `value` if the cell is empty and nobody is initialising it;
    /// otherwise gives it back in a [`SetError`].
    ///
    /// ```
    /// use zokio::sync::OnceCell;
    ///
    /// let cell = OnceCell::new();
    /// assert!(cell.set(1).is_ok());
    /// assert!(cell.set(2).is_err());
    /// assert_eq!(cell.get(), Some(&1));
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        if self.initialized() {
            return Err(SetError::AlreadyInitializedError(value));
        }
        match self.semaphore.try_acquire() {
            Ok(permit) => {
                self.store(value, permit);
                Ok(())
            }
            // Closed: the value was set since the check above.
            Err(err) if err.is_closed() => Err(SetError::AlreadyInitializedError(value)),
            Err(_) => Err(SetError::InitializingError(value)),
        }
    }

    /// The value, initialised first by running `f` if the cell is empty.
    /// When several tasks call this at once, one runs its `f` and the
    /// others wait for the value; if that `f` is cancelled or panics, the
    /// next caller in line runs its own.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future while it waits gives up its place;
    /// dropping it while it runs `f` abandons that initialisation, and the
    /// next caller in line initialises instead. The cell is set at most
    /// once either way.
    ///
    /// ```
    /// use zokio::sync::OnceCell;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let cell = OnceCell::new();
    ///     let value = cell.get_or_init(|| async { 42 }).await;
    ///     assert_eq!(*value, 42);
    ///     // Not run again.
    ///     let value = cell.get_or_init(|| async { 0 }).await;
    ///     assert_eq!(*value, 42);
    /// }
    /// ```
    pub async fn get_or_init<F, Fut>(&self, f: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        if let Some(value) = self.get() {
            return value;
        }
        match self.semaphore.acquire().await {
            Ok(permit) => {
                debug_assert!(!self.initialized());
                let value = f().await;
                self.store(value, permit)
            }
            // SAFETY: the semaphore is closed only after the value is
            // published (rules 1, 2); the close was seen through the
            // semaphore's `AcqRel` state, which orders the store of
            // `value_set` before.
            Err(_) => unsafe { self.get_unchecked() },
        }
    }

    /// The value, initialised first by running `f` if the cell is empty;
    /// if `f` fails, its error is returned, the cell stays empty, and the
    /// next caller in line runs its own `f`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`get_or_init`](Self::get_or_init).
    ///
    /// ```
    /// use zokio::sync::OnceCell;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let cell = OnceCell::new();
    ///     let failed = cell.get_or_try_init(|| async { Err::<u8, _>("no") }).await;
    ///     assert_eq!(failed, Err("no"));
    ///     let value = cell.get_or_try_init(|| async { Ok::<_, &str>(1) }).await;
    ///     assert_eq!(value, Ok(&1));
    /// }
    /// ```
    pub async fn get_or_try_init<E, F, Fut>(&self, f: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.get() {
            return Ok(value);
        }
        match self.semaphore.acquire().await {
            Ok(permit) => {
                debug_assert!(!self.initialized());
                let value = f().await?;
                Ok(self.store(value, permit))
            }
            // SAFETY: as in `get_or_init`.
            Err(_) => Ok(unsafe { self.get_unchecked() }),
        }
    }

    /// Takes the value out, consuming the cell.
    ///
    /// ```
    /// use zokio::sync::OnceCell;
    ///
    /// assert_eq!(OnceCell::new_with(Some(1)).into_inner(), Some(1));
    /// assert_eq!(OnceCell::<u8>::new().into_inner(), None);
    /// ```
    pub fn into_inner(mut self) -> Option<T> {
        self.take_value()
    }

    /// Takes the value out, leaving the cell empty (and ready to be
    /// initialised again).
    ///
    /// ```
    /// use zokio::sync::OnceCell;
    ///
    /// let mut cell = OnceCell::new_with(Some(1));
    /// assert_eq!(cell.take(), Some(1));
    /// assert!(!cell.initialized());
    /// assert!(cell.set(2).is_ok());
    /// ```
    pub fn take(&mut self) -> Option<T> {
        std::mem::take(self).into_inner()
    }

    /// Writes the value, publishes it and closes the semaphore; returns it.
    fn store(&self, value: T, permit: SemaphorePermit<'_>) -> &T {
        // SAFETY: we hold the permit and `value_set` is false: the slot is
        // ours to write (rule 1).
        self.value.with_mut(|slot| unsafe { (*slot).write(value) });
        self.value_set.store(true, Release);
        self.semaphore.close();
        // The cell is set for good: the permit is not needed again.
        permit.forget();
        // SAFETY: just published (rule 2).
        unsafe { self.get_unchecked() }
    }

    /// # Safety
    /// The cell holds its value (rule 2).
    unsafe fn get_unchecked(&self) -> &T {
        let slot = self.value.with(|slot| slot.cast::<T>());
        // SAFETY: the caller says the slot is initialised; it is not
        // written again while shared (rule 2).
        unsafe { &*slot }
    }

    /// Moves the value out and marks the cell empty.
    fn take_value(&mut self) -> Option<T> {
        if !self.value_set.load(Relaxed) {
            return None;
        }
        self.value_set.store(false, Relaxed);
        // SAFETY: exclusive access, and the slot held the value, now no
        // longer marked as there (rule 3).
        Some(
            self.value
                .with_mut(|slot| unsafe { (*slot).assume_init_read() }),
        )
    }
}

impl<T> Drop for OnceCell<T> {
    fn drop(&mut self) {
        drop(self.take_value());
    }
}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> OnceCell<T> {
        OnceCell {
            value_set: AtomicBool::new(true),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            semaphore: Semaphore::new(0),
        }
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> OnceCell<T> {
        OnceCell::new()
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    fn clone(&self) -> OnceCell<T> {
        OnceCell::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for OnceCell<T> {
    fn eq(&self, other: &OnceCell<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceCell<T> {}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.get())
            .finish()
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use loom::sync::Arc;
    use loom::thread;

    use super::OnceCell;
    use crate::sync::wait_list::loom_support::{block_on, thread_waker};

    #[test]
    fn loom_once_cell_initialises_once() {
        loom::model(|| {
            let cell = Arc::new(OnceCell::new());
            let runs = Arc::new(AtomicUsize::new(0));
            let init = |runs: Arc<AtomicUsize>| async move {
                runs.fetch_add(1, SeqCst);
                7
            };
            let other = {
                let (cell, runs) = (cell.clone(), runs.clone());
                thread::spawn(move || {
                    let waker = thread_waker();
                    *block_on(&waker, cell.get_or_init(|| init(runs)))
                })
            };
            let waker = thread_waker();
            assert_eq!(
                *block_on(&waker, cell.get_or_init(|| init(runs.clone()))),
                7
            );
            assert_eq!(other.join().unwrap(), 7);
            assert_eq!(runs.load(SeqCst), 1);
        });
    }
}
