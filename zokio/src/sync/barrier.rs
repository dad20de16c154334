//! A barrier: tasks wait until a set number of them have arrived.
//!
//! The count and a generation number sit behind a short lock; the waiting
//! is a [`Notify`]. Each waiter takes its `notified()` future while it
//! holds the lock, so the last arrival's `notify_waiters` always reaches
//! it. A waiter woken by the end of an earlier generation (it came in just
//! as that one ended) sees its own generation unchanged and waits again.

use std::fmt;

use crate::loom::{lock, Mutex};
use crate::sync::Notify;

/// Makes tasks wait until `n` of them have called [`wait`](Barrier::wait),
/// then lets them all go; it can be used again for the next `n`.
///
/// ```
/// use std::sync::Arc;
/// use zokio::sync::Barrier;
///
/// #[zokio::main]
/// async fn main() {
///     let barrier = Arc::new(Barrier::new(10));
///     let mut tasks = Vec::new();
///     for _ in 0..10 {
///         let barrier = barrier.clone();
///         // The messages print together, after all 10 have arrived.
///         tasks.push(zokio::spawn(async move {
///             println!("before wait");
///             let result = barrier.wait().await;
///             println!("after wait");
///             result
///         }));
///     }
///     let mut leaders = 0;
///     for task in tasks {
///         if task.await.unwrap().is_leader() {
///             leaders += 1;
///         }
///     }
///     assert_eq!(leaders, 1);
/// }
/// ```
pub struct Barrier {
    state: Mutex<Round>,
    notify: Notify,
    /// Arrivals that complete a round; at least 1.
    n: usize,
}

/// The round in progress.
#[derive(Debug)]
struct Round {
    /// Tasks that arrived in this round so far (fewer than `n`).
    arrived: usize,
    /// Rounds completed so far.
    generation: usize,
}

/// What [`Barrier::wait`] returns: whether this task was the round's
/// leader.
///
/// ```
/// use zokio::sync::Barrier;
///
/// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let barrier = Barrier::new(1);
/// assert!(barrier.wait().await.is_leader());
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct BarrierWaitResult(bool);

impl Barrier {
    /// A barrier that lets tasks go in groups of `n`. `n` of 0 behaves as
    /// 1: every `wait` returns at once, as the leader.
    ///
    /// ```
    /// use zokio::sync::Barrier;
    ///
    /// let barrier = Barrier::new(4);
    /// ```
    pub fn new(n: usize) -> Barrier {
        Barrier {
            state: Mutex::new(Round {
                arrived: 0,
                generation: 0,
            }),
            notify: Notify::new(),
            n: n.max(1),
        }
    }

    /// Waits until `n` tasks (this one included) have called `wait` in
    /// this round. Exactly one of them — the last to arrive — gets a result
    /// whose [`is_leader`](BarrierWaitResult::is_leader) is `true`.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: a task counts as arrived as soon as it calls
    /// `wait`, and dropping the future does not take the arrival back, so
    /// the round may complete without it.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zokio::sync::Barrier;
    ///
    /// #[zokio::main]
    /// async fn main() {
    ///     let barrier = Arc::new(Barrier::new(2));
    ///     let other = barrier.clone();
    ///     let task = zokio::spawn(async move { other.wait().await.is_leader() });
    ///     let here = barrier.wait().await.is_leader();
    ///     assert!(here != task.await.unwrap());
    /// }
    /// ```
    pub async fn wait(&self) -> BarrierWaitResult {
        let (generation, mut notified) = {
            let mut round = lock(&self.state);
            let generation = round.generation;
            round.arrived += 1;
            if round.arrived == self.n {
                round.arrived = 0;
                round.generation = generation.wrapping_add(1);
                drop(round);
                self.notify.notify_waiters();
                return BarrierWaitResult(true);
            }
            // Taken under the lock: the leader's `notify_waiters` comes
            // later and reaches it.
            (generation, self.notify.notified())
        };
        loop {
            notified.await;
            let round = lock(&self.state);
            if round.generation != generation {
                return BarrierWaitResult(false);
            }
            // Woken by the end of the round before ours: wait again.
            notified = self.notify.notified();
        }
    }
}

impl BarrierWaitResult {
    /// Whether this task was the round's leader: the one whose arrival
    /// completed it.
    ///
    /// ```
    /// use zokio::sync::Barrier;
    ///
    /// # zokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let barrier = Barrier::new(0);
    /// assert!(barrier.wait().await.is_leader());
    /// # });
    /// ```
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let round = lock(&self.state);
        f.debug_struct("Barrier")
            .field("n", &self.n)
            .field("arrived", &round.arrived)
            .field("generation", &round.generation)
            .finish()
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use loom::sync::Arc;
    use loom::thread;

    use super::Barrier;
    use crate::sync::wait_list::loom_support::{block_on, thread_waker};

    #[test]
    fn loom_barrier_one_leader_per_round() {
        loom::model(|| {
            let barrier = Arc::new(Barrier::new(2));
            let other = {
                let barrier = barrier.clone();
                thread::spawn(move || {
                    let waker = thread_waker();
                    block_on(&waker, barrier.wait()).is_leader()
                })
            };
            let waker = thread_waker();
            let here = block_on(&waker, barrier.wait()).is_leader();
            assert!(here != other.join().unwrap());
        });
    }
}
