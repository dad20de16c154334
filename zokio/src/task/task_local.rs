//! Task-local values: [`task_local!`](crate::task_local), [`LocalKey`] and
//! [`TaskLocalFuture`].
//!
//! A key is a thread-local slot, `RefCell<Option<T>>`, that holds a value
//! only while a scope of that key runs on the thread. A [`TaskLocalFuture`]
//! keeps its value in a field of its own between polls and swaps it into
//! the slot for the length of each poll, then swaps it back out (whatever
//! the slot held before, an outer scope's value or nothing, waits in the
//! future's field meanwhile). So another task polled on the same thread
//! never sees the value, nested scopes of one key shadow and restore each
//! other, and a task moving between threads takes its value along.
//!
//! The swap back is done by a guard's destructor, so a poll that panics
//! still leaves the slot as it found it.
//!
//! # Pinning
//!
//! [`TaskLocalFuture`] projects its pin by hand; the `SAFETY:` comments
//! below cite these rules.
//!
//! 1. **The inner future is pinned** with the `TaskLocalFuture`: it is
//!    never moved out of its field, only polled through a `Pin` and dropped
//!    in place (`Pin::set`), including by `Drop`.
//! 2. **The value is not pinned**: it is moved in and out of its field at
//!    will (the swaps, [`TaskLocalFuture::take_value`]). So the
//!    `TaskLocalFuture` is `Unpin` whenever the inner future is, whatever
//!    the value's type.

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::thread;

/// Declares task-local keys: statics of type
/// [`LocalKey`](crate::task::LocalKey) whose value is set by
/// [`LocalKey::scope`](crate::task::LocalKey::scope) for one future (or by
/// [`LocalKey::sync_scope`](crate::task::LocalKey::sync_scope) for one
/// closure) and seen only by it.
///
/// Each declaration reads `static NAME: Type;`, with any visibility and
/// attributes (doc comments included), and one invocation may hold several.
/// There is no initial value: a key has a value only inside a scope.
///
/// ```
/// zokio::task_local! {
///     /// The id of the request being served.
///     pub static REQUEST_ID: u64;
///
///     static USER: String;
/// }
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() {
///     REQUEST_ID
///         .scope(7, async {
///             zokio::task::yield_now().await;
///             assert_eq!(REQUEST_ID.get(), 7);
///         })
///         .await;
///     assert!(USER.try_with(|user| user.len()).is_err());
/// }
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty $(; $($rest:tt)*)?) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            ::std::thread_local! {
                static __ZOKIO_SLOT: ::std::cell::RefCell<::std::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::std::option::Option::None) };
            }
            $crate::task::LocalKey::__new(&__ZOKIO_SLOT)
        };
        $($crate::task_local!($($rest)*);)?
    };
}

/// A key to a task-local value, declared with
/// [`task_local!`](crate::task_local).
///
/// Unlike a `std` thread-local, it has no initial value: it holds one only
/// inside [`scope`](Self::scope) or [`sync_scope`](Self::sync_scope), and
/// only for the future or closure given there, across every `.await` of that
/// future and whichever thread polls it.
///
/// ```
/// zokio::task_local! {
///     static DEPTH: u32;
/// }
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() {
///     DEPTH
///         .scope(1, async {
///             assert_eq!(DEPTH.get(), 1);
///             DEPTH.scope(2, async { assert_eq!(DEPTH.get(), 2) }).await;
///             assert_eq!(DEPTH.get(), 1);
///         })
///         .await;
/// }
/// ```
pub struct LocalKey<T: 'static> {
    slot: &'static thread::LocalKey<RefCell<Option<T>>>,
}

impl<T: 'static> LocalKey<T> {
    /// What [`task_local!`](crate::task_local) expands to; not public API.
    #[doc(hidden)]
    pub const fn __new(slot: &'static thread::LocalKey<RefCell<Option<T>>>) -> LocalKey<T> {
        LocalKey { slot }
    }

    /// Wraps `future` so that the key holds `value` while it runs (each
    /// time it is polled, and while it is dropped). The value is dropped
    /// with the returned future, unless taken out with
    /// [`TaskLocalFuture::take_value`].
    ///
    /// ```
    /// zokio::task_local! {
    ///     static NAME: &'static str;
    /// }
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() {
    ///     let greeting = NAME
    ///         .scope("zokio", async { NAME.with(|name| format!("hello, {name}")) })
    ///         .await;
    ///     assert_eq!(greeting, "hello, zokio");
    /// }
    /// ```
    ///
    /// # Panics
    ///
    /// Polling the returned future panics if it is polled from inside
    /// [`with`](Self::with) or [`try_with`](Self::try_with) of the same key,
    /// or while the thread's locals are being destroyed.
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            key: self,
            value: Some(value),
            future: Some(future),
        }
    }

    /// Runs `f` with the key holding `value`, and returns what it returns.
    /// The value is dropped afterwards, and the key holds what it held
    /// before again, also if `f` panics.
    ///
    /// ```
    /// zokio::task_local! {
    ///     static LIMIT: usize;
    /// }
    ///
    /// let doubled = LIMIT.sync_scope(21, || LIMIT.get() * 2);
    /// assert_eq!(doubled, 42);
    /// assert!(LIMIT.try_get().is_err());
    /// ```
    ///
    /// # Panics
    ///
    /// If called from inside [`with`](Self::with) or
    /// [`try_with`](Self::try_with) of the same key, or while the thread's
    /// locals are being destroyed; and if `f` panics.
    #[track_caller]
    pub fn sync_scope<F, R>(&'static self, value: T, f: F) -> R
    where
        F: FnOnce() -> R,
    {
        let mut value = Some(value);
        match self.enter(&mut value, f) {
            Ok(result) => result,
            Err(err) => err.panic(),
        }
    }

    /// Runs `f` with a reference to the value the key holds.
    ///
    /// ```
    /// zokio::task_local! {
    ///     static TAGS: Vec<&'static str>;
    /// }
    ///
    /// TAGS.sync_scope(vec!["a", "b"], || {
    ///     assert_eq!(TAGS.with(|tags| tags.len()), 2);
    /// });
    /// ```
    ///
    /// # Panics
    ///
    /// If the key holds no value here (outside every scope of it).
    #[track_caller]
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        match self.try_with(f) {
            Ok(result) => result,
            Err(_) => panic!(
                "a task-local value was read outside of every `scope` or `sync_scope` that \
                 sets it"
            ),
        }
    }

    /// Runs `f` with a reference to the value the key holds, or returns
    /// [`AccessError`] if it holds none here (or the thread's locals are
    /// being destroyed).
    ///
    /// ```
    /// zokio::task_local! {
    ///     static TOKEN: u32;
    /// }
    ///
    /// assert!(TOKEN.try_with(|token| *token).is_err());
    /// assert_eq!(TOKEN.sync_scope(5, || TOKEN.try_with(|token| *token)), Ok(5));
    /// ```
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        // The slot is never borrowed mutably outside of the swaps, which
        // hold no borrow while user code runs; the failed borrow is for
        // safety's sake only.
        let read = self.slot.try_with(|slot| match slot.try_borrow() {
            Ok(value) => value.as_ref().map(f),
            Err(_) => None,
        });
        read.ok().flatten().ok_or(AccessError { _private: () })
    }

    /// Swaps `value` into the slot, runs `f`, and swaps the slot's value
    /// back into `value`, also if `f` panics.
    fn enter<F, R>(&'static self, value: &mut Option<T>, f: F) -> Result<R, ScopeError>
    where
        F: FnOnce() -> R,
    {
        self.slot
            .try_with(|slot| {
                let mut slot = slot.try_borrow_mut().map_err(|_| ScopeError::Borrowed)?;
                mem::swap(value, &mut *slot);
                Ok(())
            })
            .map_err(|_| ScopeError::Destroyed)??;
        let restore = Restore { key: self, value };
        let result = f();
        drop(restore);
        Ok(result)
    }
}

impl<T: Clone + 'static> LocalKey<T> {
    /// A clone of the value the key holds.
    ///
    /// ```
    /// zokio::task_local! {
    ///     static USER: String;
    /// }
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() {
    ///     USER.scope("ada".to_string(), async {
    ///         assert_eq!(USER.get(), "ada");
    ///     })
    ///     .await;
    /// }
    /// ```
    ///
    /// # Panics
    ///
    /// If the key holds no value here, as [`with`](Self::with).
    #[track_caller]
    pub fn get(&'static self) -> T {
        self.with(T::clone)
    }

    /// A clone of the value the key holds, or [`AccessError`] if it holds
    /// none here.
    ///
    /// ```
    /// zokio::task_local! {
    ///     static RETRIES: u8;
    /// }
    ///
    /// assert!(RETRIES.try_get().is_err());
    /// assert_eq!(RETRIES.sync_scope(3, || RETRIES.try_get()), Ok(3));
    /// ```
    pub fn try_get(&'static self) -> Result<T, AccessError> {
        self.try_with(T::clone)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("LocalKey { .. }")
    }
}

/// Puts the value back where it came from when a scope ends, however it
/// ends: the slot then holds what it held before the scope again.
struct Restore<'a, T: 'static> {
    key: &'static LocalKey<T>,
    value: &'a mut Option<T>,
}

impl<T: 'static> Drop for Restore<'_, T> {
    fn drop(&mut self) {
        // The slot is reachable: it was a moment ago on this thread, and
        // locals are only destroyed once no code runs on it. It is not
        // borrowed: every borrow `with` takes ends inside the scope.
        self.key
            .slot
            .with(|slot| mem::swap(self.value, &mut *slot.borrow_mut()));
    }
}

/// Why a scope could not be entered.
#[derive(Debug)]
enum ScopeError {
    /// Entered from inside `with` or `try_with` of the same key.
    Borrowed,
    /// The thread's locals are being destroyed.
    Destroyed,
}

impl ScopeError {
    #[track_caller]
    fn panic(self) -> ! {
        match self {
            ScopeError::Borrowed => panic!(
                "a task-local scope was entered from inside `LocalKey::with` or `try_with` of \
                 the same key"
            ),
            ScopeError::Destroyed => panic!(
                "a task-local scope was entered while the thread's locals were being destroyed"
            ),
        }
    }
}

/// The future of [`LocalKey::scope`]: runs the inner future with the key
/// holding the value. Named at `zokio::task::futures`, as in Tokio.
///
/// ```
/// use zokio::task::futures::TaskLocalFuture;
///
/// zokio::task_local! {
///     static LEVEL: u8;
/// }
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() {
///     let future: TaskLocalFuture<u8, _> = LEVEL.scope(3, async { LEVEL.get() });
///     assert_eq!(future.await, 3);
/// }
/// ```
///
/// It is `Send` when the value and the inner future are, so a value that is
/// not keeps the future off other threads:
///
/// ```compile_fail
/// zokio::task_local! {
///     static SHARED: std::rc::Rc<u8>;
/// }
///
/// fn send<F: Send>(_: F) {}
/// send(SHARED.scope(std::rc::Rc::new(1), async {}));
/// ```
///
/// # Cancel safety
///
/// As cancel safe as the inner future. Dropping a `TaskLocalFuture` drops
/// the inner future with the key holding the value, so destructors inside
/// it can still read it; the value is dropped after that.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct TaskLocalFuture<T: 'static, F> {
    key: &'static LocalKey<T>,
    /// The value, or what the slot held before while a poll runs. Not
    /// pinned (rule 2).
    value: Option<T>,
    /// `None` once the inner future completed. Pinned (rule 1).
    future: Option<F>,
}

// The value is never pinned (rule 2).
impl<T: 'static, F: Unpin> Unpin for TaskLocalFuture<T, F> {}

impl<T: 'static, F> TaskLocalFuture<T, F> {
    /// Takes the value out of the future; `None` if it was taken already.
    /// The inner future runs without a value from then on: while it is
    /// polled the key holds none, not even an outer scope's.
    ///
    /// ```
    /// use std::pin::pin;
    ///
    /// zokio::task_local! {
    ///     static COUNT: u32;
    /// }
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() {
    ///     let mut future = pin!(COUNT.scope(1, async { COUNT.get() + 1 }));
    ///     assert_eq!(future.as_mut().await, 2);
    ///     assert_eq!(future.as_mut().take_value(), Some(1));
    ///     assert_eq!(future.as_mut().take_value(), None);
    /// }
    /// ```
    pub fn take_value(self: Pin<&mut Self>) -> Option<T> {
        self.project().1.take()
    }

    fn project(
        self: Pin<&mut Self>,
    ) -> (&'static LocalKey<T>, &mut Option<T>, Pin<&mut Option<F>>) {
        // SAFETY: only `future` is pinned (rule 1), and it is handed out
        // behind a `Pin`; `value` may move (rule 2).
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: `future` is pinned with `self` (rule 1).
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        (this.key, &mut this.value, future)
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let (key, value, mut future) = self.project();
        let polled = key.enter(value, || {
            let inner = future.as_mut().as_pin_mut()?;
            let poll = inner.poll(cx);
            if poll.is_ready() {
                // Dropped at once, inside the scope, so that its
                // destructors see the value as the body did.
                future.set(None);
            }
            Some(poll)
        });
        match polled {
            Ok(Some(poll)) => poll,
            Ok(None) => panic!("`TaskLocalFuture` polled after it completed"),
            Err(err) => err.panic(),
        }
    }
}

impl<T: 'static, F> Drop for TaskLocalFuture<T, F> {
    fn drop(&mut self) {
        // SAFETY: this is the last use of `self`, and nothing is moved out
        // of it: the inner future is dropped in place (rule 1).
        let this = unsafe { Pin::new_unchecked(self) };
        let (key, value, mut future) = this.project();
        if future.is_none() {
            return;
        }
        // Inside the scope when it can be entered; if it cannot (inside
        // `with` of the same key, or while the thread's locals are being
        // destroyed), the inner future is dropped without the value rather
        // than not at all.
        if key.enter(value, || future.set(None)).is_err() {
            future.set(None);
        }
    }
}

impl<T: fmt::Debug + 'static, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocalFuture")
            .field("value", &self.value)
            .finish_non_exhaustive()
    }
}

/// The error of [`LocalKey::try_with`] and [`LocalKey::try_get`]: the key
/// holds no value here.
///
/// ```
/// zokio::task_local! {
///     static KEY: u8;
/// }
///
/// let err = KEY.try_get().unwrap_err();
/// assert_eq!(err.to_string(), "no task-local value is set here");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AccessError {
    _private: (),
}

impl fmt::Debug for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessError")
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no task-local value is set here")
    }
}

impl Error for AccessError {}
