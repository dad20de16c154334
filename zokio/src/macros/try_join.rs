//! `try_join!`: like `join!`, but stops at the first error.

/// Waits on several futures that return [`Result`]s, and returns either all
/// their `Ok` values, in a tuple in the order the futures are written, or the
/// first `Err`.
///
/// The futures run concurrently on the current task, polled as with
/// [`join!`](crate::join) (`try_join!(biased; ...)` included). As soon as one
/// completes with an `Err`, the others are dropped and that error is
/// returned: the result is `Result<(T1, T2, ...), E>`, where every future's
/// output is a `Result<Ti, E>` with the same error type. `try_join!()` is
/// `Ok(())`.
///
/// # Cancel safety
///
/// As for `join!`: dropping it drops every future and every output it holds.
///
/// # Examples
///
/// ```
/// async fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
///     zokio::task::yield_now().await;
///     s.parse()
/// }
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() {
///     assert_eq!(zokio::try_join!(parse("1"), parse("2")), Ok((1, 2)));
///     assert!(zokio::try_join!(parse("1"), parse("x"), std::future::pending()).is_err());
/// }
/// ```
#[macro_export]
macro_rules! try_join {
    // Normalising, as for `join!`.
    (@future { $b:tt; ( $($s:tt)* ) $($done:tt)* } $f:expr, $($rest:tt)*) => {
        $crate::try_join!(@future { $b; ( $($s)* _ ) $($done)* ( $($s)* ) $f; } $($rest)*)
    };
    (@future { $b:tt; ( $($s:tt)* ) $($done:tt)* } $f:expr) => {
        $crate::try_join!(@future { $b; ( $($s)* _ ) $($done)* ( $($s)* ) $f; })
    };
    (@future { $b:tt; () }) => {
        async { $crate::macros::support::Ok(()) }.await
    };
    (@future { $biased:tt; ( $($count:tt)* ) $( ( $($s:tt)* ) $f:expr; )+ }) => {{
        let __count: usize = 0 $( + $crate::__zokio_one!($f) )+;
        let mut __futures = ( $(
            $crate::macros::support::pin!($crate::macros::support::maybe_done($f)),
        )+ );
        let mut __first: usize = 0;
        let __result = $crate::macros::support::poll_fn(|__cx| {
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
                        } else if let $crate::macros::support::Some($crate::macros::support::Err(_)) =
                            __future.as_mut().output_mut()
                        {
                            return $crate::macros::support::Poll::Ready($crate::macros::support::Err(
                                match __future.as_mut().take_output() {
                                    $crate::macros::support::Some($crate::macros::support::Err(__error)) => __error,
                                    _ => $crate::macros::support::unreachable!(),
                                },
                            ));
                        }
                    }
                )+
            }
            if !__all_done {
                return $crate::macros::support::Poll::Pending;
            }
            $crate::macros::support::Poll::Ready($crate::macros::support::Ok(( $( {
                let ( $($s,)* __future, .. ) = &mut __futures;
                match __future.as_mut().take_output() {
                    $crate::macros::support::Some($crate::macros::support::Ok(__value)) => __value,
                    _ => $crate::macros::support::unreachable!(),
                }
            }, )+ )))
        }).await;
        __result
    }};

    // Entry points.
    (biased; $($futures:tt)*) => {
        $crate::try_join!(@future { true; () } $($futures)*)
    };
    ($($futures:tt)*) => {
        $crate::try_join!(@future { false; () } $($futures)*)
    };
}
