//! Loom models of the task core: every interleaving of wake, poll,
//! completion, join-handle drop and abort must free each task exactly once
//! and deliver the output (or the cancellation) exactly once.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p zokio --lib --release loom`.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering::SeqCst as StdSeqCst};
use std::task::{Context, Poll, Waker};

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use loom::sync::{Arc, Mutex};
use loom::thread;

use crate::task::list::OwnedTasks;
use crate::task::{new_task, Id, JoinHandle, Notified, Schedule, Task};

/// A scheduler whose queue and owned list sit behind locks, so that any
/// thread may run its tasks.
struct TestScheduler {
    queue: Mutex<VecDeque<Notified<Arc<TestScheduler>>>>,
    owned: Mutex<OwnedTasks<Arc<TestScheduler>>>,
}

impl Schedule for Arc<TestScheduler> {
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.owned.lock().unwrap().remove(task)
    }

    fn schedule(&self, task: Notified<Self>) {
        self.queue.lock().unwrap().push_back(task);
    }
}

impl TestScheduler {
    fn new() -> Arc<TestScheduler> {
        Arc::new(TestScheduler {
            queue: Mutex::new(VecDeque::new()),
            owned: Mutex::new(OwnedTasks::new()),
        })
    }

    /// Runs queued tasks until the queue is empty.
    fn run(&self) {
        loop {
            let task = self.queue.lock().unwrap().pop_front();
            match task {
                Some(task) => task.run(),
                None => return,
            }
        }
    }

    fn shutdown(&self) {
        loop {
            let task = self.owned.lock().unwrap().close_and_pop();
            match task {
                Some(task) => task.shutdown(),
                None => break,
            }
        }
        while let Some(task) = self.queue.lock().unwrap().pop_front() {
            drop(task);
        }
    }
}

fn spawn<F>(sched: &Arc<TestScheduler>, future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (task, notified, join) = new_task(future, sched.clone(), Id::next());
    let bound = sched.owned.lock().unwrap().bind(task);
    match bound {
        Ok(()) => sched.schedule(notified),
        Err(task) => {
            drop(notified);
            task.shutdown();
        }
    }
    join
}

/// Pending until `ready` is set, storing its waker in `waker`.
struct Gate {
    ready: Arc<AtomicBool>,
    waker: Arc<Mutex<Option<Waker>>>,
}

impl Future for Gate {
    type Output = usize;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        *self.waker.lock().unwrap() = Some(cx.waker().clone());
        if self.ready.load(SeqCst) {
            Poll::Ready(7)
        } else {
            Poll::Pending
        }
    }
}

fn open(ready: &AtomicBool, waker: &Mutex<Option<Waker>>) {
    ready.store(true, SeqCst);
    let waker = waker.lock().unwrap().take();
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// Polls a join handle once with a waker that counts wake-ups.
fn poll_join(join: &mut JoinHandle<usize>, wakes: &std::sync::Arc<StdAtomicUsize>) -> Poll<usize> {
    struct CountWake(std::sync::Arc<StdAtomicUsize>);
    impl std::task::Wake for CountWake {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.fetch_add(1, StdSeqCst);
        }
    }
    let waker = Waker::from(std::sync::Arc::new(CountWake(wakes.clone())));
    let mut cx = Context::from_waker(&waker);
    Pin::new(join)
        .poll(&mut cx)
        .map(|r| r.unwrap_or(usize::MAX))
}

#[test]
fn loom_wake_races_poll_and_complete() {
    loom::model(|| {
        let sched = TestScheduler::new();
        let ready = Arc::new(AtomicBool::new(false));
        let waker = Arc::new(Mutex::new(None));
        let mut join = spawn(
            &sched,
            Gate {
                ready: ready.clone(),
                waker: waker.clone(),
            },
        );
        let s = sched.clone();
        let runner = thread::spawn(move || s.run());
        open(&ready, &waker);
        runner.join().unwrap();
        sched.run();
        let wakes = std::sync::Arc::new(StdAtomicUsize::new(0));
        assert_eq!(poll_join(&mut join, &wakes), Poll::Ready(7));
        sched.shutdown();
    });
}

#[test]
fn loom_join_handle_drop_races_completion() {
    loom::model(|| {
        let sched = TestScheduler::new();
        let ready = Arc::new(AtomicBool::new(false));
        let waker = Arc::new(Mutex::new(None));
        let join = spawn(
            &sched,
            Gate {
                ready: ready.clone(),
                waker: waker.clone(),
            },
        );
        sched.run();
        let s = sched.clone();
        let (r, w) = (ready.clone(), waker.clone());
        let completer = thread::spawn(move || {
            open(&r, &w);
            s.run();
        });
        drop(join);
        completer.join().unwrap();
        sched.run();
        sched.shutdown();
    });
}

#[test]
fn loom_join_waker_races_completion() {
    loom::model(|| {
        let sched = TestScheduler::new();
        let ready = Arc::new(AtomicBool::new(false));
        let waker = Arc::new(Mutex::new(None));
        let mut join = spawn(
            &sched,
            Gate {
                ready: ready.clone(),
                waker: waker.clone(),
            },
        );
        sched.run();
        let s = sched.clone();
        let (r, w) = (ready.clone(), waker.clone());
        let completer = thread::spawn(move || {
            open(&r, &w);
            s.run();
        });
        let wakes = std::sync::Arc::new(StdAtomicUsize::new(0));
        let first = poll_join(&mut join, &wakes);
        completer.join().unwrap();
        sched.run();
        if first.is_pending() {
            // The completion must have woken the join waker.
            assert_eq!(wakes.load(StdSeqCst), 1);
            assert_eq!(poll_join(&mut join, &wakes), Poll::Ready(7));
        } else {
            assert_eq!(first, Poll::Ready(7));
        }
        sched.shutdown();
    });
}

#[test]
fn loom_abort_races_wake_and_poll() {
    loom::model(|| {
        let sched = TestScheduler::new();
        let ready = Arc::new(AtomicBool::new(false));
        let waker = Arc::new(Mutex::new(None));
        let mut join = spawn(
            &sched,
            Gate {
                ready: ready.clone(),
                waker: waker.clone(),
            },
        );
        sched.run();
        let abort = join.abort_handle();
        let aborter = thread::spawn(move || abort.abort());
        let s = sched.clone();
        let (r, w) = (ready.clone(), waker.clone());
        let waker_thread = thread::spawn(move || {
            open(&r, &w);
            s.run();
        });
        aborter.join().unwrap();
        waker_thread.join().unwrap();
        sched.run();
        // Either the task completed first (7) or the abort won (cancelled).
        let wakes = std::sync::Arc::new(StdAtomicUsize::new(0));
        let out = poll_join(&mut join, &wakes);
        assert!(
            matches!(out, Poll::Ready(7) | Poll::Ready(usize::MAX)),
            "{out:?}"
        );
        sched.shutdown();
    });
}

#[test]
fn loom_shutdown_races_remote_wake() {
    loom::model(|| {
        let sched = TestScheduler::new();
        let drops = Arc::new(AtomicUsize::new(0));
        struct CountDrop(Arc<AtomicUsize>);
        impl Drop for CountDrop {
            fn drop(&mut self) {
                self.0.fetch_add(1, SeqCst);
            }
        }
        let ready = Arc::new(AtomicBool::new(false));
        let waker = Arc::new(Mutex::new(None));
        let guard = CountDrop(drops.clone());
        let gate = Gate {
            ready: ready.clone(),
            waker: waker.clone(),
        };
        let join = spawn(&sched, async move {
            let _guard = guard;
            gate.await
        });
        sched.run();
        let (r, w) = (ready.clone(), waker.clone());
        let waker_thread = thread::spawn(move || open(&r, &w));
        sched.shutdown();
        waker_thread.join().unwrap();
        sched.shutdown();
        assert_eq!(drops.load(SeqCst), 1);
        drop(join);
    });
}
