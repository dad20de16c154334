//! The permits a semaphore hands out: they give their permits back when
//! dropped.

use std::fmt;
use std::sync::Arc;

use super::Semaphore;

/// Permits borrowed from a [`Semaphore`]; they go back to it when this is
/// dropped (unless [forgotten](SemaphorePermit::forget)).
///
/// ```
/// use zokio::sync::Semaphore;
///
/// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let semaphore = Semaphore::new(3);
/// let permit = semaphore.acquire_many(2).await.unwrap();
/// assert_eq!(permit.num_permits(), 2);
/// assert_eq!(semaphore.available_permits(), 1);
/// drop(permit);
/// assert_eq!(semaphore.available_permits(), 3);
/// # });
/// ```
#[must_use = "the permits go back to the semaphore as soon as this is dropped"]
#[clippy::has_significant_drop]
pub struct SemaphorePermit<'a> {
    pub(super) semaphore: &'a Semaphore,
    pub(super) permits: u32,
}

/// Permits taken from a [`Semaphore`] held in an [`Arc`]; they go back to it
/// when this is dropped (unless [forgotten](OwnedSemaphorePermit::forget)).
/// Unlike [`SemaphorePermit`] it borrows nothing, so it can move into a
/// spawned task.
///
/// ```
/// use std::sync::Arc;
/// use zokio::sync::Semaphore;
///
/// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let semaphore = Arc::new(Semaphore::new(1));
/// let permit = semaphore.clone().acquire_owned().await.unwrap();
/// let task = zokio::spawn(async move {
///     // ... work while holding the permit ...
///     drop(permit);
/// });
/// task.await.unwrap();
/// assert_eq!(semaphore.available_permits(), 1);
/// # });
/// ```
#[must_use = "the permits go back to the semaphore as soon as this is dropped"]
#[clippy::has_significant_drop]
pub struct OwnedSemaphorePermit {
    pub(super) semaphore: Arc<Semaphore>,
    pub(super) permits: u32,
}

impl<'a> SemaphorePermit<'a> {
    /// Keeps the permits out of the semaphore for good: it ends up with
    /// fewer permits.
    ///
    /// ```
    /// use zokio::sync::Semaphore;
    ///
    /// let semaphore = Semaphore::new(10);
    /// semaphore.try_acquire_many(3).unwrap().forget();
    /// assert_eq!(semaphore.available_permits(), 7);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this holds.
    ///
    /// ```
    /// use zokio::sync::Semaphore;
    ///
    /// let semaphore = Semaphore::new(10);
    /// assert_eq!(semaphore.try_acquire_many(4).unwrap().num_permits(), 4);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }

    /// Moves the permits of `other` into this one.
    ///
    /// # Panics
    ///
    /// If `other` comes from another semaphore, or if the sum exceeds
    /// `u32::MAX`.
    ///
    /// ```
    /// use zokio::sync::Semaphore;
    ///
    /// let semaphore = Semaphore::new(3);
    /// let mut permit = semaphore.try_acquire().unwrap();
    /// permit.merge(semaphore.try_acquire_many(2).unwrap());
    /// assert_eq!(permit.num_permits(), 3);
    /// ```
    pub fn merge(&mut self, mut other: SemaphorePermit<'a>) {
        assert!(
            std::ptr::eq(self.semaphore, other.semaphore),
            "cannot merge permits of different semaphores"
        );
        self.permits = merged(self.permits, other.permits);
        other.permits = 0;
    }

    /// Splits `n` permits off into a new permit; `None` (and nothing
    /// changed) if this holds fewer than `n`.
    ///
    /// ```
    /// use zokio::sync::Semaphore;
    ///
    /// let semaphore = Semaphore::new(3);
    /// let mut permit = semaphore.try_acquire_many(3).unwrap();
    /// let part = permit.split(1).unwrap();
    /// assert_eq!((permit.num_permits(), part.num_permits()), (2, 1));
    /// assert!(permit.split(5).is_none());
    /// ```
    pub fn split(&mut self, n: usize) -> Option<SemaphorePermit<'a>> {
        let n = u32::try_from(n).ok().filter(|&n| n <= self.permits)?;
        self.permits -= n;
        Some(SemaphorePermit {
            semaphore: self.semaphore,
            permits: n,
        })
    }
}

impl OwnedSemaphorePermit {
    /// Keeps the permits out of the semaphore for good: it ends up with
    /// fewer permits.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::Semaphore;
    ///
    /// let semaphore = Arc::new(Semaphore::new(10));
    /// semaphore.clone().try_acquire_many_owned(3).unwrap().forget();
    /// assert_eq!(semaphore.available_permits(), 7);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this holds.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::Semaphore;
    ///
    /// let semaphore = Arc::new(Semaphore::new(10));
    /// let permit = semaphore.try_acquire_many_owned(4).unwrap();
    /// assert_eq!(permit.num_permits(), 4);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }

    /// Moves the permits of `other` into this one.
    ///
    /// # Panics
    ///
    /// If `other` comes from another semaphore, or if the sum exceeds
    /// `u32::MAX`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::Semaphore;
    ///
    /// let semaphore = Arc::new(Semaphore::new(3));
    /// let mut permit = semaphore.clone().try_acquire_owned().unwrap();
    /// permit.merge(semaphore.clone().try_acquire_many_owned(2).unwrap());
    /// assert_eq!(permit.num_permits(), 3);
    /// ```
    pub fn merge(&mut self, mut other: OwnedSemaphorePermit) {
        assert!(
            Arc::ptr_eq(&self.semaphore, &other.semaphore),
            "cannot merge permits of different semaphores"
        );
        self.permits = merged(self.permits, other.permits);
        other.permits = 0;
    }

    /// Splits `n` permits off into a new permit; `None` (and nothing
    /// changed) if this holds fewer than `n`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::Semaphore;
    ///
    /// let semaphore = Arc::new(Semaphore::new(3));
    /// let mut permit = semaphore.try_acquire_many_owned(3).unwrap();
    /// let part = permit.split(2).unwrap();
    /// assert_eq!((permit.num_permits(), part.num_permits()), (1, 2));
    /// ```
    pub fn split(&mut self, n: usize) -> Option<OwnedSemaphorePermit> {
        let n = u32::try_from(n).ok().filter(|&n| n <= self.permits)?;
        self.permits -= n;
        Some(OwnedSemaphorePermit {
            semaphore: self.semaphore.clone(),
            permits: n,
        })
    }

    /// The semaphore these permits come from.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::Semaphore;
    ///
    /// let semaphore = Arc::new(Semaphore::new(1));
    /// let permit = semaphore.clone().try_acquire_owned().unwrap();
    /// assert!(Arc::ptr_eq(permit.semaphore(), &semaphore));
    /// ```
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.semaphore
    }
}

fn merged(a: u32, b: u32) -> u32 {
    a.checked_add(b)
        .expect("a permit can hold at most `u32::MAX` permits")
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.semaphore.release(self.permits as usize);
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.semaphore.release(self.permits as usize);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("semaphore", &self.semaphore)
            .field("permits", &self.permits)
            .finish()
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("semaphore", &self.semaphore)
            .field("permits", &self.permits)
            .finish()
    }
}
