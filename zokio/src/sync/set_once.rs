//! A cell set at most once, whose readers can wait until it is.
//!
//! # Implementation
//!
//! A state word (`UNSET`, `SETTING`, `SET`), a slot for the value and a
//! [`Notify`]. `set` claims the slot with one compare-and-swap, writes the
//! value, publishes it and wakes every waiter with `notify_waiters`. A
//! waiter creates its `notified()` future before it checks the state a
//! second time, with a read-modify-write: either that check sees `SET`, or
//! it comes before the publishing swap, so the `notify_waiters` that
//! follows the swap comes after the future was created and wakes it.
//!
//! ## The unsafe protocol
//!
//! Every `SAFETY:` comment in this module cites one of these rules.
//!
//! 1. **Writing.** The slot is written only by the `set` call whose
//!    compare-and-swap took the state from `UNSET` to `SETTING`; it then
//!    stores `SET` (`Release`). Nothing writes it again through `&self`.
//! 2. **Reading.** Once the state reads `SET` with acquire ordering, the
//!    slot holds the value and stays unchanged as long as the cell is
//!    shared.
//! 3. **Exclusive access.** Through `&mut self` or by value nothing else
//!    reaches the slot, which holds a value exactly when the state is
//!    `SET`.

use std::error::Error;
use std::fmt;
use std::mem::MaybeUninit;

use crate::loom::atomic::{
    AtomicUsize,
    Ordering::{AcqRel, Acquire, Relaxed, Release},
};
use crate::loom::UnsafeCell;
use crate::sync::Notify;

/// No value, and nobody is setting one.
const UNSET: usize = 0;
/// A `set` call is writing the value.
const SETTING: usize = 1;
/// The value is in the slot.
const SET: usize = 2;

/// A thread-safe cell that is written at most once, and that tasks can
/// [`wait`](SetOnce::wait) on until it is — an event that carries a value.
///
/// ```
/// use std::sync::Arc;
/// use zokio::sync::SetOnce;
///
/// #[zokio::main]
/// async fn main() {
///     let once = Arc::new(SetOnce::new());
///     let waiter = {
///         let once = once.clone();
///         zokio::spawn(async move { *once.wait().await })
///     };
///     once.set(20).unwrap();
///     assert_eq!(waiter.await.unwrap(), 20);
///     // Later calls fail and hand the value back.
///     assert_eq!(once.set(30).unwrap_err().0, 30);
/// }
/// ```
pub struct SetOnce<T> {
    state: AtomicUsize,
    /// # Invariant
    /// Written and read as rules 1 to 3 say.
    value: UnsafeCell<MaybeUninit<T>>,
    notify: Notify,
}

// SAFETY: `&SetOnce` hands out `&T` (so `T: Sync`) and moves a `T` in from
// any thread through `set` (so `T: Send`); the slot is written once, before
// it is published (rules 1, 2).
unsafe impl<T: Send + Sync> Sync for SetOnce<T> {}
// SAFETY: the cell owns its `T`, which moves with it.
unsafe impl<T: Send> Send for SetOnce<T> {}

/// [`SetOnce::set`] found the cell set (or being set); the value comes
/// back in the field.
///
/// ```
/// use zokio::sync::SetOnce;
///
/// let once = SetOnce::new();
/// once.set(1).unwrap();
/// let err = once.set(2).unwrap_err();
/// assert_eq!(err.0, 2);
/// assert_eq!(err.to_string(), "SetOnceError");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetOnceError<T>(pub T);

impl<T> fmt::Display for SetOnceError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SetOnceError")
    }
}

impl<T: fmt::Debug> Error for SetOnceError<T> {}

impl<T> SetOnce<T> {
    /// An empty cell.
    ///
    /// ```
    /// use zokio::sync::SetOnce;
    ///
    /// let once = SetOnce::<u8>::new();
    /// assert!(!once.initialized());
    /// ```
    pub fn new() -> SetOnce<T> {
        SetOnce {
            state: AtomicUsize::new(UNSET),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            notify: Notify::new(),
        }
    }

    /// An empty cell, usable in a `static`.
    ///
    /// ```
    /// use zokio::sync::SetOnce;
    ///
    /// static ONCE: SetOnce<u32> = SetOnce::const_new();
    /// ONCE.set(2).unwrap();
    /// assert_eq!(ONCE.get(), Some(&2));
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new() -> SetOnce<T> {
        SetOnce {
            state: AtomicUsize::new(UNSET),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            notify: Notify::const_new(),
        }
    }

    /// A cell holding `value`, usable in a `static`.
    ///
    /// ```
    /// use zokio::sync::SetOnce;
    ///
    /// static ONCE: SetOnce<u32> = SetOnce::const_new_with(1);
    /// assert_eq!(ONCE.get(), Some(&1));
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new_with(value: T) -> SetOnce<T> {
        SetOnce {
            state: AtomicUsize::new(SET),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            notify: Notify::const_new(),
        }
    }

    /// A cell holding `value` if it is `Some`, empty otherwise.
    ///
    /// ```
    /// use zokio::sync::SetOnce;
    ///
    /// assert_eq!(SetOnce::new_with(Some(1)).get(), Some(&1));
    /// assert_eq!(SetOnce::<u8>::new_with(None).get(), None);
    /// ```
    pub fn new_with(value: Option<T>) -> SetOnce<T> {
        match value {
            Some(value) => SetOnce::from(value),
            None => SetOnce::new(),
        }
    }

    /// Whether the cell holds a value.
    ///
    /// ```
    /// use zokio::sync::SetOnce;
    ///
    /// let once = SetOnce::new();
    /// assert!(!once.initialized());
    /// once.set(()).unwrap();
    /// assert!(once.initialized());
    /// ```
    pub fn initialized(&self) -> bool {
        self.state.load(Acquire) == SET
    }

    /// The value, if the cell holds one; never waits.
    ///
    /// ```
    /// use zokio::sync::SetOnce;
    ///
    /// let once = SetOnce::new();
    /// assert_eq!(once.get(), None);
    /// once.set(3).unwrap();
    /// assert_eq!(once.get(), Some(&3));
    /// ```
    pub fn get(&self) -> Option<&T> {
        if self.initialized() {
            // SAFETY: the state read `SET` with acquire ordering (rule 2).
            Some(unsafe { self.get_unchecked() })
        } else {
            None
        }
    }

    /// Stores `value` if the cell is empty and wakes every task in
    /// [`wait`](Self::wait); otherwise gives it back in a
    /// [`SetOnceError`]. Never waits.
    ///
    /// ```
    /// use zokio::sync::SetOnce;
    ///
    /// let once = SetOnce::new();
    /// assert!(once.set(1).is_ok());
    /// assert_eq!(once.set(2), Err(zokio::sync::SetOnceError(2)));
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetOnceError<T>> {
        if self
            .state
            .compare_exchange(UNSET, SETTING, AcqRel, Acquire)
            .is_err()
        {
            return Err(SetOnceError(value));
        }
        // SAFETY: our compare-and-swap took the state from `UNSET` to
        // `SETTING`: the slot is ours to write (rule 1).
        self.value.with_mut(|slot| unsafe { (*slot).write(value) });
        self.state.store(SET, Release);
        self.notify.notify_waiters();
        Ok(())
    }

    /// Waits until the cell holds a value, and returns it.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: waiting takes nothing from the cell, and a new call
    /// waits the same way.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::SetOnce;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let once = Arc::new(SetOnce::new());
    ///     let setter = once.clone();
    ///     zokio::spawn(async move { setter.set("ready").unwrap() });
    ///     assert_eq!(*once.wait().await, "ready");
    /// }
    /// ```
    pub async fn wait(&self) -> &T {
        loop {
            if let Some(value) = self.get() {
                return value;
            }
            let notified = self.notify.notified();
            // After taking the epoch: either this sees the value, or the
            // `notify_waiters` of the `set` comes later and wakes
            // `notified` (see the module docs).
            if let Some(value) = self.get() {
                return value;
            }
            notified.await;
        }
    }

    /// Takes the value out, consuming the cell.
    ///
    /// ```
    /// use zokio::sync::SetOnce;
    ///
    /// assert_eq!(SetOnce::new_with(Some(1)).into_inner(), Some(1));
    /// assert_eq!(SetOnce::<u8>::new().into_inner(), None);
    /// ```
    pub fn into_inner(mut self) -> Option<T> {
        self.take_value()
    }

    /// # Safety
    /// The state read `SET` with acquire ordering (rule 2).
    unsafe fn get_unchecked(&self) -> &T {
        let slot = self.value.with(|slot| slot.cast::<T>());
        // SAFETY: the caller saw `SET`: the slot holds the value and is not
        // written again while shared (rule 2).
        unsafe { &*slot }
    }

    /// Moves the value out and marks the cell empty.
    fn take_value(&mut self) -> Option<T> {
        if self.state.load(Relaxed) != SET {
            return None;
        }
        self.state.store(UNSET, Relaxed);
        // SAFETY: exclusive access, and the slot held the value, now no
        // longer marked as there (rule 3).
        Some(
            self.value
                .with_mut(|slot| unsafe { (*slot).assume_init_read() }),
        )
    }
}

impl<T> Drop for SetOnce<T> {
    fn drop(&mut self) {
        drop(self.take_value());
    }
}

impl<T> From<T> for SetOnce<T> {
    fn from(value: T) -> SetOnce<T> {
        SetOnce {
            state: AtomicUsize::new(SET),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            notify: Notify::new(),
        }
    }
}

impl<T> Default for SetOnce<T> {
    fn default() -> SetOnce<T> {
        SetOnce::new()
    }
}

impl<T: Clone> Clone for SetOnce<T> {
    fn clone(&self) -> SetOnce<T> {
        SetOnce::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for SetOnce<T> {
    fn eq(&self, other: &SetOnce<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for SetOnce<T> {}

impl<T: fmt::Debug> fmt::Debug for SetOnce<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetOnce")
            .field("value", &self.get())
            .finish()
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use loom::sync::Arc;
    use loom::thread;

    use super::SetOnce;
    use crate::sync::wait_list::loom_support::{block_on, thread_waker};

    /// `wait` never misses the `set` that races with it.
    #[test]
    fn loom_set_once_wait_vs_set() {
        loom::model(|| {
            let once = Arc::new(SetOnce::new());
            let setter = {
                let once = once.clone();
                thread::spawn(move || once.set(5).unwrap())
            };
            let waker = thread_waker();
            assert_eq!(*block_on(&waker, once.wait()), 5);
            setter.join().unwrap();
        });
    }
}
