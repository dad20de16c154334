//! Loom models of the scheduler's races: a worker parking (in the shared
//! driver or on its condvar) against unparks, and shutdown against a spawn
//! from another thread.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p zokio --lib --release loom`.

use std::collections::VecDeque;

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::{Arc, Mutex};
use loom::thread;

use crate::driver;
use crate::runtime::scheduler::inject::Inject;
use crate::runtime::scheduler::multi_thread::park;
use crate::task::list::OwnedTasks;
use crate::task::{new_task, Id, Notified, Schedule, Task};

#[test]
fn loom_worker_park_unpark_no_lost_wakeup() {
    loom::model(|| {
        let (driver, handle) = driver::new(None, None).unwrap();
        let shared: park::SharedDriver = Mutex::new(Some(driver));
        let shared = Arc::new(shared);
        let handle = Arc::new(handle);
        let (mut p1, u1) = park::Parker::new(0, handle.unparker(), None);
        let (mut p2, u2) = park::Parker::new(1, handle.unparker(), None);
        let (s2, h2) = (shared.clone(), handle.clone());
        // Two workers park at once: one gets the driver, the other its
        // condvar; each unpark must reach the right one.
        let t = thread::spawn(move || p2.park(&s2, &h2, None));
        u1.unpark();
        u2.unpark();
        p1.park(&shared, &handle, None);
        t.join().unwrap();
    });
}

/// A scheduler that only counts what reaches it.
struct Sink {
    owned: Mutex<OwnedTasks<Arc<Sink>>>,
}

impl Schedule for Arc<Sink> {
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.owned.lock().unwrap().remove(task)
    }

    fn schedule(&self, task: Notified<Self>) {
        drop(task);
    }
}

struct CountDrop(Arc<AtomicUsize>);

impl Drop for CountDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn loom_shutdown_races_remote_spawn() {
    loom::model(|| {
        let sink = Arc::new(Sink {
            owned: Mutex::new(OwnedTasks::new()),
        });
        let inject: Arc<Inject<(Task<Arc<Sink>>, Notified<Arc<Sink>>)>> = Arc::new(Inject::new());
        let drops = Arc::new(AtomicUsize::new(0));

        let (inj, s, d) = (inject.clone(), sink.clone(), drops.clone());
        let spawner = thread::spawn(move || {
            let guard = CountDrop(d);
            let (task, notified, join) = new_task(
                async move {
                    let _guard = guard;
                },
                s,
                Id::next(),
            );
            // As a remote spawn does: queue it, or cancel it at once if the
            // runtime is closed.
            if let Err((task, notified)) = inj.push((task, notified)) {
                drop(notified);
                task.shutdown();
            }
            join
        });

        // Shutdown: close the queue, cancel what was in it.
        let drained: VecDeque<_> = inject.close_and_drain();
        for (task, notified) in drained {
            drop(notified);
            task.shutdown();
        }
        let join = spawner.join().unwrap();
        // Whichever won, the future was dropped exactly once and the handle
        // resolves as cancelled.
        assert_eq!(drops.load(SeqCst), 1);
        assert!(join.is_finished());
        drop(join);
        drop(sink);
    });
}
