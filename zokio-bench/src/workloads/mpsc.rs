//! Channels: many producers into one consumer over bounded and unbounded
//! `mpsc` channels, one task filling then draining a channel, and
//! request/reply round trips through a server task with a `oneshot` reply
//! channel in every request.
//!
//! One op is one message received (`mpsc_*`) or one round trip (`oneshot`).

use super::{mix, SYNC_FLAVORS};
use crate::harness::{Work, Workload};

/// Producer tasks in `mpsc_bounded` and `mpsc_unbounded`; not scaled.
const PRODUCERS: u64 = 4;
/// Messages each producer sends.
const SENDS: u64 = 100_000;
/// Capacity of the bounded channel in `mpsc_bounded`.
const CAPACITY: usize = 1_024;

/// Messages one task sends and then receives in one `mpsc_uncontended*`
/// batch; not scaled, so the shape stays.
const UNCONTENDED_MESSAGES: u64 = 5_000;
/// `mpsc_uncontended*` batches, one after the other, each on a fresh
/// channel (as Tokio's `uncontended_*` benches make one per iteration).
const UNCONTENDED_BATCHES: u64 = 100;

/// Round trips one client makes to one server in `oneshot`; not scaled.
const ROUND_TRIPS: u64 = 1_000;
/// `oneshot` sessions, one after the other, each with a fresh server task.
const SESSIONS: u64 = 100;
/// Capacity of the server's request channel in `oneshot`.
const REQUESTS: usize = 16;

/// A message: its producer in the high 32 bits, its sequence number in
/// that producer in the low 32.
fn message(producer: u64, i: u64) -> u64 {
    producer << 32 | i
}

/// Receives from `$rx` until every sender is gone, checking that each
/// producer's messages arrive in the order they were sent, and returns the
/// [`Work`]: one op and `mix(message)` per message.
macro_rules! receive_all {
    ($rx:expr) => {{
        let mut rx = $rx;
        let mut next = [0u64; PRODUCERS as usize];
        let mut work = Work::default();
        while let Some(message) = rx.recv().await {
            let producer = (message >> 32) as usize;
            assert_eq!(
                message & 0xffff_ffff,
                next[producer],
                "producer {producer}'s messages out of order"
            );
            next[producer] += 1;
            work.add(1, mix(message));
        }
        work
    }};
}

/// `PRODUCERS` tasks each `send(..).await` their messages into one channel
/// of capacity `CAPACITY`, which is full most of the time; the root (see
/// `in_task!`) is the consumer.
macro_rules! mpsc_bounded {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        let sends = $scale.of(SENDS);
        in_task!($krate, $rt, $flavor, async move {
            let (tx, rx) = $krate::sync::mpsc::channel::<u64>(CAPACITY);
            let producers: Vec<_> = (0..PRODUCERS)
                .map(|producer| {
                    let tx = tx.clone();
                    $krate::spawn(async move {
                        for i in 0..sends {
                            tx.send(message(producer, i))
                                .await
                                .expect("receiver dropped");
                        }
                    })
                })
                .collect();
            drop(tx);
            let work = receive_all!(rx);
            for producer in producers {
                producer.await.expect("producer failed");
            }
            work
        })
    }};
}

/// `mpsc_bounded` on an unbounded channel: the producers never wait.
macro_rules! mpsc_unbounded {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        let sends = $scale.of(SENDS);
        in_task!($krate, $rt, $flavor, async move {
            let (tx, rx) = $krate::sync::mpsc::unbounded_channel::<u64>();
            let producers: Vec<_> = (0..PRODUCERS)
                .map(|producer| {
                    let tx = tx.clone();
                    $krate::spawn(async move {
                        for i in 0..sends {
                            tx.send(message(producer, i)).expect("receiver dropped");
                        }
                    })
                })
                .collect();
            drop(tx);
            let work = receive_all!(rx);
            for producer in producers {
                producer.await.expect("producer failed");
            }
            work
        })
    }};
}

/// One task, batch after batch: a fresh bounded channel with room for the
/// whole batch (capacity `UNCONTENDED_MESSAGES`, so no send ever waits),
/// `UNCONTENDED_MESSAGES` sends, then as many receives, each checked
/// against what was sent.
macro_rules! mpsc_uncontended {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        let batches = $scale.of(UNCONTENDED_BATCHES);
        in_task!($krate, $rt, $flavor, async move {
            let mut work = Work::default();
            for batch in 0..batches {
                let (tx, mut rx) =
                    $krate::sync::mpsc::channel::<u64>(UNCONTENDED_MESSAGES as usize);
                for i in 0..UNCONTENDED_MESSAGES {
                    tx.send(message(batch, i)).await.expect("receiver dropped");
                }
                for i in 0..UNCONTENDED_MESSAGES {
                    let got = rx.recv().await.expect("sender dropped");
                    assert_eq!(got, message(batch, i), "messages out of order");
                    work.add(1, mix(got));
                }
            }
            work
        })
    }};
}

/// `mpsc_uncontended` on an unbounded channel.
macro_rules! mpsc_uncontended_unbounded {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        let batches = $scale.of(UNCONTENDED_BATCHES);
        in_task!($krate, $rt, $flavor, async move {
            let mut work = Work::default();
            for batch in 0..batches {
                let (tx, mut rx) = $krate::sync::mpsc::unbounded_channel::<u64>();
                for i in 0..UNCONTENDED_MESSAGES {
                    tx.send(message(batch, i)).expect("receiver dropped");
                }
                for i in 0..UNCONTENDED_MESSAGES {
                    let got = rx.recv().await.expect("sender dropped");
                    assert_eq!(got, message(batch, i), "messages out of order");
                    work.add(1, mix(got));
                }
            }
            work
        })
    }};
}

/// Session after session: a fresh server task that answers every request
/// `(n, reply)` it receives on a bounded `mpsc` channel (capacity
/// `REQUESTS`) with `reply.send(mix(n))`, until the channel closes; the
/// root (see `in_task!`) is its one client and makes `ROUND_TRIPS` round
/// trips one after the other, each with a fresh `oneshot` channel, then
/// closes the request channel and awaits the server.
macro_rules! oneshot {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        type Request = (u64, $krate::sync::oneshot::Sender<u64>);
        let sessions = $scale.of(SESSIONS);
        in_task!($krate, $rt, $flavor, async move {
            let mut work = Work::default();
            for session in 0..sessions {
                let (requests, mut incoming) = $krate::sync::mpsc::channel::<Request>(REQUESTS);
                let server = $krate::spawn(async move {
                    while let Some((n, reply)) = incoming.recv().await {
                        reply
                            .send(mix(n))
                            .expect("client dropped its reply receiver");
                    }
                });
                for i in 0..ROUND_TRIPS {
                    let (reply, answer) = $krate::sync::oneshot::channel();
                    requests
                        .send((session * ROUND_TRIPS + i, reply))
                        .await
                        .expect("server gone");
                    work.add(1, answer.await.expect("server dropped the reply"));
                }
                drop(requests);
                server.await.expect("server failed");
            }
            work
        })
    }};
}

/// 4 producers × 100k sends into one consumer, bounded capacity 1024.
pub const MPSC_BOUNDED: Workload = pair!("mpsc_bounded", mpsc_bounded, SYNC_FLAVORS, |scale| {
    PRODUCERS * scale.of(SENDS)
});
/// 4 producers × 100k sends into one consumer, unbounded.
pub const MPSC_UNBOUNDED: Workload =
    pair!("mpsc_unbounded", mpsc_unbounded, SYNC_FLAVORS, |scale| {
        PRODUCERS * scale.of(SENDS)
    });
/// 100 batches (10 at `--quick`) of 5000 sends then 5000 receives in one
/// task, bounded (capacity 5000).
pub const MPSC_UNCONTENDED: Workload = pair!(
    "mpsc_uncontended",
    mpsc_uncontended,
    SYNC_FLAVORS,
    |scale| { scale.of(UNCONTENDED_BATCHES) * UNCONTENDED_MESSAGES }
);
/// As `mpsc_uncontended`, unbounded.
pub const MPSC_UNCONTENDED_UNBOUNDED: Workload = pair!(
    "mpsc_uncontended_unbounded",
    mpsc_uncontended_unbounded,
    SYNC_FLAVORS,
    |scale| scale.of(UNCONTENDED_BATCHES) * UNCONTENDED_MESSAGES
);
/// 100 sessions (10 at `--quick`) of 1000 request/reply round trips
/// through an `mpsc` server task, the reply on a `oneshot`.
pub const ONESHOT: Workload = pair!("oneshot", oneshot, SYNC_FLAVORS, |scale| {
    scale.of(SESSIONS) * ROUND_TRIPS
});
