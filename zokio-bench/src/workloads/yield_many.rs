//! Yielding: many tasks, each giving the scheduler back its turn many times.
//! One op is one `yield_now().await` that returned.

use super::{mix, ALL_FLAVORS};
use crate::harness::{Work, Workload};

/// Tasks running at once; not scaled, so the run queue stays as deep.
const TASKS: u64 = 200;
/// Yields per task.
const YIELDS: u64 = 1_000;

/// `TASKS` tasks, each yielding `YIELDS` times and returning its count.
macro_rules! yield_many {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        let yields = $scale.of(YIELDS);
        drive!($krate, $rt, $flavor, async move {
            let handles: Vec<_> = (0..TASKS)
                .map(|task| {
                    $krate::spawn(async move {
                        let mut done = 0;
                        for _ in 0..yields {
                            $krate::task::yield_now().await;
                            done += 1;
                        }
                        (task, done)
                    })
                })
                .collect();
            let mut work = Work::default();
            for handle in handles {
                let (task, done) = handle.await.expect("task failed");
                work.add(done, mix(task ^ (done << 32)));
            }
            work
        })
    }};
}

/// 200 tasks × 1000 yields.
pub const YIELD_MANY: Workload = pair!("yield_many", yield_many, ALL_FLAVORS, |scale| {
    TASKS * scale.of(YIELDS)
});
