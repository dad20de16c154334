//! How long a worker's queued tasks will take it, estimated from how long
//! its polls took lately: the test for waking an idle worker to help.
//!
//! Waking a parked worker costs a system call here and some microseconds
//! there before it runs, and the tasks it steals then share cache lines
//! (and locks) across cores. When the queue holds less work than that, the
//! worker drains it sooner alone: two workers trading a channel's or a
//! lock's cache lines for tasks that run a hundred nanoseconds each went
//! two to three times slower than one. So a worker wakes an idle one only
//! when its queue holds more estimated work than [`HELP_AFTER`]. A queue
//! that overflows into the shared inject queue always wakes one, as
//! anything in the inject queue does, and a worker that is awake anyway
//! steals whatever it finds, as Tokio's do.
//!
//! The estimate is the mean poll time over each *batch* (the polls between
//! two maintenance passes or parks, timed with two clock reads a batch,
//! not two a poll), smoothed over batches.
//!
//! The cost of the rule: tasks queued behind one that runs long without
//! yielding wait for it if the worker's recent polls were short (once it
//! returns, the batch it ended in raises the estimate); Tokio's LIFO slot
//! has the same effect on one task.

use std::time::{Duration, Instant};

/// Queued work, in estimated poll time, above which a worker wakes an
/// idle one.
const HELP_AFTER: Duration = Duration::from_micros(20);
/// Queued work above which one or two tasks the *driver* woke are worth a
/// helper; more of them go by [`HELP_AFTER`].
///
/// A stolen task's I/O goes to its new worker's ring from then on, so such
/// a steal places the task for good, and two tasks that serve each other (a
/// connection's two ends, a client and its server) split by it trade a
/// cross-core wake-up on every exchange. By [`HELP_AFTER`], `tcp_connect`
/// on two workers (client and server waking each other in turn, two tasks
/// per reap) was split within its first connections and ran at a third of
/// one worker's rate. By this rule for every count, many independent
/// connections lost the second core (UDP echo at 0.75× of Tokio's). A
/// stream whose reader polls for a millisecond still gets its helper.
const MOVE_AFTER: Duration = Duration::from_micros(100);
/// Mean poll time from which two tasks that take turns on one worker are
/// worth splitting over two (see [`Load::polls_are_long`]).
///
/// A stream's writer and reader on one connection look like a pair serving
/// each other, but each fills or drains the whole socket buffer in a poll
/// of a millisecond or more: on one worker they take turns, on two they
/// overlap (the writer fills while the reader drains). Next to polls that
/// long, the cross-core wake-up a split adds to each turn (some
/// microseconds) is small; an echo's polls (a few microseconds) stay far
/// below this and their pairs stay together.
const SPLIT_AFTER: Duration = Duration::from_micros(200);
/// The estimate before the first batch: a fresh runtime wakes a helper for
/// four queued tasks, not for the first one spawned (which would then be
/// stolen, with the I/O it starts, away from the task that spawned it).
pub(super) const FIRST_MEAN_NS: u64 = 5_000;
/// Weight of a new batch in the smoothed mean, in 1/16ths.
const WEIGHT: u64 = 2;

pub(super) struct Load {
    /// Smoothed mean poll time.
    mean_ns: u64,
    /// When the current batch started, and the poll count then.
    batch: Option<(Instant, u64)>,
    polls: u64,
}

impl Load {
    pub(super) fn new() -> Load {
        Load {
            mean_ns: FIRST_MEAN_NS,
            batch: None,
            polls: 0,
        }
    }

    /// A task was polled.
    pub(super) fn polled(&mut self) {
        self.polls += 1;
    }

    /// The worker starts running tasks (after a park or a maintenance pass).
    pub(super) fn begin_batch(&mut self) {
        self.batch = Some((Instant::now(), self.polls));
    }

    /// The worker stops running tasks: fold the batch into the mean.
    pub(super) fn end_batch(&mut self) {
        let Some((start, polls_then)) = self.batch.take() else {
            return;
        };
        let polls = self.polls - polls_then;
        if polls == 0 {
            return;
        }
        let elapsed = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.fold(elapsed, polls);
    }

    /// Folds a batch of `polls` polls that took `elapsed_ns` into the mean.
    fn fold(&mut self, elapsed_ns: u64, polls: u64) {
        let sample = elapsed_ns / polls;
        self.mean_ns = sample
            .saturating_mul(WEIGHT)
            .saturating_add(self.mean_ns.saturating_mul(16 - WEIGHT))
            / 16;
    }

    /// Tasks polled since the worker started (its `poll_count` metric).
    pub(super) fn polls(&self) -> u64 {
        self.polls
    }

    /// The smoothed mean poll time, in nanoseconds; published for other
    /// workers to judge this one's queue by (see [`worth_help`]).
    pub(super) fn mean_ns(&self) -> u64 {
        self.mean_ns
    }

    /// Whether `queued` tasks are worth waking an idle worker for.
    pub(super) fn worth_help(&self, queued: usize) -> bool {
        worth_help(self.mean_ns, queued)
    }

    /// Whether this worker's polls run long enough that a second task
    /// taking turns with the one it just ran should go to an idle worker
    /// (see [`SPLIT_AFTER`]).
    pub(super) fn polls_are_long(&self) -> bool {
        self.mean_ns >= SPLIT_AFTER.as_nanos() as u64
    }

    /// Whether `queued` tasks that the driver woke are worth waking an idle
    /// worker for (see [`MOVE_AFTER`]).
    pub(super) fn worth_moving(&self, queued: usize) -> bool {
        queued_work_reaches(self.mean_ns, queued, MOVE_AFTER)
    }
}

/// Whether `queued` tasks on a worker whose polls take `mean_ns` are worth
/// waking an idle worker for.
pub(super) fn worth_help(mean_ns: u64, queued: usize) -> bool {
    queued_work_reaches(mean_ns, queued, HELP_AFTER)
}

/// Whether `queued` polls of `mean_ns` each add up to `limit`.
fn queued_work_reaches(mean_ns: u64, queued: usize, limit: Duration) -> bool {
    (queued as u64).saturating_mul(mean_ns) >= limit.as_nanos() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_queues_of_short_polls_need_no_help() {
        let mut load = Load::new();
        load.mean_ns = 100;
        assert!(!load.worth_help(1));
        assert!(!load.worth_help(199));
        assert!(load.worth_help(200));
        load.mean_ns = 10_000;
        assert!(!load.worth_help(1));
        assert!(load.worth_help(2));
    }

    #[test]
    fn tasks_the_driver_woke_move_only_for_more_work() {
        let mut load = Load::new();
        assert!(!load.worth_help(1), "a fresh runtime's first spawn stays");
        load.mean_ns = 10_000;
        // Two 10 us tasks woken by I/O: worth a helper if spawned, not
        // worth placing one of them on another ring for good.
        assert!(load.worth_help(2));
        assert!(!load.worth_moving(2));
        assert!(load.worth_moving(10));
        load.mean_ns = 1_000_000;
        assert!(load.worth_moving(1));
    }

    #[test]
    fn only_millisecond_polls_split_a_pair() {
        let mut load = Load::new();
        assert!(!load.polls_are_long());
        load.mean_ns = 20_000;
        assert!(!load.polls_are_long(), "a 4 KiB echo's polls");
        load.mean_ns = 1_000_000;
        assert!(load.polls_are_long(), "a bulk stream's polls");
    }

    #[test]
    fn a_batch_without_polls_changes_nothing() {
        let mut load = Load::new();
        load.begin_batch();
        load.end_batch();
        assert_eq!(load.mean_ns, FIRST_MEAN_NS);
        load.end_batch();
        assert_eq!(load.mean_ns, FIRST_MEAN_NS);
    }

    #[test]
    fn batches_move_the_mean_towards_their_poll_time() {
        let mut load = Load::new();
        for _ in 0..64 {
            load.fold(100_000, 1000);
        }
        assert!(load.mean_ns < 200, "mean {} ns", load.mean_ns);
        load.fold(2_000_000, 10);
        assert!(load.mean_ns > 20_000, "mean {} ns", load.mean_ns);
        assert!(load.worth_help(1));
    }
}
