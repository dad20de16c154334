//! Spawning: many tasks from inside the runtime, many from another thread,
//! and chains of tasks each spawning the next. One op is one spawned task
//! that ran to completion.

use super::{mix, ALL_FLAVORS};
use crate::harness::{Work, Workload};

/// Tasks spawned by `spawn_many_local` and `spawn_many_remote`.
const SPAWN_TASKS: u64 = 100_000;
/// Links in one `chained_spawn` chain; not scaled, so the shape stays.
const CHAIN_DEPTH: u64 = 1_000;
/// Chains run one after the other by `chained_spawn`.
const CHAINS: u64 = 100;

/// Inside the runtime (the root future, see `drive!`): spawn every task,
/// then await every handle.
macro_rules! spawn_many_local {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        let tasks = $scale.of(SPAWN_TASKS);
        drive!($krate, $rt, $flavor, async move {
            let mut handles = Vec::with_capacity(tasks as usize);
            for i in 0..tasks {
                handles.push($krate::spawn(async move { mix(i) }));
            }
            let mut work = Work::default();
            for handle in handles {
                work.add(1, handle.await.expect("task failed"));
            }
            work
        })
    }};
}

/// From a plain thread: spawn every task through a `Handle` (on
/// current_thread the runtime is not being driven meanwhile; on the others
/// the workers run the tasks as they come), then await every handle in the
/// root future.
macro_rules! spawn_many_remote {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        let tasks = $scale.of(SPAWN_TASKS);
        let handle = $rt.handle().clone();
        let handles = std::thread::spawn(move || {
            let mut handles = Vec::with_capacity(tasks as usize);
            for i in 0..tasks {
                handles.push(handle.spawn(async move { mix(i) }));
            }
            handles
        })
        .join()
        .expect("spawning thread panicked");
        drive!($krate, $rt, $flavor, async move {
            let mut work = Work::default();
            for handle in handles {
                work.add(1, handle.await.expect("task failed"));
            }
            work
        })
    }};
}

/// Chains of detached tasks, each spawning the next; the last link sends
/// what the chain accumulated through a oneshot. The chains run one after
/// the other.
macro_rules! chained_spawn {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        fn link(remaining: u64, mut work: Work, done: $krate::sync::oneshot::Sender<Work>) {
            work.add(1, mix(remaining));
            if remaining == 1 {
                done.send(work).expect("chain receiver dropped");
            } else {
                drop($krate::spawn(
                    async move { link(remaining - 1, work, done) },
                ));
            }
        }

        let chains = $scale.of(CHAINS);
        drive!($krate, $rt, $flavor, async move {
            let mut total = Work::default();
            for _ in 0..chains {
                let (done, chain) = $krate::sync::oneshot::channel();
                drop($krate::spawn(async move {
                    link(CHAIN_DEPTH, Work::default(), done)
                }));
                let work = chain.await.expect("chain dropped its sender");
                total.add(work.ops, work.checksum);
            }
            total
        })
    }};
}

/// 100k spawns inside `block_on`, then await all.
pub const SPAWN_MANY_LOCAL: Workload =
    pair!("spawn_many_local", spawn_many_local, ALL_FLAVORS, |scale| {
        scale.of(SPAWN_TASKS)
    });
/// 100k spawns through a `Handle` from a plain thread, then await all.
pub const SPAWN_MANY_REMOTE: Workload = pair!(
    "spawn_many_remote",
    spawn_many_remote,
    ALL_FLAVORS,
    |scale| scale.of(SPAWN_TASKS)
);
/// 100 chains of 1000 tasks, each spawning the next.
pub const CHAINED_SPAWN: Workload =
    pair!("chained_spawn", chained_spawn, ALL_FLAVORS, |scale| scale
        .of(CHAINS)
        * CHAIN_DEPTH);
