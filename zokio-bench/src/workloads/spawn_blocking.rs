//! `spawn_blocking`: async tasks handing small closures to the blocking pool
//! and awaiting them. One op is one blocking call whose result came back.

use super::{mix, ALL_FLAVORS};
use crate::harness::{Work, Workload};

/// Async tasks calling `spawn_blocking` at once; not scaled.
const TASKS: u64 = 100;
/// Blocking calls per task, one after the other; not scaled.
const CALLS: u64 = 16;
/// Blocking calls in one batch.
const BATCH_OPS: u64 = TASKS * CALLS;
/// Batches run one after the other (one at `--quick`). The first batch of a
/// round also starts the pool's threads, on both sides; the later ones reuse
/// them, as a long-running program would.
const BATCHES: u64 = 10;

/// The root (see `drive!`) spawns `TASKS` tasks and awaits them; each
/// awaits `CALLS` `spawn_blocking` calls in turn, each closure returning
/// `mix` of a number unique to the call in the round.
macro_rules! spawn_blocking {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        let batches = $scale.of(BATCHES);
        drive!($krate, $rt, $flavor, async move {
            let mut total = Work::default();
            for batch in 0..batches {
                let handles: Vec<_> = (0..TASKS)
                    .map(|task| {
                        $krate::spawn(async move {
                            let mut work = Work::default();
                            for call in 0..CALLS {
                                let id = (batch * TASKS + task) * CALLS + call;
                                let value = $krate::task::spawn_blocking(move || mix(id))
                                    .await
                                    .expect("blocking call failed");
                                work.add(1, value);
                            }
                            work
                        })
                    })
                    .collect();
                for handle in handles {
                    let work = handle.await.expect("task failed");
                    total.add(work.ops, work.checksum);
                }
            }
            total
        })
    }};
}

/// Batches of 100 tasks × 16 awaited `spawn_blocking` calls (1600 ops a
/// batch); 10 batches, or 1 at `--quick`.
pub const SPAWN_BLOCKING: Workload =
    pair!("spawn_blocking", spawn_blocking, ALL_FLAVORS, |scale| scale
        .of(BATCHES)
        * BATCH_OPS);
