//! Watch: one sender updating a value, many receivers following it. One op
//! is one update sent.

use super::{mix, SYNC_FLAVORS};
use crate::harness::{Work, Workload};

/// Receiver tasks; not scaled.
const RECEIVERS: u64 = 100;
/// Updates sent.
const UPDATES: u64 = 1_000;

/// `RECEIVERS` tasks, each with a receiver cloned before the first update,
/// loop on `changed().await` and `borrow_and_update()` until the sender is
/// gone, checking that the values they see only go up; the root (see
/// `in_task!`) sends `1..=UPDATES`, with a `yield_now().await` after each so
/// that receivers are woken throughout, then drops the sender.
///
/// A watch channel keeps only the latest value, so how many of the updates
/// a receiver sees (how many times `changed()` wakes it) depends on the
/// scheduling, and Zokio and Tokio need not agree on it; it is not
/// counted. What both must agree on: every update was sent (the ops, one
/// per `send`, `mix` of the value in the checksum) and every receiver ends
/// having seen the last value (`mix` of its number and that value in the
/// checksum).
macro_rules! watch {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        let updates = $scale.of(UPDATES);
        in_task!($krate, $rt, $flavor, async move {
            let (tx, rx) = $krate::sync::watch::channel(0u64);
            let receivers: Vec<_> = (0..RECEIVERS)
                .map(|receiver| {
                    let mut rx = rx.clone();
                    $krate::spawn(async move {
                        let mut last = 0;
                        while rx.changed().await.is_ok() {
                            let value = *rx.borrow_and_update();
                            assert!(value > last, "receiver {receiver}: {value} after {last}");
                            last = value;
                        }
                        assert_eq!(last, updates, "receiver {receiver}: last value unseen");
                        assert_eq!(*rx.borrow(), last, "receiver {receiver}: value unseen");
                        (receiver, last)
                    })
                })
                .collect();
            drop(rx);
            let mut work = Work::default();
            for value in 1..=updates {
                tx.send(value).expect("no receivers");
                work.add(1, mix(value));
                $krate::task::yield_now().await;
            }
            drop(tx);
            for receiver in receivers {
                let (receiver, last) = receiver.await.expect("receiver failed");
                work.add(0, mix(receiver << 32 | last));
            }
            work
        })
    }};
}

/// 100 receivers, 1000 updates.
pub const WATCH: Workload = pair!("watch", watch, SYNC_FLAVORS, |scale| scale.of(UPDATES));
