//! `sleep`, `sleep_until` and `Sleep` on a real runtime.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use zokio::runtime::{Builder, Runtime};
use zokio::time::{sleep, sleep_until, Instant, Sleep};

fn runtime() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Polls `future` once.
async fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut *future).poll(cx))).await
}

/// Runs `future` on this (non-runtime) thread, parking between polls.
fn block_on_thread<F: Future>(future: F) -> F::Output {
    struct Unpark(thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        thread::park();
    }
}

/// A one-shot signal that any thread can raise and a task can await.
#[derive(Clone, Default)]
struct Signal(Arc<Mutex<(bool, Option<Waker>)>>);

impl Signal {
    fn raise(&self) {
        let waker = {
            let mut state = self.0.lock().unwrap();
            state.0 = true;
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    async fn wait(&self) {
        std::future::poll_fn(|cx| {
            let mut state = self.0.lock().unwrap();
            if state.0 {
                Poll::Ready(())
            } else {
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }
}

#[test]
fn a_sleep_never_completes_before_its_deadline() {
    runtime().block_on(async {
        for n in [0, 1, 2, 3, 5, 8, 13, 21] {
            let start = Instant::now();
            sleep(ms(n)).await;
            assert!(Instant::now() >= start + ms(n), "sleep({n} ms) woke early");
            let deadline = Instant::now() + Duration::from_micros(n * 700);
            sleep_until(deadline).await;
            assert!(Instant::now() >= deadline, "sleep_until woke early");
        }
    });
}

#[test]
fn a_deadline_in_the_past_completes() {
    runtime().block_on(async {
        let past = Instant::now() - ms(50);
        sleep_until(past).await;
        let mut delay = sleep_until(past);
        (&mut delay).await;
        assert!(delay.is_elapsed());
    });
}

#[test]
fn timers_fire_in_deadline_order() {
    runtime().block_on(async {
        let order = Arc::new(Mutex::new(Vec::new()));
        // One start for all: each task's own `sleep(n)` would count from
        // when that task first ran, and on a slow machine the tasks polled
        // last may start late by more than the 5 ms between deadlines.
        let start = Instant::now();
        let mut tasks = Vec::new();
        for n in [50, 10, 40, 0, 20, 30, 5] {
            let order = order.clone();
            tasks.push(zokio::spawn(async move {
                sleep_until(start + ms(n)).await;
                order.lock().unwrap().push(n);
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), [0, 5, 10, 20, 30, 40, 50]);
    });
}

#[test]
fn timers_due_together_fire_in_deadline_order() {
    runtime().block_on(async {
        let order = Arc::new(Mutex::new(Vec::new()));
        let start = Instant::now() + ms(20);
        let mut tasks = Vec::new();
        for n in [9, 3, 7, 1, 5] {
            let order = order.clone();
            tasks.push(zokio::spawn(async move {
                sleep_until(start + ms(n)).await;
                order.lock().unwrap().push(n);
            }));
        }
        // Let every task register its timer, then block past all the
        // deadlines so that one driver turn fires them together.
        sleep(ms(1)).await;
        thread::sleep(ms(40));
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), [1, 3, 5, 7, 9]);
    });
}

#[test]
fn reset_moves_a_sleep_earlier() {
    runtime().block_on(async {
        let mut delay = sleep(Duration::from_secs(3600));
        assert!(poll_once(&mut delay).await.is_pending());
        let deadline = Instant::now() + ms(10);
        Pin::new(&mut delay).reset(deadline);
        assert_eq!(delay.deadline(), deadline);
        (&mut delay).await;
        assert!(Instant::now() >= deadline);
        assert!(delay.is_elapsed());
    });
}

#[test]
fn reset_moves_a_sleep_later() {
    runtime().block_on(async {
        let mut delay = sleep(ms(5));
        assert!(poll_once(&mut delay).await.is_pending());
        let deadline = Instant::now() + ms(30);
        Pin::new(&mut delay).reset(deadline);
        (&mut delay).await;
        assert!(Instant::now() >= deadline, "completed at the old deadline");
    });
}

#[test]
fn reset_after_completion_sleeps_again() {
    runtime().block_on(async {
        let mut delay = pin!(sleep(ms(1)));
        delay.as_mut().await;
        assert!(delay.is_elapsed());
        let deadline = Instant::now() + ms(10);
        delay.as_mut().reset(deadline);
        assert!(!delay.is_elapsed());
        delay.as_mut().await;
        assert!(Instant::now() >= deadline);
    });
}

#[test]
fn zero_and_huge_durations() {
    runtime().block_on(async {
        sleep(Duration::ZERO).await;
        let mut forever = sleep(Duration::MAX);
        assert!(forever.deadline() > Instant::now() + Duration::from_secs(86_400 * 365));
        assert!(poll_once(&mut forever).await.is_pending());
        assert!(!forever.is_elapsed());
        let far = Instant::now() + Duration::from_secs(86_400 * 365 * 200);
        let mut later = sleep_until(far);
        assert!(poll_once(&mut later).await.is_pending());
        drop(forever);
        // A far timer does not keep the runtime from sleeping and waking.
        sleep(ms(2)).await;
        assert!(poll_once(&mut later).await.is_pending());
    });
}

#[test]
fn many_concurrent_sleeps_complete() {
    const TASKS: usize = 100_000;
    let done = Arc::new(AtomicUsize::new(0));
    runtime().block_on(async {
        let start = Instant::now();
        let mut tasks = Vec::with_capacity(TASKS);
        for i in 0..TASKS {
            let done = done.clone();
            let wait = ms(1 + (i % 20) as u64);
            tasks.push(zokio::spawn(async move {
                sleep(wait).await;
                assert!(Instant::now() >= start + wait);
                done.fetch_add(1, SeqCst);
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
    });
    assert_eq!(done.load(SeqCst), TASKS);
}

#[test]
fn a_timer_registered_from_another_thread_wakes_the_parked_runtime() {
    let rt = runtime();
    let handle = rt.handle().clone();
    let done = Signal::default();
    let remote = {
        let done = done.clone();
        thread::spawn(move || {
            // Give the runtime time to park with no timer at all; the test
            // is correct (if less sharp) either way.
            thread::sleep(ms(20));
            let delay = {
                let _enter = handle.enter();
                sleep(ms(10))
            };
            let deadline = delay.deadline();
            // Registered from this thread: only the runtime's worker fires
            // it, so it must wake up for it.
            block_on_thread(delay);
            assert!(Instant::now() >= deadline);
            done.raise();
        })
    };
    rt.block_on(done.wait());
    remote.join().unwrap();
}

#[test]
fn a_task_spawned_from_another_thread_sleeps() {
    let rt = runtime();
    let handle = rt.handle().clone();
    let join = thread::spawn(move || {
        handle.spawn(async {
            let start = Instant::now();
            sleep(ms(10)).await;
            start.elapsed()
        })
    })
    .join()
    .unwrap();
    assert!(rt.block_on(join).unwrap() >= ms(10));
}

#[test]
fn a_yielding_task_does_not_starve_a_sleep() {
    runtime().block_on(async {
        let stop = Arc::new(AtomicBool::new(false));
        let spinner = zokio::spawn({
            let stop = stop.clone();
            async move {
                while !stop.load(SeqCst) {
                    zokio::task::yield_now().await;
                }
            }
        });
        let start = Instant::now();
        sleep(ms(10)).await;
        assert!(Instant::now() >= start + ms(10));
        stop.store(true, SeqCst);
        spinner.await.unwrap();
    });
}

#[test]
fn an_elapsed_sleep_polled_in_a_loop_spends_the_budget() {
    let rt = runtime();
    let forced_before = rt.metrics().budget_forced_yield_count();
    rt.block_on(async {
        let stop = Arc::new(AtomicBool::new(false));
        let (spinning_tx, spinning) = zokio::sync::oneshot::channel();
        let spinner = zokio::spawn({
            let stop = stop.clone();
            async move {
                let mut elapsed = sleep(Duration::ZERO);
                (&mut elapsed).await;
                spinning_tx.send(()).unwrap();
                // Always ready: without the budget this task would never
                // give the thread back.
                while !stop.load(SeqCst) {
                    (&mut elapsed).await;
                }
            }
        });
        // Not a timer: on a slow machine a timer could come due together
        // with the spinner's, and this task, run first, would stop the
        // spinner before it spun. Once it spins, only the budget lets this
        // task run again.
        spinning.await.unwrap();
        stop.store(true, SeqCst);
        spinner.await.unwrap();
    });
    assert!(rt.metrics().budget_forced_yield_count() > forced_before);
}

#[test]
fn a_sleep_outlives_its_runtime() {
    let rt = runtime();
    // In a tuple: a future returned from an async block reads as a mistake.
    let (mut delay,): (Sleep,) = rt.block_on(async {
        let mut delay = sleep(Duration::from_secs(3600));
        assert!(poll_once(&mut delay).await.is_pending());
        (delay,)
    });
    drop(rt);
    assert!(delay.is_elapsed());
    block_on_thread(&mut delay);
}

#[test]
#[should_panic(expected = "there is no reactor running")]
fn sleep_outside_a_runtime_panics() {
    drop(sleep(ms(1)));
}

#[test]
#[should_panic(expected = "timers are disabled")]
fn sleep_without_timers_panics() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        drop(sleep(ms(1)));
    });
}
