//! `duplex` and `simplex`: backpressure at the buffer bound, wake-ups, half
//! close, and what the peer's drop does to reads and writes.

#[macro_use]
mod support;

use std::future::Future;
use std::io::{ErrorKind, IoSlice};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use zokio::io::{duplex, simplex, AsyncReadExt, AsyncWriteExt, DuplexStream, SimplexStream};

/// Counts its wake-ups.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn poll_with<F: Future + ?Sized>(
    future: Pin<&mut F>,
    waker: &Arc<CountingWaker>,
) -> Poll<F::Output> {
    let waker = Waker::from(waker.clone());
    future.poll(&mut Context::from_waker(&waker))
}

#[allow(dead_code)]
fn assert_send_sync<T: Send + Sync>() {}

#[allow(dead_code)]
fn streams_are_send_and_sync() {
    assert_send_sync::<DuplexStream>();
    assert_send_sync::<SimplexStream>();
}

#[test]
fn a_writer_waits_at_the_bound_until_the_reader_makes_room() {
    support::current_thread().block_on(async {
        let (mut a, mut b) = duplex(4);
        let writer_waker = Arc::new(CountingWaker::default());
        let mut write = pin!(a.write_all(b"0123456789"));
        // Four bytes fit; then the writer waits.
        assert!(poll_with(write.as_mut(), &writer_waker).is_pending());
        assert!(poll_with(write.as_mut(), &writer_waker).is_pending());
        assert_eq!(writer_waker.0.load(SeqCst), 0);

        let mut buf = [0u8; 16];
        assert_eq!(b.read(&mut buf).await.unwrap(), 4);
        assert_eq!(&buf[..4], b"0123");
        // Making room woke the writer, once.
        assert_eq!(writer_waker.0.load(SeqCst), 1);

        assert!(poll_with(write.as_mut(), &writer_waker).is_pending());
        // A partial read also makes room, and wakes.
        assert_eq!(b.read(&mut buf[..1]).await.unwrap(), 1);
        assert_eq!(writer_waker.0.load(SeqCst), 2);
        assert!(poll_with(write.as_mut(), &writer_waker).is_pending());
        assert_eq!(b.read(&mut buf).await.unwrap(), 4);
        assert_eq!(&buf[..4], b"5678");
        assert!(poll_with(write.as_mut(), &writer_waker).is_ready());
        assert_eq!(b.read(&mut buf).await.unwrap(), 1);
        assert_eq!(buf[0], b'9');
    });
}

#[test]
fn a_reader_waits_for_data_and_is_woken_by_a_write() {
    support::current_thread().block_on(async {
        let (mut a, mut b) = duplex(64);
        let reader_waker = Arc::new(CountingWaker::default());
        let mut buf = [0u8; 8];
        let mut read = pin!(b.read(&mut buf));
        assert!(poll_with(read.as_mut(), &reader_waker).is_pending());
        a.write_all(b"hey").await.unwrap();
        assert_eq!(reader_waker.0.load(SeqCst), 1);
        match poll_with(read.as_mut(), &reader_waker) {
            Poll::Ready(Ok(n)) => assert_eq!(n, 3),
            other => panic!("expected the bytes, got {other:?}"),
        }
    });
}

each_flavor! {
    fn large_transfers_through_a_small_pipe_keep_order(rt) {
        rt.block_on(async {
            let (mut a, mut b) = duplex(13);
            let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 + i / 256) as u8).collect();
            let sent = data.clone();
            let writer = zokio::spawn(async move {
                for chunk in sent.chunks(1000) {
                    a.write_all(chunk).await.unwrap();
                }
            });
            let mut got = Vec::new();
            b.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, data);
            writer.await.unwrap();
        });
    }
}

each_flavor! {
    fn both_directions_are_independent(rt) {
        rt.block_on(async {
            let (mut a, mut b) = duplex(8);
            let task = zokio::spawn(async move {
                // Write first while the other side also writes first: each
                // direction has its own buffer, so neither blocks the other.
                b.write_all(b"from b").await.unwrap();
                let mut buf = [0u8; 6];
                b.read_exact(&mut buf).await.unwrap();
                assert_eq!(&buf, b"from a");
            });
            a.write_all(b"from a").await.unwrap();
            let mut buf = [0u8; 6];
            a.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"from b");
            task.await.unwrap();
        });
    }
}

each_flavor! {
    fn dropping_a_peer_ends_reads_after_the_buffered_data_and_breaks_writes(rt) {
        rt.block_on(async {
            let (mut a, mut b) = duplex(64);
            a.write_all(b"last words").await.unwrap();
            drop(a);
            let mut got = String::new();
            b.read_to_string(&mut got).await.unwrap();
            assert_eq!(got, "last words");
            let err = b.write_all(b"anyone?").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::BrokenPipe);
            // Flush and shutdown still succeed.
            b.flush().await.unwrap();
            b.shutdown().await.unwrap();
        });
    }
}

#[test]
fn dropping_a_peer_wakes_its_waiting_reader_and_writer() {
    support::current_thread().block_on(async {
        let (a, mut b) = duplex(4);
        let waker = Arc::new(CountingWaker::default());
        let mut buf = [0u8; 4];
        let mut read = pin!(b.read(&mut buf));
        assert!(poll_with(read.as_mut(), &waker).is_pending());
        drop(a);
        assert_eq!(waker.0.load(SeqCst), 1);
        assert!(matches!(
            poll_with(read.as_mut(), &waker),
            Poll::Ready(Ok(0))
        ));

        let (mut a, b) = duplex(4);
        let waker = Arc::new(CountingWaker::default());
        let mut write = pin!(a.write_all(b"12345"));
        assert!(poll_with(write.as_mut(), &waker).is_pending());
        drop(b);
        assert_eq!(waker.0.load(SeqCst), 1);
        match poll_with(write.as_mut(), &waker) {
            Poll::Ready(Err(e)) => assert_eq!(e.kind(), ErrorKind::BrokenPipe),
            other => panic!("expected a broken pipe, got {other:?}"),
        }
    });
}

each_flavor! {
    fn a_writer_blocked_on_a_full_pipe_fails_when_the_reader_goes(rt) {
        rt.block_on(async {
            let (mut a, b) = duplex(4);
            let (tx, rx) = zokio::sync::oneshot::channel();
            let writer = zokio::spawn(async move {
                a.write_all(b"1234").await.unwrap();
                tx.send(()).unwrap();
                a.write_all(b"5").await
            });
            rx.await.unwrap();
            drop(b);
            let err = writer.await.unwrap().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::BrokenPipe);
        });
    }
}

each_flavor! {
    fn shutdown_is_a_half_close(rt) {
        rt.block_on(async {
            let (mut a, mut b) = duplex(16);
            a.write_all(b"request").await.unwrap();
            a.shutdown().await.unwrap();
            // `a` can no longer write ...
            assert_eq!(a.write(b"x").await.unwrap_err().kind(), ErrorKind::BrokenPipe);
            // ... `b` reads to end of file ...
            let mut request = Vec::new();
            b.read_to_end(&mut request).await.unwrap();
            assert_eq!(request, b"request");
            // ... and the other direction still works.
            b.write_all(b"response").await.unwrap();
            let mut buf = [0u8; 8];
            a.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"response");
        });
    }
}

#[test]
fn vectored_writes_fill_up_to_the_bound() {
    support::current_thread().block_on(async {
        let (mut a, mut b) = duplex(5);
        let bufs = [
            IoSlice::new(b"abc"),
            IoSlice::new(b""),
            IoSlice::new(b"defg"),
        ];
        assert_eq!(a.write_vectored(&bufs).await.unwrap(), 5);
        let mut buf = [0u8; 8];
        assert_eq!(b.read(&mut buf).await.unwrap(), 5);
        assert_eq!(&buf[..5], b"abcde");
        assert_eq!(a.write(b"").await.unwrap(), 0);
    });
}

each_flavor! {
    fn simplex_halves_in_two_tasks(rt) {
        rt.block_on(async {
            let (mut rx, mut tx) = simplex(3);
            let writer = zokio::spawn(async move {
                for i in 0..100u16 {
                    tx.write_u16(i).await.unwrap();
                }
                tx.shutdown().await.unwrap();
            });
            for i in 0..100u16 {
                assert_eq!(rx.read_u16().await.unwrap(), i);
            }
            let mut rest = Vec::new();
            assert_eq!(rx.read_to_end(&mut rest).await.unwrap(), 0);
            writer.await.unwrap();
        });
    }
}
