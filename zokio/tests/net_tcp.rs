//! TCP on both I/O backends and on current-thread and multi-thread
//! runtimes: echo, large transfers with checksums, half-close, resets,
//! many connections, cancellation at random points, EMFILE on accept.

use std::io::{self, IoSliceMut};
use std::time::Duration;

use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::net::{TcpListener, TcpStream};

mod support;
use support::io_runtimes;

macro_rules! each_runtime {
    ($(fn $name:ident() $body:block)*) => {$(
        #[test]
        fn $name() {
            for (label, rt) in io_runtimes() {
                eprintln!("{}: {label}", stringify!($name));
                rt.block_on(async $body);
            }
        }
    )*};
}

/// A deterministic byte pattern and its checksum.
fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn checksum(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf29ce484222325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}

async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (client, accepted) = zokio::join!(TcpStream::connect(addr), listener.accept());
    (client.unwrap(), accepted.unwrap().0)
}

each_runtime! {
    fn echo() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = zokio::spawn(async move {
            let (mut s, peer) = listener.accept().await.unwrap();
            assert_eq!(peer, s.peer_addr().unwrap());
            let mut buf = [0u8; 1024];
            loop {
                let n = s.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                s.write_all(&buf[..n]).await.unwrap();
            }
            s.shutdown().await.unwrap();
        });
        let mut c = TcpStream::connect(addr).await.unwrap();
        assert_eq!(c.peer_addr().unwrap(), addr);
        for i in 0..200u32 {
            let msg = format!("message {i}");
            c.write_all(msg.as_bytes()).await.unwrap();
            let mut back = vec![0; msg.len()];
            c.read_exact(&mut back).await.unwrap();
            assert_eq!(back, msg.as_bytes());
        }
        c.shutdown().await.unwrap();
        let mut rest = Vec::new();
        assert_eq!(c.read_to_end(&mut rest).await.unwrap(), 0);
        server.await.unwrap();
    }

    fn large_transfer_both_ways() {
        const LEN: usize = 64 << 20;
        let (a, b) = pair().await;
        let (mut ar, mut aw) = a.into_split();
        let (mut br, mut bw) = b.into_split();
        let data_a = pattern(LEN, 1);
        let data_b = pattern(LEN, 2);
        let (sum_a, sum_b) = (checksum(&data_a), checksum(&data_b));
        let wa = zokio::spawn(async move {
            for chunk in data_a.chunks(100_003) {
                aw.write_all(chunk).await.unwrap();
            }
            aw.shutdown().await.unwrap();
        });
        let wb = zokio::spawn(async move {
            bw.write_all(&data_b).await.unwrap();
            bw.shutdown().await.unwrap();
        });
        let rb = zokio::spawn(async move {
            let mut got = Vec::with_capacity(LEN);
            br.read_to_end(&mut got).await.unwrap();
            got
        });
        let mut got_a = Vec::with_capacity(LEN);
        ar.read_to_end(&mut got_a).await.unwrap();
        let got_b = rb.await.unwrap();
        wa.await.unwrap();
        wb.await.unwrap();
        assert_eq!(got_a.len(), LEN);
        assert_eq!(got_b.len(), LEN);
        assert_eq!(checksum(&got_a), sum_b);
        assert_eq!(checksum(&got_b), sum_a);
    }

    fn large_read_finds_bytes_a_small_read_left() {
        // A small read leaves bytes queued on our side; a large read after
        // it (on io_uring a direct one) must return them, though the socket
        // itself has nothing more until we answer.
        let (mut a, mut b) = pair().await;
        a.write_all(&[7u8; 200]).await.unwrap();
        let mut small = [0u8; 100];
        b.read_exact(&mut small).await.unwrap();
        let mut large = vec![0u8; 64 * 1024];
        let read = zokio::time::timeout(Duration::from_secs(10), b.read(&mut large)).await;
        let n = read.expect("the large read waited for bytes already received").unwrap();
        assert!(n > 0 && large[..n].iter().all(|&x| x == 7));
        let mut rest = 100 - n;
        while rest > 0 {
            rest -= b.read(&mut large).await.unwrap();
        }
        b.write_all(b"ok").await.unwrap();
        let mut answer = [0u8; 2];
        a.read_exact(&mut answer).await.unwrap();
        assert_eq!(&answer, b"ok");
    }

    fn half_close() {
        let (mut a, mut b) = pair().await;
        a.write_all(b"request").await.unwrap();
        a.shutdown().await.unwrap();
        let mut req = Vec::new();
        b.read_to_end(&mut req).await.unwrap();
        assert_eq!(req, b"request");
        // The other direction still works after the half-close.
        b.write_all(b"response").await.unwrap();
        b.shutdown().await.unwrap();
        let mut resp = Vec::new();
        a.read_to_end(&mut resp).await.unwrap();
        assert_eq!(resp, b"response");
    }

    fn peer_reset_mid_read() {
        let (mut a, b) = pair().await;
        b.set_linger(Some(Duration::ZERO)).unwrap();
        let reader = zokio::spawn(async move {
            let mut buf = [0u8; 64];
            let mut total = 0;
            loop {
                match a.read(&mut buf).await {
                    Ok(0) => return Ok(total),
                    Ok(n) => total += n,
                    Err(err) => return Err(err),
                }
            }
        });
        zokio::task::yield_now().await;
        drop(b);
        let err = reader.await.unwrap().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
    }

    // Reads that take exactly what the buffer holds, then wait: the
    // readiness driver learns from the kernel whether the socket is empty
    // (`TCP_INQ`) and waits for the next edge without a failed read.
    fn exact_reads_wait_then_see_the_end_and_the_reset() {
        let (mut a, mut b) = pair().await;
        let peer = zokio::spawn(async move {
            for i in 0..200u64 {
                b.write_all(&i.to_le_bytes()).await.unwrap();
                let mut ack = [0u8; 1];
                b.read_exact(&mut ack).await.unwrap();
                assert_eq!(ack[0], i as u8);
            }
            b.write_all(b"last").await.unwrap();
            b.shutdown().await.unwrap();
        });
        for i in 0..200u64 {
            let mut word = [0u8; 8];
            a.read_exact(&mut word).await.unwrap();
            assert_eq!(u64::from_le_bytes(word), i);
            a.write_all(&[i as u8]).await.unwrap();
        }
        let mut last = [0u8; 4];
        a.read_exact(&mut last).await.unwrap();
        assert_eq!(&last, b"last");
        assert_eq!(a.read(&mut last).await.unwrap(), 0);
        peer.await.unwrap();

        let (mut a, mut b) = pair().await;
        b.set_linger(Some(Duration::ZERO)).unwrap();
        let (ready_tx, ready_rx) = zokio::sync::oneshot::channel();
        let reader = zokio::spawn(async move {
            let mut word = [0u8; 8];
            a.read_exact(&mut word).await.unwrap();
            ready_tx.send(()).unwrap();
            a.read(&mut word).await
        });
        b.write_all(&[9u8; 8]).await.unwrap();
        b.flush().await.unwrap();
        ready_rx.await.unwrap();
        drop(b);
        let err = reader.await.unwrap().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
    }

    // On io_uring a dropped stream closes through the ring, after the
    // bytes it wrote and the receive it had armed: the peer reads them,
    // then the end.
    fn a_dropped_stream_is_closed_after_its_writes() {
        for _ in 0..20 {
            let (mut a, mut b) = pair().await;
            // A read in flight (a multishot receive on io_uring), dropped.
            let mut one = [0u8; 1];
            let pending = zokio::time::timeout(Duration::from_millis(1), a.read(&mut one)).await;
            assert!(pending.is_err());
            a.write_all(&[5u8; 100]).await.unwrap();
            drop(a);
            let mut rest = Vec::new();
            b.read_to_end(&mut rest).await.unwrap();
            assert_eq!(rest, vec![5u8; 100]);
        }
    }

    // `shutdown` waits for the kernel's answer on both backends (on
    // io_uring a ring operation behind the queued sends).
    fn shutdown_reports_what_the_kernel_says() {
        let (mut a, mut b) = pair().await;
        a.write_all(b"before the end").await.unwrap();
        a.shutdown().await.unwrap();
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"before the end");

        let (mut a, b) = pair().await;
        b.set_linger(Some(Duration::ZERO)).unwrap();
        drop(b);
        let mut buf = [0u8; 8];
        let err = a.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
        let err = a.shutdown().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotConnected);
    }

    fn write_to_reset_peer_fails() {
        let (mut a, b) = pair().await;
        b.set_linger(Some(Duration::ZERO)).unwrap();
        drop(b);
        let chunk = vec![7u8; 64 * 1024];
        let mut result = Ok(());
        for _ in 0..1000 {
            result = a.write_all(&chunk).await;
            if result.is_ok() {
                result = a.flush().await;
            }
            if result.is_err() {
                break;
            }
        }
        let err = result.unwrap_err();
        assert!(
            matches!(err.kind(), io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe),
            "{err:?}"
        );
    }

    fn connection_refused() {
        let addr = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    }

    fn address_in_use() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let err = TcpListener::bind(l.local_addr().unwrap()).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
    }

    fn peek_and_try_read() {
        let (mut a, b) = pair().await;
        a.write_all(b"peekaboo").await.unwrap();
        a.flush().await.unwrap();
        let mut buf = [0u8; 8];
        let mut n = 0;
        while n < 8 {
            n = b.peek(&mut buf).await.unwrap();
        }
        assert_eq!(&buf, b"peekaboo");
        b.readable().await.unwrap();
        let mut out = [0u8; 8];
        assert_eq!(b.try_read(&mut out).unwrap(), 8);
        assert_eq!(&out, b"peekaboo");
        assert_eq!(b.try_read(&mut out).unwrap_err().kind(), io::ErrorKind::WouldBlock);
    }

    fn many_sockets_with_unread_data_keep_it_in_order() {
        // More sockets hold unread bytes than io_uring lends buffers to
        // (half of a ring's 256), so some keep theirs in the buffer the
        // kernel filled and others in a copy; a second message queues
        // behind the first either way.
        const PAIRS: usize = 200;
        let mut pairs = Vec::with_capacity(PAIRS);
        for _ in 0..PAIRS {
            pairs.push(pair().await);
        }
        for (i, (writer, reader)) in pairs.iter_mut().enumerate() {
            writer.write_all(&pattern(100, i as u64)).await.unwrap();
            reader.readable().await.unwrap();
            writer.write_all(&pattern(300, i as u64 + 1000)).await.unwrap();
        }
        for (i, (_, reader)) in pairs.iter_mut().enumerate() {
            let mut first = [0u8; 100];
            reader.read_exact(&mut first).await.unwrap();
            assert_eq!(first[..], pattern(100, i as u64)[..]);
            let mut second = [0u8; 300];
            reader.read_exact(&mut second).await.unwrap();
            assert_eq!(second[..], pattern(300, i as u64 + 1000)[..]);
        }
    }

    fn try_write_and_writable() {
        let (a, mut b) = pair().await;
        a.writable().await.unwrap();
        let mut sent = 0;
        loop {
            match a.try_write(b"xyz") {
                Ok(n) => {
                    sent += n;
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => a.writable().await.unwrap(),
                Err(e) => panic!("{e}"),
            }
        }
        let mut got = vec![0u8; sent];
        b.read_exact(&mut got).await.unwrap();
        assert_eq!(got, b"xyz");
    }

    fn options() {
        let (a, _b) = pair().await;
        a.set_nodelay(true).unwrap();
        assert!(a.nodelay().unwrap());
        a.set_ttl(42).unwrap();
        assert_eq!(a.ttl().unwrap(), 42);
        a.set_linger(Some(Duration::from_secs(1))).unwrap();
        assert_eq!(a.linger().unwrap(), Some(Duration::from_secs(1)));
    }

    fn into_std_leaves_later_bytes_in_the_socket() {
        // The peer is a `std` socket, so its bytes arrive at once, while the
        // receive that the first read armed would still take them.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut stream, _) = listener.accept().await.unwrap();
        std::io::Write::write_all(&mut &peer, b"one").unwrap();
        let mut buf = [0u8; 3];
        stream.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"one");
        let stream = stream.into_std().unwrap();
        std::io::Write::write_all(&mut &peer, b"two").unwrap();
        stream.set_nonblocking(false).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        std::io::Read::read_exact(&mut &stream, &mut buf).unwrap();
        assert_eq!(&buf, b"two");
    }

    fn into_std_leaves_later_connections_in_the_backlog() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // The first accept arms io_uring's multishot accept.
        let _first = std::net::TcpStream::connect(addr).unwrap();
        listener.accept().await.unwrap();
        let listener = listener.into_std().unwrap();
        let second = std::net::TcpStream::connect(addr).unwrap();
        // One wait of at most ten seconds for the backlog to have it.
        let mut ready = libc::pollfd {
            fd: std::os::fd::AsRawFd::as_raw_fd(&listener),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid `pollfd`.
        assert_eq!(unsafe { libc::poll(&mut ready, 1, 10_000) }, 1);
        let (_, peer) = listener.accept().unwrap();
        assert_eq!(peer, second.local_addr().unwrap());
    }

    fn std_round_trip() {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = std_listener.local_addr().unwrap();
        let listener = TcpListener::from_std(std_listener).unwrap();
        let client = std::net::TcpStream::connect(addr).unwrap();
        let (accepted, _) = listener.accept().await.unwrap();
        let mut client = TcpStream::from_std(client).unwrap();
        client.write_all(b"hi").await.unwrap();
        client.flush().await.unwrap();
        let std_accepted = accepted.into_std().unwrap();
        std_accepted.set_nonblocking(false).unwrap();
        let mut buf = [0u8; 2];
        std::io::Read::read_exact(&mut &std_accepted, &mut buf).unwrap();
        assert_eq!(&buf, b"hi");
        let _ = listener.into_std().unwrap();
    }
}

/// A small deterministic generator for the cancellation points.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Something that completes after a few polls: the rival of a cancelled
/// operation in `select!`.
async fn yields(n: u64) {
    for _ in 0..n {
        zokio::task::yield_now().await;
    }
}

/// Writes `len` bytes from one end in random chunks of up to `max_write`,
/// and reads them at the other with reads of sizes picked at random from
/// `sizes`, each raced against a few yields so that some are cancelled:
/// every byte must arrive once, in order.
async fn cancelled_reads(len: usize, max_write: u64, sizes: &[usize]) {
    let (mut a, mut b) = pair().await;
    let data = pattern(len, len as u64 ^ max_write);
    let expected = data.clone();
    let writer = zokio::spawn(async move {
        let mut rng = Rng(99);
        let mut pos = 0;
        while pos < len {
            let n = (rng.next() % max_write + 1) as usize;
            let end = (pos + n).min(len);
            a.write_all(&data[pos..end]).await.unwrap();
            pos = end;
        }
        a.shutdown().await.unwrap();
    });
    let mut rng = Rng(5);
    let mut got = Vec::with_capacity(len);
    let mut buf = vec![0u8; sizes.iter().copied().max().unwrap_or(1)];
    let mut cancels = 0;
    loop {
        let size = sizes[(rng.next() % sizes.len() as u64) as usize];
        let n = rng.next() % 3;
        zokio::select! {
            r = b.read(&mut buf[..size]) => match r.unwrap() {
                0 => break,
                n => got.extend_from_slice(&buf[..n]),
            },
            _ = yields(n) => cancels += 1,
        }
    }
    writer.await.unwrap();
    assert!(cancels > 0);
    assert_eq!(got.len(), len);
    assert!(got == expected, "bytes lost, duplicated or reordered");
}

each_runtime! {
    fn cancelled_reads_lose_nothing() {
        cancelled_reads(1 << 20, 9000, &[4096]).await;
    }

    fn cancelled_reads_of_mixed_sizes_lose_nothing() {
        // Small reads go through io_uring's multishot receive, large ones
        // (16 KiB and up) straight to the socket: switching between them at
        // random must keep every byte in order.
        cancelled_reads(4 << 20, 70_000, &[1, 100, 4096, 16_384, 20_000, 65_536]).await;
    }

    fn cancelled_writes_lose_nothing() {
        const LEN: usize = 1 << 20;
        let (mut a, mut b) = pair().await;
        let data = pattern(LEN, 11);
        let expected = checksum(&data);
        let reader = zokio::spawn(async move {
            let mut got = Vec::with_capacity(LEN);
            b.read_to_end(&mut got).await.unwrap();
            got
        });
        let mut rng = Rng(17);
        let mut pos = 0;
        let mut cancels = 0;
        while pos < LEN {
            let end = (pos + (rng.next() % 70_000 + 1) as usize).min(LEN);
            let n = rng.next() % 3;
            zokio::select! {
                r = a.write(&data[pos..end]) => pos += r.unwrap(),
                _ = yields(n) => cancels += 1,
            }
        }
        a.shutdown().await.unwrap();
        let got = reader.await.unwrap();
        assert!(cancels > 0);
        assert_eq!(got.len(), LEN);
        assert_eq!(checksum(&got), expected);
    }

    fn cancelled_accepts_lose_no_connection() {
        const CONNECTIONS: usize = 200;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let clients = zokio::spawn(async move {
            let mut streams = Vec::new();
            for i in 0..CONNECTIONS {
                let mut s = TcpStream::connect(addr).await.unwrap();
                s.write_all(&(i as u32).to_le_bytes()).await.unwrap();
                s.flush().await.unwrap();
                streams.push(s);
            }
            streams
        });
        let mut rng = Rng(23);
        let mut seen = [false; CONNECTIONS];
        let mut accepted = 0;
        let mut cancels = 0;
        while accepted < CONNECTIONS {
            let n = rng.next() % 3;
            zokio::select! {
                r = listener.accept() => {
                    let (mut s, _) = r.unwrap();
                    let mut id = [0u8; 4];
                    s.read_exact(&mut id).await.unwrap();
                    let id = u32::from_le_bytes(id) as usize;
                    assert!(!seen[id], "connection {id} accepted twice");
                    seen[id] = true;
                    accepted += 1;
                }
                _ = yields(n) => cancels += 1,
            }
        }
        drop(clients.await.unwrap());
        assert!(cancels > 0);
        assert!(seen.iter().all(|s| *s));
    }

    fn cancelled_connects_leave_the_listener_working() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut rng = Rng(31);
        let mut connected = Vec::new();
        for _ in 0..100 {
            let n = rng.next() % 3;
            zokio::select! {
                r = TcpStream::connect(addr) => connected.push(r.unwrap()),
                _ = yields(n) => {}
            }
        }
        // Every connection that completed works end to end; the cancelled
        // ones were closed (the listener sees them end at once).
        let mut working = 0;
        let mut ended = 0;
        for (i, s) in connected.iter_mut().enumerate() {
            s.write_all(&[i as u8]).await.unwrap();
            s.flush().await.unwrap();
        }
        let expected = connected.len();
        while working < expected {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut b = [0u8; 1];
            match s.read(&mut b).await {
                Ok(1) => working += 1,
                Ok(_) | Err(_) => ended += 1,
            }
        }
        assert_eq!(working, expected);
        assert!(ended <= 100 - expected);
    }
}

each_runtime! {
    fn owned_buffers_round_trip() {
        const LEN: usize = 4 << 20;
        let (a, b) = pair().await;
        let data = pattern(LEN, 13);
        let expected = checksum(&data);
        let writer = zokio::spawn(async move {
            // Several owned writes in a row keep their order.
            let mut buf = data;
            for _ in 0..2 {
                let (result, back) = a.write_all_owned(buf).await;
                result.unwrap();
                buf = back;
            }
            let (result, _) = a.write_all_owned(b"end".to_vec().into_boxed_slice()).await;
            result.unwrap();
            drop(a);
        });
        let mut got = Vec::with_capacity(2 * LEN + 3);
        let mut buf = Vec::with_capacity(64 * 1024);
        loop {
            let (n, back) = b.read_owned(buf).await;
            let n = n.unwrap();
            if n == 0 {
                break;
            }
            assert!(back.len() >= n);
            got.extend_from_slice(&back[..n]);
            buf = back;
            buf.clear();
        }
        writer.await.unwrap();
        assert_eq!(got.len(), 2 * LEN + 3);
        assert_eq!(checksum(&got[..LEN]), expected);
        assert_eq!(checksum(&got[LEN..2 * LEN]), expected);
        assert_eq!(&got[2 * LEN..], b"end");
    }
}

each_runtime! {
    fn take_error_is_none_on_healthy_sockets() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        assert!(listener.take_error().unwrap().is_none());
        let (a, b) = pair().await;
        assert!(a.take_error().unwrap().is_none());
        assert!(b.take_error().unwrap().is_none());
    }

    fn try_read_vectored_fills_the_first_non_empty_buffer() {
        const LEN: usize = 256 * 1024;
        let (mut a, b) = pair().await;
        let data = pattern(LEN, 5);
        let expected = checksum(&data);
        let writer = zokio::spawn(async move {
            a.write_all(&data).await.unwrap();
            a.shutdown().await.unwrap();
        });
        let mut got = Vec::with_capacity(LEN);
        let (mut empty, mut chunk, mut after) = ([0u8; 0], [0u8; 4096], [0xaau8; 16]);
        loop {
            b.readable().await.unwrap();
            let mut bufs = [
                IoSliceMut::new(&mut empty),
                IoSliceMut::new(&mut chunk),
                IoSliceMut::new(&mut after),
            ];
            match b.try_read_vectored(&mut bufs) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&chunk[..n]),
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => continue,
                Err(err) => panic!("{err}"),
            }
        }
        writer.await.unwrap();
        assert_eq!(after, [0xaa; 16]);
        assert_eq!(got.len(), LEN);
        assert_eq!(checksum(&got), expected);
    }
}

#[cfg(feature = "bytes")]
each_runtime! {
    fn try_read_buf_appends_to_the_buffer() {
        const LEN: usize = 256 * 1024;
        let (mut a, b) = pair().await;
        let data = pattern(LEN, 9);
        let expected = checksum(&data);
        let writer = zokio::spawn(async move {
            a.write_all(&data).await.unwrap();
            a.shutdown().await.unwrap();
        });
        let mut got = bytes::BytesMut::with_capacity(1000);
        got.extend_from_slice(b"head");
        loop {
            b.readable().await.unwrap();
            let before = got.len();
            match b.try_read_buf(&mut got) {
                Ok(0) => break,
                Ok(n) => assert_eq!(got.len(), before + n),
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    assert_eq!(got.len(), before)
                }
                Err(err) => panic!("{err}"),
            }
        }
        writer.await.unwrap();
        assert_eq!(&got[..4], b"head");
        assert_eq!(got.len(), 4 + LEN);
        assert_eq!(checksum(&got[4..]), expected);
    }
}

each_runtime! {
    fn halves_have_the_streams_methods() {
        let (mut a, b) = pair().await;
        {
            let (read, write) = a.split();
            assert_eq!(read.local_addr().unwrap(), write.local_addr().unwrap());
            assert_eq!(read.peer_addr().unwrap(), b.local_addr().unwrap());
            write.writable().await.unwrap();
            let mut sent = 0;
            while sent < 3 {
                match write.try_write(&b"abc"[sent..]) {
                    Ok(n) => sent += n,
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                        write.writable().await.unwrap()
                    }
                    Err(err) => panic!("{err}"),
                }
            }
        }
        let (read, write) = b.into_split();
        let mut peeked = [0u8; 3];
        let mut n = 0;
        while n < 3 {
            n = read.peek(&mut peeked).await.unwrap();
        }
        assert_eq!(&peeked, b"abc");
        let mut got = Vec::new();
        while got.len() < 3 {
            read.readable().await.unwrap();
            let mut buf = [0u8; 8];
            match read.try_read(&mut buf) {
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                Err(err) => panic!("{err}"),
            }
        }
        assert_eq!(got, b"abc");
        assert_eq!(write.peer_addr().unwrap(), a.local_addr().unwrap());
        let ready = write.ready(zokio::io::Interest::WRITABLE).await.unwrap();
        assert!(ready.is_writable());
    }
}
