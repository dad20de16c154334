//! Locks and signals: a semaphore with fewer permits than tasks, a mutex
//! many tasks increment, and `Notify` wake-ups handed to a crowd of
//! waiters.
//!
//! One op is one acquisition (`semaphore`), one lock/unlock (`mutex`) or
//! one waiter woken by `notify_one` (`notify`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::{mix, SYNC_FLAVORS};
use crate::harness::{Work, Workload};

/// Tasks contending in `semaphore`; not scaled.
const SEMAPHORE_TASKS: u64 = 6;
/// Permits of the semaphore; not scaled.
const PERMITS: u64 = 5;
/// Acquisitions in `semaphore`, all tasks together.
const ACQUISITIONS: u64 = 100_000;

/// Tasks locking the mutex in `mutex`; not scaled.
const MUTEX_TASKS: u64 = 8;
/// Lock/unlock cycles of each task.
const LOCKS: u64 = 10_000;

/// Waiter tasks in `notify`; not scaled.
const WAITERS: u64 = 100;
/// `notify_one` wake-ups in one `notify` batch, all waiters together; not
/// scaled. A multiple of `WAITERS`.
const WAKEUPS: u64 = 500;
/// `notify` batches; the waiters stay for all of them.
const NOTIFY_BATCHES: u64 = 100;

/// `SEMAPHORE_TASKS` tasks share `ACQUISITIONS` (the first ones take one
/// more when it does not divide); each acquisition holds its permit across
/// one `yield_now().await`, so that the other tasks find the permits taken
/// and queue for them (without a suspension point, a permit would be given
/// back before anyone else could run on current_thread, and at most two
/// would be held at once on two workers). While it holds a permit a task
/// checks that no more than `PERMITS` are held, and takes a ticket from a
/// shared counter: the checksum is `mix` summed over the tickets (every
/// number below the total, once), plus the permits available at the end.
macro_rules! semaphore {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        let acquisitions = $scale.of(ACQUISITIONS);
        in_task!($krate, $rt, $flavor, async move {
            // The semaphore, the permits held now, the next ticket.
            let shared = Arc::new((
                $krate::sync::Semaphore::new(PERMITS as usize),
                AtomicU64::new(0),
                AtomicU64::new(0),
            ));
            let tasks: Vec<_> = (0..SEMAPHORE_TASKS)
                .map(|task| {
                    let shared = Arc::clone(&shared);
                    let share = acquisitions / SEMAPHORE_TASKS
                        + u64::from(task < acquisitions % SEMAPHORE_TASKS);
                    $krate::spawn(async move {
                        let (semaphore, held, tickets) = &*shared;
                        let mut work = Work::default();
                        for _ in 0..share {
                            let permit = semaphore.acquire().await.expect("semaphore closed");
                            let now = held.fetch_add(1, Ordering::Relaxed) + 1;
                            assert!(now <= PERMITS, "{now} permits held out of {PERMITS}");
                            let ticket = tickets.fetch_add(1, Ordering::Relaxed);
                            $krate::task::yield_now().await;
                            held.fetch_sub(1, Ordering::Relaxed);
                            drop(permit);
                            work.add(1, mix(ticket));
                        }
                        work
                    })
                })
                .collect();
            let mut total = Work::default();
            for task in tasks {
                let work = task.await.expect("task failed");
                total.add(work.ops, work.checksum);
            }
            total.add(0, shared.0.available_permits() as u64);
            total
        })
    }};
}

/// `MUTEX_TASKS` tasks, each `LOCKS` times: lock a `Mutex<u64>`, add 1,
/// read the new value, unlock (no suspension point while locked). Every
/// value from 1 to the total is read exactly once when the lock excludes:
/// the checksum is `mix` summed over the values read, plus the final value.
macro_rules! mutex {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        let locks = $scale.of(LOCKS);
        in_task!($krate, $rt, $flavor, async move {
            let mutex = Arc::new($krate::sync::Mutex::new(0u64));
            let tasks: Vec<_> = (0..MUTEX_TASKS)
                .map(|_| {
                    let mutex = Arc::clone(&mutex);
                    $krate::spawn(async move {
                        let mut work = Work::default();
                        for _ in 0..locks {
                            let mut guard = mutex.lock().await;
                            *guard += 1;
                            let value = *guard;
                            drop(guard);
                            work.add(1, mix(value));
                        }
                        work
                    })
                })
                .collect();
            let mut total = Work::default();
            for task in tasks {
                let work = task.await.expect("task failed");
                total.add(work.ops, work.checksum);
            }
            let last = *mutex.lock().await;
            total.add(0, last);
            total
        })
    }};
}

/// `WAITERS` waiter tasks, each looping `notify.notified().await`, then
/// `ack.notify_one()`, until it has been woken its share
/// (`WAKEUPS / WAITERS` a batch) of times; the root (see `in_task!`) does,
/// `WAKEUPS` times a batch, `notify.notify_one()` then
/// `ack.notified().await`.
///
/// Waiting for the acknowledgement keeps at most one `notify_one` of each
/// `Notify` outstanding, so none is ever coalesced with another: each
/// either wakes a queued waiter or leaves the permit that the next
/// `notified()` takes at once, and the total count is exact on every
/// flavour (a notifier that does not wait may store a permit twice and lose
/// one; Tokio's own `notify_one` bench counts until enough waiters woke).
/// One op is one completed `notify.notified()`; the acknowledgements are
/// not counted. The checksum is `mix` of each waiter's number and count.
macro_rules! notify {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        let wakeups = $scale.of(NOTIFY_BATCHES) * WAKEUPS;
        in_task!($krate, $rt, $flavor, async move {
            // `notify`, then `ack`.
            let shared = Arc::new(($krate::sync::Notify::new(), $krate::sync::Notify::new()));
            let waiters: Vec<_> = (0..WAITERS)
                .map(|waiter| {
                    let shared = Arc::clone(&shared);
                    $krate::spawn(async move {
                        let (notify, ack) = &*shared;
                        let mut woken = 0;
                        while woken < wakeups / WAITERS {
                            notify.notified().await;
                            woken += 1;
                            ack.notify_one();
                        }
                        (waiter, woken)
                    })
                })
                .collect();
            let (notify, ack) = &*shared;
            for _ in 0..wakeups {
                notify.notify_one();
                ack.notified().await;
            }
            let mut work = Work::default();
            for waiter in waiters {
                let (waiter, woken) = waiter.await.expect("waiter failed");
                work.add(woken, mix(waiter << 32 | woken));
            }
            work
        })
    }};
}

/// 6 tasks contending for 5 permits, 100k acquisitions in all.
pub const SEMAPHORE: Workload = pair!("semaphore", semaphore, SYNC_FLAVORS, |scale| {
    scale.of(ACQUISITIONS)
});
/// 8 tasks × 10k lock/increment/unlock of one mutex.
pub const MUTEX: Workload = pair!("mutex", mutex, SYNC_FLAVORS, |scale| {
    MUTEX_TASKS * scale.of(LOCKS)
});
/// 100 batches (10 at `--quick`) of 500 `notify_one` wake-ups over 100
/// waiters, each acknowledged.
pub const NOTIFY: Workload = pair!("notify", notify, SYNC_FLAVORS, |scale| {
    scale.of(NOTIFY_BATCHES) * WAKEUPS
});
