//! A blocking job as a task: the closure becomes a one-poll future, so that
//! its `JoinHandle`, abort and panic capture are those of every other task.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::runtime::coop;
use crate::task::{new_task, Id, JoinHandle, Notified, Schedule, Task};

/// A future that runs a closure on its first poll.
pub(crate) struct BlockingTask<F> {
    func: Option<F>,
}

// The closure is moved out before it is called and is never pinned.
impl<F> Unpin for BlockingTask<F> {}

impl<F, R> Future for BlockingTask<F>
where
    F: FnOnce() -> R,
{
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let func = self
            .func
            .take()
            .expect("a blocking task was polled after it completed");
        // A blocking job may drive futures of its own (`Handle::block_on`);
        // the budget of a task poll must not cut them short.
        let out = coop::with_unconstrained(func);
        super::pool::job_body_returned();
        Poll::Ready(out)
    }
}

/// The scheduler of blocking tasks: the pool's queue, which holds them from
/// spawn until a pool thread runs them. A blocking task is in no owned list,
/// and it is polled once, to completion.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlockingSchedule;

impl Schedule for BlockingSchedule {
    fn release(&self, _task: &Task<Self>) -> Option<Task<Self>> {
        None
    }

    fn schedule(&self, task: Notified<Self>) {
        // Not reached: a waker or an abort queues a task only when it is
        // idle, and a blocking task never is (it stays notified from spawn
        // until its one poll, which completes it). Running it here rather
        // than dropping it keeps its `JoinHandle` from waiting forever.
        task.run();
    }
}

/// One queued blocking job: the task's owned reference and its run-queue
/// entry.
pub(crate) struct Job {
    task: Task<BlockingSchedule>,
    notified: Notified<BlockingSchedule>,
    /// Holds a paused test clock still until the job has run (and woken
    /// its join handle's waiter) or been dropped.
    #[cfg(feature = "test-util")]
    clock: Option<crate::time::clock::Inhibit>,
}

impl Job {
    /// Makes the task for `func` and its join handle.
    pub(crate) fn new<F, R>(func: F, id: Id) -> (Job, JoinHandle<R>)
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let future = BlockingTask { func: Some(func) };
        let (task, notified, join) = new_task(future, BlockingSchedule, id);
        let job = Job {
            task,
            notified,
            #[cfg(feature = "test-util")]
            clock: None,
        };
        (job, join)
    }

    /// The job with a hold on its runtime's paused clock.
    #[cfg(feature = "test-util")]
    pub(crate) fn holding_clock(mut self, hold: Option<crate::time::clock::Inhibit>) -> Job {
        self.clock = hold;
        self
    }

    /// Runs the closure on this thread (or only cancels it, if it was
    /// aborted), storing its output or panic for the join handle.
    pub(crate) fn run(self) {
        drop(self.task);
        self.notified.run();
        // The join handle's waiter is woken by now: the clock may move once
        // that task has had its turn.
        #[cfg(feature = "test-util")]
        drop(self.clock);
    }

    /// Drops the closure unrun: the join handle resolves as cancelled.
    pub(crate) fn cancel(self) {
        drop(self.notified);
        self.task.shutdown();
    }
}
