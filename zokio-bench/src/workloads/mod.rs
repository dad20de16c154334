//! The workloads, one file per family.
//!
//! Each workload's body is written once, as a `macro_rules!` that takes the
//! runtime crate (`zokio` or `tokio`) as its first argument; [`pair!`]
//! expands it twice into a [`Workload`]. Zokio's API is Tokio's, so the two
//! expansions are the same code with a different path and neither side gets
//! a shape the other does not.
//!
//! A body macro has the form `name!(krate, runtime, flavor, scale)`:
//! `runtime` is a `&krate::runtime::Runtime` built outside the timed region
//! by [`zokio_runtime`] or [`tokio_runtime`], `flavor` the
//! [`Flavor`] it was built for, `scale` the
//! [`Scale`](crate::harness::Scale), and it evaluates to the
//! [`Work`](crate::harness::Work) it did, computed from the results it got.
//!
//! A body whose root future spawns tasks runs that root through [`drive!`]:
//! on a multi-thread runtime `block_on`'s future runs on the calling thread,
//! not on a worker, so the root is itself spawned there, on both sides.
//! The `sync` workloads run theirs through [`in_task!`], spawned on every
//! flavour.

use crate::harness::{Flavor, Workload, WORKERS};

/// The Zokio runtime a row of `flavor` runs on.
pub fn zokio_runtime(flavor: Flavor) -> zokio::runtime::Runtime {
    let mut builder = match flavor {
        Flavor::CurrentThread => zokio::runtime::Builder::new_current_thread(),
        Flavor::MultiThread => {
            let mut builder = zokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(WORKERS);
            builder
        }
        Flavor::ThreadPerCore => {
            let mut builder = zokio::runtime::Builder::new_thread_per_core();
            builder.worker_threads(WORKERS);
            builder
        }
    };
    builder
        .enable_all()
        .build()
        .expect("cannot build a zokio runtime")
}

/// As [`zokio_runtime`], on the I/O backend `backend`.
pub fn zokio_runtime_on(
    flavor: Flavor,
    backend: zokio::runtime::IoBackend,
) -> zokio::runtime::Runtime {
    let mut builder = match flavor {
        Flavor::CurrentThread => zokio::runtime::Builder::new_current_thread(),
        Flavor::MultiThread => {
            let mut builder = zokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(WORKERS);
            builder
        }
        Flavor::ThreadPerCore => {
            let mut builder = zokio::runtime::Builder::new_thread_per_core();
            builder.worker_threads(WORKERS);
            builder
        }
    };
    let runtime = builder
        .enable_all()
        .io_backend(backend)
        .build()
        .expect("cannot build a zokio runtime on that I/O backend");
    assert_eq!(runtime.handle().io_backend(), Some(backend));
    runtime
}

/// The Tokio runtime a row of `flavor` runs on. Tokio has no thread-per-core
/// runtime: that row compares Zokio's against Tokio's multi-thread one, with
/// as many workers.
pub fn tokio_runtime(flavor: Flavor) -> tokio::runtime::Runtime {
    let mut builder = match flavor {
        Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
        Flavor::MultiThread | Flavor::ThreadPerCore => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(WORKERS);
            builder
        }
    };
    builder
        .enable_all()
        .build()
        .expect("cannot build a tokio runtime")
}

/// Runs the root future `$root` of a body on `$rt` and returns its output.
/// On current_thread the root is `block_on`'s future, which runs on the one
/// worker there is; on the other flavours it is spawned from `block_on` and
/// awaited, so that it runs on a worker like the tasks it spawns (Tokio's
/// own multi-thread benches spawn from inside the runtime too).
macro_rules! drive {
    ($krate:ident, $rt:expr, $flavor:expr, $root:expr) => {{
        let root = $root;
        match $flavor {
            $crate::harness::Flavor::CurrentThread => $rt.block_on(root),
            $crate::harness::Flavor::MultiThread | $crate::harness::Flavor::ThreadPerCore => $rt
                .block_on(async move { $krate::spawn(root).await.expect("the root task failed") }),
        }
    }};
}

/// Runs the root future `$root` of a body as a task spawned from
/// `block_on` and awaited, on every flavour, current_thread included; the
/// `sync` workloads use it, as their roots trade wake-ups with the tasks
/// they spawn. Waking a `block_on` future goes through the runtime's driver
/// rather than its run queue (on Tokio's current-thread runtime, an unpark
/// of the I/O driver and a park that polls it, for every wake-up), so that
/// with the root there a round trip would time that path more than the
/// primitive: `oneshot` on current_thread ran Tokio at about 1.1 M round
/// trips/s with the root in `block_on` and 6.5 M with it in a task (Zokio
/// 7.0 M and 7.9 M). `$flavor` is taken only to have `drive!`'s shape.
macro_rules! in_task {
    ($krate:ident, $rt:expr, $flavor:expr, $root:expr) => {{
        let _ = $flavor;
        let root = $root;
        $rt.block_on(async move { $krate::spawn(root).await.expect("the root task failed") })
    }};
}

/// A [`Workload`] named `$name` from the body macro `$body`, run on the
/// flavours `$flavors`, doing `$expected_ops` ops at a scale.
macro_rules! pair {
    ($name:literal, $body:ident, $flavors:expr, $expected_ops:expr) => {
        $crate::harness::Workload {
            name: $name,
            flavors: $flavors,
            expected_ops: $expected_ops,
            zokio: |flavor, scale| {
                $crate::harness::measure($crate::workloads::zokio_runtime(flavor), |rt| {
                    $body!(zokio, rt, flavor, scale)
                })
            },
            tokio: |flavor, scale| {
                $crate::harness::measure($crate::workloads::tokio_runtime(flavor), |rt| {
                    $body!(tokio, rt, flavor, scale)
                })
            },
        }
    };
}

/// As [`pair!`], with Zokio on the I/O backend `$backend`.
macro_rules! pair_on {
    ($name:literal, $body:ident, $flavors:expr, $expected_ops:expr, $backend:expr) => {
        $crate::harness::Workload {
            name: $name,
            flavors: $flavors,
            expected_ops: $expected_ops,
            zokio: |flavor, scale| {
                $crate::harness::measure(
                    $crate::workloads::zokio_runtime_on(flavor, $backend),
                    |rt| $body!(zokio, rt, flavor, scale),
                )
            },
            tokio: |flavor, scale| {
                $crate::harness::measure($crate::workloads::tokio_runtime(flavor), |rt| {
                    $body!(tokio, rt, flavor, scale)
                })
            },
        }
    };
}

mod broadcast;
mod fanout;
mod locks;
mod mpsc;
mod net;
mod ping_pong;
mod spawn;
mod spawn_blocking;
mod time;
mod watch;
mod yield_many;

/// Every flavour.
const ALL_FLAVORS: &[Flavor] = Flavor::ALL;

/// The flavours of the `sync` workloads. Not thread_per_core: there every
/// task a body spawns stays on the one worker its root went to (see
/// `in_task!`), so that the row would time one Zokio worker against two
/// Tokio workers, not the primitives used across workers.
const SYNC_FLAVORS: &[Flavor] = &[Flavor::CurrentThread, Flavor::MultiThread];

/// Every workload, in report order.
pub fn all() -> Vec<Workload> {
    vec![
        spawn::SPAWN_MANY_LOCAL,
        spawn::SPAWN_MANY_REMOTE,
        yield_many::YIELD_MANY,
        ping_pong::PING_PONG,
        spawn::CHAINED_SPAWN,
        fanout::FANOUT,
        spawn_blocking::SPAWN_BLOCKING,
        time::SLEEP,
        time::TIMEOUT,
        mpsc::MPSC_BOUNDED,
        mpsc::MPSC_UNBOUNDED,
        mpsc::MPSC_UNCONTENDED,
        mpsc::MPSC_UNCONTENDED_UNBOUNDED,
        mpsc::ONESHOT,
        locks::SEMAPHORE,
        locks::NOTIFY,
        broadcast::BROADCAST,
        watch::WATCH,
        locks::MUTEX,
        net::TCP_ECHO_64.0,
        net::TCP_ECHO_64.1,
        net::TCP_ECHO_4K.0,
        net::TCP_ECHO_4K.1,
        net::TCP_CONNECT.0,
        net::TCP_CONNECT.1,
        net::TCP_STREAM.0,
        net::TCP_STREAM.1,
        net::UDP_ECHO.0,
        net::UDP_ECHO.1,
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
    use crate::harness::{self, Scale};

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = all().iter().map(|w| w.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all().len());
    }

    #[test]
    fn names_fit_their_column() {
        for workload in all() {
            assert!(
                workload.name.len() <= crate::report::WORKLOAD_WIDTH,
                "{}",
                workload.name
            );
        }
    }

    /// Every workload, quick, on both runtimes and every flavour it runs
    /// on: the two must agree, on the expected number of ops.
    #[test]
    fn zokio_and_tokio_do_the_same_work() {
        for workload in all() {
            for &flavor in workload.flavors {
                let row = harness::run(&workload, flavor, Scale::QUICK, 1);
                let what = format!("{} ({})", workload.name, flavor.label());
                assert!(row.check.is_ok(), "{what}: {}", row.check);
                assert!(row.work.ops > 0, "{what}");
                assert_eq!(
                    row.work.ops,
                    (workload.expected_ops)(Scale::QUICK),
                    "{what}"
                );
            }
        }
    }
}
