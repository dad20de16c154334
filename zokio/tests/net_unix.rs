//! Unix stream and datagram sockets in a temporary directory, on both I/O
//! backends and on the current-thread and multi-thread schedulers.

use std::io::{ErrorKind, IoSliceMut};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::net::unix::{UnixDatagram, UnixListener, UnixStream};
use zokio::runtime::Builder;

mod support;
use support::each_backend;

/// A socket path in the temporary directory that no other test (or test
/// process) uses; removed when dropped.
struct TempPath(PathBuf);

impl TempPath {
    fn new(name: &str) -> TempPath {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "zokio-net-unix-{}-{name}-{n}.sock",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        TempPath(path)
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The bytes of a long transfer: position-dependent, so a lost, repeated
/// or reordered chunk changes the checksum.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i ^ (i >> 8) ^ (i >> 16)) as u8).collect()
}

fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[test]
fn stream_echo_with_half_close() {
    each_backend(|rt| {
        rt.block_on(async {
            let path = TempPath::new("echo");
            let listener = UnixListener::bind(&path.0).unwrap();
            assert_eq!(
                listener.local_addr().unwrap().as_pathname(),
                Some(path.0.as_path())
            );
            let server = zokio::spawn(async move {
                let (mut stream, peer) = listener.accept().await.unwrap();
                assert!(peer.is_unnamed());
                let mut buf = [0; 1024];
                loop {
                    let n = stream.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    stream.write_all(&buf[..n]).await.unwrap();
                }
                stream.write_all(b"|done").await.unwrap();
                stream.shutdown().await.unwrap();
            });

            let mut client = UnixStream::connect(&path.0).await.unwrap();
            assert_eq!(
                client.peer_addr().unwrap().as_pathname(),
                Some(path.0.as_path())
            );
            client.write_all(b"hello, ").await.unwrap();
            client.write_all(b"unix").await.unwrap();
            // Half close: the server sees the end of the stream but can
            // still answer.
            client.shutdown().await.unwrap();
            let mut echoed = Vec::new();
            client.read_to_end(&mut echoed).await.unwrap();
            assert_eq!(echoed, b"hello, unix|done");
            server.await.unwrap();
        })
    });
}

#[test]
fn stream_four_mib_transfer() {
    const LEN: usize = 4 << 20;
    each_backend(|rt| {
        rt.block_on(async {
            let (mut a, mut b) = UnixStream::pair().unwrap();
            let writer = zokio::spawn(async move {
                let data = pattern(LEN);
                // Uneven chunks, so writes straddle the socket buffer size.
                let mut sent = 0;
                let mut chunk = 1;
                while sent < LEN {
                    let end = (sent + chunk).min(LEN);
                    a.write_all(&data[sent..end]).await.unwrap();
                    sent = end;
                    chunk = chunk * 7 % 300_007 + 1;
                }
                a.shutdown().await.unwrap();
            });
            let mut got = Vec::with_capacity(LEN);
            b.read_to_end(&mut got).await.unwrap();
            writer.await.unwrap();
            assert_eq!(got.len(), LEN);
            assert_eq!(checksum(&got), checksum(&pattern(LEN)));
        })
    });
}

#[test]
fn pair_addresses_and_readiness() {
    each_backend(|rt| {
        rt.block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            assert!(a.local_addr().unwrap().is_unnamed());
            assert!(a.peer_addr().unwrap().is_unnamed());
            assert!(a.take_error().unwrap().is_none());

            let mut buf = [0; 16];
            assert_eq!(
                b.try_read(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            a.writable().await.unwrap();
            assert_eq!(a.try_write(b"ready").unwrap(), 5);
            let n = loop {
                b.readable().await.unwrap();
                match b.try_read(&mut buf) {
                    Ok(n) => break n,
                    Err(err) if err.kind() == ErrorKind::WouldBlock => continue,
                    Err(err) => panic!("{err}"),
                }
            };
            assert_eq!(&buf[..n], b"ready");

            drop(a);
            b.readable().await.unwrap();
            let mut rest = Vec::new();
            let mut b = b;
            b.read_to_end(&mut rest).await.unwrap();
            assert!(rest.is_empty());
        })
    });
}

#[test]
fn into_split_halves_in_two_tasks() {
    const LEN: usize = 1 << 20;
    each_backend(|rt| {
        rt.block_on(async {
            let (a, mut b) = UnixStream::pair().unwrap();
            // `b` echoes until the end of the stream, then shuts down.
            let echo = zokio::spawn(async move {
                let mut buf = vec![0; 64 * 1024];
                loop {
                    let n = b.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    b.write_all(&buf[..n]).await.unwrap();
                }
                b.shutdown().await.unwrap();
            });

            let (mut read, mut write) = a.into_split();
            let writer = zokio::spawn(async move {
                write.write_all(&pattern(LEN)).await.unwrap();
                // Dropping the owned write half shuts the write side down.
                drop(write);
            });
            let reader = zokio::spawn(async move {
                let mut got = Vec::new();
                read.read_to_end(&mut got).await.unwrap();
                (got, read)
            });
            writer.await.unwrap();
            let (got, read) = reader.await.unwrap();
            echo.await.unwrap();
            assert_eq!(got.len(), LEN);
            assert_eq!(checksum(&got), checksum(&pattern(LEN)));
            assert!(AsRef::<UnixStream>::as_ref(&read)
                .peer_addr()
                .unwrap()
                .is_unnamed());
        })
    });
}

#[test]
fn split_and_reunite() {
    each_backend(|rt| {
        rt.block_on(async {
            let (mut a, mut b) = UnixStream::pair().unwrap();
            {
                let (mut read, mut write) = a.split();
                write.write_all(b"borrowed").await.unwrap();
                let mut buf = [0; 8];
                b.read_exact(&mut buf).await.unwrap();
                b.write_all(b"halves").await.unwrap();
                let mut buf = [0; 6];
                read.read_exact(&mut buf).await.unwrap();
                assert_eq!(&buf, b"halves");
            }

            let (c, _d) = UnixStream::pair().unwrap();
            let (read_a, write_a) = a.into_split();
            let (read_c, write_c) = c.into_split();
            let err = read_a.reunite(write_c).unwrap_err();
            let (read_a, write_c) = (err.0, err.1);
            let mut a = write_a.reunite(read_a).unwrap();
            drop(read_c.reunite(write_c).unwrap());
            // The reunited stream was not shut down and still works.
            a.write_all(b"whole").await.unwrap();
            let mut buf = [0; 5];
            b.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"whole");
        })
    });
}

#[test]
fn listener_accepts_many() {
    const CLIENTS: u32 = 64;
    each_backend(|rt| {
        rt.block_on(async {
            let path = TempPath::new("many");
            let listener = UnixListener::bind(&path.0).unwrap();
            let server = zokio::spawn(async move {
                let mut handlers = Vec::new();
                for _ in 0..CLIENTS {
                    let (mut stream, _) = listener.accept().await.unwrap();
                    handlers.push(zokio::spawn(async move {
                        let mut id = [0; 4];
                        stream.read_exact(&mut id).await.unwrap();
                        let id = u32::from_le_bytes(id);
                        stream.write_all(&(id * 3).to_le_bytes()).await.unwrap();
                        stream.shutdown().await.unwrap();
                        id
                    }));
                }
                let mut ids = Vec::new();
                for handler in handlers {
                    ids.push(handler.await.unwrap());
                }
                ids.sort_unstable();
                ids
            });

            let mut clients = Vec::new();
            for id in 0..CLIENTS {
                let path = path.0.clone();
                clients.push(zokio::spawn(async move {
                    let mut stream = UnixStream::connect(&path).await.unwrap();
                    stream.write_all(&id.to_le_bytes()).await.unwrap();
                    let mut reply = Vec::new();
                    stream.read_to_end(&mut reply).await.unwrap();
                    assert_eq!(reply, (id * 3).to_le_bytes());
                }));
            }
            for client in clients {
                client.await.unwrap();
            }
            assert_eq!(server.await.unwrap(), (0..CLIENTS).collect::<Vec<_>>());
        })
    });
}

#[test]
fn stream_std_round_trip() {
    each_backend(|rt| {
        rt.block_on(async {
            let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
            let mut a = UnixStream::from_std(a).unwrap();
            let mut b = UnixStream::try_from(b).unwrap();
            a.write_all(b"std").await.unwrap();
            let mut buf = [0; 3];
            b.read_exact(&mut buf).await.unwrap();

            let mut std_b = b.into_std().unwrap();
            std_b.set_nonblocking(false).unwrap();
            std::io::Write::write_all(&mut std_b, b"back").unwrap();
            let mut buf = [0; 4];
            a.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"back");

            let path = TempPath::new("std-listener");
            let listener =
                UnixListener::from_std(std::os::unix::net::UnixListener::bind(&path.0).unwrap())
                    .unwrap();
            let _client = UnixStream::connect(&path.0).await.unwrap();
            listener.accept().await.unwrap();
            let std_listener = listener.into_std().unwrap();
            assert_eq!(
                std_listener.local_addr().unwrap().as_pathname(),
                Some(path.0.as_path())
            );
        })
    });
}

#[test]
fn connect_to_missing_path_fails() {
    each_backend(|rt| {
        rt.block_on(async {
            let path = TempPath::new("missing");
            let err = UnixStream::connect(&path.0).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound);
            // A path the kernel cannot hold is refused before any socket
            // is made.
            let long = std::env::temp_dir().join("x".repeat(200));
            assert!(UnixStream::connect(&long).await.is_err());
            assert!(UnixListener::bind(&long).is_err());
        })
    });
}

#[test]
fn datagram_pair() {
    each_backend(|rt| {
        rt.block_on(async {
            let (a, b) = UnixDatagram::pair().unwrap();
            assert!(a.peer_addr().unwrap().is_unnamed());
            for i in 0..32u8 {
                let msg = vec![i; usize::from(i) * 5];
                assert_eq!(a.send(&msg).await.unwrap(), msg.len());
                let mut buf = [0; 256];
                let n = b.recv(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], &msg[..]);
            }
            // Truncation, as with UDP.
            b.send(&[7; 100]).await.unwrap();
            let mut small = [0; 10];
            assert_eq!(a.recv(&mut small).await.unwrap(), 10);
            assert_eq!(
                a.try_recv(&mut small).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
        })
    });
}

#[test]
fn datagram_send_to_and_recv_from() {
    each_backend(|rt| {
        rt.block_on(async {
            let server_path = TempPath::new("dgram-server");
            let client_path = TempPath::new("dgram-client");
            let server = UnixDatagram::bind(&server_path.0).unwrap();
            let client = UnixDatagram::bind(&client_path.0).unwrap();
            let unbound = UnixDatagram::unbound().unwrap();

            let echo = zokio::spawn(async move {
                let mut buf = [0; 64];
                for _ in 0..20 {
                    let (n, from) = server.recv_from(&mut buf).await.unwrap();
                    let from = from.as_pathname().unwrap().to_owned();
                    server.send_to(&buf[..n], &from).await.unwrap();
                }
                let (n, from) = server.recv_from(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], b"anonymous");
                assert!(from.is_unnamed());
            });
            for i in 0..20u32 {
                let msg = format!("datagram {i}");
                client
                    .send_to(msg.as_bytes(), &server_path.0)
                    .await
                    .unwrap();
                let mut buf = [0; 64];
                let (n, from) = client.recv_from(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], msg.as_bytes());
                assert_eq!(from.as_pathname(), Some(server_path.0.as_path()));
            }
            unbound.send_to(b"anonymous", &server_path.0).await.unwrap();
            echo.await.unwrap();

            unbound.connect(&client_path.0).unwrap();
            assert_eq!(
                unbound.peer_addr().unwrap().as_pathname(),
                Some(client_path.0.as_path())
            );
            unbound.send(b"connected").await.unwrap();
            let mut buf = [0; 16];
            let (n, from) = client.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"connected");
            assert!(from.is_unnamed());
        })
    });
}

#[test]
fn datagram_readiness_and_cancellation() {
    each_backend(|rt| {
        rt.block_on(async {
            let (a, b) = UnixDatagram::pair().unwrap();
            let mut buf = [0; 16];
            assert_eq!(
                b.try_recv_from(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );

            zokio::select! {
                biased;
                _ = b.recv(&mut buf) => panic!("nothing was sent yet"),
                _ = zokio::task::yield_now() => {}
            }
            let timed_out = zokio::time::timeout(Duration::from_millis(5), b.recv(&mut buf)).await;
            assert!(timed_out.is_err());

            a.writable().await.unwrap();
            assert_eq!(a.try_send(b"kept").unwrap(), 4);
            let n = loop {
                b.readable().await.unwrap();
                match b.try_recv(&mut buf) {
                    Ok(n) => break n,
                    Err(err) if err.kind() == ErrorKind::WouldBlock => continue,
                    Err(err) => panic!("{err}"),
                }
            };
            assert_eq!(&buf[..n], b"kept");

            a.shutdown(std::net::Shutdown::Write).unwrap();
            assert!(a.send(b"late").await.is_err());
        })
    });
}

#[test]
fn datagram_std_round_trip() {
    each_backend(|rt| {
        rt.block_on(async {
            let (a, b) = std::os::unix::net::UnixDatagram::pair().unwrap();
            let a = UnixDatagram::from_std(a).unwrap();
            b.send(b"in").unwrap();
            assert_eq!(a.recv(&mut [0; 8]).await.unwrap(), 2);
            let a = a.into_std().unwrap();
            a.send(b"out").unwrap();
            assert_eq!(b.recv(&mut [0; 8]).unwrap(), 3);
        })
    });
}

#[test]
fn datagram_owned_buffers_echo_and_come_back() {
    each_backend(|rt| {
        rt.block_on(async {
            let server_path = TempPath::new("owned-server");
            let client_path = TempPath::new("owned-client");
            let server = UnixDatagram::bind(&server_path.0).unwrap();
            let client = UnixDatagram::bind(&client_path.0).unwrap();
            let echo = zokio::spawn(async move {
                // One buffer for the whole conversation.
                let mut buf = Vec::with_capacity(256);
                for _ in 0..20 {
                    let (received, mut back) = server.recv_from_owned(buf).await;
                    let (n, from) = received.unwrap();
                    back.truncate(n);
                    let from = from.as_pathname().unwrap().to_owned();
                    let (sent, back) = server.send_to_owned(back, &from).await;
                    assert_eq!(sent.unwrap(), n);
                    buf = back;
                }
            });
            for i in 0..20u32 {
                let msg = format!("owned datagram {i}").into_bytes();
                let (sent, msg) = client.send_to_owned(msg, &server_path.0).await;
                assert_eq!(sent.unwrap(), msg.len());
                let (received, buf) = client
                    .recv_from_owned(vec![0xAA_u8; 64].into_boxed_slice())
                    .await;
                let (n, from) = received.unwrap();
                assert_eq!(from.as_pathname(), Some(server_path.0.as_path()));
                assert_eq!(&buf[..n], &msg[..]);
                assert!(
                    buf[n..].iter().all(|&b| b == 0xAA),
                    "wrote past the datagram"
                );
            }
            echo.await.unwrap();
        })
    });
}

#[test]
fn datagram_owned_senders_of_every_kind_and_failures() {
    each_backend(|rt| {
        rt.block_on(async {
            // A pair: the sender is unnamed; a long datagram is cut to fit.
            let (a, b) = UnixDatagram::pair().unwrap();
            let long: Vec<u8> = (0..100).collect();
            let (sent, _) = a.send_owned(long.clone()).await;
            assert_eq!(sent.unwrap(), 100);
            let (sent, _) = a.send_owned(&b"next"[..]).await;
            assert_eq!(sent.unwrap(), 4);
            let (received, small) = b.recv_from_owned(Vec::with_capacity(10)).await;
            let (n, from) = received.unwrap();
            assert_eq!((n, &small[..]), (10, &long[..10]));
            assert!(from.is_unnamed());
            let (n, buf) = b.recv_owned(Vec::with_capacity(128)).await;
            assert_eq!((n.unwrap(), &buf[..]), (4, &b"next"[..]));

            // An abstract-namespace sender keeps its name.
            #[cfg(target_os = "linux")]
            {
                use std::os::linux::net::SocketAddrExt;
                let name = format!("zokio-net-unix-owned-{}", std::process::id());
                let addr = std::os::unix::net::SocketAddr::from_abstract_name(&name).unwrap();
                let named = std::os::unix::net::UnixDatagram::bind_addr(&addr).unwrap();
                let named = UnixDatagram::from_std(named).unwrap();
                let path = TempPath::new("owned-abstract");
                let receiver = UnixDatagram::bind(&path.0).unwrap();
                let (sent, _) = named.send_to_owned(b"abstract".to_vec(), &path.0).await;
                assert_eq!(sent.unwrap(), 8);
                let (received, buf) = receiver.recv_from_owned(Vec::with_capacity(16)).await;
                let (n, from) = received.unwrap();
                assert_eq!(&buf[..n], b"abstract");
                assert_eq!(from.as_abstract_name(), Some(name.as_bytes()));
            }

            // Failures hand the buffer back whole.
            let unbound = UnixDatagram::unbound().unwrap();
            let (result, buf) = unbound.send_owned(b"nowhere".to_vec()).await;
            assert!(result.is_err());
            assert_eq!(buf, b"nowhere");
            let missing = TempPath::new("owned-missing");
            let (result, buf) = unbound.send_to_owned(b"lost".to_vec(), &missing.0).await;
            assert_eq!(result.unwrap_err().kind(), ErrorKind::NotFound);
            assert_eq!(buf, b"lost");
        })
    });
}

fn assert_send<T: Send>(_: &T) {}

#[test]
fn sockets_and_futures_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<UnixListener>();
    send_sync::<UnixStream>();
    send_sync::<UnixDatagram>();
    send_sync::<zokio::net::unix::OwnedReadHalf>();
    send_sync::<zokio::net::unix::OwnedWriteHalf>();
    send_sync::<zokio::net::unix::ReadHalf<'static>>();
    send_sync::<zokio::net::unix::WriteHalf<'static>>();
    assert_send(&UnixStream::connect("/nonexistent"));

    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let path = TempPath::new("send");
        let listener = UnixListener::bind(&path.0).unwrap();
        assert_send(&listener.accept());
        let (stream, _) = UnixStream::pair().unwrap();
        assert_send(&stream.readable());
        assert_send(&stream.writable());
        let (a, _b) = UnixDatagram::pair().unwrap();
        let mut buf = [0; 8];
        assert_send(&a.send(b""));
        assert_send(&a.send_to(b"", &path.0));
        assert_send(&a.recv(&mut buf));
        assert_send(&a.recv_from(&mut buf));
        assert_send(&a.readable());
        assert_send(&a.writable());
    });
}

#[test]
fn datagram_ready_and_try_io() {
    use zokio::io::Interest;
    each_backend(|rt| {
        rt.block_on(async {
            let (a, b) = UnixDatagram::pair().unwrap();
            assert!(a.ready(Interest::WRITABLE).await.unwrap().is_writable());
            let mut buf = [0; 16];
            let err = b
                .try_io(Interest::READABLE, || b.try_recv(&mut buf))
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock);
            let reader = zokio::spawn(async move {
                let mut buf = [0; 16];
                let mut got = Vec::new();
                for _ in 0..50 {
                    let n = b
                        .async_io(Interest::READABLE, || b.try_recv(&mut buf))
                        .await
                        .unwrap();
                    got.push(buf[..n].to_vec());
                }
                got
            });
            for i in 0..50u8 {
                a.send(&[i; 3]).await.unwrap();
            }
            let got = reader.await.unwrap();
            assert_eq!(got, (0..50u8).map(|i| vec![i; 3]).collect::<Vec<_>>());
        });
    });
}

#[test]
fn stream_ready_reports_each_direction() {
    use zokio::io::Interest;
    each_backend(|rt| {
        rt.block_on(async {
            let (mut a, b) = UnixStream::pair().unwrap();
            let ready = b.ready(Interest::WRITABLE).await.unwrap();
            assert!(ready.is_writable() && !ready.is_readable());
            a.write_all(b"hello").await.unwrap();
            let ready = b
                .ready(Interest::READABLE | Interest::WRITABLE)
                .await
                .unwrap();
            assert!(ready.is_writable());
            let ready = b.ready(Interest::READABLE).await.unwrap();
            assert!(ready.is_readable());
            let mut b = b;
            let mut buf = [0; 5];
            b.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"hello");
            drop(a);
            // End of stream is readable too.
            assert!(b.ready(Interest::READABLE).await.unwrap().is_readable());
            assert_eq!(b.read(&mut buf).await.unwrap(), 0);
        });
    });
}

#[test]
fn peer_credentials_name_this_process() {
    each_backend(|rt| {
        rt.block_on(async {
            let path = TempPath::new("cred");
            let listener = UnixListener::bind(&path.0).unwrap();
            let client = UnixStream::connect(&path.0).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            // SAFETY: plain getters.
            let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
            for cred in [client.peer_cred().unwrap(), server.peer_cred().unwrap()] {
                assert_eq!(cred.uid(), uid);
                assert_eq!(cred.gid(), gid);
                assert_eq!(
                    cred.pid(),
                    Some(std::process::id() as zokio::net::unix::pid_t)
                );
            }
            let (a, _b) = UnixStream::pair().unwrap();
            assert_eq!(a.peer_cred().unwrap().uid(), uid);
        });
    });
}

#[test]
fn stream_try_read_vectored_fills_the_first_non_empty_buffer() {
    each_backend(|rt| {
        rt.block_on(async {
            let (mut a, b) = UnixStream::pair().unwrap();
            let data = pattern(64 * 1024);
            let writer = zokio::spawn({
                let data = data.clone();
                async move {
                    a.write_all(&data).await.unwrap();
                    a.shutdown().await.unwrap();
                }
            });
            let mut got = Vec::new();
            let (mut empty, mut chunk, mut after) = ([0u8; 0], [0u8; 1000], [0xaau8; 8]);
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
                    Err(err) if err.kind() == ErrorKind::WouldBlock => continue,
                    Err(err) => panic!("{err}"),
                }
            }
            writer.await.unwrap();
            assert_eq!(after, [0xaa; 8]);
            assert_eq!(checksum(&got), checksum(&data));
        })
    });
}

#[cfg(feature = "bytes")]
#[test]
fn stream_try_read_buf_appends_to_the_buffer() {
    each_backend(|rt| {
        rt.block_on(async {
            let (mut a, b) = UnixStream::pair().unwrap();
            let data = pattern(64 * 1024);
            let writer = zokio::spawn({
                let data = data.clone();
                async move {
                    a.write_all(&data).await.unwrap();
                    a.shutdown().await.unwrap();
                }
            });
            let mut got = b"head".to_vec();
            loop {
                b.readable().await.unwrap();
                let before = got.len();
                match b.try_read_buf(&mut got) {
                    Ok(0) => break,
                    Ok(n) => assert_eq!(got.len(), before + n),
                    Err(err) if err.kind() == ErrorKind::WouldBlock => {
                        assert_eq!(got.len(), before)
                    }
                    Err(err) => panic!("{err}"),
                }
            }
            writer.await.unwrap();
            assert_eq!(&got[..4], b"head");
            assert_eq!(checksum(&got[4..]), checksum(&data));
        })
    });
}

/// The `BufMut` receives, as on UDP: into the spare room only, cut to fit,
/// with the sender's address where asked, and nothing taken by a cancelled
/// one.
#[cfg(feature = "bytes")]
#[test]
fn datagram_recv_buf_family() {
    use bytes::{BufMut, BytesMut};

    each_backend(|rt| {
        rt.block_on(async {
            let (a, b) = UnixDatagram::pair().unwrap();
            let mut buf = BytesMut::with_capacity(64);
            buf.put_slice(b"kept:");
            zokio::select! {
                biased;
                _ = b.recv_buf(&mut buf) => panic!("nothing was sent yet"),
                _ = zokio::task::yield_now() => {}
            }
            assert_eq!(&buf[..], b"kept:");
            assert_eq!(
                b.try_recv_buf(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            a.send(b"one").await.unwrap();
            assert_eq!(b.recv_buf(&mut buf).await.unwrap(), 3);
            a.send(b"two").await.unwrap();
            let n = loop {
                b.readable().await.unwrap();
                match b.try_recv_buf(&mut buf) {
                    Ok(n) => break n,
                    Err(err) if err.kind() == ErrorKind::WouldBlock => continue,
                    Err(err) => panic!("{err}"),
                }
            };
            assert_eq!(n, 3);
            assert_eq!(&buf[..], b"kept:onetwo");

            a.send(b"truncated").await.unwrap();
            let mut storage = [0u8; 5];
            let mut room = &mut storage[..];
            assert_eq!(b.recv_buf(&mut room).await.unwrap(), 5);
            assert!(room.is_empty());
            assert_eq!(&storage, b"trunc");

            // From a socket pair the sender is unnamed; from a bound socket
            // it is the path.
            a.send(b"pair").await.unwrap();
            let mut buf = Vec::new();
            let (n, from) = b.recv_buf_from(&mut buf).await.unwrap();
            assert_eq!(n, 4);
            assert!(from.is_unnamed());
            let server_path = TempPath::new("dgram-buf-server");
            let client_path = TempPath::new("dgram-buf-client");
            let server = UnixDatagram::bind(&server_path.0).unwrap();
            let client = UnixDatagram::bind(&client_path.0).unwrap();
            client.send_to(b"bound", &server_path.0).await.unwrap();
            let (n, from) = loop {
                server.readable().await.unwrap();
                match server.try_recv_buf_from(&mut buf) {
                    Ok(got) => break got,
                    Err(err) if err.kind() == ErrorKind::WouldBlock => continue,
                    Err(err) => panic!("{err}"),
                }
            };
            assert_eq!(n, 5);
            assert_eq!(from.as_pathname(), Some(client_path.0.as_path()));
            assert_eq!(buf, b"pairbound");
        })
    });
}
