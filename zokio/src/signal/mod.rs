//! Signals, as Tokio's `tokio::signal`: [`ctrl_c`] and, on Unix, any signal
//! through [`unix::signal`].
//!
//! A handler per signal marks it and writes to a self-pipe; a listener
//! waits for the pipe through the runtime's I/O driver (a `POLL_ADD` on
//! io_uring, epoll on the fallback), so nothing polls and no thread is
//! spent on it.

mod registry;
pub mod unix;

use std::io;

/// Waits for the next Ctrl-C (`SIGINT`) from now on.
///
/// The first call installs a handler for `SIGINT` in the whole process, for
/// good: from then on Ctrl-C no longer ends the program by itself, which is
/// the point of a graceful shutdown.
///
/// ```no_run
/// # async fn serve() {}
/// # async fn f() -> std::io::Result<()> {
/// zokio::select! {
///     _ = serve() => {}
///     result = zokio::signal::ctrl_c() => result?,
/// }
/// # Ok(()) }
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    let mut interrupts = unix::signal(unix::SignalKind::interrupt())?;
    match interrupts.recv().await {
        Some(()) => Ok(()),
        None => Err(crate::driver::driver_gone()),
    }
}
