//! Signals raised at the test process, on both I/O backends and on the
//! current-thread and multi-thread schedulers.
//!
//! Each test listens for a signal of its own, and the tests take turns
//! ([`one_at_a_time`]): every listener in the process drains the one
//! self-pipe and delivers whatever is pending, so another test's listener
//! could deliver this test's signal between two of its raises.

use std::future::Future;
use std::io::ErrorKind;
use std::task::Poll;
use std::time::Duration;

use zokio::signal::unix::{signal, SignalKind};

mod support;
use support::each_backend;

/// Held for the whole of a test.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Sends `signum` to the calling thread: its handler has run when this
/// returns.
fn raise(signum: libc::c_int) {
    // SAFETY: `raise` with a signal this process handles.
    let rc = unsafe { libc::raise(signum) };
    assert_eq!(rc, 0, "raise: {}", std::io::Error::last_os_error());
}

/// Sends `signum` to the process: any thread may run its handler, later.
fn kill(signum: libc::c_int) {
    // SAFETY: `kill` on our own process id with a signal we handle.
    let rc = unsafe { libc::kill(libc::getpid(), signum) };
    assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
}

/// Whether `recv` stays pending for a while: nothing arrived.
async fn nothing_arrives(listener: &mut zokio::signal::unix::Signal) -> bool {
    zokio::time::timeout(Duration::from_millis(50), listener.recv())
        .await
        .is_err()
}

#[test]
fn every_listener_hears_each_arrival() {
    let _turn = one_at_a_time();
    each_backend(|rt| {
        rt.block_on(async {
            let mut first = signal(SignalKind::user_defined1()).unwrap();
            let mut second = signal(SignalKind::user_defined1()).unwrap();
            for round in 0..20 {
                match round % 3 {
                    0 => raise(libc::SIGUSR1),
                    1 => kill(libc::SIGUSR1),
                    // On a thread outside the runtime.
                    _ => std::thread::spawn(|| raise(libc::SIGUSR1)).join().unwrap(),
                }
                let waiting = zokio::spawn(async move {
                    first.recv().await.unwrap();
                    first
                });
                second.recv().await.unwrap();
                first = waiting.await.unwrap();
            }
        })
    });
}

#[test]
fn arrivals_before_a_listener_are_not_its_own() {
    let _turn = one_at_a_time();
    each_backend(|rt| {
        rt.block_on(async {
            let mut early = signal(SignalKind::user_defined2()).unwrap();
            raise(libc::SIGUSR2);
            early.recv().await.unwrap();
            raise(libc::SIGUSR2);
            let mut late = signal(SignalKind::user_defined2()).unwrap();
            assert!(nothing_arrives(&mut late).await);
            // The one before `late` is still `early`'s.
            early.recv().await.unwrap();
            raise(libc::SIGUSR2);
            late.recv().await.unwrap();
            early.recv().await.unwrap();
        })
    });
}

#[test]
fn arrivals_between_receives_count_once() {
    let _turn = one_at_a_time();
    each_backend(|rt| {
        rt.block_on(async {
            let mut listener = signal(SignalKind::window_change()).unwrap();
            for _ in 0..5 {
                raise(libc::SIGWINCH);
            }
            listener.recv().await.unwrap();
            assert!(nothing_arrives(&mut listener).await);
            raise(libc::SIGWINCH);
            listener.recv().await.unwrap();
        })
    });
}

#[test]
fn ctrl_c_completes_on_sigint() {
    let _turn = one_at_a_time();
    each_backend(|rt| {
        rt.block_on(async {
            let mut ctrl_c = std::pin::pin!(zokio::signal::ctrl_c());
            // Polled once, so that it listens before the signal is sent.
            std::future::poll_fn(|cx| {
                assert!(ctrl_c.as_mut().poll(cx).is_pending());
                Poll::Ready(())
            })
            .await;
            raise(libc::SIGINT);
            ctrl_c.await.unwrap();
        })
    });
}

#[test]
fn signals_that_cannot_be_handled_are_refused() {
    let _turn = one_at_a_time();
    let rt = support::current_thread();
    rt.block_on(async {
        for signum in [
            libc::SIGKILL,
            libc::SIGSTOP,
            libc::SIGSEGV,
            libc::SIGFPE,
            0,
            -1,
            1000,
        ] {
            let err = signal(SignalKind::from_raw(signum)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "signal {signum}");
        }
    });
}

#[test]
fn outside_a_runtime_is_an_error() {
    let _turn = one_at_a_time();
    assert!(signal(SignalKind::from_raw(libc::SIGRTMIN() + 1)).is_err());
}

#[test]
fn a_listener_whose_runtime_is_gone_ends() {
    let _turn = one_at_a_time();
    for (label, rt) in support::io_runtimes() {
        let signum = libc::SIGRTMIN() + 2;
        let mut listener = rt.block_on(async { signal(SignalKind::from_raw(signum)).unwrap() });
        drop(rt);
        let other = support::current_thread();
        assert_eq!(other.block_on(listener.recv()), None, "{label}");
    }
}
