//! Receiving into the spare room of a [`BufMut`] (the `bytes` feature). Each
//! call takes one datagram, as its `&mut [u8]` sibling does, through the
//! same readiness wait; the datagram goes into the first chunk of the
//! buffer's spare room (cut to fit) and the buffer is advanced over it.

use std::io;
use std::net::SocketAddr;

use bytes::BufMut;
use socket2::SockRef;

use super::UdpSocket;
use crate::driver::readiness::Direction;
use crate::net::buf_mut;

impl UdpSocket {
    /// Receives one datagram from the connected peer into `buf`'s spare
    /// room and advances `buf` over it; returns its length. A datagram
    /// longer than the room is cut to fit. Needs the `bytes` feature.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.connect(socket.local_addr()?).await?;
    /// socket.send(b"hello").await?;
    /// let mut buf = Vec::with_capacity(64);
    /// assert_eq!(socket.recv_buf(&mut buf).await?, 5);
    /// assert_eq!(buf, b"hello");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no
    /// datagram was taken from the socket and `buf` is as it was.
    pub async fn recv_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        std::future::poll_fn(|cx| {
            self.io.poll_io(cx, Direction::Read, |_| {
                buf_mut::recv(SockRef::from(self), buf)
            })
        })
        .await
    }

    /// As [`recv_buf`](Self::recv_buf), without waiting; `WouldBlock` if no
    /// datagram is waiting. Needs the `bytes` feature.
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.connect(socket.local_addr()?).await?;
    /// let mut buf = Vec::with_capacity(64);
    /// let err = socket.try_recv_buf(&mut buf).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::WouldBlock);
    /// socket.send(b"now").await?;
    /// socket.readable().await?;
    /// assert_eq!(socket.try_recv_buf(&mut buf)?, 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_recv_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io
            .try_io(Direction::Read, |_| buf_mut::recv(SockRef::from(self), buf))
    }

    /// Receives one datagram into `buf`'s spare room and advances `buf`
    /// over it; returns its length and sender. A datagram longer than the
    /// room is cut to fit. Needs the `bytes` feature.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// let sender = UdpSocket::bind("127.0.0.1:0").await?;
    /// sender.send_to(b"hello", socket.local_addr()?).await?;
    /// let mut buf = BytesMut::with_capacity(64);
    /// let (n, from) = socket.recv_buf_from(&mut buf).await?;
    /// assert_eq!((&buf[..n], from), (&b"hello"[..], sender.local_addr()?));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no
    /// datagram was taken from the socket and `buf` is as it was.
    pub async fn recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        std::future::poll_fn(|cx| {
            self.io
                .poll_io(cx, Direction::Read, |_| self.recv_buf_from_now(buf))
        })
        .await
    }

    /// As [`recv_buf_from`](Self::recv_buf_from), without waiting;
    /// `WouldBlock` if no datagram is waiting. Needs the `bytes` feature.
    ///
    /// ```
    /// use zokio::net::UdpSocket;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.send_to(b"loop", socket.local_addr()?).await?;
    /// socket.readable().await?;
    /// let mut buf = Vec::with_capacity(64);
    /// let (n, from) = socket.try_recv_buf_from(&mut buf)?;
    /// assert_eq!((n, from), (4, socket.local_addr()?));
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(Direction::Read, |_| self.recv_buf_from_now(buf))
    }

    fn recv_buf_from_now<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        let (n, from) = buf_mut::recv_from(SockRef::from(self), buf)?;
        let from = from.as_socket().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "the datagram came without an IP sender address",
            )
        })?;
        Ok((n, from))
    }
}
