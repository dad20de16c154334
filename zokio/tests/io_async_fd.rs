//! `AsyncFd` over pipes, socket pairs and eventfds, on both I/O backends and
//! on the current-thread and multi-thread schedulers.

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::Duration;

use zokio::io::unix::AsyncFd;
use zokio::io::{Interest, Ready};

mod support;
use support::each_backend;

/// A non-blocking pipe: (read end, write end).
fn pipe() -> (File, File) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2: {}", std::io::Error::last_os_error());
    // SAFETY: `pipe2` returned two new descriptors that nothing else owns.
    unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) }
}

/// A connected pair of Unix stream sockets, both non-blocking.
fn socket_pair() -> (UnixStream, UnixStream) {
    let (a, b) = UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    b.set_nonblocking(true).unwrap();
    (a, b)
}

/// The byte at offset `i` of the test stream.
fn byte_at(i: usize) -> u8 {
    (i.wrapping_mul(131) ^ (i >> 9)) as u8
}

/// Writes `total` bytes of the test stream into a pipe and reads them from
/// another task, each side waiting for readiness and clearing it on
/// `WouldBlock`: every byte arrives once, in order, and the reader sees the
/// end when the writer is dropped.
#[test]
fn a_pipe_carries_a_stream_both_ways_of_waiting() {
    const TOTAL: usize = 4 << 20;
    each_backend(|rt| {
        rt.block_on(async {
            let (reader, writer) = pipe();
            let reader = AsyncFd::with_interest(reader, Interest::READABLE).unwrap();
            let writer = AsyncFd::with_interest(writer, Interest::WRITABLE).unwrap();
            let read = zokio::spawn(async move {
                let mut buf = vec![0u8; 7000];
                let mut at = 0;
                loop {
                    let mut guard = reader.readable().await.unwrap();
                    match guard.try_io(|fd| (&mut fd.get_ref()).read(&mut buf)) {
                        Ok(Ok(0)) => return at,
                        Ok(Ok(n)) => {
                            for (k, byte) in buf[..n].iter().enumerate() {
                                assert_eq!(*byte, byte_at(at + k), "byte {}", at + k);
                            }
                            at += n;
                        }
                        Ok(Err(err)) => panic!("read: {err}"),
                        Err(_would_block) => {}
                    }
                }
            });
            let write = zokio::spawn(async move {
                let data: Vec<u8> = (0..TOTAL).map(byte_at).collect();
                let mut at = 0;
                while at < TOTAL {
                    let end = (at + 50_000).min(TOTAL);
                    at += writer
                        .async_io(Interest::WRITABLE, |fd| (&mut &*fd).write(&data[at..end]))
                        .await
                        .unwrap();
                }
                // Dropping the writer closes the write end: the reader's end.
            });
            write.await.unwrap();
            assert_eq!(read.await.unwrap(), TOTAL);
        })
    });
}

/// A wait for both directions reports what is ready now; clearing one
/// direction leaves the other, and data from the peer makes it readable.
#[test]
fn ready_reports_each_direction() {
    each_backend(|rt| {
        rt.block_on(async {
            let (a, mut b) = socket_pair();
            let a = AsyncFd::new(a).unwrap();
            let mut guard = a
                .ready(Interest::READABLE | Interest::WRITABLE)
                .await
                .unwrap();
            assert!(guard.ready().is_writable());
            assert!(!guard.ready().is_readable());
            guard.clear_ready_matching(Ready::WRITABLE);
            // Nothing to read yet: the read fails and clears.
            let mut buf = [0u8; 16];
            let tried = a.try_io(Interest::READABLE, |s| (&mut &*s).read(&mut buf));
            assert_eq!(tried.unwrap_err().kind(), ErrorKind::WouldBlock);
            b.write_all(b"hello").unwrap();
            let n = a
                .async_io(Interest::READABLE, |s| (&mut &*s).read(&mut buf))
                .await
                .unwrap();
            assert_eq!(&buf[..n], b"hello");
            // The peer closing shows as readable, with the read side closed.
            drop(b);
            let guard = a.readable().await.unwrap();
            assert!(guard.ready().is_readable());
            assert_eq!((&mut guard.get_inner()).read(&mut buf).unwrap(), 0);
        })
    });
}

/// A wait dropped before its event (a timeout) takes nothing with it: the
/// next wait sees the data that came after.
#[test]
fn a_dropped_wait_loses_nothing() {
    each_backend(|rt| {
        rt.block_on(async {
            let (a, mut b) = socket_pair();
            let mut a = AsyncFd::new(a).unwrap();
            for round in 0..3u8 {
                let waited = zokio::time::timeout(Duration::from_millis(20), a.readable()).await;
                assert!(waited.is_err(), "nothing was sent yet");
                b.write_all(&[round]).unwrap();
                let mut byte = [0u8; 1];
                let mut guard = a.readable_mut().await.unwrap();
                let n = guard
                    .try_io(|fd| fd.get_mut().read(&mut byte))
                    .expect("readable")
                    .unwrap();
                assert_eq!((n, byte[0]), (1, round));
                // Drained: the next read blocks and clears the readiness.
                assert!(guard.try_io(|fd| fd.get_mut().read(&mut byte)).is_err());
            }
        })
    });
}

/// A wake from another thread (an eventfd written from outside the
/// runtime) reaches a task waiting on any worker.
#[test]
fn an_eventfd_written_from_a_thread_wakes_the_task() {
    each_backend(|rt| {
        rt.block_on(async {
            // SAFETY: `eventfd` returns a new descriptor or -1.
            let raw = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
            assert!(raw >= 0, "eventfd: {}", std::io::Error::last_os_error());
            // SAFETY: a new descriptor that nothing else owns.
            let efd = Arc::new(AsyncFd::new(unsafe { File::from_raw_fd(raw) }).unwrap());
            for round in 1..=20u64 {
                let waiter = zokio::spawn({
                    let efd = efd.clone();
                    async move {
                        let mut bytes = [0u8; 8];
                        efd.async_io(Interest::READABLE, |f| (&mut &*f).read_exact(&mut bytes))
                            .await
                            .unwrap();
                        u64::from_ne_bytes(bytes)
                    }
                });
                let writer = std::thread::spawn(move || {
                    // SAFETY: writes the 8 bytes of a live u64 to the eventfd,
                    // which the `Arc` above keeps open until the join.
                    let n = unsafe { libc::write(raw, (&round as *const u64).cast(), 8) };
                    assert_eq!(n, 8);
                });
                assert_eq!(waiter.await.unwrap(), round);
                writer.join().unwrap();
            }
        })
    });
}

/// `into_inner` deregisters and leaves the descriptor open: it still
/// works, and registers again (on epoll a second registration of a
/// descriptor still registered would fail).
#[test]
fn into_inner_keeps_the_descriptor_open() {
    each_backend(|rt| {
        rt.block_on(async {
            let (a, b) = socket_pair();
            let a = AsyncFd::new(a).unwrap();
            let _ = a.writable().await.unwrap();
            let mut a = a.into_inner();
            a.write_all(b"still open").unwrap();
            let b = AsyncFd::new(b).unwrap();
            let mut buf = [0u8; 10];
            let n = b
                .async_io(Interest::READABLE, |s| (&mut &*s).read(&mut buf))
                .await
                .unwrap();
            assert_eq!(&buf[..n], b"still open");
            let b = AsyncFd::new(b.into_inner()).unwrap();
            a.write_all(b"again").unwrap();
            let n = b
                .async_io(Interest::READABLE, |s| (&mut &*s).read(&mut buf))
                .await
                .unwrap();
            assert_eq!(&buf[..n], b"again");
        })
    });
}

/// Regular files have no readiness: refused on both backends, the file
/// handed back whole.
#[test]
fn a_regular_file_is_refused_and_handed_back() {
    each_backend(|rt| {
        rt.block_on(async {
            let path = std::env::temp_dir().join(format!("zokio-async-fd-{}", std::process::id()));
            let file = File::create(&path).unwrap();
            let err = AsyncFd::try_new(file).unwrap_err();
            let (mut file, cause) = err.into_parts();
            assert_eq!(cause.kind(), ErrorKind::PermissionDenied);
            file.write_all(b"usable").unwrap();
            drop(file);
            assert_eq!(std::fs::read(&path).unwrap(), b"usable");
            std::fs::remove_file(&path).unwrap();
        })
    });
}

/// Outside a runtime, registering is an error, not a panic.
#[test]
fn outside_a_runtime_is_an_error() {
    let (a, _b) = socket_pair();
    let err = AsyncFd::try_new(a).unwrap_err();
    let (a, _) = err.into_parts();
    assert!(a.as_raw_fd() >= 0);
}

/// A wait on a descriptor whose runtime is gone fails at once.
#[test]
fn a_wait_after_its_runtime_is_gone_fails() {
    for (label, rt) in support::io_runtimes() {
        let (a, _b) = socket_pair();
        let fd = rt.block_on(async { AsyncFd::new(a).unwrap() });
        drop(rt);
        let other = support::current_thread();
        let result = other.block_on(async { fd.readable().await.map(|_| ()) });
        assert!(
            result.is_err(),
            "{label}: a wait on a dropped runtime returned"
        );
        drop(fd);
    }
}

/// Owned descriptors (`OwnedFd`) work as well as `File`s and sockets.
#[test]
fn an_owned_fd_works() {
    each_backend(|rt| {
        rt.block_on(async {
            let (a, mut b) = socket_pair();
            let a = AsyncFd::new(OwnedFd::from(a)).unwrap();
            b.write_all(b"x").unwrap();
            let guard = a.readable().await.unwrap();
            assert!(guard.ready().is_readable());
        })
    });
}
