//! Unix-only I/O: [`AsyncFd`], readiness for a descriptor the runtime does
//! not know (a pipe, a tty, an eventfd, a netlink or tun socket, a device),
//! as Tokio's `tokio::io::unix`.

mod async_fd;
mod guard;

pub use async_fd::{AsyncFd, AsyncFdTryNewError};
pub use guard::{AsyncFdReadyGuard, AsyncFdReadyMutGuard, TryIoError};
