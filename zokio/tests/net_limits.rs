//! What happens at the system's limits, each in a child process of its
//! own so that a lowered limit or a seccomp filter does not touch other
//! tests: io_uring forbidden by seccomp, EMFILE on accept, and 10,000
//! established connections (with the user-space memory they cost once
//! idle).

use std::io::{self, BufRead, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::net::{TcpListener, TcpStream};
use zokio::runtime::{Builder, IoBackend, Runtime};

/// Runs this test binary again with only `test` selected and `ZOKIO_CHILD`
/// set to `role`; returns its output after checking it passed.
fn run_child(test: &str, role: &str) -> String {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env("ZOKIO_CHILD", role)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "child {role} failed:\n{text}");
    text
}

fn child_role() -> Option<String> {
    std::env::var("ZOKIO_CHILD").ok()
}

fn runtime(backend: IoBackend, multi: bool) -> io::Result<Runtime> {
    let mut builder = if multi {
        let mut b = Builder::new_multi_thread();
        b.worker_threads(2);
        b
    } else {
        Builder::new_current_thread()
    };
    builder.enable_all().io_backend(backend).build()
}

/// Denies `io_uring_setup` with EPERM for this thread and the threads it
/// starts, as a container's seccomp profile does.
fn forbid_io_uring() {
    const IO_URING_SETUP: u32 = libc::SYS_io_uring_setup as u32;
    let filter = [
        // Load the system call number.
        libc::sock_filter {
            code: 0x20,
            jt: 0,
            jf: 0,
            k: 0,
        },
        // io_uring_setup? Then fail it, else allow.
        libc::sock_filter {
            code: 0x15,
            jt: 0,
            jf: 1,
            k: IO_URING_SETUP,
        },
        libc::sock_filter {
            code: 0x06,
            jt: 0,
            jf: 0,
            k: libc::SECCOMP_RET_ERRNO | libc::EPERM as u32,
        },
        libc::sock_filter {
            code: 0x06,
            jt: 0,
            jf: 0,
            k: libc::SECCOMP_RET_ALLOW,
        },
    ];
    let program = libc::sock_fprog {
        len: filter.len() as u16,
        filter: filter.as_ptr() as *mut _,
    };
    // SAFETY: plain prctl calls with a valid, live filter program.
    unsafe {
        assert_eq!(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
        assert_eq!(
            libc::prctl(
                libc::PR_SET_SECCOMP,
                libc::SECCOMP_MODE_FILTER,
                &program as *const _
            ),
            0,
            "{}",
            io::Error::last_os_error()
        );
    }
}

#[test]
fn io_uring_forbidden_by_seccomp() {
    if child_role().as_deref() != Some("seccomp") {
        let out = run_child("io_uring_forbidden_by_seccomp", "seccomp");
        assert!(out.contains("seccomp child ok"), "{out}");
        return;
    }
    forbid_io_uring();
    for multi in [false, true] {
        // Forced io_uring: an error from build(), not a panic.
        let err = runtime(IoBackend::Uring, multi).unwrap_err();
        assert!(err.to_string().contains("io_uring"), "{err}");
        // Auto falls back to the readiness driver, which works.
        let rt = runtime(IoBackend::Auto, multi).unwrap();
        assert_eq!(rt.handle().io_backend(), Some(IoBackend::Poll));
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let (client, server) = zokio::join!(TcpStream::connect(addr), listener.accept());
            let (client, (server, _)) = (client.unwrap(), server.unwrap());
            client.writable().await.unwrap();
            assert_eq!(client.try_write(b"x").unwrap(), 1);
            server.readable().await.unwrap();
            let mut b = [0u8; 1];
            assert_eq!(server.try_read(&mut b).unwrap(), 1);
        });
    }
    println!("seccomp child ok");
}

/// Opens descriptors until the process limit, returning them.
fn exhaust_fds() -> Vec<std::fs::File> {
    let mut held = Vec::new();
    loop {
        match std::fs::File::open("/dev/null") {
            Ok(f) => held.push(f),
            Err(err) => {
                assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
                return held;
            }
        }
    }
}

#[test]
fn emfile_on_accept_then_recovers() {
    let Some(role) = child_role() else {
        for role in [
            "emfile-uring-ct",
            "emfile-uring-mt",
            "emfile-poll-ct",
            "emfile-poll-mt",
        ] {
            let out = run_child("emfile_on_accept_then_recovers", role);
            assert!(out.contains("emfile child ok"), "{out}");
        }
        return;
    };
    let backend = if role.contains("uring") {
        IoBackend::Uring
    } else {
        IoBackend::Poll
    };
    let rt = runtime(backend, role.ends_with("mt")).unwrap();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Three clients connect (the kernel completes the handshakes) ...
        let clients: Vec<_> = (0..3)
            .map(|_| std::net::TcpStream::connect(addr).unwrap())
            .collect();
        // ... then the process runs out of descriptors.
        let limit = libc::rlimit {
            rlim_cur: 256,
            rlim_max: 20_000,
        };
        // SAFETY: a plain setrlimit call with a valid struct.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
        let mut held = exhaust_fds();
        let err = listener.accept().await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
        // Descriptors free up: the listener works again and has lost
        // none of the waiting connections.
        held.truncate(held.len().saturating_sub(16));
        for _ in 0..3 {
            let (stream, peer) = listener.accept().await.unwrap();
            assert_eq!(stream.peer_addr().unwrap(), peer);
        }
        drop(clients);
    });
    println!("emfile child ok");
}

/// User-space memory (resident set) of this process, in bytes.
fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    // SAFETY: sysconf has no preconditions.
    pages * unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize
}

const CONNECTIONS: usize = 10_000;
/// Each connection's one request and its answer.
const REQUEST: usize = 64;
static ANSWER: [u8; 4096] = [7; 4096];

/// The client side, in its own process: opens the connections (and with
/// `answered` sends a request on each and reads its answer), then holds
/// them until its standard input closes.
fn connect_many(addr: &str, answered: bool) {
    use std::io::Read;
    let mut streams = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        streams.push(std::net::TcpStream::connect(addr).unwrap());
    }
    if answered {
        for stream in &mut streams {
            stream.write_all(&[1; REQUEST]).unwrap();
        }
        let mut answer = [0u8; ANSWER.len()];
        for stream in &mut streams {
            stream.read_exact(&mut answer).unwrap();
            assert_eq!(answer, ANSWER);
        }
    }
    println!("connected");
    io::stdout().flush().unwrap();
    let mut line = String::new();
    let _ = io::stdin().lock().read_line(&mut line);
    drop(streams);
}

/// Waits for `stream` to become readable, as a server's task would
/// between requests; returns what the read then took (0: the peer left).
async fn wait_readable(stream: &TcpStream) -> usize {
    // `readable` may return without the socket being readable (a new
    // connection starts out assumed ready, as Tokio's do): `try_read` then
    // says `WouldBlock`, and we wait again.
    let mut b = [0u8; 1];
    loop {
        stream.readable().await.unwrap();
        match stream.try_read(&mut b) {
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => continue,
            read => break read.unwrap(),
        }
    }
}

/// Answers one request on `stream` with [`ANSWER`] (the last of all
/// answers wakes `all`), then waits as [`wait_readable`] does.
async fn answer_then_wait(
    mut stream: TcpStream,
    answers: Arc<AtomicUsize>,
    all: Arc<zokio::sync::Notify>,
) -> usize {
    let mut request = vec![0u8; REQUEST];
    stream.read_exact(&mut request).await.unwrap();
    assert_eq!(request, [1; REQUEST]);
    drop(request);
    stream.write_all(&ANSWER).await.unwrap();
    stream.flush().await.unwrap();
    if answers.fetch_add(1, SeqCst) + 1 == CONNECTIONS {
        all.notify_one();
    }
    wait_readable(&stream).await
}

/// 10,000 established connections, each with a task waiting for it to
/// become readable, as a server's would. In the `answered` roles each task
/// first answers one request with 4 KiB, as on a kept-alive connection
/// between requests.
#[test]
fn ten_thousand_connections() {
    match child_role().as_deref() {
        Some(role) if role.starts_with("clients:") => {
            return connect_many(&role["clients:".len()..], false)
        }
        Some(role) if role.starts_with("clients-answered:") => {
            return connect_many(&role["clients-answered:".len()..], true)
        }
        Some(role) if role.starts_with("server-") => {}
        Some(_) => return,
        None => {
            for backend in ["uring", "poll"] {
                for flavor in ["ct", "mt"] {
                    for traffic in ["", "-answered"] {
                        let role = format!("server-{backend}-{flavor}{traffic}");
                        let out = run_child("ten_thousand_connections", &role);
                        assert!(out.contains("server child ok"), "{out}");
                        for line in out.lines().filter(|l| l.contains("bytes per connection")) {
                            eprintln!("{line}");
                        }
                    }
                }
            }
            return;
        }
    }
    let role = child_role().unwrap();
    let backend = if role.contains("uring") {
        IoBackend::Uring
    } else {
        IoBackend::Poll
    };
    let limit = libc::rlimit {
        rlim_cur: 20_000,
        rlim_max: 20_000,
    };
    // SAFETY: a plain setrlimit call with a valid struct.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    let answered = role.ends_with("-answered");
    let rt = runtime(backend, role.contains("-mt")).unwrap();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Warm up the allocator and the runtime with one connection.
        let warm = TcpStream::connect(addr).await.unwrap();
        let (warm_server, _) = listener.accept().await.unwrap();
        drop((warm, warm_server));
        let before = rss_bytes();
        let mut clients = Command::new(std::env::current_exe().unwrap())
            .args(["ten_thousand_connections", "--exact", "--nocapture", "--test-threads=1"])
            .env(
                "ZOKIO_CHILD",
                if answered {
                    format!("clients-answered:{addr}")
                } else {
                    format!("clients:{addr}")
                },
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let answers = Arc::new(AtomicUsize::new(0));
        let all_answered = Arc::new(zokio::sync::Notify::new());
        let mut waiting = zokio::task::JoinSet::new();
        for _ in 0..CONNECTIONS {
            let (stream, _) = listener.accept().await.unwrap();
            if answered {
                waiting.spawn(answer_then_wait(stream, answers.clone(), all_answered.clone()));
            } else {
                waiting.spawn(async move { wait_readable(&stream).await });
            }
        }
        if answered {
            all_answered.notified().await;
        }
        zokio::task::yield_now().await;
        let after = rss_bytes();
        let per = (after.saturating_sub(before)) / CONNECTIONS;
        println!(
            "{role}: {CONNECTIONS} idle connections, RSS {before} -> {after} bytes: {per} bytes per connection"
        );
        // Idle from the start: the 1 KiB of the acceptance. After an
        // answer: nothing of its 4 KiB may stay with the connection; the
        // rest is the task's larger future and what the allocator kept of
        // the burst's freed buffers.
        let limit = if answered { 2048 } else { 1024 };
        assert!(per <= limit, "{per} bytes per idle connection");
        // The clients hang up: every waiting task sees end of stream.
        drop(clients.stdin.take());
        let status = zokio::task::spawn_blocking(move || clients.wait()).await.unwrap().unwrap();
        assert!(status.success());
        let mut closed = 0;
        while let Some(read) = waiting.join_next().await {
            assert_eq!(read.unwrap(), 0);
            closed += 1;
        }
        assert_eq!(closed, CONNECTIONS);
    });
    println!("server child ok");
}
