//! `join!`: runs several futures on the current task until all complete.

/// Waits on several futures at once and returns all their outputs, in a
/// tuple in the order the futures are written.
///
/// The futures run concurrently on the current task (use
/// [`spawn`](crate::spawn) to run them in parallel on other threads). Each
/// time the task is woken, every future that has not completed yet is
/// polled. The future polled first moves round by one on each poll, so that
/// when the task's cooperative budget runs out part way, a different future
/// misses out each time; `join!(biased; a, b)` always starts with the first.
///
/// `join!` must be used inside an `async` function, closure or block. Any
/// number of futures may be given, up to the compiler's recursion limit;
/// `join!()` is `()`. To stop at the first error, see
/// [`try_join!`](crate::try_join).
///
/// # Cancel safety
///
/// Dropping a `join!` before it completes drops every future it holds, and
/// with them the outputs of those already complete. It is cancel safe only
/// if all of its futures are and their outputs may be lost.
///
/// # Examples
///
/// ```
/// async fn double(x: u32) -> u32 {
///     zokio::task::yield_now().await;
///     x * 2
/// }
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() {
///     let (a, b, c) = zokio::join!(double(1), double(2), async { "three" });
///     assert_eq!((a, b, c), (2, 4, "three"));
/// }
/// ```
#[macro_export]
macro_rules! join {
    // Normalising: one step per future. State: `{ biased; ( one `_` per
    // future so far ) futures so far }`; each future is recorded as
    // `( its underscores ) future;`.
    (@future { $b:tt; ( $($s:tt)* ) $($done:tt)* } $f:expr, $($rest:tt)*) => {
        $crate::join!(@future { $b; ( $($s)* _ ) $($done)* ( $($s)* ) $f; } $($rest)*)
    };
    (@future { $b:tt; ( $($s:tt)* ) $($done:tt)* } $f:expr) => {
        $crate::join!(@future { $b; ( $($s)* _ ) $($done)* ( $($s)* ) $f; })
    };
    (@future { $b:tt; () }) => {
        async {}.await
    };
    (@future { $biased:tt; ( $($count:tt)* ) $( ( $($s:tt)* ) $f:expr; )+ }) => {{
        let __count: usize = 0 $( + $crate::__zokio_one!($f) )+;
        let mut __futures = ( $(
            $crate::macros::support::pin!($crate::macros::support::maybe_done($f)),
        )+ );
        let mut __first: usize = 0;
        let __outputs = $crate::macros::support::poll_fn(|__cx| {
            if $crate::macros::support::poll_budget(__cx).is_pending() {
                return $crate::macros::support::Poll::Pending;
            }
            let __start = __first;
            if !$biased {
                __first = if __first + 1 == __count { 0 } else { __first + 1 };
            }
            let mut __all_done = true;
            for __offset in 0..__count {
                let mut __index = __start + __offset;
                if __index >= __count {
                    __index -= __count;
                }
                $(
                    if __index == (0 $( + $crate::__zokio_one!($s) )*) {
                        let ( $($s,)* __future, .. ) = &mut __futures;
                        let __poll = $crate::macros::support::Future::poll(__future.as_mut(), __cx);
                        if __poll.is_pending() {
                            __all_done = false;
                        }
                    }
                )+
            }
            if !__all_done {
                return $crate::macros::support::Poll::Pending;
            }
            $crate::macros::support::Poll::Ready(( $( {
                let ( $($s,)* __future, .. ) = &mut __futures;
                match __future.as_mut().take_output() {
                    $crate::macros::support::Some(__output) => __output,
                    $crate::macros::support::None => $crate::macros::support::unreachable!(),
                }
            }, )+ ))
        }).await;
        __outputs
    }};

    // Entry points.
    (biased; $($futures:tt)*) => {
        $crate::join!(@future { true; () } $($futures)*)
    };
    ($($futures:tt)*) => {
        $crate::join!(@future { false; () } $($futures)*)
    };
}
