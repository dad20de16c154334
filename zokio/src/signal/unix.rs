//! Listening for any Unix signal, as Tokio's `tokio::signal::unix`.

use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll};

use super::registry::{self, Slot};
use crate::driver::source::{IoSource, Kind};
use crate::io::Interest;

/// A signal to listen for: one of the named ones, or any number through
/// [`from_raw`](SignalKind::from_raw).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalKind(libc::c_int);

impl SignalKind {
    /// The signal numbered `signum`.
    pub const fn from_raw(signum: libc::c_int) -> SignalKind {
        SignalKind(signum)
    }

    /// Its number.
    pub const fn as_raw_value(&self) -> libc::c_int {
        self.0
    }

    /// `SIGALRM`: a real-time timer expired.
    pub const fn alarm() -> SignalKind {
        SignalKind(libc::SIGALRM)
    }

    /// `SIGCHLD`: a child process changed state.
    pub const fn child() -> SignalKind {
        SignalKind(libc::SIGCHLD)
    }

    /// `SIGHUP`: the terminal closed (daemons often reload on it).
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }

    /// `SIGINT`: interrupt from the terminal (Ctrl-C).
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }

    /// `SIGIO`: I/O is possible on a descriptor set up for it.
    pub const fn io() -> SignalKind {
        SignalKind(libc::SIGIO)
    }

    /// `SIGPIPE`: a write to a pipe with no reader.
    pub const fn pipe() -> SignalKind {
        SignalKind(libc::SIGPIPE)
    }

    /// `SIGQUIT`: quit from the terminal.
    pub const fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }

    /// `SIGTERM`: a request to terminate.
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }

    /// `SIGUSR1`.
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }

    /// `SIGUSR2`.
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }

    /// `SIGWINCH`: the terminal changed size.
    pub const fn window_change() -> SignalKind {
        SignalKind(libc::SIGWINCH)
    }
}

impl From<libc::c_int> for SignalKind {
    fn from(signum: libc::c_int) -> SignalKind {
        SignalKind(signum)
    }
}

impl From<SignalKind> for libc::c_int {
    fn from(kind: SignalKind) -> libc::c_int {
        kind.0
    }
}

/// A listener for one signal: [`recv`](Signal::recv) completes once for
/// each time the signal arrived since the last `recv` (arrivals in
/// between count once). Every listener of a signal hears it.
///
/// The first listener of a signal installs a handler for it in the whole
/// process, for good: from then on the signal's default action (ending the
/// process, for most) no longer happens, even after every listener is
/// dropped. Tokio does the same.
pub struct Signal {
    slot: &'static Slot,
    /// Deliveries this listener has reported.
    seen: u64,
    /// A read end of the self-pipe, registered with the runtime.
    pipe: IoSource,
}

/// Listens for `kind` from now on. Fails outside a runtime with I/O
/// enabled, and for signals that cannot be caught or handled
/// (`SIGKILL`, `SIGSTOP`, `SIGILL`, `SIGFPE`, `SIGSEGV`).
///
/// ```no_run
/// use zokio::signal::unix::{signal, SignalKind};
///
/// # async fn f() -> std::io::Result<()> {
/// let mut hangups = signal(SignalKind::hangup())?;
/// while hangups.recv().await.is_some() {
///     println!("reloading the configuration");
/// }
/// # Ok(()) }
/// ```
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let slot = registry::register(kind.0)?;
    let pipe = IoSource::new(registry::read_end()?, Kind::Datagram)?;
    // Arrivals before this listener existed are not its own: deliver them
    // before counting.
    registry::dispatch(pipe.raw_fd());
    Ok(Signal {
        slot,
        seen: slot.count(),
        pipe,
    })
}

impl std::fmt::Debug for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signal")
            .field("seen", &self.seen)
            .finish_non_exhaustive()
    }
}

impl Signal {
    /// Waits for the next arrival; `None` once the runtime's I/O driver
    /// has shut down. Cancel safe.
    pub async fn recv(&mut self) -> Option<()> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next arrival, as [`recv`](Signal::recv).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        loop {
            if let Some(count) = self.slot.poll_past(self.seen, cx) {
                self.seen = count;
                return Poll::Ready(Some(()));
            }
            // Nothing delivered yet: drain the pipe when a handler wrote
            // to it (any listener's drain delivers for all of them).
            let Ok(event) = std::task::ready!(self.pipe.poll_ready_event(cx, Interest::READABLE))
            else {
                // The runtime's driver is gone.
                return Poll::Ready(None);
            };
            registry::dispatch(self.pipe.raw_fd());
            self.pipe.clear_ready(event);
        }
    }
}
