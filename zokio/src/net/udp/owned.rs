//! Datagrams from and into buffers the caller hands over.

use std::io;
use std::net::SocketAddr;

use socket2::SockAddr;

use super::UdpSocket;
use crate::io::{IoBuf, IoBufMut};

impl UdpSocket {
    /// Sends `buf`'s initialized bytes as one datagram to `target` and
    /// hands `buf` back with the bytes sent. On io_uring the kernel reads
    /// them from `buf` itself (one `SENDMSG`, no system call of its own).
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let peer = UdpSocket::bind("127.0.0.1:0").await?;
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// let (sent, buf) = socket.send_to_owned(b"hello".to_vec(), peer.local_addr()?).await;
    /// assert_eq!(sent?, buf.len());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: a dropped call may have sent the datagram. The
    /// buffer stays alive until the kernel is done with it.
    pub async fn send_to_owned<B: IoBuf + Send>(
        &self,
        buf: B,
        target: SocketAddr,
    ) -> (io::Result<usize>, B) {
        self.io
            .send_datagram_owned(buf, Some(SockAddr::from(target)))
            .await
    }

    /// Sends `buf`'s initialized bytes as one datagram to the connected
    /// peer and hands `buf` back with the bytes sent; see
    /// [`send_to_owned`](Self::send_to_owned).
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let peer = UdpSocket::bind("127.0.0.1:0").await?;
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.connect(peer.local_addr()?).await?;
    /// let (sent, _buf) = socket.send_owned(vec![7u8; 32]).await;
    /// assert_eq!(sent?, 32);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe, as [`send_to_owned`](Self::send_to_owned).
    pub async fn send_owned<B: IoBuf + Send>(&self, buf: B) -> (io::Result<usize>, B) {
        self.io.send_datagram_owned(buf, None).await
    }

    /// Receives one datagram into the whole of `buf` (from its start, up to
    /// its capacity: `Vec::with_capacity(n)` takes up to `n` bytes) and
    /// hands `buf` back with the datagram's length and sender; `buf`'s
    /// initialized length grows to at least that length. A longer datagram
    /// is cut to fit, as with [`recv_from`](Self::recv_from). On io_uring
    /// the kernel writes into `buf` itself (one `RECVMSG`, no system call
    /// of its own, no copy).
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// let sender = UdpSocket::bind("127.0.0.1:0").await?;
    /// sender.send_to(b"hello", socket.local_addr()?).await?;
    /// let (received, buf) = socket.recv_from_owned(Vec::with_capacity(1500)).await;
    /// let (n, from) = received?;
    /// assert_eq!((&buf[..n], from), (&b"hello"[..], sender.local_addr()?));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe on io_uring: a datagram the kernel put into `buf`
    /// just before the call was dropped is lost with `buf` (on the readiness
    /// driver nothing is taken until the call completes). Use
    /// [`recv_from`](Self::recv_from) inside `select!` loops.
    pub async fn recv_from_owned<B: IoBufMut + Send>(
        &self,
        buf: B,
    ) -> (io::Result<(usize, SocketAddr)>, B) {
        let (result, buf) = self.io.recv_datagram_owned(buf).await;
        let result = result.and_then(|(n, from)| {
            from.as_ref()
                .and_then(SockAddr::as_socket)
                .map(|from| (n, from))
                .ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        "the datagram came without an IP sender address",
                    )
                })
        });
        (result, buf)
    }

    /// Receives one datagram from the connected peer into the whole of
    /// `buf`; see [`recv_from_owned`](Self::recv_from_owned).
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.connect(socket.local_addr()?).await?;
    /// socket.send(b"loop").await?;
    /// let (n, buf) = socket.recv_owned(vec![0u8; 16]).await;
    /// assert_eq!(&buf[..n?], b"loop");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe on io_uring, as
    /// [`recv_from_owned`](Self::recv_from_owned).
    pub async fn recv_owned<B: IoBufMut + Send>(&self, buf: B) -> (io::Result<usize>, B) {
        let (result, buf) = self.io.recv_datagram_owned(buf).await;
        (result.map(|(n, _)| n), buf)
    }
}
