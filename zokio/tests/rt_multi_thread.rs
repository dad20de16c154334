//! The multi-thread scheduler: fairness, idleness, stealing, metrics.

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::thread::{self, ThreadId};
use std::time::Duration;

use zokio::runtime::{Builder, Config, RuntimeFlavor};
use zokio::sync::oneshot;
use zokio::task;

#[test]
fn default_worker_count_is_available_parallelism() {
    let rt = Builder::new_multi_thread().build().unwrap();
    let cores = std::thread::available_parallelism().unwrap().get();
    assert_eq!(rt.metrics().num_workers(), cores);
    assert_eq!(rt.handle().runtime_flavor(), RuntimeFlavor::MultiThread);
}

#[test]
fn const_config_builds_a_multi_thread_runtime() {
    const CONFIG: Config = Config::new_multi_thread()
        .worker_threads(3)
        .local_queue_capacity(64)
        .enable_all()
        .validate();
    let rt = Builder::from_config(CONFIG).build().unwrap();
    assert_eq!(rt.metrics().num_workers(), 3);
    let sum = rt.block_on(async {
        let hs: Vec<_> = (0..1000u64)
            .map(|i| zokio::spawn(async move { i }))
            .collect();
        let mut sum = 0;
        for h in hs {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, 999 * 1000 / 2);
}

/// A task that yields in a loop must not keep a woken task waiting for more
/// than a bounded number of its polls.
///
/// The yielding tasks count their polls per worker thread, and the delay is
/// counted on the thread that runs the woken task: a worker the OS sets
/// aside (a slow or busy machine) counts nothing meanwhile, however long
/// the other one spins.
#[test]
fn a_yielding_task_does_not_starve_a_woken_one() {
    /// Polls of the yielding tasks, by the worker thread they ran on.
    #[derive(Default)]
    struct Spins(Mutex<HashMap<ThreadId, u64>>);

    impl Spins {
        fn add(&self) {
            *lock(&self.0).entry(thread::current().id()).or_default() += 1;
        }

        fn on(&self, worker: ThreadId) -> u64 {
            lock(&self.0).get(&worker).copied().unwrap_or(0)
        }

        fn snapshot(&self) -> HashMap<ThreadId, u64> {
            lock(&self.0).clone()
        }
    }

    fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        m.lock().unwrap()
    }

    for workers in [1, 2] {
        let rt = support::multi_thread(workers);
        let spins = Arc::new(Spins::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (started_tx, started_rx) = mpsc::channel();
        let hogs: Vec<_> = (0..workers)
            .map(|_| {
                let (spins, stop, started_tx) = (spins.clone(), stop.clone(), started_tx.clone());
                rt.spawn(async move {
                    started_tx.send(()).unwrap();
                    while !stop.load(SeqCst) {
                        spins.add();
                        task::yield_now().await;
                    }
                })
            })
            .collect();
        for _ in 0..workers {
            started_rx.recv().unwrap();
        }
        for _ in 0..20 {
            let (tx, rx) = oneshot::channel::<()>();
            let (parked_tx, parked_rx) = mpsc::channel();
            let s = spins.clone();
            let waiter = rt.spawn(async move {
                // Parks on its channel in this same poll.
                parked_tx.send(()).unwrap();
                rx.await.unwrap();
                let me = thread::current().id();
                (me, s.on(me))
            });
            parked_rx.recv().unwrap();
            tx.send(()).unwrap();
            // Read after the send: time this thread loses between the two
            // is not charged to the runtime.
            let sent_at = spins.snapshot();
            let (worker, ran_at) = rt.block_on(waiter).unwrap();
            let delay = ran_at.saturating_sub(sent_at.get(&worker).copied().unwrap_or(0));
            assert!(
                delay <= 256,
                "woken task waited {delay} polls of the yielding task"
            );
        }
        stop.store(true, SeqCst);
        for h in hogs {
            rt.block_on(h).unwrap();
        }
    }
}

#[test]
fn an_idle_runtime_does_not_wake_up() {
    // The park hooks run after a worker has published its counters and
    // right before it sleeps: a worker counts as asleep from the first to
    // the second.
    let asleep = Arc::new((Mutex::new(0usize), Condvar::new()));
    let rt = {
        let (on_park, on_unpark) = (asleep.clone(), asleep.clone());
        Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .on_thread_park(move || {
                *on_park.0.lock().unwrap() += 1;
                on_park.1.notify_all();
            })
            .on_thread_unpark(move || {
                *on_unpark.0.lock().unwrap() -= 1;
                on_unpark.1.notify_all();
            })
            .build()
            .unwrap()
    };
    // Let the workers settle into their parked state. A worker that
    // parked while the task ran on the other looks once more 10 ms later
    // (to catch a worker stuck in a task: see the stuck-worker tests
    // below), then sleeps with no deadline; 100 ms covers that.
    rt.block_on(async {
        zokio::spawn(async {}).await.unwrap();
    });
    std::thread::sleep(Duration::from_millis(100));
    let m = rt.metrics();
    let settle = |m: &zokio::runtime::RuntimeMetrics| {
        (0..m.num_workers())
            .map(|w| m.worker_park_count(w))
            .sum::<u64>()
    };
    // Wait until both workers are parked: listed as parked (no wake-up is
    // on its way to either) and, looked at after that, asleep (so their
    // counters are published). A worker counted as parked a moment before
    // it publishes would otherwise show one more park later.
    // A worker taken off the list while asleep wakes, and its hooks say
    // so: each change of the count is a time to look again.
    {
        let (count, changed) = &*asleep;
        let mut count = count.lock().unwrap();
        while !(*count == 2 && m.num_parked_workers() == 2) {
            count = changed.wait(count).unwrap();
        }
    }
    let parks_before = settle(&m);
    let wakeups_before = m.wakeup_count();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(m.num_parked_workers(), 2);
    assert_eq!(
        wakeups_before,
        m.wakeup_count(),
        "the driver was woken while idle"
    );
    assert_eq!(parks_before, settle(&m), "a worker woke up while idle");
}

#[test]
fn work_spreads_over_workers_and_metrics_add_up() {
    let rt = support::multi_thread(2);
    let n = 20_000u64;
    let sum = rt.block_on(async move {
        zokio::spawn(async move {
            let hs: Vec<_> = (0..n)
                .map(|i| {
                    zokio::spawn(async move {
                        task::yield_now().await;
                        i
                    })
                })
                .collect();
            let mut sum = 0;
            for h in hs {
                sum += h.await.unwrap();
            }
            sum
        })
        .await
        .unwrap()
    });
    assert_eq!(sum, n * (n - 1) / 2);
    drop(rt.metrics());
    let m = rt.metrics();
    assert_eq!(m.spawned_tasks_count(), n + 1);
    // Each task is polled at least twice (it yields once); counters are
    // published by the workers now and then, so read them after shutdown.
    let polls_handle = m.clone();
    drop(rt);
    let polls: u64 = (0..2).map(|w| polls_handle.worker_poll_count(w)).sum();
    assert!(polls >= 2 * n, "{polls} polls for {n} tasks");
}

#[test]
fn spawn_after_shutdown_is_cancelled_and_destructors_run() {
    struct Flag(Arc<AtomicBool>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.store(true, SeqCst);
        }
    }
    let rt = support::multi_thread(2);
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = Flag(dropped.clone());
    let pending = rt.spawn(async move {
        let _flag = flag;
        std::future::pending::<()>().await;
    });
    let handle = rt.handle().clone();
    drop(rt);
    assert!(dropped.load(SeqCst));
    assert!(pending.is_finished());
    let late = handle.spawn(async { 1 });
    let other = support::current_thread();
    assert!(other.block_on(late).unwrap_err().is_cancelled());
    assert!(other.block_on(pending).unwrap_err().is_cancelled());
}

#[test]
fn block_in_place_keeps_other_tasks_running() {
    let rt = support::multi_thread(2);
    let out = rt.block_on(async {
        let (tx, rx) = std::sync::mpsc::channel::<u32>();
        // This task blocks its thread until another task answers; with the
        // worker handed off, the other task still runs.
        let blocker = zokio::spawn(async move { task::block_in_place(move || rx.recv().unwrap()) });
        let answer = zokio::spawn(async move {
            tx.send(41).unwrap();
        });
        answer.await.unwrap();
        blocker.await.unwrap() + 1
    });
    assert_eq!(out, 42);
    // The runtime still works after the hand-off, on both workers.
    let sum = rt.block_on(async {
        let hs: Vec<_> = (0..100u32)
            .map(|i| zokio::spawn(async move { i }))
            .collect();
        let mut sum = 0;
        for h in hs {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, 4950);
}

#[test]
fn block_in_place_many_times_in_a_row() {
    let rt = support::multi_thread(2);
    let n = rt.block_on(async {
        let hs: Vec<_> = (0..50)
            .map(|i| zokio::spawn(async move { task::block_in_place(|| i) }))
            .collect();
        let mut n = 0;
        for h in hs {
            n += h.await.unwrap();
        }
        n
    });
    assert_eq!(n, 49 * 50 / 2);
}

#[test]
fn block_in_place_panics_on_current_thread_and_runs_outside_a_runtime() {
    assert_eq!(task::block_in_place(|| 3), 3);
    let rt = support::current_thread();
    let err = rt
        .block_on(async { zokio::spawn(async { task::block_in_place(|| ()) }).await })
        .unwrap_err();
    assert!(err.is_panic());
}

/// A stream's writer and reader on one worker take turns (the writer fills
/// the socket, then the reader drains it, each in one long poll); the
/// scheduler hands one of them to the idle worker so that the two overlap.
/// The split holds: each task's I/O then goes to its own worker. Checked
/// by the threads the two tasks end on, on both I/O backends.
#[test]
fn a_stream_writer_and_its_reader_end_on_two_workers() {
    use zokio::io::{AsyncReadExt, AsyncWriteExt};
    use zokio::runtime::IoBackend;

    const CHUNK: usize = 64 * 1024;
    const CHUNKS: usize = 512; // 32 MiB
    for backend in [IoBackend::Uring, IoBackend::Poll] {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .io_backend(backend)
            .build()
            .unwrap();
        let handle = rt.handle().clone();
        let (received, writer_thread, reader_thread) = rt.block_on(async move {
            zokio::spawn(async move {
                let listener = zokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let writer = handle.spawn(async move {
                    let (mut socket, _) = listener.accept().await.unwrap();
                    let chunk: Vec<u8> = (0..CHUNK).map(|i| i as u8).collect();
                    for _ in 0..CHUNKS {
                        socket.write_all(&chunk).await.unwrap();
                    }
                    socket.shutdown().await.unwrap();
                    thread::current().id()
                });
                let mut socket = zokio::net::TcpStream::connect(addr).await.unwrap();
                let mut buf = vec![0u8; CHUNK];
                let mut received = 0usize;
                loop {
                    let n = socket.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    for (k, &b) in buf[..n].iter().enumerate() {
                        assert_eq!(b, ((received + k) % CHUNK) as u8);
                    }
                    received += n;
                }
                let reader_thread = thread::current().id();
                (received, writer.await.unwrap(), reader_thread)
            })
            .await
            .unwrap()
        });
        assert_eq!(received, CHUNK * CHUNKS);
        assert_ne!(
            writer_thread, reader_thread,
            "{backend:?}: the writer and the reader ended on one worker"
        );
    }
}

/// How a task keeps its worker from its driver.
#[derive(Clone, Copy, Debug)]
enum Stuck {
    /// In a blocking call.
    Blocking,
    /// Computing.
    Computing,
}

/// A task that keeps its worker busy does not stall the sockets that
/// worker's I/O driver serves: the idle worker delivers their I/O. The task
/// makes a connected pair on its worker and makes a first round trip on it
/// there (so that worker's driver serves the pair and has started its
/// reads), hands both ends to the test, and stays `stuck` until the test is
/// done with them; the test's round trips over the pair, from outside the
/// workers, then go through the stuck worker's driver. Without the other
/// worker's help they would wait until the task gives up (30 s), and it
/// would report that. Both backends (`ZOKIO_TEST_RUNTIMES` picks).
fn a_stuck_worker_does_not_stall_its_sockets(stuck: Stuck) {
    use zokio::io::{AsyncReadExt, AsyncWriteExt};
    use zokio::net::{TcpListener, TcpStream};

    const GIVE_UP: Duration = Duration::from_secs(30);
    for (label, rt) in support::io_runtimes().filter(|(label, _)| label.ends_with("/mt")) {
        let (pair_tx, pair_rx) = mpsc::channel();
        let done = Arc::new((Mutex::new(false), Condvar::new()));
        let is_done = done.clone();
        let task = rt.spawn(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let (client, accepted) = zokio::join!(TcpStream::connect(addr), listener.accept());
            let (mut client, (mut server, _)) = (client.unwrap(), accepted.unwrap());
            client.write_all(b"first").await.unwrap();
            let mut first = [0u8; 5];
            server.read_exact(&mut first).await.unwrap();
            pair_tx.send((client, server)).unwrap();
            let (flag, changed) = &*is_done;
            match stuck {
                Stuck::Blocking => {
                    let flag = flag.lock().unwrap();
                    *changed
                        .wait_timeout_while(flag, GIVE_UP, |done| !*done)
                        .unwrap()
                        .0
                }
                Stuck::Computing => {
                    let start = std::time::Instant::now();
                    let mut x = 1u64;
                    while !*flag.lock().unwrap() {
                        if start.elapsed() > GIVE_UP {
                            return false;
                        }
                        x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                    }
                    std::hint::black_box(x);
                    true
                }
            }
        });
        let (mut client, mut server) = pair_rx.recv().unwrap();
        rt.block_on(async {
            for i in 0..20u8 {
                client.write_all(&[i; 8]).await.unwrap();
                let mut buf = [0u8; 8];
                server.read_exact(&mut buf).await.unwrap();
                assert_eq!(buf, [i; 8]);
                server.write_all(&buf).await.unwrap();
                client.read_exact(&mut buf).await.unwrap();
                assert_eq!(buf, [i; 8]);
            }
        });
        *done.0.lock().unwrap() = true;
        done.1.notify_all();
        assert!(
            rt.block_on(task).unwrap(),
            "{label}, {stuck:?}: the round trips waited for the stuck worker"
        );
    }
}

#[test]
fn a_worker_blocked_in_a_task_does_not_stall_its_sockets() {
    a_stuck_worker_does_not_stall_its_sockets(Stuck::Blocking);
}

#[test]
fn a_worker_computing_in_a_task_does_not_stall_its_sockets() {
    a_stuck_worker_does_not_stall_its_sockets(Stuck::Computing);
}
