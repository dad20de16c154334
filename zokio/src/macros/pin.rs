//! `pin!`: pins values on the stack.

/// Pins values on the stack, shadowing each variable with a `Pin<&mut T>`.
///
/// Awaiting a future by reference, for instance in a loop around
/// [`select!`](crate::select), needs it pinned; `pin!` does that without a
/// heap allocation. The value is moved into the enclosing scope, so it can
/// no longer be moved, and the variable becomes a `Pin<&mut T>` to it.
///
/// Two forms: `pin!(a, b);` pins existing variables, and
/// `pin! { let a = expr; }` declares and pins in one go.
///
/// ```
/// async fn compute() -> u32 {
///     zokio::task::yield_now().await;
///     7
/// }
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() {
///     let future = compute();
///     zokio::pin!(future);
///     // `future` is a `Pin<&mut impl Future>`; `&mut future` can be awaited,
///     // and awaited again (here, once more to completion) if it was dropped
///     // half way.
///     assert_eq!((&mut future).await, 7);
///
///     zokio::pin! {
///         let other = compute();
///     }
///     assert_eq!(other.await, 7);
/// }
/// ```
#[macro_export]
macro_rules! pin {
    ($(let $x:ident = $init:expr;)*) => {
        $(
            let $x = $init;
            $crate::pin!($x);
        )*
    };
    ($($x:ident),* $(,)?) => {
        $(
            #[allow(unused_mut)]
            let mut $x = $crate::macros::support::pin!($x);
        )*
    };
}
