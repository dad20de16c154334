//! The blocking pool: spawn_blocking, the thread cap, keep-alive, thread
//! options, shutdown, and what happens when the OS refuses a thread.
//!
//! Jobs that must stay running while the test looks at the pool wait on a
//! channel the test releases; no test waits by sleeping, and no timing is
//! asserted except "waited at least".

use std::panic::{self, AssertUnwindSafe};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use zokio::runtime::{Builder, Handle, Runtime, RuntimeFlavor};
use zokio::task::{self, JoinError, JoinHandle};

/// Long enough never to be hit by a passing test; a failing one reports
/// instead of hanging.
const PATIENCE: Duration = Duration::from_secs(30);

fn rt() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

/// Awaits a join handle on a runtime of its own (its runtime may be gone).
fn join<T>(handle: JoinHandle<T>) -> Result<T, JoinError> {
    rt().block_on(handle)
}

/// A one-shot signal between a test and a job.
fn signal() -> (Sender<()>, Receiver<()>) {
    mpsc::channel()
}

fn wait_for(rx: &Receiver<()>, what: &str) {
    rx.recv_timeout(PATIENCE)
        .unwrap_or_else(|err| panic!("waiting for {what}: {err}"));
}

/// Sets its flag when dropped.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, SeqCst);
    }
}

#[test]
fn spawn_blocking_returns_the_value() {
    let rt = rt();
    let from_task = rt.block_on(async { task::spawn_blocking(|| 6 * 7).await.unwrap() });
    assert_eq!(from_task, 42);
    assert_eq!(rt.block_on(rt.spawn_blocking(|| "rt")).unwrap(), "rt");
    let handle = rt.handle().clone();
    let remote = thread::spawn(move || handle.spawn_blocking(|| vec![1, 2, 3]))
        .join()
        .unwrap();
    assert_eq!(rt.block_on(remote).unwrap(), vec![1, 2, 3]);
}

#[test]
fn a_blocking_job_does_not_stall_the_tasks() {
    let rt = rt();
    let (release_tx, release_rx) = signal();
    rt.block_on(async move {
        let job = task::spawn_blocking(move || release_rx.recv().is_ok());
        // The task runs while the job blocks, and is what releases it.
        let releaser = zokio::spawn(async move { release_tx.send(()).unwrap() });
        releaser.await.unwrap();
        assert!(job.await.unwrap());
    });
}

#[test]
fn a_panic_is_a_join_error() {
    let rt = Builder::new_current_thread()
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let err = rt
        .block_on(rt.spawn_blocking(|| -> u32 { panic!("boom in a blocking job") }))
        .unwrap_err();
    assert!(err.is_panic());
    assert!(err.to_string().contains("boom in a blocking job"), "{err}");
    // The thread survives its job's panic and takes the next one.
    assert_eq!(rt.block_on(rt.spawn_blocking(|| 1)).unwrap(), 1);
    assert_eq!(rt.metrics().num_blocking_threads(), 1);
}

#[test]
#[should_panic(expected = "`zokio::task::spawn_blocking` failed")]
fn spawn_blocking_outside_a_runtime_panics() {
    drop(task::spawn_blocking(|| ()));
}

#[test]
fn more_jobs_than_threads_all_complete() {
    const THREADS: usize = 4;
    const JOBS: usize = 64;
    let rt = Builder::new_current_thread()
        .max_blocking_threads(THREADS)
        .build()
        .unwrap();
    // Every job reports that it started, then waits for the gate; so the
    // first `THREADS` jobs hold every thread until the gate opens.
    let gate = Arc::new((std::sync::Mutex::new(false), std::sync::Condvar::new()));
    let (started_tx, started_rx) = signal();
    let running = Arc::new(AtomicUsize::new(0));
    let most_running = Arc::new(AtomicUsize::new(0));
    let jobs: Vec<_> = (0..JOBS)
        .map(|i| {
            let gate = gate.clone();
            let started_tx = started_tx.clone();
            let running = running.clone();
            let most_running = most_running.clone();
            rt.spawn_blocking(move || {
                let now = running.fetch_add(1, SeqCst) + 1;
                most_running.fetch_max(now, SeqCst);
                started_tx.send(()).unwrap();
                let (open, cond) = &*gate;
                let mut open = open.lock().unwrap();
                while !*open {
                    open = cond.wait(open).unwrap();
                }
                drop(open);
                running.fetch_sub(1, SeqCst);
                i
            })
        })
        .collect();
    for _ in 0..THREADS {
        wait_for(&started_rx, "a job to start");
    }
    let metrics = rt.metrics();
    assert_eq!(metrics.num_blocking_threads(), THREADS);
    assert_eq!(metrics.num_idle_blocking_threads(), 0);
    assert_eq!(metrics.blocking_queue_depth(), JOBS - THREADS);

    *gate.0.lock().unwrap() = true;
    gate.1.notify_all();
    let sum: usize = rt.block_on(async move {
        let mut sum = 0;
        for job in jobs {
            sum += job.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, JOBS * (JOBS - 1) / 2);
    assert!(most_running.load(SeqCst) <= THREADS);
    assert!(metrics.num_blocking_threads() <= THREADS);
    assert_eq!(metrics.blocking_queue_depth(), 0);
}

#[test]
fn idle_threads_exit_after_keep_alive() {
    let (stopped_tx, stopped_rx) = signal();
    let started = Arc::new(AtomicUsize::new(0));
    let counter = started.clone();
    let rt = Builder::new_current_thread()
        .thread_keep_alive(Duration::from_millis(20))
        .on_thread_start(move || {
            counter.fetch_add(1, SeqCst);
        })
        .on_thread_stop(move || {
            let _ = stopped_tx.send(());
        })
        .build()
        .unwrap();
    rt.block_on(rt.spawn_blocking(|| ())).unwrap();
    wait_for(&stopped_rx, "the idle thread to exit");
    assert_eq!(rt.metrics().num_blocking_threads(), 0);
    assert_eq!(rt.metrics().num_idle_blocking_threads(), 0);
    // A later job starts a new thread.
    assert_eq!(rt.block_on(rt.spawn_blocking(|| 5)).unwrap(), 5);
    assert_eq!(started.load(SeqCst), 2);
}

#[test]
fn an_idle_thread_is_woken_for_the_next_job() {
    // With a cap of one, each job finds the thread idle (woken from its
    // wait) or about to be (queued behind its last job): none is lost.
    let rt = Builder::new_current_thread()
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let first = rt
        .block_on(rt.spawn_blocking(|| thread::current().id()))
        .unwrap();
    for _ in 0..100 {
        let next = rt
            .block_on(rt.spawn_blocking(|| thread::current().id()))
            .unwrap();
        assert_eq!(next, first);
    }
    assert_eq!(rt.metrics().num_blocking_threads(), 1);
}

#[test]
fn thread_options_are_applied() {
    let started = Arc::new(AtomicUsize::new(0));
    let stopped = Arc::new(AtomicUsize::new(0));
    let (on_start, on_stop) = (started.clone(), stopped.clone());
    let rt = Builder::new_current_thread()
        .thread_name("blocking-test")
        .thread_stack_size(256 * 1024)
        .on_thread_start(move || {
            // The callbacks run inside the runtime's context.
            assert!(Handle::try_current().is_ok());
            on_start.fetch_add(1, SeqCst);
        })
        .on_thread_stop(move || {
            on_stop.fetch_add(1, SeqCst);
        })
        .build()
        .unwrap();
    let name = rt.spawn_blocking(|| thread::current().name().map(String::from));
    assert_eq!(rt.block_on(name).unwrap().as_deref(), Some("blocking-test"));
    assert_eq!(started.load(SeqCst), 1);
    // Dropping the runtime waits for the thread, stop callback included.
    drop(rt);
    assert_eq!(stopped.load(SeqCst), 1);

    let rt = Builder::new_current_thread()
        .thread_name_fn(|| "named-by-fn".to_string())
        .build()
        .unwrap();
    let name = rt.spawn_blocking(|| thread::current().name().map(String::from));
    assert_eq!(rt.block_on(name).unwrap().as_deref(), Some("named-by-fn"));

    let rt = Builder::new_current_thread().build().unwrap();
    let name = rt.spawn_blocking(|| thread::current().name().map(String::from));
    assert_eq!(
        rt.block_on(name).unwrap().as_deref(),
        Some("zokio-runtime-worker")
    );
}

#[test]
fn a_panicking_thread_callback_does_not_break_the_pool() {
    let rt = Builder::new_current_thread()
        .thread_name_fn(|| panic!("thread_name_fn panics"))
        .on_thread_start(|| panic!("on_thread_start panics"))
        .on_thread_stop(|| panic!("on_thread_stop panics"))
        .build()
        .unwrap();
    let name = rt.spawn_blocking(|| thread::current().name().map(String::from));
    assert_eq!(
        rt.block_on(name).unwrap().as_deref(),
        Some("zokio-runtime-worker")
    );
    rt.shutdown_timeout(PATIENCE);
}

#[test]
fn the_runtime_context_is_entered_in_a_blocking_job() {
    let rt = rt();
    let (flavor, spawned) = rt
        .block_on(rt.spawn_blocking(|| {
            let flavor = Handle::current().runtime_flavor();
            // Both ways of spawning a task work from the job.
            let a = zokio::spawn(async { 20 });
            let b = Handle::current().spawn(async { 22 });
            (flavor, (a, b))
        }))
        .unwrap();
    assert_eq!(flavor, RuntimeFlavor::CurrentThread);
    let (a, b) = spawned;
    assert_eq!(
        rt.block_on(async { a.await.unwrap() + b.await.unwrap() }),
        42
    );
    // And the job can spawn blocking work of its own.
    let nested = rt.spawn_blocking(|| task::spawn_blocking(|| 7));
    let inner = rt.block_on(nested).unwrap();
    assert_eq!(rt.block_on(inner).unwrap(), 7);
}

#[test]
fn task_id_is_set_in_a_blocking_job() {
    let rt = rt();
    let job = rt.spawn_blocking(task::id);
    let id = job.id();
    assert_eq!(rt.block_on(job).unwrap(), id);
}

#[test]
fn shutdown_timeout_waits_for_a_running_job() {
    let stopped = Arc::new(AtomicUsize::new(0));
    let on_stop = stopped.clone();
    let rt = Builder::new_current_thread()
        .on_thread_stop(move || {
            on_stop.fetch_add(1, SeqCst);
        })
        .build()
        .unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let (started_tx, started_rx) = signal();
    let flag = done.clone();
    let job = rt.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        thread::sleep(Duration::from_millis(50));
        flag.store(true, SeqCst);
    });
    wait_for(&started_rx, "the job to start");
    rt.shutdown_timeout(PATIENCE);
    assert!(
        done.load(SeqCst),
        "shutdown_timeout returned before the job"
    );
    assert_eq!(stopped.load(SeqCst), 1);
    join(job).unwrap();
}

#[test]
fn shutdown_timeout_gives_up_after_the_timeout() {
    let rt = rt();
    let (started_tx, started_rx) = signal();
    let (release_tx, release_rx) = signal();
    let (done_tx, done_rx) = signal();
    let job = rt.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        release_rx.recv().unwrap();
        done_tx.send(()).unwrap();
        "finished after the shutdown"
    });
    wait_for(&started_rx, "the job to start");
    let timeout = Duration::from_millis(100);
    let began = Instant::now();
    rt.shutdown_timeout(timeout);
    assert!(began.elapsed() >= timeout);
    assert!(done_rx.try_recv().is_err(), "the job finished by itself");
    release_tx.send(()).unwrap();
    wait_for(&done_rx, "the job to finish");
    assert_eq!(join(job).unwrap(), "finished after the shutdown");
}

#[test]
fn shutdown_background_does_not_wait() {
    let rt = rt();
    let (started_tx, started_rx) = signal();
    let (release_tx, release_rx) = signal();
    let job = rt.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        release_rx.recv_timeout(PATIENCE).is_ok()
    });
    wait_for(&started_rx, "the job to start");
    // Had it waited, the job would time out and report `false`.
    rt.shutdown_background();
    release_tx.send(()).unwrap();
    assert!(join(job).unwrap());
}

#[test]
fn queued_jobs_are_cancelled_at_shutdown() {
    let rt = Builder::new_current_thread()
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let (started_tx, started_rx) = signal();
    let (release_tx, release_rx) = signal();
    let running = rt.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        release_rx.recv().unwrap();
        1
    });
    wait_for(&started_rx, "the job to start");
    let ran = Arc::new(AtomicUsize::new(0));
    let dropped: Vec<_> = (0..4).map(|_| Arc::new(AtomicBool::new(false))).collect();
    let queued: Vec<_> = dropped
        .iter()
        .map(|flag| {
            let ran = ran.clone();
            let guard = DropFlag(flag.clone());
            rt.spawn_blocking(move || {
                let _guard = guard;
                ran.fetch_add(1, SeqCst);
            })
        })
        .collect();
    assert_eq!(rt.metrics().blocking_queue_depth(), 4);
    rt.shutdown_background();
    // The queued closures were dropped unrun by the shutdown.
    assert!(dropped.iter().all(|flag| flag.load(SeqCst)));
    release_tx.send(()).unwrap();
    assert_eq!(join(running).unwrap(), 1);
    for job in queued {
        assert!(join(job).unwrap_err().is_cancelled());
    }
    assert_eq!(ran.load(SeqCst), 0);
}

#[test]
fn spawn_blocking_after_shutdown_is_cancelled() {
    let rt = rt();
    let handle = rt.handle().clone();
    drop(rt);
    let dropped = Arc::new(AtomicBool::new(false));
    let guard = DropFlag(dropped.clone());
    let job = handle.spawn_blocking(move || drop(guard));
    assert!(dropped.load(SeqCst));
    assert!(join(job).unwrap_err().is_cancelled());
    assert_eq!(handle.metrics().num_blocking_threads(), 0);
}

#[test]
fn abort_cancels_a_job_only_before_it_starts() {
    let rt = Builder::new_current_thread()
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let (started_tx, started_rx) = signal();
    let (release_tx, release_rx) = signal();
    let running = rt.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        release_rx.recv().unwrap();
        "ran to the end"
    });
    wait_for(&started_rx, "the job to start");
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    let queued = rt.spawn_blocking(move || flag.store(true, SeqCst));
    queued.abort();
    running.abort();
    release_tx.send(()).unwrap();
    assert_eq!(rt.block_on(running).unwrap(), "ran to the end");
    assert!(rt.block_on(queued).unwrap_err().is_cancelled());
    assert!(!ran.load(SeqCst));
}

#[test]
fn dropping_the_runtime_in_its_own_blocking_job_does_not_deadlock() {
    let rt = rt();
    let (rt_tx, rt_rx) = mpsc::channel::<Runtime>();
    let job = rt.spawn_blocking(move || {
        let rt = rt_rx.recv().unwrap();
        drop(rt);
        "dropped"
    });
    rt_tx.send(rt).unwrap();
    assert_eq!(join(job).unwrap(), "dropped");
}

#[test]
fn dropping_a_runtime_in_a_task_does_not_wait_for_its_blocking_jobs() {
    let inner = rt();
    let (started_tx, started_rx) = signal();
    let (release_tx, release_rx) = signal();
    let job = inner.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        release_rx.recv_timeout(PATIENCE).is_ok()
    });
    wait_for(&started_rx, "the job to start");
    // Waiting here would block the outer runtime's thread; had it waited,
    // the job would time out and report `false`.
    rt().block_on(async move { drop(inner) });
    release_tx.send(()).unwrap();
    assert!(join(job).unwrap());
}

/// Thread refusal, in a child process: the parent re-runs this test with
/// `ZOKIO_CHILD` set and checks what the child reports.
///
/// The child makes the OS refuse new threads with `RLIMIT_NPROC = 0`. The
/// kernel ignores that limit for a process with `CAP_SYS_RESOURCE` or
/// `CAP_SYS_ADMIN`, so a child running as root first drops to the `nobody`
/// user (uid and gid 65534), which drops those capabilities.
#[test]
fn refused_threads_panic_clearly_and_lose_no_job() {
    if std::env::var_os("ZOKIO_CHILD").is_some() {
        refusal_child();
        return;
    }
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "refused_threads_panic_clearly_and_lose_no_job",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ZOKIO_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the child failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(
        stdout.contains("child: the queued jobs ran on the one thread"),
        "{stdout}"
    );
    assert!(
        stdout.contains("child: refused: OS can't spawn a thread for the blocking pool"),
        "{stdout}"
    );
    assert!(stdout.contains("child: recovered"), "{stdout}");
}

fn refusal_child() {
    drop_root();

    // With one thread in the pool, a refused thread only queues the job.
    let rt = Builder::new_current_thread()
        .max_blocking_threads(8)
        .build()
        .unwrap();
    let (started_tx, started_rx) = signal();
    let (release_tx, release_rx) = signal();
    let first = rt.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        release_rx.recv().unwrap();
        0
    });
    wait_for(&started_rx, "the first job to start");
    let limit = set_nproc_limit(0);
    let rest: Vec<_> = (1..=5).map(|i| rt.spawn_blocking(move || i)).collect();
    assert_eq!(rt.metrics().num_blocking_threads(), 1);
    assert_eq!(rt.metrics().blocking_queue_depth(), 5);
    release_tx.send(()).unwrap();
    let sum = rt.block_on(async move {
        let mut sum = first.await.unwrap();
        for job in rest {
            sum += job.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, 15);
    println!("child: the queued jobs ran on the one thread");
    drop(rt);

    // With none, the spawn panics, naming the OS error, and drops the job.
    let rt = Builder::new_current_thread().build().unwrap();
    let dropped = Arc::new(AtomicBool::new(false));
    let guard = DropFlag(dropped.clone());
    let payload = panic::catch_unwind(AssertUnwindSafe(|| {
        rt.spawn_blocking(move || drop(guard));
    }))
    .unwrap_err();
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains("OS can't spawn a thread for the blocking pool"),
        "{message}"
    );
    assert!(message.contains("os error"), "no OS error in: {message}");
    assert!(dropped.load(SeqCst));
    assert_eq!(rt.metrics().num_blocking_threads(), 0);
    assert_eq!(rt.metrics().blocking_queue_depth(), 0);
    println!("child: refused: {message}");

    // The runtime is consistent: once threads may start again, it works.
    restore_nproc_limit(limit);
    assert_eq!(rt.block_on(rt.spawn_blocking(|| 2)).unwrap(), 2);
    println!("child: recovered");
}

/// Switches a root process to the `nobody` user, so that `RLIMIT_NPROC`
/// applies to it.
fn drop_root() {
    // SAFETY: plain system calls with no pointer arguments.
    unsafe {
        if libc::geteuid() != 0 {
            return;
        }
        assert_eq!(
            libc::setgid(65534),
            0,
            "setgid: {}",
            std::io::Error::last_os_error()
        );
        assert_eq!(
            libc::setuid(65534),
            0,
            "setuid: {}",
            std::io::Error::last_os_error()
        );
    }
}

/// Sets the soft `RLIMIT_NPROC`; returns the previous limits.
fn set_nproc_limit(soft: libc::rlim_t) -> libc::rlimit {
    let mut old = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `old` is a valid `rlimit` to write to.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NPROC, &mut old) }, 0);
    let new = libc::rlimit {
        rlim_cur: soft,
        rlim_max: old.rlim_max,
    };
    // SAFETY: `new` is a valid `rlimit` to read.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NPROC, &new) }, 0);
    old
}

fn restore_nproc_limit(limit: libc::rlimit) {
    // SAFETY: `limit` is a valid `rlimit` to read.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NPROC, &limit) }, 0);
}
