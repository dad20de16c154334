//! Child processes, as Tokio's `tokio::process`: a [`Command`] builds on
//! `std`'s, a [`Child`]'s standard streams are pipes driven by the
//! runtime, and waiting for it takes no thread (its pidfd is watched by
//! the I/O driver; see `wait`).
//!
//! A `Child` dropped before it was waited for is reaped by a task of the
//! current runtime, if there is one; outside a runtime it stays a zombie
//! until this process ends. With [`Command::kill_on_drop`] it is killed
//! first.

mod pipe;
mod wait;

use std::ffi::OsStr;
use std::future::poll_fn;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{ExitStatus, Output};

pub use pipe::{ChildStderr, ChildStdin, ChildStdout};
pub use std::process::Stdio;

use crate::io::AsyncReadExt;
use wait::Exit;

/// A process to start, as `std::process::Command`, whose children are
/// driven by the runtime.
///
/// ```
/// use zokio::process::Command;
///
/// # zokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let output = Command::new("echo").arg("hello").output().await?;
/// assert!(output.status.success());
/// assert_eq!(output.stdout, b"hello\n");
/// # Ok::<(), std::io::Error>(()) }).unwrap();
/// ```
#[derive(Debug)]
pub struct Command {
    std: std::process::Command,
    kill_on_drop: bool,
}

impl Command {
    /// A command that runs `program`, found through `PATH` if it has no
    /// `/`, with no arguments and the parent's environment.
    pub fn new<S: AsRef<OsStr>>(program: S) -> Command {
        Command::from(std::process::Command::new(program))
    }

    /// Adds an argument.
    pub fn arg<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env<K: AsRef<OsStr>, V: AsRef<OsStr>>(&mut self, key: K, val: V) -> &mut Command {
        self.std.env(key, val);
        self
    }

    /// Sets environment variables.
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable.
    pub fn env_remove<K: AsRef<OsStr>>(&mut self, key: K) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts from an empty environment.
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// The child's working directory.
    pub fn current_dir<P: AsRef<Path>>(&mut self, dir: P) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// The child's standard input (inherited unless set).
    pub fn stdin<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdin(cfg);
        self
    }

    /// The child's standard output (inherited unless set).
    pub fn stdout<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// The child's standard error (inherited unless set).
    pub fn stderr<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stderr(cfg);
        self
    }

    /// The child's user id (`setuid`).
    pub fn uid(&mut self, id: u32) -> &mut Command {
        self.std.uid(id);
        self
    }

    /// The child's group id (`setgid`).
    pub fn gid(&mut self, id: u32) -> &mut Command {
        self.std.gid(id);
        self
    }

    /// The child's process group (`setpgid`; 0 starts a new one).
    pub fn process_group(&mut self, pgroup: i32) -> &mut Command {
        self.std.process_group(pgroup);
        self
    }

    /// The child's `argv[0]`, instead of the program's name.
    pub fn arg0<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        self.std.arg0(arg);
        self
    }

    /// Runs `f` in the child between `fork` and `exec`.
    ///
    /// # Safety
    ///
    /// As `std::os::unix::process::CommandExt::pre_exec`: `f` runs in a
    /// copy of this process with one thread and may only do what is
    /// async-signal-safe.
    pub unsafe fn pre_exec<F>(&mut self, f: F) -> &mut Command
    where
        F: FnMut() -> io::Result<()> + Send + Sync + 'static,
    {
        // SAFETY: the caller's promise, passed on.
        unsafe { self.std.pre_exec(f) };
        self
    }

    /// Whether dropping a [`Child`] that has not ended kills it (`SIGKILL`).
    /// Off by default, as in `std` and Tokio.
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// Whether children are killed on drop.
    pub fn get_kill_on_drop(&self) -> bool {
        self.kill_on_drop
    }

    /// The `std` command underneath.
    pub fn as_std(&self) -> &std::process::Command {
        &self.std
    }

    /// The `std` command underneath, to set what this type has no method
    /// for (`std::os::unix::process::CommandExt`).
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// Starts the child. Its piped streams are registered with the current
    /// runtime: call this inside one.
    pub fn spawn(&mut self) -> io::Result<Child> {
        let mut std = self.std.spawn()?;
        // Watched before anything can reap it, so the pid stays its own.
        let exit = match Exit::watch(std.id()) {
            Ok(exit) => exit,
            Err(err) => {
                let _ = std.kill();
                let _ = std.wait();
                return Err(err);
            }
        };
        let stdin = std.stdin.take().map(ChildStdin::from_std).transpose();
        let stdout = std.stdout.take().map(ChildStdout::from_std).transpose();
        let stderr = std.stderr.take().map(ChildStderr::from_std).transpose();
        let mut child = Child {
            std: Some(std),
            exit: Some(exit),
            status: None,
            kill_on_drop: self.kill_on_drop,
            stdin: None,
            stdout: None,
            stderr: None,
        };
        // On a failure `child` drops: killed if asked, and reaped.
        child.stdin = stdin?;
        child.stdout = stdout?;
        child.stderr = stderr?;
        Ok(child)
    }

    /// Runs the child to its end, with inherited streams unless set, and
    /// returns how it ended.
    pub async fn status(&mut self) -> io::Result<ExitStatus> {
        let mut child = self.spawn()?;
        // Piped streams nobody reads would only block the child.
        child.stdin.take();
        child.stdout.take();
        child.stderr.take();
        child.wait().await
    }

    /// Runs the child to its end with its output and error captured (both
    /// set to piped, as Tokio does), and returns them with its status.
    pub async fn output(&mut self) -> io::Result<Output> {
        self.std.stdout(Stdio::piped());
        self.std.stderr(Stdio::piped());
        self.spawn()?.wait_with_output().await
    }
}

impl From<std::process::Command> for Command {
    fn from(std: std::process::Command) -> Command {
        Command {
            std,
            kill_on_drop: false,
        }
    }
}

/// A running (or ended) child process.
#[derive(Debug)]
pub struct Child {
    /// `None` once reaped.
    std: Option<std::process::Child>,
    exit: Option<Exit>,
    status: Option<ExitStatus>,
    kill_on_drop: bool,
    /// The child's standard input, if piped.
    pub stdin: Option<ChildStdin>,
    /// The child's standard output, if piped.
    pub stdout: Option<ChildStdout>,
    /// The child's standard error, if piped.
    pub stderr: Option<ChildStderr>,
}

impl Child {
    /// The child's process id; `None` once it was reaped (its id may be
    /// another process's by then).
    pub fn id(&self) -> Option<u32> {
        self.std.as_ref().map(std::process::Child::id)
    }

    /// How the child ended, if it has, without waiting.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if let Some(status) = self.status {
            return Ok(Some(status));
        }
        let Some(std) = &mut self.std else {
            return Ok(self.status);
        };
        let status = std.try_wait()?;
        if let Some(status) = status {
            self.reaped(status);
        }
        Ok(status)
    }

    fn reaped(&mut self, status: ExitStatus) {
        self.status = Some(status);
        self.std = None;
        self.exit = None;
    }

    /// Waits for the child to end. Closes its standard input first, so
    /// that a child reading it is not left waiting for the parent. Cancel
    /// safe.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        poll_fn(|cx| {
            if let Some(status) = self.try_wait()? {
                return std::task::Poll::Ready(Ok(status));
            }
            let (Some(exit), Some(std)) = (&mut self.exit, &mut self.std) else {
                unreachable!("not reaped, so watched");
            };
            exit.poll_wait(cx, || std.try_wait()).map_ok(|status| {
                self.reaped(status);
                status
            })
        })
        .await
    }

    /// Sends `SIGKILL` unless the child has ended, without waiting.
    pub fn start_kill(&mut self) -> io::Result<()> {
        match &mut self.std {
            Some(std) => std.kill(),
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the child has already ended and been reaped",
            )),
        }
    }

    /// Kills the child and waits for it to end.
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await.map(drop)
    }

    /// Reads the child's piped output and error to their ends while
    /// waiting for it, and returns them with its status.
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        async fn read_all<R: crate::io::AsyncRead + Unpin>(pipe: Option<R>) -> io::Result<Vec<u8>> {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                pipe.read_to_end(&mut bytes).await?;
            }
            Ok(bytes)
        }
        let stdout = self.stdout.take();
        let stderr = self.stderr.take();
        let (stdout, stderr) = crate::try_join!(read_all(stdout), read_all(stderr))?;
        let status = self.wait().await?;
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let Some(mut std) = self.std.take() else {
            return;
        };
        if self.kill_on_drop {
            let _ = std.kill();
        }
        let Some(mut exit) = self.exit.take() else {
            return;
        };
        // Reaped by a task when it ends; with no runtime here, it stays a
        // zombie until this process ends.
        if let Ok(handle) = crate::runtime::Handle::try_current() {
            handle.spawn(async move {
                let _ = poll_fn(|cx| exit.poll_wait(cx, || std.try_wait())).await;
            });
        }
    }
}
