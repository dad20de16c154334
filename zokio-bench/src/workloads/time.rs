//! Timers: many concurrent short sleeps, and timeouts around futures that
//! are ready at once. One op is one sleep that elapsed or one timeout that
//! returned its future's output.

use std::time::Duration;

use super::{mix, ALL_FLAVORS};
use crate::harness::{Work, Workload};

/// Concurrent sleeping tasks in `sleep`.
const SLEEPERS: u64 = 100_000;
/// Timeouts awaited one after the other in `timeout`.
const TIMEOUTS: u64 = 100_000;

/// `SLEEPERS` tasks, each sleeping 1 ms, then awaiting every handle.
macro_rules! sleep {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        let sleepers = $scale.of(SLEEPERS);
        drive!($krate, $rt, $flavor, async move {
            let mut handles = Vec::with_capacity(sleepers as usize);
            for i in 0..sleepers {
                handles.push($krate::spawn(async move {
                    $krate::time::sleep(Duration::from_millis(1)).await;
                    mix(i)
                }));
            }
            let mut work = Work::default();
            for handle in handles {
                work.add(1, handle.await.expect("task failed"));
            }
            work
        })
    }};
}

/// One task awaiting `timeout(1 s, ready(i))` `TIMEOUTS` times: the timer
/// is registered (or not) and cancelled every time, and never fires. The
/// task is spawned from `block_on` on every flavour (it spawns nothing, so
/// it needs no `drive!`).
macro_rules! timeout {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        let _ = $flavor;
        let timeouts = $scale.of(TIMEOUTS);
        $rt.block_on(async move {
            $krate::spawn(async move {
                let mut work = Work::default();
                for i in 0..timeouts {
                    let ready = std::future::ready(mix(i));
                    let value = $krate::time::timeout(Duration::from_secs(1), ready)
                        .await
                        .expect("a ready future timed out");
                    work.add(1, value);
                }
                work
            })
            .await
            .expect("task failed")
        })
    }};
}

/// 100k concurrent 1 ms sleeps.
pub const SLEEP: Workload = pair!("sleep", sleep, ALL_FLAVORS, |scale| scale.of(SLEEPERS));
/// 100k `timeout(1 s, ready)` in one task.
pub const TIMEOUT: Workload = pair!("timeout", timeout, ALL_FLAVORS, |scale| {
    scale.of(TIMEOUTS)
});
