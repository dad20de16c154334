//! `split` halves used from two tasks at once, `unsplit`, and the copies:
//! `copy` of 8 MiB checked end to end, `copy_buf`, and
//! `copy_bidirectional` with half-closes passed on both ways.

#[macro_use]
mod support;

use std::io::ErrorKind;

use zokio::io::{
    self, duplex, split, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream, ReadHalf, WriteHalf,
};

#[allow(dead_code)]
fn assert_send_sync<T: Send + Sync>(_: &T) {}

/// The halves are `Send + Sync` when the stream is `Send`; the copy futures
/// are `Send` for `Send` streams.
#[allow(dead_code, clippy::let_underscore_future)]
fn send_and_sync_promises(
    rd: ReadHalf<DuplexStream>,
    wr: WriteHalf<DuplexStream>,
    mut a: DuplexStream,
    mut b: DuplexStream,
) {
    assert_send_sync(&rd);
    assert_send_sync(&wr);
    fn assert_send<T: Send>(_: T) {}
    assert_send(io::copy_bidirectional(&mut a, &mut b));
}

/// The 64-bit FNV-1a hash of `bytes`, continuing from `hash`.
fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// `len` pseudo-random bytes from `seed` (xorshift), `chunk` at a time.
fn pattern(seed: u64, len: usize, chunk: usize) -> impl Iterator<Item = Vec<u8>> {
    let mut state = seed | 1;
    let mut left = len;
    std::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        let n = chunk.min(left);
        left -= n;
        Some(
            (0..n)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect(),
        )
    })
}

each_flavor! {
    fn split_halves_work_from_two_tasks_at_once(rt) {
        rt.block_on(async {
            const LEN: usize = 1 << 20;
            let (ours, theirs) = duplex(1024);
            // The far end echoes everything back through its own halves.
            let (mut their_rd, mut their_wr) = split(theirs);
            let echo = zokio::spawn(async move {
                io::copy(&mut their_rd, &mut their_wr).await.unwrap();
                their_wr.shutdown().await.unwrap();
            });
            // Our halves run in two tasks; the small pipes force them to
            // take turns many times, each waiting on the other's progress.
            let (mut rd, mut wr) = split(ours);
            let writer = zokio::spawn(async move {
                let mut hash = FNV_OFFSET;
                for chunk in pattern(7, LEN, 3000) {
                    hash = fnv1a(hash, &chunk);
                    wr.write_all(&chunk).await.unwrap();
                }
                wr.shutdown().await.unwrap();
                (hash, wr)
            });
            let reader = zokio::spawn(async move {
                let mut hash = FNV_OFFSET;
                let mut total = 0;
                let mut buf = vec![0u8; 4096];
                loop {
                    let n = rd.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    hash = fnv1a(hash, &buf[..n]);
                    total += n;
                }
                (hash, total, rd)
            });
            let (sent_hash, wr) = writer.await.unwrap();
            let (got_hash, total, rd) = reader.await.unwrap();
            assert_eq!(total, LEN);
            assert_eq!(got_hash, sent_hash);
            echo.await.unwrap();
            assert!(rd.is_pair_of(&wr));
            let _stream: DuplexStream = rd.unsplit(wr);
        });
    }
}

#[test]
#[should_panic(expected = "different streams")]
fn unsplit_panics_on_halves_of_different_streams() {
    let (a, b) = duplex(8);
    let (a_rd, _a_wr) = split(a);
    let (_b_rd, b_wr) = split(b);
    assert!(!a_rd.is_pair_of(&b_wr));
    assert!(!b_wr.is_pair_of(&a_rd));
    a_rd.unsplit(b_wr);
}

each_flavor! {
    fn copy_moves_8_mib_intact(rt) {
        rt.block_on(async {
            const LEN: usize = 8 << 20;
            // producer -> (a, b) -> copy -> (c, d) -> consumer
            let (mut a, mut b) = duplex(64 * 1024);
            let (mut c, mut d) = duplex(16 * 1024);
            let producer = zokio::spawn(async move {
                let mut hash = FNV_OFFSET;
                for chunk in pattern(42, LEN, 10_000) {
                    hash = fnv1a(hash, &chunk);
                    a.write_all(&chunk).await.unwrap();
                }
                hash
            });
            let copier = zokio::spawn(async move {
                let copied = io::copy(&mut b, &mut c).await.unwrap();
                c.shutdown().await.unwrap();
                copied
            });
            let mut hash = FNV_OFFSET;
            let mut total = 0;
            let mut buf = vec![0u8; 7000];
            loop {
                let n = d.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                hash = fnv1a(hash, &buf[..n]);
                total += n;
            }
            assert_eq!(total, LEN);
            assert_eq!(hash, producer.await.unwrap());
            assert_eq!(copier.await.unwrap(), LEN as u64);
        });
    }
}

each_flavor! {
    fn copy_buf_goes_through_the_readers_buffer(rt) {
        rt.block_on(async {
            let (mut a, b) = duplex(100);
            let producer = zokio::spawn(async move {
                let mut hash = FNV_OFFSET;
                for chunk in pattern(3, 300_000, 777) {
                    hash = fnv1a(hash, &chunk);
                    a.write_all(&chunk).await.unwrap();
                }
                hash
            });
            let mut reader = BufReader::with_capacity(333, b);
            let mut out = Vec::new();
            assert_eq!(io::copy_buf(&mut reader, &mut out).await.unwrap(), 300_000);
            assert_eq!(fnv1a(FNV_OFFSET, &out), producer.await.unwrap());
        });
    }
}

#[test]
fn copy_reports_a_writer_that_stops_taking_bytes() {
    support::current_thread().block_on(async {
        let mut storage = [0u8; 4];
        let mut full = std::io::Cursor::new(&mut storage[..]);
        let err = io::copy(&mut &b"too much"[..], &mut full)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WriteZero);
    });
}

each_flavor! {
    fn copy_bidirectional_passes_half_closes_both_ways(rt) {
        rt.block_on(async {
            // client <-> (p1, p2) proxy <-> server
            let (mut client, mut p1) = duplex(512);
            let (mut p2, mut server) = duplex(256);
            let proxy = zokio::spawn(async move { io::copy_bidirectional(&mut p1, &mut p2).await });

            let request: Vec<u8> = pattern(1, 50_000, 50_000).next().unwrap();
            let response: Vec<u8> = pattern(2, 70_000, 70_000).next().unwrap();

            let server_task = {
                let (request, response) = (request.clone(), response.clone());
                zokio::spawn(async move {
                    // The server sees the client's half-close as end of file,
                    // and only then answers.
                    let mut got = Vec::new();
                    server.read_to_end(&mut got).await.unwrap();
                    assert_eq!(got, request);
                    server.write_all(&response).await.unwrap();
                    server.shutdown().await.unwrap();
                    // Its half-close reaches the client too; nothing more
                    // arrives from there.
                    let mut more = Vec::new();
                    assert_eq!(server.read_to_end(&mut more).await.unwrap(), 0);
                })
            };
            client.write_all(&request).await.unwrap();
            client.shutdown().await.unwrap();
            let mut got = Vec::new();
            client.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, response);
            server_task.await.unwrap();
            let (to_server, to_client) = proxy.await.unwrap().unwrap();
            assert_eq!(to_server, request.len() as u64);
            assert_eq!(to_client, response.len() as u64);
        });
    }
}

each_flavor! {
    fn copy_bidirectional_when_the_server_closes_first(rt) {
        rt.block_on(async {
            let (mut client, mut p1) = duplex(64);
            let (mut p2, mut server) = duplex(64);
            let proxy = zokio::spawn(async move { io::copy_bidirectional(&mut p1, &mut p2).await });
            server.write_all(b"banner").await.unwrap();
            server.shutdown().await.unwrap();
            let mut banner = Vec::new();
            client.read_to_end(&mut banner).await.unwrap();
            assert_eq!(banner, b"banner");
            // The other direction is still open.
            client.write_all(b"late words").await.unwrap();
            client.shutdown().await.unwrap();
            let mut got = Vec::new();
            server.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"late words");
            assert_eq!(proxy.await.unwrap().unwrap(), (10, 6));
        });
    }
}

each_flavor! {
    fn copy_bidirectional_fails_when_a_side_breaks(rt) {
        rt.block_on(async {
            let (mut client, mut p1) = duplex(64);
            let (mut p2, server) = duplex(64);
            let proxy = zokio::spawn(async move { io::copy_bidirectional(&mut p1, &mut p2).await });
            drop(server);
            // The proxy cannot deliver this: writing to the server's side
            // fails.
            client.write_all(b"hello?").await.unwrap();
            let err = proxy.await.unwrap().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::BrokenPipe);
        });
    }
}
