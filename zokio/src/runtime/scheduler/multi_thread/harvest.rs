//! An idle worker delivers the I/O of a peer stuck in a task.
//!
//! Every worker reaps its own I/O driver, between batches of tasks and when
//! it parks. A task that runs for long without yielding keeps its worker
//! from doing either, and the sockets served by that worker's driver would
//! wait for it, however idle the other workers are. (Tokio's workers share
//! one driver, so there an idle worker keeps such I/O going; Zokio keeps it
//! going the same way.)
//!
//! A worker about to park looks at each peer: one that is awake and has
//! not polled its driver for [`STUCK_AFTER`] is stuck. The idle worker
//! then delivers what the stuck one's driver has ready
//! ([`WorkerDriver::harvest`]), runs the woken tasks itself, and watches
//! the stuck driver's descriptor from its own driver so that it wakes when
//! more arrives, until the peer polls its driver again. While a peer is
//! awake and not yet stuck, the idle worker sleeps no longer than the rest
//! of `STUCK_AFTER`: there is no event for "a task has run this long", so
//! this one deadline is how it finds out. A healthy busy peer polls its
//! driver every few dozen tasks, so the idle worker then wakes at most once
//! per `STUCK_AFTER` and finds nothing to do.
//!
//! While every peer sleeps, an idle worker still sleeps no longer than
//! `STUCK_AFTER`, so that it looks at a peer that wakes meanwhile; once it
//! has seen no peer awake for [`QUIET_AFTER`] (at once if the runtime has
//! no task that could get stuck) it sleeps until woken, and the next
//! worker to wake to work wakes it first ([`nudge`]), at most once per
//! such sleep. A runtime with nothing to do thus settles into sleeping
//! without deadlines, and a worker that wakes now and then to serve a
//! request costs its sleeping peer at most one wake-up per `QUIET_AFTER`.

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::time::{Duration, Instant};

use crate::driver::{self, WorkerDriver};

use super::Remote;

/// How long a worker may be awake without polling its driver before an
/// idle peer delivers its I/O.
pub(super) const STUCK_AFTER: Duration = Duration::from_millis(10);

/// How long an idle worker keeps looking at its peers after it last saw
/// one awake.
pub(super) const QUIET_AFTER: Duration = Duration::from_millis(50);

/// What one worker has seen of its peers.
pub(super) struct Harvest {
    peers: Box<[Seen]>,
    /// Since when no peer has been awake when this worker looked.
    quiet_since: Option<Instant>,
}

#[derive(Clone, Copy, Default)]
struct Seen {
    /// The peer's driver polls when last looked at.
    polls: u64,
    /// Since when the peer has been awake with `polls` unchanged.
    since: Option<Instant>,
    /// Whether this worker's driver watches the peer's.
    watching: bool,
}

impl Harvest {
    pub(super) fn new(workers: usize) -> Harvest {
        Harvest {
            peers: vec![Seen::default(); workers].into_boxed_slice(),
            quiet_since: None,
        }
    }

    /// Before worker `me` parks: delivers the I/O of the peers that are
    /// stuck, and watches them from `own`, this worker's driver. Returns
    /// how long this worker may sleep before it must look again (`None`:
    /// until woken). `has_tasks` says whether the runtime has any task.
    pub(super) fn before_park(
        &mut self,
        me: usize,
        remotes: &[Remote],
        own: &WorkerDriver,
        has_tasks: impl FnOnce() -> bool,
    ) -> Option<Duration> {
        let now = Instant::now();
        let mut cap: Option<Duration> = None;
        let mut limit = |left: Duration| cap = driver::earliest(cap, Some(left));
        let mut any_awake = false;
        for (index, remote) in remotes.iter().enumerate() {
            let Some(peer) = remote.io.as_deref() else {
                continue;
            };
            if index == me {
                continue;
            }
            let seen = &mut self.peers[index];
            let polls = peer.owner_polls();
            let awake = remote.unpark.is_awake();
            any_awake |= awake;
            if !awake || polls != seen.polls {
                // Asleep in its driver, or it polled it since: not stuck.
                if seen.watching {
                    own.owner().unwatch(index, peer);
                }
                *seen = Seen {
                    polls,
                    since: awake.then_some(now),
                    watching: false,
                };
                if awake {
                    limit(STUCK_AFTER);
                }
                continue;
            }
            let since = *seen.since.get_or_insert(now);
            let waited = now.saturating_duration_since(since);
            if waited < STUCK_AFTER {
                limit(STUCK_AFTER - waited);
                continue;
            }
            // Stuck: deliver what it has, then watch it, so that what
            // arrives next wakes this worker (an edge-triggered
            // registration, or a one-shot poll, reports what is ready when
            // it starts, so nothing slips in between). If the watch fails,
            // look again in `STUCK_AFTER` instead.
            peer.harvest(me, own);
            seen.watching = own.owner().watch(index, peer);
            if !seen.watching {
                limit(STUCK_AFTER);
            }
        }
        if any_awake {
            self.quiet_since = None;
        } else {
            let quiet_since = *self.quiet_since.get_or_insert(now);
            if now.saturating_duration_since(quiet_since) < QUIET_AFTER {
                limit(STUCK_AFTER);
            }
        }
        // Without tasks, nothing can get stuck; a new one wakes a worker,
        // which nudges this one if it needs to.
        cap.filter(|_| has_tasks())
    }
}

/// Per worker: whether it sleeps with no deadline.
#[derive(Default)]
pub(super) struct Sleep {
    unbounded: AtomicBool,
}

impl Sleep {
    /// Records how the worker sleeps: with a deadline (`cap`) or not.
    pub(super) fn set(&self, cap: Option<Duration>) {
        self.unbounded.store(cap.is_none(), SeqCst);
    }

    pub(super) fn clear(&self) {
        self.unbounded.store(false, SeqCst);
    }
}

/// Worker `me` woke to work: wakes the peers that sleep with no deadline,
/// so that they look at it again.
pub(super) fn nudge(me: usize, remotes: &[Remote]) {
    for (index, remote) in remotes.iter().enumerate() {
        if index != me && remote.sleep.unbounded.swap(false, SeqCst) {
            remote.unpark.unpark();
        }
    }
}
