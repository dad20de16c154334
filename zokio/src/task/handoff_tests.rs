//! Queuing a task hands its reference to whoever runs it, and the scheduler
//! that queues it lives inside the task (rule 5). These tests use a
//! scheduler that, inside `schedule`, waits until another thread has run the
//! task to completion and dropped its entry, then uses itself again: if the
//! caller of `schedule` held no reference of its own, the task (and the
//! scheduler handle borrowed from it) would be freed by then. Miri reports
//! that use after free deterministically (`.ci/run` runs this module under
//! Miri); without Miri the tests check the same protocol by its counts.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;

use crate::task::list::OwnedTasks;
use crate::task::{new_task, Id, Notified, Schedule, Task};

/// Runs every queued task on a thread of its own and waits for that run to
/// end before `schedule` returns.
struct HandOff {
    to_runner: Mutex<mpsc::Sender<Notified<Arc<HandOff>>>>,
    ran: Mutex<mpsc::Receiver<()>>,
    owned: Mutex<OwnedTasks<Arc<HandOff>>>,
    schedules: AtomicUsize,
}

impl Schedule for Arc<HandOff> {
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.owned.lock().unwrap().remove(task)
    }

    fn schedule(&self, task: Notified<Self>) {
        self.to_runner.lock().unwrap().send(task).unwrap();
        // The runner has polled the task to completion and dropped the
        // `Notified`; only the caller's own reference keeps it alive now.
        self.ran.lock().unwrap().recv().unwrap();
        self.schedules.fetch_add(1, SeqCst);
    }
}

/// A scheduler and its runner thread (which ends when the scheduler drops).
fn hand_off() -> (Arc<HandOff>, thread::JoinHandle<()>) {
    let (to_runner, tasks) = mpsc::channel::<Notified<Arc<HandOff>>>();
    let (done, ran) = mpsc::channel();
    let runner = thread::spawn(move || {
        for task in tasks {
            task.run();
            done.send(()).unwrap();
        }
    });
    let sched = Arc::new(HandOff {
        to_runner: Mutex::new(to_runner),
        ran: Mutex::new(ran),
        owned: Mutex::new(OwnedTasks::new()),
        schedules: AtomicUsize::new(0),
    });
    (sched, runner)
}

/// Pending on its first poll, ready on its second; on the first poll it
/// either wakes itself (so the runner requeues it) or leaves its waker in
/// `slot`.
struct TwoPolls {
    polls: Arc<AtomicUsize>,
    slot: Option<Arc<Mutex<Option<Waker>>>>,
}

impl Future for TwoPolls {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.polls.fetch_add(1, SeqCst) > 0 {
            return Poll::Ready(());
        }
        match &self.slot {
            Some(slot) => *slot.lock().unwrap() = Some(cx.waker().clone()),
            None => cx.waker().wake_by_ref(),
        }
        Poll::Pending
    }
}

/// Binds a task running `future` whose join handle is already gone, and
/// returns its first run-queue entry.
fn spawn_detached(sched: &Arc<HandOff>, future: TwoPolls) -> Notified<Arc<HandOff>> {
    let (task, notified, join) = new_task(future, sched.clone(), Id::next());
    assert!(sched.owned.lock().unwrap().bind(task).is_ok());
    drop(join);
    notified
}

#[test]
fn waking_by_value_keeps_the_task_alive_through_schedule() {
    let (sched, runner) = hand_off();
    let polls = Arc::new(AtomicUsize::new(0));
    let slot = Arc::new(Mutex::new(None));
    let future = TwoPolls {
        polls: polls.clone(),
        slot: Some(slot.clone()),
    };
    spawn_detached(&sched, future).run();
    let waker = slot
        .lock()
        .unwrap()
        .take()
        .expect("the first poll left its waker");
    // The runner polls the task to completion before `wake` returns.
    waker.wake();
    assert_eq!(polls.load(SeqCst), 2);
    assert_eq!(sched.schedules.load(SeqCst), 1);
    assert!(sched.owned.lock().unwrap().is_empty());
    drop(sched);
    runner.join().unwrap();
}

#[test]
fn a_task_woken_during_its_poll_stays_alive_through_yield_now() {
    let (sched, runner) = hand_off();
    let polls = Arc::new(AtomicUsize::new(0));
    let future = TwoPolls {
        polls: polls.clone(),
        slot: None,
    };
    // The first poll wakes the task; the runner (this thread) requeues it,
    // and the other thread polls it to completion inside `yield_now`.
    spawn_detached(&sched, future).run();
    assert_eq!(polls.load(SeqCst), 2);
    assert_eq!(sched.schedules.load(SeqCst), 1);
    assert!(sched.owned.lock().unwrap().is_empty());
    drop(sched);
    runner.join().unwrap();
}
