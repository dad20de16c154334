//! Fan-out: one task spawns children which each spawn grandchildren, and the
//! results are summed back up the tree. One op is one spawned task (child or
//! grandchild) that ran to completion; the root that spawns them is not
//! counted, so a tree is 1000 + 1000 × 10 = 11,000 ops.

use super::{mix, ALL_FLAVORS};
use crate::harness::{Work, Workload};

/// Children of the root in one tree; not scaled, so the shape stays.
const CHILDREN: u64 = 1_000;
/// Grandchildren of each child; not scaled.
const GRANDCHILDREN: u64 = 10;
/// Spawned tasks in one tree.
const TREE_OPS: u64 = CHILDREN * (1 + GRANDCHILDREN);
/// Trees built one after the other (one at `--quick`), so that a full round
/// lasts long enough to time.
const TREES: u64 = 10;

/// The root (see `drive!`) spawns `CHILDREN` children, then awaits them in
/// order; each child spawns `GRANDCHILDREN` grandchildren, awaits them in
/// order and returns their sum with its own value. Every task returns `mix`
/// of a number unique to it in the round: grandchild `(tree, c, g)` counts
/// from 0, child `(tree, c)` from `u64::MAX` down.
macro_rules! fanout {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        let trees = $scale.of(TREES);
        drive!($krate, $rt, $flavor, async move {
            let mut total = Work::default();
            for tree in 0..trees {
                let children: Vec<_> = (0..CHILDREN)
                    .map(|child| {
                        let child = tree * CHILDREN + child;
                        $krate::spawn(async move {
                            let grandchildren: Vec<_> = (0..GRANDCHILDREN)
                                .map(|grandchild| {
                                    let id = child * GRANDCHILDREN + grandchild;
                                    $krate::spawn(async move { mix(id) })
                                })
                                .collect();
                            let mut work = Work::default();
                            work.add(1, mix(u64::MAX - child));
                            for handle in grandchildren {
                                work.add(1, handle.await.expect("grandchild failed"));
                            }
                            work
                        })
                    })
                    .collect();
                for handle in children {
                    let work = handle.await.expect("child failed");
                    total.add(work.ops, work.checksum);
                }
            }
            total
        })
    }};
}

/// Trees of 1 root → 1000 children → 10 grandchildren each (11,000 spawns
/// a tree); 10 trees, or 1 at `--quick`.
pub const FANOUT: Workload = pair!("fanout", fanout, ALL_FLAVORS, |scale| {
    scale.of(TREES) * TREE_OPS
});
