//! Unix domain sockets: [`UnixListener`] and [`UnixStream`] for byte
//! streams, [`UnixDatagram`] for datagrams, and the halves a stream splits
//! into.
//!
//! A stream is driven like a TCP stream (on io_uring, ring-submitted
//! receives and sends); a datagram socket like a UDP socket, by readiness.
//! Addresses are `std`'s [`SocketAddr`], re-exported here: a path, an
//! unnamed address (a socket that never bound) or, on Linux, a name in the
//! abstract namespace.

mod datagram;
mod listener;
mod split;
mod stream;
mod ucred;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use std::os::unix::net::SocketAddr;
pub use stream::UnixStream;
pub use ucred::{gid_t, pid_t, uid_t, UCred};
