//! UDP sockets on loopback, on both I/O backends and on the current-thread
//! and multi-thread schedulers.

use std::future::Future;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use zokio::net::UdpSocket;
use zokio::runtime::Builder;

mod support;
use support::each_backend;

async fn loopback() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").await.unwrap()
}

/// A datagram whose length and bytes both depend on `i`.
fn datagram(i: usize) -> Vec<u8> {
    (0..(i * 37) % 1400).map(|j| (i + j) as u8).collect()
}

#[test]
fn echo() {
    each_backend(|rt| {
        rt.block_on(async {
            let server = loopback().await;
            let server_addr = server.local_addr().unwrap();
            let echo = zokio::spawn(async move {
                let mut buf = [0; 2048];
                for _ in 0..50 {
                    let (n, from) = server.recv_from(&mut buf).await.unwrap();
                    server.send_to(&buf[..n], from).await.unwrap();
                }
            });
            let client = loopback().await;
            let mut buf = [0; 2048];
            for i in 0..50 {
                let sent = datagram(i);
                client.send_to(&sent, server_addr).await.unwrap();
                let (n, from) = client.recv_from(&mut buf).await.unwrap();
                assert_eq!(from, server_addr);
                assert_eq!(&buf[..n], &sent[..]);
            }
            echo.await.unwrap();
        })
    });
}

#[test]
fn many_datagrams_keep_content_and_sender() {
    each_backend(|rt| {
        rt.block_on(async {
            let receiver = Arc::new(loopback().await);
            let to = receiver.local_addr().unwrap();
            let senders = [loopback().await, loopback().await];
            // Batches small enough for the receive buffer: loopback UDP drops
            // what does not fit instead of making the sender wait.
            for batch in 0..32 {
                let expected: Vec<_> = (0..8)
                    .map(|k| {
                        let i = batch * 8 + k;
                        (datagram(i), senders[i % 2].local_addr().unwrap())
                    })
                    .collect();
                let recv = zokio::spawn({
                    let receiver = receiver.clone();
                    async move {
                        let mut got = Vec::new();
                        let mut buf = [0; 2048];
                        for _ in 0..8 {
                            let (n, from) = receiver.recv_from(&mut buf).await.unwrap();
                            got.push((buf[..n].to_vec(), from));
                        }
                        got
                    }
                });
                for (k, (bytes, _)) in expected.iter().enumerate() {
                    let sender = &senders[(batch * 8 + k) % 2];
                    assert_eq!(sender.send_to(bytes, to).await.unwrap(), bytes.len());
                }
                assert_eq!(recv.await.unwrap(), expected);
            }
        })
    });
}

#[test]
fn peek_from_does_not_consume() {
    each_backend(|rt| {
        rt.block_on(async {
            let socket = loopback().await;
            let sender = loopback().await;
            let from = sender.local_addr().unwrap();
            sender
                .send_to(b"first", socket.local_addr().unwrap())
                .await
                .unwrap();
            sender
                .send_to(b"second", socket.local_addr().unwrap())
                .await
                .unwrap();

            let mut buf = [0; 16];
            for _ in 0..3 {
                assert_eq!(socket.peek_from(&mut buf).await.unwrap(), (5, from));
                assert_eq!(&buf[..5], b"first");
            }
            assert_eq!(socket.peek_sender().await.unwrap(), from);
            assert_eq!(socket.try_peek_from(&mut buf).unwrap(), (5, from));
            assert_eq!(socket.recv_from(&mut buf).await.unwrap(), (5, from));
            assert_eq!(&buf[..5], b"first");
            assert_eq!(socket.recv_from(&mut buf).await.unwrap(), (6, from));
            assert_eq!(&buf[..6], b"second");
            let err = socket.try_recv_from(&mut buf).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock);
        })
    });
}

#[test]
fn short_buffer_truncates_the_datagram() {
    each_backend(|rt| {
        rt.block_on(async {
            let socket = loopback().await;
            let to = socket.local_addr().unwrap();
            let long: Vec<u8> = (0..100).collect();
            socket.send_to(&long, to).await.unwrap();
            socket.send_to(b"next", to).await.unwrap();

            let mut small = [0; 10];
            assert_eq!(socket.recv_from(&mut small).await.unwrap(), (10, to));
            assert_eq!(&small[..], &long[..10]);
            // The rest of the long datagram is gone; the next one is whole.
            let mut buf = [0; 128];
            assert_eq!(socket.recv_from(&mut buf).await.unwrap(), (4, to));
            assert_eq!(&buf[..4], b"next");
        })
    });
}

#[test]
fn connected_send_and_recv() {
    each_backend(|rt| {
        rt.block_on(async {
            let a = loopback().await;
            let b = loopback().await;
            let stranger = loopback().await;
            assert_eq!(a.peer_addr().unwrap_err().kind(), ErrorKind::NotConnected);
            a.connect(b.local_addr().unwrap()).await.unwrap();
            b.connect(a.local_addr().unwrap()).await.unwrap();
            assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());

            // A connected socket only receives from its peer.
            stranger
                .send_to(b"stray", b.local_addr().unwrap())
                .await
                .unwrap();
            assert_eq!(a.send(b"hello").await.unwrap(), 5);
            let mut buf = [0; 16];
            assert_eq!(b.recv(&mut buf).await.unwrap(), 5);
            assert_eq!(&buf[..5], b"hello");

            b.send(b"back").await.unwrap();
            assert_eq!(a.peek(&mut buf).await.unwrap(), 4);
            assert_eq!(a.recv(&mut buf).await.unwrap(), 4);
            assert_eq!(&buf[..4], b"back");
            assert_eq!(
                b.try_recv(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
        })
    });
}

#[test]
fn try_recv_would_block_then_readable() {
    each_backend(|rt| {
        rt.block_on(async {
            let socket = Arc::new(loopback().await);
            let to = socket.local_addr().unwrap();
            let mut buf = [0; 16];
            assert_eq!(
                socket.try_recv_from(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );

            let sender = zokio::spawn(async move {
                let sender = loopback().await;
                sender.writable().await.unwrap();
                sender.try_send_to(b"wake", to).unwrap();
            });
            let (n, _) = loop {
                socket.readable().await.unwrap();
                match socket.try_recv_from(&mut buf) {
                    Ok(got) => break got,
                    Err(err) if err.kind() == ErrorKind::WouldBlock => continue,
                    Err(err) => panic!("{err}"),
                }
            };
            assert_eq!(&buf[..n], b"wake");
            sender.await.unwrap();
        })
    });
}

#[test]
fn cancelled_recv_loses_nothing() {
    each_backend(|rt| {
        rt.block_on(async {
            let socket = loopback().await;
            let sender = loopback().await;
            let to = socket.local_addr().unwrap();
            let mut buf = [0; 16];

            // Cancelled by `select!` after it registered with the driver.
            zokio::select! {
                biased;
                _ = socket.recv_from(&mut buf) => panic!("nothing was sent yet"),
                _ = zokio::task::yield_now() => {}
            }
            sender.send_to(b"one", to).await.unwrap();
            assert_eq!(socket.recv_from(&mut buf).await.unwrap().0, 3);
            assert_eq!(&buf[..3], b"one");

            // Cancelled by a timeout that elapses.
            let timed_out =
                zokio::time::timeout(Duration::from_millis(5), socket.recv(&mut buf)).await;
            assert!(timed_out.is_err());
            sender.send_to(b"two", to).await.unwrap();
            assert_eq!(socket.recv_from(&mut buf).await.unwrap().0, 3);
            assert_eq!(&buf[..3], b"two");

            // Cancelled while a datagram is already waiting: it stays there.
            sender.send_to(b"three", to).await.unwrap();
            socket.readable().await.unwrap();
            zokio::select! {
                biased;
                _ = std::future::ready(()) => {}
                _ = socket.recv_from(&mut buf) => panic!("the ready branch goes first"),
            }
            assert_eq!(socket.recv_from(&mut buf).await.unwrap().0, 5);
            assert_eq!(&buf[..5], b"three");
        })
    });
}

#[test]
fn owned_buffers_echo_and_come_back() {
    each_backend(|rt| {
        rt.block_on(async {
            let server = loopback().await;
            let server_addr = server.local_addr().unwrap();
            let echo = zokio::spawn(async move {
                // One buffer for the whole conversation.
                let mut buf = Vec::with_capacity(2048);
                for _ in 0..50 {
                    let (received, mut back) = server.recv_from_owned(buf).await;
                    let (n, from) = received.unwrap();
                    back.truncate(n);
                    let (sent, back) = server.send_to_owned(back, from).await;
                    assert_eq!(sent.unwrap(), n);
                    buf = back;
                }
                assert!(buf.capacity() >= 2048);
            });
            let client = loopback().await;
            for i in 0..50 {
                let sent = datagram(i);
                let (result, sent_back) = client.send_to_owned(sent, server_addr).await;
                assert_eq!(result.unwrap(), sent_back.len());
                assert_eq!(sent_back, datagram(i));
                let (received, buf) = client
                    .recv_from_owned(vec![0xAA_u8; 2048].into_boxed_slice())
                    .await;
                let (n, from) = received.unwrap();
                assert_eq!(from, server_addr);
                assert_eq!(&buf[..n], &datagram(i)[..]);
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
fn owned_connected_calls_truncate_and_fail_cleanly() {
    each_backend(|rt| {
        rt.block_on(async {
            let a = loopback().await;
            let b = loopback().await;

            // Not connected yet: an error, and the buffer comes back whole.
            let (result, buf) = a.send_owned(b"nowhere".to_vec()).await;
            assert!(result.is_err());
            assert_eq!(buf, b"nowhere");

            a.connect(b.local_addr().unwrap()).await.unwrap();
            b.connect(a.local_addr().unwrap()).await.unwrap();
            let long: Vec<u8> = (0..100).collect();
            let (result, _) = a.send_owned(long.clone()).await;
            assert_eq!(result.unwrap(), 100);
            let (result, _) = a.send_owned(&b"next"[..]).await;
            assert_eq!(result.unwrap(), 4);

            // Room for 10 bytes: the rest of the datagram is gone, the next
            // one is whole.
            let (n, small) = b.recv_owned(Vec::with_capacity(10)).await;
            assert_eq!(n.unwrap(), 10);
            assert_eq!(&small[..], &long[..10]);
            let (n, buf) = b.recv_owned(Vec::with_capacity(128)).await;
            assert_eq!(n.unwrap(), 4);
            assert_eq!(&buf[..], b"next");
        })
    });
}

#[test]
fn dropped_owned_recv_loses_at_most_the_next_datagram() {
    each_backend(|rt| {
        rt.block_on(async {
            let socket = loopback().await;
            let sender = loopback().await;
            let to = socket.local_addr().unwrap();

            // Started (on io_uring: the receive is queued), then dropped.
            {
                let receive = socket.recv_from_owned(Vec::with_capacity(64));
                let mut receive = std::pin::pin!(receive);
                std::future::poll_fn(|cx| {
                    assert!(receive.as_mut().poll(cx).is_pending());
                    std::task::Poll::Ready(())
                })
                .await;
            }
            for i in 0..20u8 {
                sender.send_to(&[i], to).await.unwrap();
            }
            // The dropped receive may have taken datagram 0 (io_uring, if
            // it arrived before the cancel); nothing else is lost, nothing
            // comes twice, the order holds.
            let mut buf = [0; 8];
            let mut got = Vec::new();
            while got.last() != Some(&19) {
                let (n, from) = socket.recv_from(&mut buf).await.unwrap();
                assert_eq!((n, from), (1, sender.local_addr().unwrap()));
                got.push(buf[0]);
            }
            let first = got[0];
            assert!(first <= 1, "lost more than one datagram: {got:?}");
            assert_eq!(got, (first..20).collect::<Vec<_>>());
        })
    });
}

#[test]
fn socket_options_round_trip() {
    each_backend(|rt| {
        rt.block_on(async {
            let socket = UdpSocket::bind("0.0.0.0:0").await.unwrap();
            assert!(!socket.broadcast().unwrap());
            socket.set_broadcast(true).unwrap();
            assert!(socket.broadcast().unwrap());
            socket.set_broadcast(false).unwrap();
            assert!(!socket.broadcast().unwrap());

            socket.set_ttl(42).unwrap();
            assert_eq!(socket.ttl().unwrap(), 42);
            socket.set_multicast_ttl_v4(3).unwrap();
            assert_eq!(socket.multicast_ttl_v4().unwrap(), 3);
            socket.set_multicast_loop_v4(false).unwrap();
            assert!(!socket.multicast_loop_v4().unwrap());
            socket.set_multicast_loop_v4(true).unwrap();
            assert!(socket.multicast_loop_v4().unwrap());
            assert!(socket.take_error().unwrap().is_none());
        })
    });
}

#[test]
fn multicast_v4_on_loopback() {
    each_backend(|rt| {
        rt.block_on(async {
            let group = Ipv4Addr::new(224, 0, 0, 251);
            let receiver = UdpSocket::bind("0.0.0.0:0").await.unwrap();
            let port = receiver.local_addr().unwrap().port();
            if let Err(err) = receiver.join_multicast_v4(group, Ipv4Addr::LOCALHOST) {
                eprintln!("note: cannot join {group} on loopback here ({err}); skipped");
                return;
            }
            // Bound to 127.0.0.1, the sender's multicast goes out of `lo`.
            let sender = loopback().await;
            sender.set_multicast_loop_v4(true).unwrap();
            if let Err(err) = sender.send_to(b"group", (group, port)).await {
                eprintln!("note: no multicast route to {group} here ({err}); skipped");
                receiver
                    .leave_multicast_v4(group, Ipv4Addr::LOCALHOST)
                    .unwrap();
                return;
            }
            let mut buf = [0; 16];
            let (n, from) = receiver.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"group");
            assert_eq!(from, sender.local_addr().unwrap());
            receiver
                .leave_multicast_v4(group, Ipv4Addr::LOCALHOST)
                .unwrap();
            // Leaving twice is an error, not a panic.
            assert!(receiver
                .leave_multicast_v4(group, Ipv4Addr::LOCALHOST)
                .is_err());
        })
    });
}

#[test]
fn std_round_trip() {
    each_backend(|rt| {
        rt.block_on(async {
            let std_socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            let addr = std_socket.local_addr().unwrap();
            let socket = UdpSocket::from_std(std_socket).unwrap();
            assert_eq!(socket.local_addr().unwrap(), addr);

            let peer = loopback().await;
            peer.send_to(b"to std", addr).await.unwrap();
            let mut buf = [0; 16];
            assert_eq!(socket.recv_from(&mut buf).await.unwrap().0, 6);

            let std_socket = socket.into_std().unwrap();
            std_socket.set_nonblocking(false).unwrap();
            peer.send_to(b"later", addr).await.unwrap();
            let (n, from) = std_socket.recv_from(&mut buf).unwrap();
            assert_eq!(
                (&buf[..n], from),
                (&b"later"[..], peer.local_addr().unwrap())
            );
        })
    });
}

#[test]
fn bind_resolves_names_and_tries_each_address() {
    each_backend(|rt| {
        rt.block_on(async {
            let socket = UdpSocket::bind(("localhost", 0)).await.unwrap();
            assert!(socket.local_addr().unwrap().ip().is_loopback());
            let taken = socket.local_addr().unwrap();
            let free: SocketAddr = "127.0.0.1:0".parse().unwrap();
            // The first address is in use; the second binds.
            let second = UdpSocket::bind(&[taken, free][..]).await.unwrap();
            assert_ne!(second.local_addr().unwrap(), taken);
            let err = UdpSocket::bind(&[][..]).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
        })
    });
}

#[test]
fn no_runtime_or_no_io_is_an_error() {
    let std_socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    assert!(UdpSocket::from_std(std_socket).is_err());

    let rt = Builder::new_current_thread().enable_time().build().unwrap();
    assert_eq!(rt.handle().io_backend(), None);
    let err = rt.block_on(UdpSocket::bind("127.0.0.1:0")).unwrap_err();
    assert!(err.to_string().contains("enable_io"), "{err}");
}

fn assert_send<T: Send>(_: &T) {}

#[test]
fn socket_and_futures_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<UdpSocket>();
    assert_send(&UdpSocket::bind("127.0.0.1:0"));

    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let socket = loopback().await;
        let to = socket.local_addr().unwrap();
        let mut buf = [0; 8];
        assert_send(&socket.connect(to));
        assert_send(&socket.send(b""));
        assert_send(&socket.send_to(b"", to));
        assert_send(&socket.recv(&mut buf));
        assert_send(&socket.recv_from(&mut buf));
        assert_send(&socket.peek(&mut buf));
        assert_send(&socket.peek_from(&mut buf));
        assert_send(&socket.peek_sender());
        assert_send(&socket.readable());
        assert_send(&socket.writable());
    });
}

/// One `recv(2)` of the caller's own on `socket`'s descriptor, as a
/// library that drives the socket itself would make.
fn raw_recv(socket: &UdpSocket, buf: &mut [u8]) -> std::io::Result<usize> {
    use std::os::fd::AsRawFd;
    // SAFETY: `buf` is valid for `buf.len()` bytes; the descriptor is open.
    let n = unsafe {
        libc::recv(
            socket.as_raw_fd(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            libc::MSG_DONTWAIT,
        )
    };
    if n < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

#[test]
fn ready_try_io_and_async_io_with_the_callers_own_calls() {
    use zokio::io::Interest;
    each_backend(|rt| {
        rt.block_on(async {
            let receiver = Arc::new(loopback().await);
            let sender = loopback().await;
            let to = receiver.local_addr().unwrap();
            let ready = sender
                .ready(Interest::READABLE | Interest::WRITABLE)
                .await
                .unwrap();
            assert!(ready.is_writable());
            assert!(!ready.is_read_closed() && !ready.is_write_closed());
            // Nothing sent yet: either not ready (f is not called) or the
            // raw call says WouldBlock; both come back as WouldBlock.
            let mut buf = [0; 2048];
            let err = receiver
                .try_io(Interest::READABLE, || raw_recv(&receiver, &mut buf))
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock);
            // A reader that waits through `async_io` gets every datagram,
            // in order, whatever it had to wait for. At most 8 are in flight
            // (UDP drops what overflows the receive buffer).
            let window = Arc::new(zokio::sync::Semaphore::new(8));
            let reader = {
                let receiver = Arc::clone(&receiver);
                let window = Arc::clone(&window);
                zokio::spawn(async move {
                    let mut buf = [0; 2048];
                    for i in 0..200 {
                        let n = receiver
                            .async_io(Interest::READABLE, || raw_recv(&receiver, &mut buf))
                            .await
                            .unwrap();
                        assert!(buf[..n] == datagram(i)[..], "datagram {i} differs");
                        window.add_permits(1);
                    }
                })
            };
            for i in 0..200 {
                window.acquire().await.unwrap().forget();
                sender.send_to(&datagram(i), to).await.unwrap();
            }
            reader.await.unwrap();
            // Then `ready` + `try_io` by hand.
            sender.send_to(b"last", to).await.unwrap();
            let ready = receiver.ready(Interest::READABLE).await.unwrap();
            assert!(ready.is_readable() && !ready.is_writable());
            let n = receiver
                .try_io(Interest::READABLE, || raw_recv(&receiver, &mut buf))
                .unwrap();
            assert_eq!(&buf[..n], b"last");
        });
    });
}

/// A socket used after its runtime is gone fails at once, from another
/// runtime too: it does not spin on the driver's last word.
#[test]
fn a_socket_whose_runtime_is_gone_fails() {
    for (label, rt) in support::io_runtimes() {
        let socket = rt.block_on(loopback());
        drop(rt);
        let other = support::current_thread();
        other.block_on(async {
            let mut buf = [0u8; 8];
            assert!(
                socket.recv_from(&mut buf).await.is_err(),
                "{label}: recv_from"
            );
            assert!(socket.readable().await.is_err(), "{label}: readable");
            let both = zokio::io::Interest::READABLE | zokio::io::Interest::WRITABLE;
            assert!(socket.ready(both).await.is_err(), "{label}: ready");
        });
    }
}

/// The `BufMut` receives: into the spare room only, cut to fit, and
/// nothing taken (nor the buffer touched) by a cancelled one.
#[cfg(feature = "bytes")]
#[test]
fn recv_buf_family() {
    use bytes::{BufMut, BytesMut};

    each_backend(|rt| {
        rt.block_on(async {
            let a = loopback().await;
            let b = loopback().await;
            a.connect(b.local_addr().unwrap()).await.unwrap();
            b.connect(a.local_addr().unwrap()).await.unwrap();

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
            assert_eq!(&buf[..], b"kept:one");

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

            // A fixed-size buffer cuts the datagram to fit and is advanced
            // past what it holds.
            a.send(b"truncated").await.unwrap();
            let mut storage = [0u8; 5];
            let mut room = &mut storage[..];
            assert_eq!(b.recv_buf(&mut room).await.unwrap(), 5);
            assert!(room.is_empty());
            assert_eq!(&storage, b"trunc");

            // With the sender's address, from a socket that is not
            // connected.
            let server = loopback().await;
            let to = server.local_addr().unwrap();
            let sender = loopback().await;
            sender.send_to(b"hello", to).await.unwrap();
            let mut buf = Vec::new();
            let (n, from) = server.recv_buf_from(&mut buf).await.unwrap();
            assert_eq!((n, from), (5, sender.local_addr().unwrap()));
            assert_eq!(buf, b"hello");
            sender.send_to(b"again", to).await.unwrap();
            let (n, from) = loop {
                server.readable().await.unwrap();
                match server.try_recv_buf_from(&mut buf) {
                    Ok(got) => break got,
                    Err(err) if err.kind() == ErrorKind::WouldBlock => continue,
                    Err(err) => panic!("{err}"),
                }
            };
            assert_eq!((n, from), (5, sender.local_addr().unwrap()));
            assert_eq!(buf, b"helloagain");
        })
    });
}
