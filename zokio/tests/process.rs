//! Child processes (`sh`, `cat`, `sleep`, `tr`), on both I/O backends and
//! on the current-thread and multi-thread schedulers.

use std::io::ErrorKind;
use std::os::unix::process::ExitStatusExt;

use zokio::io::{AsyncReadExt, AsyncWriteExt};
use zokio::process::{Command, Stdio};

mod support;
use support::each_backend;

#[test]
fn output_captures_both_streams_and_the_status() {
    each_backend(|rt| {
        rt.block_on(async {
            let output = Command::new("sh")
                .args(["-c", "printf out; printf err >&2; exit 3"])
                .output()
                .await
                .unwrap();
            assert_eq!(output.stdout, b"out");
            assert_eq!(output.stderr, b"err");
            assert_eq!(output.status.code(), Some(3));
            assert!(Command::new("true").status().await.unwrap().success());
            assert_eq!(
                Command::new("false").status().await.unwrap().code(),
                Some(1)
            );
        })
    });
}

#[test]
fn a_megabyte_through_cat() {
    const TOTAL: usize = 1 << 20;
    each_backend(|rt| {
        rt.block_on(async {
            let mut child = Command::new("cat")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let mut stdout = child.stdout.take().unwrap();
            let input: Vec<u8> = (0..TOTAL).map(|i| (i % 251) as u8).collect();
            let writer = zokio::spawn({
                let input = input.clone();
                async move {
                    stdin.write_all(&input).await.unwrap();
                    // Dropped: `cat` reads end of file and exits.
                }
            });
            let mut out = Vec::new();
            stdout.read_to_end(&mut out).await.unwrap();
            writer.await.unwrap();
            assert!(
                out == input,
                "cat gave back {} bytes, not the same",
                out.len()
            );
            assert!(child.wait().await.unwrap().success());
            assert_eq!(child.id(), None, "reaped");
        })
    });
}

#[test]
fn a_killed_child_ends_by_its_signal() {
    each_backend(|rt| {
        rt.block_on(async {
            let mut child = Command::new("sleep").arg("30").spawn().unwrap();
            assert!(child.try_wait().unwrap().is_none());
            child.start_kill().unwrap();
            let status = child.wait().await.unwrap();
            assert_eq!(status.signal(), Some(libc::SIGKILL));
            // Ended and reaped: nothing left to kill.
            assert!(child.start_kill().is_err());
            let mut child = Command::new("sleep").arg("30").spawn().unwrap();
            child.kill().await.unwrap();
            assert_eq!(
                child.try_wait().unwrap().unwrap().signal(),
                Some(libc::SIGKILL)
            );
        })
    });
}

/// Dropping a child made with `kill_on_drop` kills it: the pipe its
/// output went to reaches its end instead of waiting out the `sleep`.
#[test]
fn kill_on_drop_kills() {
    each_backend(|rt| {
        rt.block_on(async {
            let mut child = Command::new("sh")
                .args(["-c", "echo ready; exec sleep 30"])
                .stdout(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .unwrap();
            let mut stdout = child.stdout.take().unwrap();
            let mut ready = [0u8; 6];
            stdout.read_exact(&mut ready).await.unwrap();
            assert_eq!(&ready, b"ready\n");
            drop(child);
            let mut rest = Vec::new();
            stdout.read_to_end(&mut rest).await.unwrap();
            assert!(rest.is_empty());
        })
    });
}

#[test]
fn many_children_at_once() {
    each_backend(|rt| {
        rt.block_on(async {
            let children: Vec<_> = (0..16)
                .map(|i| {
                    zokio::spawn(async move {
                        Command::new("sh")
                            .args(["-c", &format!("exit {}", i % 4)])
                            .status()
                            .await
                            .unwrap()
                            .code()
                    })
                })
                .collect();
            for (i, child) in children.into_iter().enumerate() {
                assert_eq!(child.await.unwrap(), Some(i as i32 % 4));
            }
        })
    });
}

/// One child's output piped into another's input, as a shell's `|`.
#[test]
fn a_pipeline() {
    each_backend(|rt| {
        rt.block_on(async {
            let mut echo = Command::new("echo")
                .arg("hello pipes")
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let into_tr: Stdio = echo.stdout.take().unwrap().try_into().unwrap();
            let output = Command::new("tr")
                .args(["a-z", "A-Z"])
                .stdin(into_tr)
                .output()
                .await
                .unwrap();
            assert_eq!(output.stdout, b"HELLO PIPES\n");
            assert!(echo.wait().await.unwrap().success());
        })
    });
}

#[test]
fn a_missing_program_is_an_error() {
    each_backend(|rt| {
        rt.block_on(async {
            let err = Command::new("/nonexistent/zokio-no-such-program")
                .spawn()
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound);
        })
    });
}

/// What the Unix settings set reaches the child: `argv[0]`, the
/// environment, and a process group of its own.
#[test]
fn unix_settings_reach_the_child() {
    each_backend(|rt| {
        rt.block_on(async {
            let script = r#"read pid comm state ppid pgrp rest < /proc/$$/stat
printf '%s %s %s' "$0" "$ZOKIO_TEST" "$((pid == pgrp))""#;
            let output = Command::new("sh")
                .args(["-c", script])
                .arg0("renamed")
                .env("ZOKIO_TEST", "set")
                .process_group(0)
                .output()
                .await
                .unwrap();
            assert_eq!(String::from_utf8(output.stdout).unwrap(), "renamed set 1");
        })
    });
}
