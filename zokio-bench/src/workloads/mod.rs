//! The workloads, one file per family.
//!
//! Each workload's body is written once, as a `macro_rules!` that takes the
//! runtime crate (`zokio` or `tokio`) as its first argument; [`pair!`]
//! expands it twice into a [`Workload`]. Zokio's API is Tokio's, so the two
//! expansions are the same code with a different path and neither side gets
//! a shape the other does not.
//!
//! A body macro has the form `name!(krate, runtime, scale)`: `runtime` is a
//! `&krate::runtime::Runtime` built outside the timed region, `scale` the
//! [`Scale`](crate::harness::Scale), and it evaluates to the
//! [`Work`](crate::harness::Work) it did, computed from the results it got.

/// Builds a runtime of crate `$krate` for a [`Flavor`](crate::harness::Flavor),
/// the same way on both sides.
macro_rules! runtime {
    ($krate:ident, $flavor:expr) => {
        match $flavor {
            $crate::harness::Flavor::CurrentThread => {
                $krate::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect(concat!("cannot build a ", stringify!($krate), " runtime"))
            }
        }
    };
}

/// A [`Workload`] named `$name` from the body macro `$body`.
macro_rules! pair {
    ($name:literal, $body:ident) => {
        $crate::harness::Workload {
            name: $name,
            zokio: |flavor, scale| {
                $crate::harness::measure(runtime!(zokio, flavor), |rt| $body!(zokio, rt, scale))
            },
            tokio: |flavor, scale| {
                $crate::harness::measure(runtime!(tokio, flavor), |rt| $body!(tokio, rt, scale))
            },
        }
    };
}

mod ping_pong;
mod spawn;
mod time;
mod yield_many;

use crate::harness::Workload;

/// Every workload, in report order.
pub fn all() -> Vec<Workload> {
    vec![
        spawn::SPAWN_MANY_LOCAL,
        spawn::SPAWN_MANY_REMOTE,
        yield_many::YIELD_MANY,
        ping_pong::PING_PONG,
        spawn::CHAINED_SPAWN,
        time::SLEEP,
        time::TIMEOUT,
    ]
}

/// Spreads `i` over 64 bits (SplitMix64's finaliser), so that a checksum of
/// wrapping sums catches a lost, duplicated or misrouted value.
pub fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::{self, Flavor, Scale};

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = all().iter().map(|w| w.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all().len());
    }

    /// Every workload, tiny, on both runtimes: the two must agree.
    #[test]
    fn zokio_and_tokio_do_the_same_work() {
        for workload in all() {
            let row = harness::run(&workload, Flavor::CurrentThread, Scale::QUICK, 1);
            assert!(row.check.is_ok(), "{}: {}", workload.name, row.check);
            assert!(row.work.ops > 0, "{}", workload.name);
        }
    }
}
