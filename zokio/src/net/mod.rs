//! TCP, UDP and Unix sockets with Tokio's API.
//!
//! Each socket is registered with the I/O driver of the runtime it is
//! created in: io_uring where the kernel allows it, epoll otherwise (see
//! [`Handle::io_backend`](crate::runtime::Handle::io_backend)). The API and
//! its guarantees are the same on both.

pub(crate) mod addr;
#[macro_use]
mod halves;
#[cfg(feature = "bytes")]
mod buf_mut;
pub mod tcp;
mod udp;
pub mod unix;

pub use addr::{lookup_host, ToSocketAddrs};
pub use tcp::{TcpListener, TcpSocket, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixStream};
