//! Broadcast: one sender, many receivers, every message to every receiver.
//! One op is one message received by one receiver.

use super::{mix, SYNC_FLAVORS};
use crate::harness::{Work, Workload};

/// Receiver tasks; not scaled.
const RECEIVERS: u64 = 100;
/// Messages sent.
const MESSAGES: u64 = 1_000;
/// Capacity of the channel: more than `MESSAGES`, so that no receiver can
/// lag even if the sender runs ahead of all of them.
const CAPACITY: usize = 1_024;

/// `RECEIVERS` tasks, each subscribed before the first send, receive until
/// the channel closes, checking that the messages come in order with none
/// missing (a lag panics), and return their count; the root (see `in_task!`)
/// sends `0..MESSAGES`, with a `yield_now().await` after each send so that
/// receivers are woken throughout rather than finding every message
/// queued at the end, then drops the sender. The checksum is `mix` of each
/// receiver's number and every message it got.
macro_rules! broadcast {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        use $krate::sync::broadcast::error::RecvError;
        let messages = $scale.of(MESSAGES);
        in_task!($krate, $rt, $flavor, async move {
            let (tx, _) = $krate::sync::broadcast::channel::<u64>(CAPACITY);
            let receivers: Vec<_> = (0..RECEIVERS)
                .map(|receiver| {
                    let mut rx = tx.subscribe();
                    $krate::spawn(async move {
                        let mut work = Work::default();
                        loop {
                            match rx.recv().await {
                                Ok(message) => {
                                    assert_eq!(
                                        message, work.ops,
                                        "receiver {receiver}: out of order"
                                    );
                                    work.add(1, mix(receiver << 32 | message));
                                }
                                Err(RecvError::Closed) => break,
                                Err(RecvError::Lagged(n)) => {
                                    panic!("receiver {receiver} lagged by {n}")
                                }
                            }
                        }
                        assert_eq!(work.ops, messages, "receiver {receiver}: messages missing");
                        work
                    })
                })
                .collect();
            for message in 0..messages {
                tx.send(message).expect("no receivers");
                $krate::task::yield_now().await;
            }
            drop(tx);
            let mut total = Work::default();
            for receiver in receivers {
                let work = receiver.await.expect("receiver failed");
                total.add(work.ops, work.checksum);
            }
            total
        })
    }};
}

/// 100 receivers × 1000 messages, capacity 1024.
pub const BROADCAST: Workload = pair!("broadcast", broadcast, SYNC_FLAVORS, |scale| {
    RECEIVERS * scale.of(MESSAGES)
});
