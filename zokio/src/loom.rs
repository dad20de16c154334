//! One door to atomics, cells, locks and threads, so that `--cfg loom` can swap
//! in the model checker's versions and explore every interleaving.
//!
//! Code that is shared between threads imports from here, never from `std`
//! directly. Under loom, `UnsafeCell` tracks every access; in normal builds the
//! wrappers compile to plain `std` calls.

#[cfg(loom)]
pub(crate) use loom::{
    cell::UnsafeCell,
    sync::{atomic, Arc, Condvar, Mutex, MutexGuard},
};

#[cfg(not(loom))]
pub(crate) use std::sync::{atomic, Arc, Condvar, Mutex, MutexGuard};

/// `std::cell::UnsafeCell` with loom's closure-based access API, so that the
/// same code builds in both configurations.
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(std::cell::UnsafeCell::new(value))
    }
}

#[cfg(not(loom))]
impl<T: ?Sized> UnsafeCell<T> {
    /// Runs `f` with a shared raw pointer to the contents.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Runs `f` with an exclusive raw pointer to the contents.
    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// Locks a mutex, ignoring poisoning: every lock in Zokio protects data that
/// stays consistent across a panic (no user code runs while it is held).
pub(crate) fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}
