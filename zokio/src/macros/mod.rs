//! Declarative macros: [`select!`](crate::select), [`join!`](crate::join),
//! [`try_join!`](crate::try_join) and [`pin!`](crate::pin).
//!
//! They are `macro_rules!` macros exported at the crate root, so they need
//! neither the `macros` feature nor a procedural macro. Their expansions
//! reach the items they need through [`support`], a hidden module whose
//! contents are not part of the public API.
//!
//! # How `select!`, `join!` and `try_join!` are expanded
//!
//! Each macro first walks its input once, one branch (or one future) per
//! recursion step, and rewrites it into a regular form: for the `n`-th
//! branch it records `n` underscores. The final step expands every branch
//! with those underscores, which give it a tuple pattern reaching its own
//! element (`(_, _, fut, ..)`) and a constant index (`0 + 1 + 1`). One step
//! per branch keeps a 64-branch `select!` well under the compiler's default
//! recursion limit of 128.
//!
//! The futures are pinned on the stack with `core::pin::pin!` (a tuple of
//! `Pin<&mut F>`), and polled from a `poll_fn` closure; the expansions
//! contain no `unsafe` code.

mod join;
mod pin;
mod select;
mod try_join;

#[doc(hidden)]
pub mod support {
    //! What the expansions of Zokio's declarative macros use. Not public API.

    pub use crate::future::{maybe_done, MaybeDone};
    pub use std::future::{poll_fn, Future, IntoFuture};
    pub use std::option::Option::{None, Some};
    pub use std::pin::{pin, Pin};
    pub use std::result::Result::{Err, Ok};
    pub use std::task::Poll;
    pub use std::{panic, unreachable};

    use std::cell::Cell;
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::task::Context;

    use crate::runtime::coop;

    /// `Pending` (after arranging to be polled again) when the task has
    /// spent its cooperative budget, so that a `select!` or `join!` in a loop
    /// yields even if its branches never touch a budgeted resource. Spends
    /// nothing.
    #[inline]
    pub fn poll_budget(cx: &mut Context<'_>) -> Poll<()> {
        coop::poll_proceed(cx).map(drop)
    }

    /// A number in `0..n`, from a per-thread xorshift generator; `n` must not
    /// be zero. Used by `select!` to pick the branch it polls first.
    pub fn thread_rng_n(n: u32) -> u32 {
        thread_local! {
            static STATE: Cell<u64> = const { Cell::new(0) };
        }
        let next = |state: &Cell<u64>| {
            let mut x = state.get();
            if x == 0 {
                x = seed();
            }
            // xorshift64*
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            state.set(x);
            x.wrapping_mul(0x2545_f491_4f6c_dd1d)
        };
        let random = STATE.try_with(next).unwrap_or_else(|_| seed());
        // Multiply-shift maps the high 32 bits onto `0..n` without a division.
        (((random >> 32) * u64::from(n)) >> 32) as u32
    }

    /// A non-zero seed. `RandomState` draws its keys from the OS once per
    /// thread and steps them on every call, so each thread (and each reseed
    /// after thread-local teardown) gets a different one.
    fn seed() -> u64 {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(0x9e37_79b9_7f4a_7c15);
        hasher.finish() | 1
    }

    #[cfg(test)]
    mod tests {
        use super::thread_rng_n;

        #[test]
        fn thread_rng_n_covers_its_range() {
            let mut seen = [0u32; 7];
            for _ in 0..7_000 {
                seen[thread_rng_n(7) as usize] += 1;
            }
            assert!(seen.iter().all(|&count| count > 500), "{seen:?}");
            assert_eq!(thread_rng_n(1), 0);
        }
    }
}
