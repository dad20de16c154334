//! Ping-pong: tasks in parallel, each doing round trips with freshly spawned
//! peers over oneshot channels. One op is one round trip.

use super::{mix, ALL_FLAVORS};
use crate::harness::{Work, Workload};

/// Tasks running round trips at once; not scaled.
const TASKS: u64 = 100;
/// Round trips per task.
const ROUND_TRIPS: u64 = 1_000;

/// A round trip: two oneshot channels, a new peer task that awaits the
/// first and answers on the second, a send on the first, an await on the
/// second. The peer answers with `mix` of what it got, so the checksum
/// proves every answer came from the right question.
macro_rules! ping_pong {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        let round_trips = $scale.of(ROUND_TRIPS);
        drive!($krate, $rt, $flavor, async move {
            let handles: Vec<_> = (0..TASKS)
                .map(|task| {
                    $krate::spawn(async move {
                        let mut work = Work::default();
                        for i in 0..round_trips {
                            let (ping_tx, ping_rx) = $krate::sync::oneshot::channel::<u64>();
                            let (pong_tx, pong_rx) = $krate::sync::oneshot::channel::<u64>();
                            drop($krate::spawn(async move {
                                let ping = ping_rx.await.expect("ping sender dropped");
                                pong_tx.send(mix(ping)).expect("pong receiver dropped");
                            }));
                            ping_tx
                                .send(task * round_trips + i)
                                .expect("ping receiver dropped");
                            work.add(1, pong_rx.await.expect("pong sender dropped"));
                        }
                        work
                    })
                })
                .collect();
            let mut total = Work::default();
            for handle in handles {
                let work = handle.await.expect("task failed");
                total.add(work.ops, work.checksum);
            }
            total
        })
    }};
}

/// 100 tasks × 1000 round trips.
pub const PING_PONG: Workload = pair!("ping_pong", ping_pong, ALL_FLAVORS, |scale| {
    TASKS * scale.of(ROUND_TRIPS)
});
