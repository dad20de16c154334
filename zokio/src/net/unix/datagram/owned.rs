//! Datagrams from and into buffers the caller hands over, as the UDP
//! socket's owned-buffer calls ([`crate::net::UdpSocket::send_to_owned`]
//! and friends) do: on io_uring one `SENDMSG` or `RECVMSG` straight from or
//! into the caller's buffer, with no system call of its own and no copy.

use std::io;
use std::path::Path;
use std::sync::OnceLock;

use socket2::SockAddr;

use super::super::SocketAddr;
use super::UnixDatagram;
use crate::io::{IoBuf, IoBufMut};

impl UnixDatagram {
    /// Sends `buf`'s initialized bytes as one datagram to the socket bound
    /// at `target` and hands `buf` back with the bytes sent.
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let path = std::env::temp_dir().join(format!("zokio-doc-send-to-owned-{}", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = UnixDatagram::bind(&path)?;
    /// let (sent, buf) = UnixDatagram::unbound()?.send_to_owned(b"hello".to_vec(), &path).await;
    /// assert_eq!(sent?, buf.len());
    /// std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: a dropped call may have sent the datagram. The
    /// buffer stays alive until the kernel is done with it.
    pub async fn send_to_owned<B: IoBuf + Send, P: AsRef<Path>>(
        &self,
        buf: B,
        target: P,
    ) -> (io::Result<usize>, B) {
        match SockAddr::unix(target) {
            Ok(target) => self.io.send_datagram_owned(buf, Some(target)).await,
            Err(err) => (Err(err), buf),
        }
    }

    /// Sends `buf`'s initialized bytes as one datagram to the connected
    /// peer and hands `buf` back with the bytes sent; see
    /// [`send_to_owned`](Self::send_to_owned).
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixDatagram::pair()?;
    /// let (sent, _buf) = a.send_owned(vec![7u8; 32]).await;
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
    /// is cut to fit, as with [`recv_from`](Self::recv_from).
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"hello").await?;
    /// let (received, buf) = b.recv_from_owned(Vec::with_capacity(64)).await;
    /// let (n, from) = received?;
    /// assert_eq!(&buf[..n], b"hello");
    /// assert!(from.is_unnamed());
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
        let result = result.and_then(|(n, from)| Ok((n, unix_address(from.as_ref())?)));
        (result, buf)
    }

    /// Receives one datagram from the connected peer into the whole of
    /// `buf`; see [`recv_from_owned`](Self::recv_from_owned).
    ///
    /// ```
    /// use zokio::net::UnixDatagram;
    ///
    /// # #[zokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"loop").await?;
    /// let (n, buf) = b.recv_owned(vec![0u8; 16]).await;
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

/// The sender's address as `std` gives it: a path, an abstract name (Linux)
/// or unnamed. An unbound sender's address is just its family; one of a
/// socket pair comes with no address at all.
pub(super) fn unix_address(from: Option<&SockAddr>) -> io::Result<SocketAddr> {
    let family_only = std::mem::size_of::<libc::sa_family_t>();
    let Some(from) = from.filter(|from| from.len() as usize > family_only) else {
        return unnamed();
    };
    if let Some(path) = from.as_pathname() {
        return SocketAddr::from_pathname(path);
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Some(name) = from.as_abstract_namespace() {
        #[cfg(target_os = "android")]
        use std::os::android::net::SocketAddrExt;
        #[cfg(target_os = "linux")]
        use std::os::linux::net::SocketAddrExt;
        return SocketAddr::from_abstract_name(name);
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        "the datagram came without a Unix sender address",
    ))
}

/// An unnamed address. `std` makes one only as a socket's address, so the
/// first call asks an unbound socket for its own, once.
fn unnamed() -> io::Result<SocketAddr> {
    static UNNAMED: OnceLock<SocketAddr> = OnceLock::new();
    if let Some(addr) = UNNAMED.get() {
        return Ok(addr.clone());
    }
    let addr = std::os::unix::net::UnixDatagram::unbound()?.local_addr()?;
    Ok(UNNAMED.get_or_init(|| addr).clone())
}
