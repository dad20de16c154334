//! Standard input, output and error through pipes, on both I/O backends
//! and on the current-thread and multi-thread schedulers.
//!
//! The test points the process's descriptors 0, 1 and 2 at pipes for a
//! while: it is this binary's only test, so nothing else writes to them
//! meanwhile (the harness prints its results after it).

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::mpsc;
use std::time::Duration;

use zokio::io::{AsyncReadExt, AsyncWriteExt};

mod support;

fn pipe() -> (File, File) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2: {}", std::io::Error::last_os_error());
    // SAFETY: two new descriptors that nothing else owns.
    unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) }
}

/// Points descriptor `target` at `file` until dropped, then back.
struct Redirect {
    target: RawFd,
    saved: OwnedFd,
}

impl Redirect {
    fn new(target: RawFd, file: &File) -> Redirect {
        // SAFETY: `dup` of a standard descriptor; -1 on failure.
        let saved = unsafe { libc::dup(target) };
        assert!(saved >= 0);
        // SAFETY: `file` is open; `dup2` replaces `target` atomically.
        assert!(unsafe { libc::dup2(file.as_raw_fd(), target) } >= 0);
        Redirect {
            target,
            // SAFETY: a new descriptor that nothing else owns.
            saved: unsafe { OwnedFd::from_raw_fd(saved) },
        }
    }
}

impl Drop for Redirect {
    fn drop(&mut self) {
        // SAFETY: both descriptors are open.
        unsafe { libc::dup2(self.saved.as_raw_fd(), self.target) };
    }
}

fn byte_at(i: usize) -> u8 {
    (i.wrapping_mul(7) ^ (i >> 11)) as u8
}

#[test]
fn standard_streams_through_pipes() {
    const TOTAL: usize = 1 << 20;
    // Outside a runtime a read is an error, not a panic.
    let mut stdin = zokio::io::stdin();
    let mut buf = [0u8; 1];
    let polled = std::future::Future::poll(
        std::pin::pin!(stdin.read(&mut buf)),
        &mut std::task::Context::from_waker(std::task::Waker::noop()),
    );
    assert!(matches!(polled, std::task::Poll::Ready(Err(_))));

    let input: Vec<u8> = (0..TOTAL).map(byte_at).collect();
    for (label, rt) in support::io_runtimes() {
        let (stdin_read, mut stdin_write) = pipe();
        let (mut stdout_read, stdout_write) = pipe();
        let (mut stderr_read, stderr_write) = pipe();
        let redirects = [
            Redirect::new(0, &stdin_read),
            Redirect::new(1, &stdout_write),
            Redirect::new(2, &stderr_write),
        ];
        drop((stdin_read, stdout_write, stderr_write));
        let (go, wait) = mpsc::channel::<()>();
        let feeder = std::thread::spawn({
            let input = input.clone();
            move || {
                wait.recv().unwrap();
                stdin_write.write_all(&input).unwrap();
                // Dropped: standard input ends.
            }
        });
        let collector = std::thread::spawn(move || {
            let mut out = Vec::new();
            stdout_read.read_to_end(&mut out).unwrap();
            out
        });
        rt.block_on(async {
            let mut stdin = zokio::io::stdin();
            let mut stdout = zokio::io::stdout();
            // A read cancelled while it waits on the pool: what it reads
            // later stays in `stdin` for the next read.
            let mut big = vec![0u8; 64 * 1024];
            let waited =
                zokio::time::timeout(Duration::from_millis(20), stdin.read(&mut big)).await;
            assert!(waited.is_err(), "{label}: nothing was written yet");
            go.send(()).unwrap();
            let copied = zokio::io::copy(&mut stdin, &mut stdout).await.unwrap();
            assert_eq!(copied, TOTAL as u64, "{label}");
            stdout.flush().await.unwrap();
            let mut stderr = zokio::io::stderr();
            stderr.write_all(b"to standard error").await.unwrap();
            stderr.flush().await.unwrap();
        });
        feeder.join().unwrap();
        drop(redirects);
        let out = collector.join().unwrap();
        let first = out.iter().zip(&input).position(|(a, b)| a != b);
        assert!(
            out == input,
            "{label}: {} bytes out for {TOTAL} in, first difference at {first:?}",
            out.len()
        );
        let mut err = String::new();
        stderr_read.read_to_string(&mut err).unwrap();
        assert_eq!(err, "to standard error", "{label}");

        // A write to a pipe nobody reads fails at the flush.
        let (closed_read, closed_write) = pipe();
        drop(closed_read);
        let redirect = Redirect::new(1, &closed_write);
        let flushed = rt.block_on(async {
            let mut stdout = zokio::io::stdout();
            stdout.write_all(b"nobody reads this").await.unwrap();
            stdout.flush().await
        });
        drop(redirect);
        assert_eq!(
            flushed.unwrap_err().kind(),
            ErrorKind::BrokenPipe,
            "{label}"
        );
    }
}
