//! `TcpSocket`: options, bind + listen + connect, refused connections, on
//! both I/O backends and on the current-thread and multi-thread schedulers.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd};
use std::time::Duration;

use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::net::{TcpListener, TcpSocket};

mod support;
use support::each_backend;

fn any_loopback_port() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

#[test]
fn options_round_trip() {
    // Options need no runtime: the socket is registered only when it
    // listens or connects.
    let socket = TcpSocket::new_v4().unwrap();
    assert!(!socket.reuseaddr().unwrap());
    socket.set_reuseaddr(true).unwrap();
    assert!(socket.reuseaddr().unwrap());
    assert!(!socket.reuseport().unwrap());
    socket.set_reuseport(true).unwrap();
    assert!(socket.reuseport().unwrap());
    socket.set_reuseport(false).unwrap();
    assert!(!socket.reuseport().unwrap());

    // Linux doubles what it is asked for and clamps to system limits.
    socket.set_send_buffer_size(32 * 1024).unwrap();
    assert!(socket.send_buffer_size().unwrap() >= 32 * 1024);
    socket.set_recv_buffer_size(48 * 1024).unwrap();
    assert!(socket.recv_buffer_size().unwrap() >= 48 * 1024);

    socket.set_keepalive(true).unwrap();
    assert!(socket.keepalive().unwrap());
    socket.set_nodelay(true).unwrap();
    assert!(socket.nodelay().unwrap());
    assert_eq!(socket.linger().unwrap(), None);
    socket.set_linger(Some(Duration::from_secs(3))).unwrap();
    assert_eq!(socket.linger().unwrap(), Some(Duration::from_secs(3)));
    socket.set_tos_v4(0x20).unwrap();
    assert_eq!(socket.tos_v4().unwrap(), 0x20);
    assert!(socket.take_error().unwrap().is_none());

    let v6 = TcpSocket::new_v6().unwrap();
    v6.set_reuseaddr(true).unwrap();
    assert!(v6.reuseaddr().unwrap());
}

#[test]
fn bind_listen_connect() {
    each_backend(|rt| {
        rt.block_on(async {
            let socket = TcpSocket::new_v4().unwrap();
            socket.set_reuseaddr(true).unwrap();
            socket.bind(any_loopback_port()).unwrap();
            let addr = socket.local_addr().unwrap();
            assert_ne!(addr.port(), 0);
            let listener = socket.listen(64).unwrap();
            assert_eq!(listener.local_addr().unwrap(), addr);

            let server = zokio::spawn(async move {
                let (mut stream, peer) = listener.accept().await.unwrap();
                assert_eq!(stream.peer_addr().unwrap(), peer);
                let mut buf = [0; 5];
                stream.read_exact(&mut buf).await.unwrap();
                stream.write_all(&buf).await.unwrap();
                stream.shutdown().await.unwrap();
                peer
            });

            let client = TcpSocket::new_v4().unwrap();
            client.set_nodelay(true).unwrap();
            client.bind(any_loopback_port()).unwrap();
            let client_addr = client.local_addr().unwrap();
            let mut stream = client.connect(addr).await.unwrap();
            assert_eq!(stream.local_addr().unwrap(), client_addr);
            assert_eq!(stream.peer_addr().unwrap(), addr);
            assert!(stream.nodelay().unwrap());
            stream.write_all(b"hello").await.unwrap();
            let mut echoed = Vec::new();
            stream.read_to_end(&mut echoed).await.unwrap();
            assert_eq!(echoed, b"hello");
            assert_eq!(server.await.unwrap(), client_addr);
        })
    });
}

#[test]
fn reuseport_lets_two_listeners_share_a_port() {
    each_backend(|rt| {
        rt.block_on(async {
            let first = TcpSocket::new_v4().unwrap();
            first.set_reuseport(true).unwrap();
            first.bind(any_loopback_port()).unwrap();
            let addr = first.local_addr().unwrap();

            let second = TcpSocket::new_v4().unwrap();
            second.set_reuseport(true).unwrap();
            second.bind(addr).unwrap();
            let listeners = [first.listen(16).unwrap(), second.listen(16).unwrap()];

            // Without the option the same bind fails.
            let third = TcpSocket::new_v4().unwrap();
            assert_eq!(third.bind(addr).unwrap_err().kind(), ErrorKind::AddrInUse);

            // Every connection lands on one of the two listeners.
            let _stream = TcpSocket::new_v4().unwrap().connect(addr).await.unwrap();
            let [a, b] = &listeners;
            zokio::select! {
                accepted = a.accept() => { accepted.unwrap(); }
                accepted = b.accept() => { accepted.unwrap(); }
            }
        })
    });
}

#[test]
fn connect_refused() {
    each_backend(|rt| {
        rt.block_on(async {
            // A port that was just free: bound, then closed without listening.
            let probe = TcpSocket::new_v4().unwrap();
            probe.bind(any_loopback_port()).unwrap();
            let addr = probe.local_addr().unwrap();
            drop(probe);

            let err = TcpSocket::new_v4()
                .unwrap()
                .connect(addr)
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
        })
    });
}

#[test]
fn ipv6_listen_and_connect() {
    each_backend(|rt| {
        rt.block_on(async {
            let socket = TcpSocket::new_v6().unwrap();
            if let Err(err) = socket.bind("[::1]:0".parse().unwrap()) {
                eprintln!("note: no IPv6 loopback here ({err}); skipped");
                return;
            }
            let listener = socket.listen(8).unwrap();
            let addr = listener.local_addr().unwrap();
            let stream = TcpSocket::new_v6().unwrap().connect(addr).await.unwrap();
            let (_, peer) = listener.accept().await.unwrap();
            assert_eq!(peer, stream.local_addr().unwrap());
        })
    });
}

#[test]
fn from_std_stream_and_raw_fd() {
    each_backend(|rt| {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();

            // A blocking socket from elsewhere, not yet connected: switched to
            // non-blocking mode when it connects.
            let raw = TcpSocket::new_v4().unwrap().into_raw_fd();
            // SAFETY: `raw` came from `into_raw_fd` just above and nothing
            // else owns it.
            let std_stream = unsafe { std::net::TcpStream::from_raw_fd(raw) };
            std_stream.set_nonblocking(false).unwrap();
            let socket = TcpSocket::from_std_stream(std_stream);
            assert_eq!(socket.as_raw_fd(), raw);
            let mut stream = socket.connect(addr).await.unwrap();
            let (mut accepted, _) = listener.accept().await.unwrap();
            accepted.write_all(b"ok").await.unwrap();
            let mut buf = [0; 2];
            stream.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"ok");
        })
    });
}

#[test]
fn listen_without_io_is_an_error() {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(any_loopback_port()).unwrap();
    let err = socket.listen(8).unwrap_err();
    assert!(err.to_string().contains("no Zokio runtime"), "{err}");
}

#[test]
fn socket_and_connect_future_are_send() {
    fn send_sync<T: Send + Sync>() {}
    fn assert_send<T: Send>(_: &T) {}
    send_sync::<TcpSocket>();
    assert_send(&TcpSocket::new_v4().unwrap().connect(any_loopback_port()));
}
