//! `#[zokio::test]` and `#[zokio::main]` as users write them.

use std::io;
use std::num::ParseIntError;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use zokio::runtime::{Handle, RuntimeFlavor};
use zokio::sync::oneshot;

#[zokio::test]
async fn plain_test_runs_on_a_runtime() {
    assert_eq!(
        Handle::current().runtime_flavor(),
        RuntimeFlavor::CurrentThread
    );
    let answer = zokio::spawn(async { 6 * 7 }).await.unwrap();
    assert_eq!(answer, 42);
}

#[zokio::test(flavor = "current_thread")]
async fn current_thread_flavor() {
    let (tx, rx) = oneshot::channel();
    zokio::spawn(async move { tx.send("hi").unwrap() });
    assert_eq!(rx.await, Ok("hi"));
}

#[zokio::test]
async fn returns_result_and_uses_question_mark() -> Result<(), ParseIntError> {
    let n: u32 = "12".parse()?;
    assert_eq!(n, 12);
    Ok(())
}

#[zokio::test]
async fn returns_a_boxed_error() -> Result<(), Box<dyn std::error::Error>> {
    let (tx, rx) = oneshot::channel();
    tx.send(1u8).unwrap();
    let value = rx.await?;
    assert_eq!(value, 1);
    Ok(())
}

#[zokio::test]
#[should_panic(expected = "boom")]
async fn other_attributes_are_kept() {
    zokio::task::yield_now().await;
    panic!("boom");
}

#[zokio::test]
async fn timers_are_enabled() {
    zokio::time::sleep(Duration::from_millis(1)).await;
}

#[zokio::test(crate = "zokio")]
async fn crate_argument() {}

mod renamed {
    use zokio as zk;

    #[zk::test(crate = "zk")]
    async fn through_a_renamed_crate() {
        zk::task::yield_now().await;
    }
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_thread_flavor_with_two_workers() {
    let handle = Handle::current();
    assert_eq!(handle.runtime_flavor(), RuntimeFlavor::MultiThread);
    assert_eq!(handle.metrics().num_workers(), 2);

    let ran = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let ran = Arc::clone(&ran);
            zokio::spawn(async move {
                zokio::task::yield_now().await;
                ran.fetch_add(1, Ordering::SeqCst);
                (i, thread::current().id())
            })
        })
        .collect();
    let mut ids = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        let (n, id) = task.await.unwrap();
        assert_eq!(n, i);
        ids.push(id);
    }
    assert_eq!(ran.load(Ordering::SeqCst), 32);
    // Spawned tasks run on the workers, not on the thread blocking on the
    // test body.
    let test_thread = thread::current().id();
    assert!(ids.iter().all(|id| *id != test_thread));
}

/// Blocks until `count` threads have arrived, or `timeout` passes; whether
/// they all arrived.
fn rendezvous(arrived: &(Mutex<usize>, Condvar), count: usize, timeout: Duration) -> bool {
    let (lock, cvar) = arrived;
    let mut n = lock.lock().unwrap();
    *n += 1;
    cvar.notify_all();
    let (n, _) = cvar.wait_timeout_while(n, timeout, |n| *n < count).unwrap();
    *n >= count
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_thread_tasks_run_in_parallel() {
    // Two tasks that each block their thread until the other arrives: both
    // arrive only if they run at once, on the two workers. Bounded, so a
    // failure fails rather than hangs.
    let arrived = Arc::new((Mutex::new(0), Condvar::new()));
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let arrived = Arc::clone(&arrived);
            zokio::spawn(async move { rendezvous(&arrived, 2, Duration::from_secs(10)) })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap(), "the two tasks did not run in parallel");
    }
}

#[zokio::test(flavor = "multi_thread")]
async fn multi_thread_flavor_defaults_to_one_worker_per_core() {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(Handle::current().metrics().num_workers(), cores);
    let (tx, rx) = oneshot::channel();
    zokio::spawn(async move { tx.send(7).unwrap() });
    assert_eq!(rx.await, Ok(7));
}

#[zokio::test(flavor = "thread_per_core", worker_threads = 2)]
async fn thread_per_core_flavor() {
    let handle = Handle::current();
    assert_eq!(handle.runtime_flavor(), RuntimeFlavor::ThreadPerCore);
    assert_eq!(handle.metrics().num_workers(), 2);

    let ran = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let ran = Arc::clone(&ran);
            zokio::spawn(async move {
                zokio::task::yield_now().await;
                ran.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(ran.load(Ordering::SeqCst), 8);
}

#[zokio::test(flavor = "thread_per_core")]
async fn thread_per_core_flavor_without_worker_count() {
    assert_eq!(
        Handle::current().runtime_flavor(),
        RuntimeFlavor::ThreadPerCore
    );
    assert_eq!(zokio::spawn(async { 6 * 7 }).await.unwrap(), 42);
}

/// A `#[zokio::main]` function that is not `main`: callable from sync code.
#[zokio::main]
async fn sum_on_a_runtime(a: u64, b: u64) -> u64 {
    zokio::spawn(async move { a + b }).await.unwrap()
}

/// `main` defaults to the multi-thread flavor, as with Tokio.
#[zokio::main]
async fn default_main_flavor() -> RuntimeFlavor {
    Handle::current().runtime_flavor()
}

#[zokio::main(worker_threads = 3)]
async fn default_main_flavor_with_workers() -> (RuntimeFlavor, usize) {
    let handle = Handle::current();
    let ran = zokio::spawn(async { true }).await.unwrap();
    assert!(ran);
    (handle.runtime_flavor(), handle.metrics().num_workers())
}

#[zokio::main(flavor = "thread_per_core", worker_threads = 2)]
async fn main_on_thread_per_core() -> (RuntimeFlavor, usize) {
    let handle = Handle::current();
    (handle.runtime_flavor(), handle.metrics().num_workers())
}

#[zokio::main(flavor = "current_thread")]
async fn fallible(input: &str) -> io::Result<u32> {
    let n = input
        .parse::<u32>()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    Ok(n * 2)
}

#[test]
fn main_attribute_builds_a_runtime() {
    assert_eq!(sum_on_a_runtime(20, 22), 42);
    assert_eq!(fallible("21").unwrap(), 42);
    assert_eq!(
        fallible("x").unwrap_err().kind(),
        io::ErrorKind::InvalidInput
    );
}

#[test]
fn main_attribute_flavors() {
    assert_eq!(default_main_flavor(), RuntimeFlavor::MultiThread);
    assert_eq!(
        default_main_flavor_with_workers(),
        (RuntimeFlavor::MultiThread, 3)
    );
    assert_eq!(main_on_thread_per_core(), (RuntimeFlavor::ThreadPerCore, 2));
}
