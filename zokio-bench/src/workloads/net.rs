//! Networking on loopback: echo round trips, connection set-up, a bulk
//! stream, UDP echo. Each runs with Zokio on io_uring and, in the rows
//! named `…/poll`, on the readiness fallback, against the same Tokio.
//!
//! Every body checks what came back: an echo compares the bytes it got with
//! the bytes it sent and folds a value from them into the checksum, so a
//! lost, duplicated or corrupted message fails the row.

use super::mix;
use crate::harness::{Flavor, Work, Workload, WORKERS};

/// Awaits join handles that return [`Work`] and adds it up.
macro_rules! sum_work {
    ($handles:expr) => {{
        let mut total = Work::default();
        for handle in $handles {
            let work = handle.await.unwrap();
            total.add(work.ops, work.checksum);
        }
        total
    }};
}

/// The flavours of the network rows.
pub(super) const NET_FLAVORS: &[Flavor] = &[
    Flavor::CurrentThread,
    Flavor::MultiThread,
    Flavor::ThreadPerCore,
];

/// Connections of `tcp_echo`; not scaled.
const ECHO_CONNECTIONS: u64 = 50;
/// Round trips per connection.
const ECHO_ROUND_TRIPS: u64 = 2_000;
/// Connections `tcp_connect` opens and closes.
const CONNECTS: u64 = 10_000;
/// `tcp_stream` sends this many chunks of [`STREAM_CHUNK`] bytes (1 GiB).
const STREAM_CHUNKS: u64 = 16_384;
const STREAM_CHUNK: usize = 64 * 1024;
/// UDP clients and round trips per client.
const UDP_CLIENTS: u64 = 10;
const UDP_ROUND_TRIPS: u64 = 2_000;

/// `ECHO_CONNECTIONS` clients each doing round trips of `$size` bytes with
/// an echo server task per connection. One op is one round trip.
///
/// The connections are split into [`shards`] groups, each with its own
/// listener, accept loop and clients, spawned through the runtime's handle;
/// every task of a group is spawned from inside it. On thread-per-core that
/// puts one group on each worker (a handle spreads spawns over the workers,
/// and a task spawned on a worker stays there), which is how a program
/// uses that flavour: a connection and its peer stay on one core. The same
/// code runs on Tokio, whose multi-thread scheduler places the tasks its
/// own way. On the other flavours there is one group.
macro_rules! tcp_echo {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr, $size:expr) => {{
        use $krate::io::{AsyncReadExt, AsyncWriteExt};
        let round_trips = $scale.of(ECHO_ROUND_TRIPS);
        let shards = shards($flavor);
        let handle = $rt.handle().clone();
        drive!($krate, $rt, $flavor, async move {
            let groups: Vec<_> = (0..shards)
                .map(|shard| {
                    handle.spawn(async move {
                        let listener = $krate::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                        let addr = listener.local_addr().unwrap();
                        let connections: Vec<u64> =
                            (shard..ECHO_CONNECTIONS).step_by(shards as usize).collect();
                        let accepts = connections.len();
                        let server = $krate::spawn(async move {
                            for _ in 0..accepts {
                                let (mut socket, _) = listener.accept().await.unwrap();
                                socket.set_nodelay(true).unwrap();
                                $krate::spawn(async move {
                                    let mut buf = vec![0u8; $size];
                                    loop {
                                        match socket.read(&mut buf).await.unwrap() {
                                            0 => break,
                                            n => socket.write_all(&buf[..n]).await.unwrap(),
                                        }
                                    }
                                });
                            }
                        });
                        let clients: Vec<_> = connections
                            .into_iter()
                            .map(|c| {
                                $krate::spawn(async move {
                                    let mut socket =
                                        $krate::net::TcpStream::connect(addr).await.unwrap();
                                    socket.set_nodelay(true).unwrap();
                                    let mut out = vec![0u8; $size];
                                    let mut back = vec![0u8; $size];
                                    let mut work = Work::default();
                                    for i in 0..round_trips {
                                        let value = mix(c * round_trips + i);
                                        out[..8].copy_from_slice(&value.to_le_bytes());
                                        socket.write_all(&out).await.unwrap();
                                        socket.read_exact(&mut back).await.unwrap();
                                        assert!(back == out, "echo came back different");
                                        work.add(
                                            1,
                                            u64::from_le_bytes(back[..8].try_into().unwrap()),
                                        );
                                    }
                                    work
                                })
                            })
                            .collect();
                        let total = sum_work!(clients);
                        server.await.unwrap();
                        total
                    })
                })
                .collect();
            sum_work!(groups)
        })
    }};
}

/// Groups the `tcp_echo` connections and the `udp_echo` clients are split
/// into: one per worker on thread-per-core, one elsewhere.
fn shards(flavor: Flavor) -> u64 {
    match flavor {
        Flavor::ThreadPerCore => WORKERS as u64,
        Flavor::CurrentThread | Flavor::MultiThread => 1,
    }
}

macro_rules! tcp_echo_64 {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {
        tcp_echo!($krate, $rt, $flavor, $scale, 64)
    };
}

macro_rules! tcp_echo_4k {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {
        tcp_echo!($krate, $rt, $flavor, $scale, 4096)
    };
}

/// Connect, accept and close, one connection after another; the server
/// writes one byte that the client reads, so every connection is proven
/// end to end. One op is one connection.
macro_rules! tcp_connect {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        use $krate::io::{AsyncReadExt, AsyncWriteExt};
        let connects = $scale.of(CONNECTS);
        drive!($krate, $rt, $flavor, async move {
            let listener = $krate::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = $krate::spawn(async move {
                for i in 0..connects {
                    let (mut socket, _) = listener.accept().await.unwrap();
                    socket.write_all(&[(i % 251) as u8]).await.unwrap();
                }
            });
            let mut work = Work::default();
            for i in 0..connects {
                let mut socket = $krate::net::TcpStream::connect(addr).await.unwrap();
                let mut byte = [0u8; 1];
                socket.read_exact(&mut byte).await.unwrap();
                assert_eq!(u64::from(byte[0]), i % 251);
                work.add(1, mix(u64::from(byte[0])));
            }
            server.await.unwrap();
            work
        })
    }};
}

/// One connection, 1 GiB one way in 64 KiB writes, read with a 64 KiB
/// buffer. One op is 64 KiB received. The writer is spawned through the
/// runtime's handle, which on thread-per-core puts it on the other worker
/// than the reader (elsewhere it is a plain spawn).
macro_rules! tcp_stream {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        use $krate::io::{AsyncReadExt, AsyncWriteExt};
        let chunks = $scale.of(STREAM_CHUNKS);
        let handle = $rt.handle().clone();
        drive!($krate, $rt, $flavor, async move {
            let listener = $krate::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            // Through the handle: on thread-per-core, on the other worker.
            let writer = handle.spawn(async move {
                let (mut socket, _) = listener.accept().await.unwrap();
                let chunk: Vec<u8> = (0..STREAM_CHUNK).map(|i| (i % 253) as u8).collect();
                for _ in 0..chunks {
                    socket.write_all(&chunk).await.unwrap();
                }
                socket.shutdown().await.unwrap();
            });
            let mut socket = $krate::net::TcpStream::connect(addr).await.unwrap();
            let mut buf = vec![0u8; STREAM_CHUNK];
            let mut received = 0u64;
            let mut sum = 0u64;
            loop {
                let n = socket.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                for (k, &b) in buf[..n].iter().enumerate() {
                    let offset = (received + k as u64) % STREAM_CHUNK as u64;
                    debug_assert_eq!(u64::from(b), offset % 253);
                    sum = sum.wrapping_add(u64::from(b));
                }
                received += n as u64;
            }
            writer.await.unwrap();
            assert_eq!(received, chunks * STREAM_CHUNK as u64);
            let mut work = Work::default();
            work.add(received / STREAM_CHUNK as u64, sum);
            work
        })
    }};
}

/// `UDP_CLIENTS` connected client sockets each doing round trips of 64 B
/// datagrams with a server socket. One op is one round trip. Split into
/// [`shards`] groups, each with its own server socket, as `tcp_echo` is.
macro_rules! udp_echo {
    ($krate:ident, $rt:expr, $flavor:expr, $scale:expr) => {{
        let round_trips = $scale.of(UDP_ROUND_TRIPS);
        let shards = shards($flavor);
        let handle = $rt.handle().clone();
        drive!($krate, $rt, $flavor, async move {
            let groups: Vec<_> = (0..shards)
                .map(|shard| {
                    handle.spawn(async move {
                        let server = $krate::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
                        let addr = server.local_addr().unwrap();
                        let clients: Vec<u64> =
                            (shard..UDP_CLIENTS).step_by(shards as usize).collect();
                        let total = clients.len() as u64 * round_trips;
                        let server = $krate::spawn(async move {
                            let mut buf = [0u8; 64];
                            for _ in 0..total {
                                let (n, peer) = server.recv_from(&mut buf).await.unwrap();
                                server.send_to(&buf[..n], peer).await.unwrap();
                            }
                        });
                        let clients: Vec<_> = clients
                            .into_iter()
                            .map(|c| {
                                $krate::spawn(async move {
                                    let socket =
                                        $krate::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
                                    socket.connect(addr).await.unwrap();
                                    let mut out = [0u8; 64];
                                    let mut back = [0u8; 64];
                                    let mut work = Work::default();
                                    for i in 0..round_trips {
                                        let value = mix(c * round_trips + i);
                                        out[..8].copy_from_slice(&value.to_le_bytes());
                                        socket.send(&out).await.unwrap();
                                        let n = socket.recv(&mut back).await.unwrap();
                                        assert!(
                                            n == 64 && back == out,
                                            "datagram came back different"
                                        );
                                        work.add(1, value);
                                    }
                                    work
                                })
                            })
                            .collect();
                        let work = sum_work!(clients);
                        server.await.unwrap();
                        work
                    })
                })
                .collect();
            sum_work!(groups)
        })
    }};
}

/// A workload in two rows: Zokio on io_uring, and (`…/poll`) on the
/// readiness driver, both against Tokio.
macro_rules! io_pair {
    ($name:literal, $poll_name:literal, $body:ident, $ops:expr) => {
        (
            pair_on!(
                $name,
                $body,
                NET_FLAVORS,
                $ops,
                zokio::runtime::IoBackend::Uring
            ),
            pair_on!(
                $poll_name,
                $body,
                NET_FLAVORS,
                $ops,
                zokio::runtime::IoBackend::Poll
            ),
        )
    };
}

pub const TCP_ECHO_64: (Workload, Workload) = io_pair!(
    "tcp_echo_64",
    "tcp_echo_64/poll",
    tcp_echo_64,
    |scale| ECHO_CONNECTIONS * scale.of(ECHO_ROUND_TRIPS)
);

pub const TCP_ECHO_4K: (Workload, Workload) = io_pair!(
    "tcp_echo_4k",
    "tcp_echo_4k/poll",
    tcp_echo_4k,
    |scale| ECHO_CONNECTIONS * scale.of(ECHO_ROUND_TRIPS)
);

pub const TCP_CONNECT: (Workload, Workload) =
    io_pair!("tcp_connect", "tcp_connect/poll", tcp_connect, |scale| {
        scale.of(CONNECTS)
    });

pub const TCP_STREAM: (Workload, Workload) =
    io_pair!("tcp_stream", "tcp_stream/poll", tcp_stream, |scale| scale
        .of(STREAM_CHUNKS));

pub const UDP_ECHO: (Workload, Workload) =
    io_pair!("udp_echo", "udp_echo/poll", udp_echo, |scale| {
        UDP_CLIENTS * scale.of(UDP_ROUND_TRIPS)
    });
