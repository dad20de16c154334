//! `select!`: waits on several branches at once and runs the handler of the
//! first one to complete.

/// Waits on several futures at once, runs the handler of the first branch
/// that completes, and drops the others.
///
/// Each branch reads
///
/// ```text
/// <pattern> = <async expression> (, if <precondition>)? => <handler>,
/// ```
///
/// and one optional last branch `else => <expression>` runs when every other
/// branch is disabled. `select!` must be used inside an `async` function,
/// closure or block. Its value is the value of the handler that ran, so all
/// handlers (and `else`) have the same type.
///
/// What happens, in order:
///
/// 1. Every precondition is evaluated. A branch whose precondition is `false`
///    is **disabled** for this `select!`.
/// 2. Every `<async expression>` is evaluated, disabled branches' included,
///    and turned into a future with [`IntoFuture`](std::future::IntoFuture).
///    The futures are pinned on the stack of the enclosing task.
/// 3. The enabled futures are polled together, on the current task. When one
///    completes, its branch is disabled; if its output matches the branch's
///    `<pattern>`, every future is dropped and the handler runs with the
///    pattern's bindings. If it does not match, the output is dropped and
///    the other branches go on.
/// 4. If every branch is disabled (by its precondition, or by an output that
///    did not match), the `else` expression is evaluated. Without an `else`
///    branch, `select!` panics.
///
/// A handler runs after all the futures are dropped, so it may use what the
/// futures borrowed, and `return`, `break`, `continue` and `?` in it act on
/// the enclosing function or loop, as they would outside the macro.
///
/// # Which branch is polled first
///
/// By default each poll of the `select!` starts at a randomly chosen branch
/// (a cheap per-thread generator), so that a branch that is always ready
/// cannot starve the others. Writing `biased;` before the first branch polls
/// the branches in the order they are written instead: cheaper, and useful
/// when one branch must win ties, such as a shutdown signal, but then it is
/// up to you that an early branch does not starve the later ones.
///
/// Each poll also checks the task's cooperative budget first, so that a
/// `select!` in a loop whose branches are always ready still yields to the
/// scheduler now and then.
///
/// # Cancel safety
///
/// `select!` itself keeps nothing: once a branch's handler starts, the other
/// branches' futures have been dropped, and whatever they had done is kept
/// or lost according to each one's own cancel safety. In a loop, a branch
/// whose future is not cancel safe (see the `# Cancel safety` section of
/// each method) can lose data every time another branch wins. Two ways to
/// avoid it: use a cancel safe method (such as
/// [`oneshot::Receiver`](crate::sync::oneshot::Receiver), or a
/// [`JoinHandle`](crate::task::JoinHandle)), or create the future once
/// before the loop and pass it by `&mut`, so that it is resumed, not
/// restarted, on each iteration.
///
/// Dropping a `select!` (for instance when the task awaiting it is aborted)
/// drops all of its futures; it is cancel safe exactly when all of its
/// futures are.
///
/// # Examples
///
/// The first branch to complete wins:
///
/// ```
/// use std::time::Duration;
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() {
///     let (tx, rx) = zokio::sync::oneshot::channel();
///     zokio::spawn(async move { tx.send("reply").unwrap() });
///
///     let got = zokio::select! {
///         reply = rx => reply.unwrap(),
///         _ = zokio::time::sleep(Duration::from_secs(10)) => "timed out",
///     };
///     assert_eq!(got, "reply");
/// }
/// ```
///
/// A pattern that does not match disables its branch; preconditions and
/// `else` work together, here to drain two sources until both are done:
///
/// ```
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() {
///     let mut a = Some(1);
///     let mut b = Some(2);
///     let mut total = 0;
///     loop {
///         zokio::select! {
///             Some(v) = async { a.take() }, if a.is_some() => total += v,
///             Some(v) = async { b.take() }, if b.is_some() => total += v,
///             else => break,
///         }
///     }
///     assert_eq!(total, 3);
/// }
/// ```
///
/// A future passed by `&mut` is resumed on each iteration rather than
/// restarted; [`pin!`](crate::pin) makes a `!Unpin` one usable so:
///
/// ```
/// use std::time::Duration;
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() {
///     let deadline = zokio::time::sleep(Duration::from_millis(30));
///     zokio::pin!(deadline);
///     let mut ticks = 0;
///     loop {
///         zokio::select! {
///             biased;
///             _ = &mut deadline => break,
///             _ = zokio::time::sleep(Duration::from_millis(1)) => ticks += 1,
///         }
///     }
///     assert!(ticks > 0);
/// }
/// ```
///
/// # Limits
///
/// Up to 64 branches with the compiler's default recursion limit. A pattern
/// of more than four token trees (`Msg::Data { id, .. }` is four) costs one
/// extra recursion step per four more.
///
/// At least one branch besides `else` is required:
///
/// ```compile_fail
/// # async fn f() {
/// let x: u32 = zokio::select! { else => 1 };
/// # }
/// ```
///
/// # Panics
///
/// If every branch is disabled and there is no `else` branch; and if a
/// branch's future panics.
#[macro_export]
macro_rules! select {
    // ---- Normalising: one step per branch. ----
    //
    // State: `{ biased; ( one `_` per branch so far ) branches so far }`,
    // then `[ pattern tokens carried over ]`, then the input left. Each
    // branch is recorded as
    // `( its underscores ) [ pattern ] future; [ precondition? ] { handler }`.
    (@branch { $b:tt; () } [] $(else => $e:expr $(,)?)?) => {
        ::std::compile_error!("`select!` needs at least one branch besides `else`")
    };
    (@branch { $b:tt; ( $($s:tt)* ) $($done:tt)* } [] else => $e:expr $(,)?) => {
        $crate::select!(@expand $b; $($done)* ; else { $e })
    };
    (@branch { $b:tt; ( $($s:tt)* ) $($done:tt)* } []) => {
        $crate::select!(@expand $b; $($done)* ; else {
            $crate::macros::support::panic!("all branches are disabled and there is no else branch")
        })
    };
    // A branch is `pattern = future (, if precondition)? => handler`. The
    // pattern is kept as tokens (see `__zokio_select_clean`), so it is split
    // off at the `=`; these rules do that for patterns of one to four token
    // trees, times the four forms a handler can take, in one step.
    (@branch { $b:tt; ( $($s:tt)* ) $($done:tt)* } [ $($pp:tt)* ]
        $p1:tt = $f:expr $(, if $c:expr)? => $h:block, $($rest:tt)*) => {
        $crate::select!(@branch {
            $b; ( $($s)* _ ) $($done)* ( $($s)* ) [ $($pp)* $p1 ] $f; [ $($c)? ] $h
        } [] $($rest)*)
    };
    (@branch { $b:tt; ( $($s:tt)* ) $($done:tt)* } [ $($pp:tt)* ]
        $p1:tt = $f:expr $(, if $c:expr)? => $h:block $($rest:tt)*) => {
        $crate::select!(@branch {
            $b; ( $($s)* _ ) $($done)* ( $($s)* ) [ $($pp)* $p1 ] $f; [ $($c)? ] $h
        } [] $($rest)*)
    };
    (@branch { $b:tt; ( $($s:tt)* ) $($done:tt)* } [ $($pp:tt)* ]
        $p1:tt = $f:expr $(, if $c:expr)? => $h:expr, $($rest:tt)*) => {
        $crate::select!(@branch {
            $b; ( $($s)* _ ) $($done)* ( $($s)* ) [ $($pp)* $p1 ] $f; [ $($c)? ] { $h }
        } [] $($rest)*)
    };
    (@branch { $b:tt; ( $($s:tt)* ) $($done:tt)* } [ $($pp:tt)* ]
        $p1:tt = $f:expr $(, if $c:expr)? => $h:expr) => {
        $crate::select!(@branch {
            $b; ( $($s)* _ ) $($done)* ( $($s)* ) [ $($pp)* $p1 ] $f; [ $($c)? ] { $h }
        } [])
    };
    (@branch { $b:tt; ( $($s:tt)* ) $($done:tt)* } [ $($pp:tt)* ]
        $p1:tt $p2:tt = $f:expr $(, if $c:expr)? => $h:block, $($rest:tt)*) => {
        $crate::select!(@branch {
            $b; ( $($s)* _ ) $($done)* ( $($s)* ) [ $($pp)* $p1 $p2 ] $f; [ $($c)? ] $h
        } [] $($rest)*)
    };
    (@branch { $b:tt; ( $($s:tt)* ) $($done:tt)* } [ $($pp:tt)* ]
        $p1:tt $p2:tt = $f:expr $(, if $c:expr)? => $h:block $($rest:tt)*) => {
        $crate::select!(@branch {
            $b; ( $($s)* _ ) $($done)* ( $($s)* ) [ $($pp)* $p1 $p2 ] $f; [ $($c)? ] $h
        } [] $($rest)*)
    };
    (@branch { $b:tt; ( $($s:tt)* ) $($done:tt)* } [ $($pp:tt)* ]
        $p1:tt $p2:tt = $f:expr $(, if $c:expr)? => $h:expr, $($rest:tt)*) => {
        $crate::select!(@branch {
            $b; ( $($s)* _ ) $($done)* ( $($s)* ) [ $($pp)* $p1 $p2 ] $f; [ $($c)? ] { $h }
        } [] $($rest)*)
    };
    (@branch { $b:tt; ( $($s:tt)* ) $($done:tt)* } [ $($pp:tt)* ]
        $p1:tt $p2:tt = $f:expr $(, if $c:expr)? => $h:expr) => {
        $crate::select!(@branch {
            $b; ( $($s)* _ ) $($done)* ( $($s)* ) [ $($pp)* $p1 $p2 ] $f; [ $($c)? ] { $h }
        } [])
    };
    (@branch { $b:tt; ( $($s:tt)* ) $($done:tt)* } [ $($pp:tt)* ]
        $p1:tt $p2:tt $p3:tt = $f:expr $(, if $c:expr)? => $h:block, $($rest:tt)*) => {
        $crate::select!(@branch {
            $b; ( $($s)* _ ) $($done)* ( $($s)* ) [ $($pp)* $p1 $p2 $p3 ] $f; [ $($c)? ] $h
        } [] $($rest)*)
    };
    (@branch { $b:tt; ( $($s:tt)* ) $($done:tt)* } [ $($pp:tt)* ]
        $p1:tt $p2:tt $p3:tt = $f:expr $(, if $c:expr)? => $h:block $($rest:tt)*) => {
        $crate::select!(@branch {
            $b; ( $($s)* _ ) $($done)* ( $($s)* ) [ $($pp)* $p1 $p2 $p3 ] $f; [ $($c)? ] $h
        } [] $($rest)*)
    };
    (@branch { $b:tt; ( $($s:tt)* ) $($done:tt)* } [ $($pp:tt)* ]
        $p1:tt $p2:tt $p3:tt = $f:expr $(, if $c:expr)? => $h:expr, $($rest:tt)*) => {
        $crate::select!(@branch {
            $b; ( $($s)* _ ) $($done)* ( $($s)* ) [ $($pp)* $p1 $p2 $p3 ] $f; [ $($c)? ] { $h }
        } [] $($rest)*)
    };
    (@branch { $b:tt; ( $($s:tt)* ) $($done:tt)* } [ $($pp:tt)* ]
        $p1:tt $p2:tt $p3:tt = $f:expr $(, if $c:expr)? => $h:expr) => {
        $crate::select!(@branch {
            $b; ( $($s)* _ ) $($done)* ( $($s)* ) [ $($pp)* $p1 $p2 $p3 ] $f; [ $($c)? ] { $h }
        } [])
    };
    (@branch { $b:tt; ( $($s:tt)* ) $($done:tt)* } [ $($pp:tt)* ]
        $p1:tt $p2:tt $p3:tt $p4:tt = $f:expr $(, if $c:expr)? => $h:block, $($rest:tt)*) => {
        $crate::select!(@branch {
            $b; ( $($s)* _ ) $($done)* ( $($s)* ) [ $($pp)* $p1 $p2 $p3 $p4 ] $f; [ $($c)? ] $h
        } [] $($rest)*)
    };
    (@branch { $b:tt; ( $($s:tt)* ) $($done:tt)* } [ $($pp:tt)* ]
        $p1:tt $p2:tt $p3:tt $p4:tt = $f:expr $(, if $c:expr)? => $h:block $($rest:tt)*) => {
        $crate::select!(@branch {
            $b; ( $($s)* _ ) $($done)* ( $($s)* ) [ $($pp)* $p1 $p2 $p3 $p4 ] $f; [ $($c)? ] $h
        } [] $($rest)*)
    };
    (@branch { $b:tt; ( $($s:tt)* ) $($done:tt)* } [ $($pp:tt)* ]
        $p1:tt $p2:tt $p3:tt $p4:tt = $f:expr $(, if $c:expr)? => $h:expr, $($rest:tt)*) => {
        $crate::select!(@branch {
            $b; ( $($s)* _ ) $($done)* ( $($s)* ) [ $($pp)* $p1 $p2 $p3 $p4 ] $f; [ $($c)? ] { $h }
        } [] $($rest)*)
    };
    (@branch { $b:tt; ( $($s:tt)* ) $($done:tt)* } [ $($pp:tt)* ]
        $p1:tt $p2:tt $p3:tt $p4:tt = $f:expr $(, if $c:expr)? => $h:expr) => {
        $crate::select!(@branch {
            $b; ( $($s)* _ ) $($done)* ( $($s)* ) [ $($pp)* $p1 $p2 $p3 $p4 ] $f; [ $($c)? ] { $h }
        } [])
    };
    // Longer patterns: carry four token trees over and try again.
    (@branch { $($state:tt)* } [ $($pp:tt)* ] $p1:tt $p2:tt $p3:tt $p4:tt $($rest:tt)+) => {
        $crate::select!(@branch { $($state)* } [ $($pp)* $p1 $p2 $p3 $p4 ] $($rest)+)
    };

    // ---- Expanding. ----
    (@expand $biased:tt;
        $( ( $($s:tt)* ) [ $($p:tt)* ] $f:expr; [ $($c:expr)? ] $h:block )*
        ; else $else:block
    ) => {{
        let __branches: usize = 0 $( + $crate::__zokio_one!($f) )*;
        // Preconditions first, in order; then the futures, in order.
        let mut __disabled = ( $( { let __enabled: bool = true $( && $c )?; !__enabled }, )* );
        let mut __outputs = ( $( $crate::__zokio_none!($f), )* );
        {
            let mut __futures = ( $(
                $crate::macros::support::pin!($crate::macros::support::IntoFuture::into_future($f)),
            )* );
            $crate::macros::support::poll_fn(|__cx| {
                if $crate::macros::support::poll_budget(__cx).is_pending() {
                    return $crate::macros::support::Poll::Pending;
                }
                let __start = if $biased {
                    0
                } else {
                    $crate::macros::support::thread_rng_n(__branches as u32) as usize
                };
                let mut __any_pending = false;
                for __offset in 0..__branches {
                    let mut __branch = __start + __offset;
                    if __branch >= __branches {
                        __branch -= __branches;
                    }
                    $(
                        if __branch == (0 $( + $crate::__zokio_one!($s) )*) {
                            let ( $($s,)* __is_disabled, .. ) = &mut __disabled;
                            if !*__is_disabled {
                                let ( $($s,)* __future, .. ) = &mut __futures;
                                match $crate::macros::support::Future::poll(__future.as_mut(), __cx) {
                                    $crate::macros::support::Poll::Ready(__output) => {
                                        *__is_disabled = true;
                                        let __matches = match &__output {
                                            #[allow(unused_variables)]
                                            $crate::__zokio_select_clean!($($p)*) => true,
                                            #[allow(unreachable_patterns)]
                                            _ => false,
                                        };
                                        if __matches {
                                            let ( $($s,)* __slot, .. ) = &mut __outputs;
                                            *__slot = $crate::macros::support::Some(__output);
                                            return $crate::macros::support::Poll::Ready(());
                                        }
                                    }
                                    $crate::macros::support::Poll::Pending => __any_pending = true,
                                }
                            }
                        }
                    )*
                }
                if __any_pending {
                    $crate::macros::support::Poll::Pending
                } else {
                    $crate::macros::support::Poll::Ready(())
                }
            }).await;
        }
        match __outputs {
            $( ( $($s,)* $crate::macros::support::Some($($p)*), .. ) => $h )*
            _ => $else,
        }
    }};

    // ---- Entry points. ----
    (biased; $($branches:tt)*) => {
        $crate::select!(@branch { true; () } [] $($branches)*)
    };
    ($($branches:tt)*) => {
        $crate::select!(@branch { false; () } [] $($branches)*)
    };
}

/// Rewrites a `select!` pattern so that it can be matched against a
/// reference to the output without moving out of it: drops `mut` and `ref`
/// (at any depth), leaving default binding modes to bind by reference.
/// `select!` uses it to find out whether an output matches before it drops
/// the futures; the handler then matches the owned output against the
/// pattern as written.
#[doc(hidden)]
#[macro_export]
macro_rules! __zokio_select_clean {
    // State: `[ stack of enclosing groups ] [ tokens out ] tokens in`. A
    // stack entry is `(delimiter [ tokens out before the group ] [ tokens
    // in after the group ])`.
    (@ [ $($stack:tt)* ] [ $($out:tt)* ] mut $($rest:tt)*) => {
        $crate::__zokio_select_clean!(@ [ $($stack)* ] [ $($out)* ] $($rest)*)
    };
    (@ [ $($stack:tt)* ] [ $($out:tt)* ] ref $($rest:tt)*) => {
        $crate::__zokio_select_clean!(@ [ $($stack)* ] [ $($out)* ] $($rest)*)
    };
    (@ [ $($stack:tt)* ] [ $($out:tt)* ] ( $($inner:tt)* ) $($rest:tt)*) => {
        $crate::__zokio_select_clean!(@ [ (paren [ $($out)* ] [ $($rest)* ]) $($stack)* ] [] $($inner)*)
    };
    (@ [ $($stack:tt)* ] [ $($out:tt)* ] [ $($inner:tt)* ] $($rest:tt)*) => {
        $crate::__zokio_select_clean!(@ [ (bracket [ $($out)* ] [ $($rest)* ]) $($stack)* ] [] $($inner)*)
    };
    (@ [ $($stack:tt)* ] [ $($out:tt)* ] { $($inner:tt)* } $($rest:tt)*) => {
        $crate::__zokio_select_clean!(@ [ (brace [ $($out)* ] [ $($rest)* ]) $($stack)* ] [] $($inner)*)
    };
    (@ [ $($stack:tt)* ] [ $($out:tt)* ] $t:tt $($rest:tt)*) => {
        $crate::__zokio_select_clean!(@ [ $($stack)* ] [ $($out)* $t ] $($rest)*)
    };
    // End of a group's tokens: close it and go on after it.
    (@ [ (paren [ $($up:tt)* ] [ $($after:tt)* ]) $($stack:tt)* ] [ $($out:tt)* ]) => {
        $crate::__zokio_select_clean!(@ [ $($stack)* ] [ $($up)* ( $($out)* ) ] $($after)*)
    };
    (@ [ (bracket [ $($up:tt)* ] [ $($after:tt)* ]) $($stack:tt)* ] [ $($out:tt)* ]) => {
        $crate::__zokio_select_clean!(@ [ $($stack)* ] [ $($up)* [ $($out)* ] ] $($after)*)
    };
    (@ [ (brace [ $($up:tt)* ] [ $($after:tt)* ]) $($stack:tt)* ] [ $($out:tt)* ]) => {
        $crate::__zokio_select_clean!(@ [ $($stack)* ] [ $($up)* { $($out)* } ] $($after)*)
    };
    (@ [] [ $($out:tt)* ]) => {
        ($($out)*)
    };
    ($($pattern:tt)*) => {
        $crate::__zokio_select_clean!(@ [] [] $($pattern)*)
    };
}

/// Expands to `1` whatever its input: counts branches and builds indices.
#[doc(hidden)]
#[macro_export]
macro_rules! __zokio_one {
    ($($ignored:tt)*) => {
        1
    };
}

/// Expands to `None` whatever its input: an empty output slot per branch.
#[doc(hidden)]
#[macro_export]
macro_rules! __zokio_none {
    ($($ignored:tt)*) => {
        $crate::macros::support::None
    };
}
