//! The paused test clock (`test-util`): `time::{pause, advance, resume}`,
//! `Builder::start_paused` and `#[zokio::test(start_paused = true)]`.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::runtime::{Builder, IoBackend, Runtime};
use zokio::sync::oneshot;
use zokio::time::{self, Instant};

fn paused(backend: IoBackend) -> Runtime {
    Builder::new_current_thread()
        .enable_all()
        .io_backend(backend)
        .start_paused(true)
        .build()
        .unwrap()
}

#[zokio::test(start_paused = true)]
async fn an_hour_passes_at_once_and_exactly() {
    let start = Instant::now();
    time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(start.elapsed(), Duration::from_secs(3600));
}

#[zokio::test(start_paused = true)]
async fn timers_fire_in_deadline_order_at_their_deadlines() {
    let start = Instant::now();
    let (tx, mut rx) = zokio::sync::mpsc::unbounded_channel();
    for millis in [300u64, 100, 200, 100] {
        let tx = tx.clone();
        zokio::spawn(async move {
            time::sleep(Duration::from_millis(millis)).await;
            tx.send((millis, start.elapsed())).unwrap();
        });
    }
    drop(tx);
    let mut fired = Vec::new();
    while let Some(event) = rx.recv().await {
        fired.push(event);
    }
    let ms = Duration::from_millis;
    assert_eq!(
        fired,
        [
            (100, ms(100)),
            (100, ms(100)),
            (200, ms(200)),
            (300, ms(300))
        ]
    );
}

#[zokio::test(start_paused = true)]
async fn an_interval_ticks_on_the_period() {
    let start = Instant::now();
    let mut interval = time::interval(Duration::from_secs(1));
    for _ in 0..5 {
        interval.tick().await;
    }
    assert_eq!(start.elapsed(), Duration::from_secs(4));
}

#[zokio::test(start_paused = true)]
async fn a_timeout_fires_on_a_future_that_never_completes() {
    let (_tx, rx) = oneshot::channel::<()>();
    let start = Instant::now();
    let result = time::timeout(Duration::from_secs(30), rx).await;
    assert!(result.is_err());
    assert_eq!(start.elapsed(), Duration::from_secs(30));
}

#[zokio::test]
async fn advance_moves_the_clock_and_fires_what_is_due() {
    time::pause();
    let start = Instant::now();
    let timer = zokio::spawn(time::sleep(Duration::from_secs(5)));
    time::advance(Duration::from_secs(4)).await;
    assert!(!timer.is_finished());
    assert_eq!(start.elapsed(), Duration::from_secs(4));
    time::advance(Duration::from_secs(1)).await;
    assert!(timer.is_finished());
    timer.await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_secs(5));
}

#[zokio::test(start_paused = true)]
async fn a_timer_first_polled_past_its_deadline_is_due_at_once() {
    // Not polled before the clock moves: its timer is registered only
    // after `advance`, at a tick the wheel has not been moved to yet.
    let timer = zokio::spawn(time::sleep(Duration::from_secs(5)));
    time::advance(Duration::from_secs(5)).await;
    assert!(timer.is_finished());
    // Moved back onto a deadline the clock has passed, a sleep is due too.
    let mut sleep = std::pin::pin!(time::sleep(Duration::from_secs(60)));
    assert!(futures_poll_once(sleep.as_mut()).await.is_pending());
    sleep
        .as_mut()
        .reset(Instant::now() - Duration::from_secs(1));
    assert!(futures_poll_once(sleep.as_mut()).await.is_ready());
}

/// Polls `future` once.
async fn futures_poll_once<F: std::future::Future + Unpin>(
    mut future: F,
) -> std::task::Poll<F::Output> {
    std::future::poll_fn(|cx| std::task::Poll::Ready(std::pin::Pin::new(&mut future).poll(cx)))
        .await
}

#[zokio::test]
async fn resume_goes_on_from_where_the_clock_stood() {
    time::pause();
    let start = Instant::now();
    time::advance(Duration::from_secs(10)).await;
    let advanced = Instant::now();
    time::resume();
    assert!(Instant::now() >= advanced);
    assert!(Instant::now() - start >= Duration::from_secs(10));
    // Paused again, it keeps what was skipped.
    time::pause();
    time::advance(Duration::from_secs(10)).await;
    assert!(Instant::now() - start >= Duration::from_secs(20));
    // Running, timers follow the real clock again.
    time::resume();
    time::sleep(Duration::from_millis(1)).await;
}

#[zokio::test]
#[should_panic(expected = "paused already")]
async fn pausing_twice_panics() {
    time::pause();
    time::pause();
}

#[zokio::test]
#[should_panic(expected = "not paused")]
async fn advancing_a_running_clock_panics() {
    time::advance(Duration::from_secs(1)).await;
}

#[zokio::test]
#[should_panic(expected = "not paused")]
async fn resuming_a_running_clock_panics() {
    time::resume();
}

#[zokio::test(flavor = "multi_thread", worker_threads = 2)]
#[should_panic(expected = "current-thread")]
async fn pausing_a_multi_thread_runtime_panics() {
    time::pause();
}

#[test]
fn start_paused_needs_a_current_thread_runtime_with_timers() {
    for mut builder in [Builder::new_multi_thread(), Builder::new_thread_per_core()] {
        let err = builder.enable_all().start_paused(true).build().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("current-thread"), "{err}");
    }
    let err = Builder::new_current_thread()
        .start_paused(true)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("enable_time"), "{err}");
}

/// A blocking job holds the clock: a timeout around it does not fire while
/// it runs, however long that is. The job finishes when the runtime's
/// thread is about to sleep, which it would never do if the clock could
/// move to the timeout instead.
#[test]
fn a_blocking_job_holds_auto_advance_off() {
    let (release, job_waits) = mpsc::channel::<()>();
    let release = Arc::new(Mutex::new(Some(release)));
    let rt = Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .on_thread_park(move || {
            if let Some(release) = release.lock().unwrap().take() {
                release.send(()).unwrap();
            }
        })
        .build()
        .unwrap();
    rt.block_on(async {
        let start = Instant::now();
        let job = zokio::task::spawn_blocking(move || job_waits.recv().unwrap());
        let done = time::timeout(Duration::from_secs(60), job).await;
        assert!(done.is_ok(), "the clock moved while the job ran");
        assert!(start.elapsed() < Duration::from_secs(60));
        // The job is done: the clock moves on its own again.
        time::sleep(Duration::from_secs(3600)).await;
        assert!(start.elapsed() >= Duration::from_secs(3600));
    });
}

/// Real I/O on loopback finishes inside a timeout on a paused clock: the
/// driver is polled for completions before the clock moves. On both
/// backends.
#[test]
fn loopback_io_completes_before_the_clock_moves() {
    for backend in [IoBackend::Uring, IoBackend::Poll] {
        paused(backend).block_on(async {
            let start = Instant::now();
            let echo = async {
                let listener = zokio::net::TcpListener::bind("127.0.0.1:0").await?;
                let addr = listener.local_addr()?;
                let server = zokio::spawn(async move {
                    let (mut socket, _) = listener.accept().await?;
                    let mut buf = [0u8; 64];
                    loop {
                        match socket.read(&mut buf).await? {
                            0 => return std::io::Result::Ok(()),
                            n => socket.write_all(&buf[..n]).await?,
                        }
                    }
                });
                let mut client = zokio::net::TcpStream::connect(addr).await?;
                for round in 0..10u8 {
                    client.write_all(&[round; 64]).await?;
                    let mut back = [0u8; 64];
                    client.read_exact(&mut back).await?;
                    assert_eq!(back, [round; 64]);
                }
                client.shutdown().await?;
                server.await.unwrap()
            };
            let result = time::timeout(Duration::from_secs(5), echo).await;
            assert!(matches!(result, Ok(Ok(()))), "{backend:?}: {result:?}");
            assert!(start.elapsed() < Duration::from_secs(5), "{backend:?}");
        });
    }
}

/// A sleep started before the pause still fires once the paused clock
/// reaches its deadline.
#[zokio::test]
async fn a_sleep_from_before_the_pause_fires_by_auto_advance() {
    let start = Instant::now();
    let sleep = time::sleep(Duration::from_secs(120));
    time::pause();
    sleep.await;
    assert!(start.elapsed() >= Duration::from_secs(120));
}
