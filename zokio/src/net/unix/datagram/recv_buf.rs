//! Receiving into the spare room of a [`BufMut`] (the `bytes` feature), as
//! the UDP socket does: one datagram per call, through the same readiness
//! wait as the `&mut [u8]` calls, into the first chunk of the buffer's
//! spare room (cut to fit).

use std::io;

use bytes::BufMut;
use socket2::SockRef;

use super::super::SocketAddr;
use super::owned::unix_address;
use super::UnixDatagram;
use crate::driver::readiness::Direction;
use crate::net::buf_mut;

impl UnixDatagram {
    /// Receives one datagram from the connected peer into `buf`'s spare
    /// room and advances `buf` over it; returns its length. A datagram
    /// longer than the room is cut to fit. Needs the `bytes` feature.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"hello").await?;
    /// let mut buf = BytesMut::with_capacity(64);
    /// assert_eq!(b.recv_buf(&mut buf).await?, 5);
    /// assert_eq!(&buf[..], b"hello");
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
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// let mut buf = Vec::with_capacity(64);
    /// assert_eq!(b.try_recv_buf(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    /// a.send(b"now").await?;
    /// b.readable().await?;
    /// assert_eq!(b.try_recv_buf(&mut buf)?, 3);
    /// assert_eq!(buf, b"now");
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_recv_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io
            .try_io(Direction::Read, |_| buf_mut::recv(SockRef::from(self), buf))
    }

    /// Receives one datagram into `buf`'s spare room and advances `buf`
    /// over it; returns its length and the sender's address. A datagram
    /// longer than the room is cut to fit. Needs the `bytes` feature.
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"hi").await?;
    /// let mut buf = Vec::with_capacity(64);
    /// let (n, from) = b.recv_buf_from(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"hi");
    /// assert!(from.is_unnamed());
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
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"hi").await?;
    /// b.readable().await?;
    /// let mut buf = Vec::with_capacity(64);
    /// assert_eq!(b.try_recv_buf_from(&mut buf)?.0, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(Direction::Read, |_| self.recv_buf_from_now(buf))
    }

    fn recv_buf_from_now<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        let (n, from) = buf_mut::recv_from(SockRef::from(self), buf)?;
        Ok((n, unix_address(Some(&from))?))
    }
}
