//! The methods that the halves of a stream ([`tcp`](super::tcp) and
//! [`unix`](super::unix), borrowed and owned) share with the whole stream:
//! each half reaches its stream through `AsRef` and calls the stream's
//! method of the same name, so the halves behave exactly as the stream.

/// Methods of every half of `$stream`, whose addresses are `$addr`.
macro_rules! half_methods {
    ($stream:ty, $addr:ty) => {
        /// The local address, as the stream's `local_addr`.
        pub fn local_addr(&self) -> std::io::Result<$addr> {
            AsRef::<$stream>::as_ref(self).local_addr()
        }

        /// The peer's address, as the stream's `peer_addr`.
        pub fn peer_addr(&self) -> std::io::Result<$addr> {
            AsRef::<$stream>::as_ref(self).peer_addr()
        }

        /// Waits for any of `interest`, as the stream's `ready`.
        ///
        /// # Cancel safety
        ///
        /// Cancel safe, as the stream's.
        pub async fn ready(
            &self,
            interest: crate::io::Interest,
        ) -> std::io::Result<crate::io::Ready> {
            AsRef::<$stream>::as_ref(self).ready(interest).await
        }
    };
}

/// Methods of a read half of `$stream`, whose addresses are `$addr`.
macro_rules! read_half_methods {
    ($stream:ty, $addr:ty) => {
        half_methods!($stream, $addr);

        /// Waits until a read may find data, as the stream's `readable`.
        ///
        /// # Cancel safety
        ///
        /// Cancel safe, as the stream's.
        pub async fn readable(&self) -> std::io::Result<()> {
            AsRef::<$stream>::as_ref(self).readable().await
        }

        /// Reads what is there without waiting, as the stream's `try_read`.
        pub fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
            AsRef::<$stream>::as_ref(self).try_read(buf)
        }

        /// As the stream's `try_read_vectored`.
        pub fn try_read_vectored(
            &self,
            bufs: &mut [std::io::IoSliceMut<'_>],
        ) -> std::io::Result<usize> {
            AsRef::<$stream>::as_ref(self).try_read_vectored(bufs)
        }

        /// As the stream's `try_read_buf` (the `bytes` feature).
        #[cfg(feature = "bytes")]
        pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> std::io::Result<usize> {
            AsRef::<$stream>::as_ref(self).try_read_buf(buf)
        }
    };
}

/// Methods of a write half of `$stream`, whose addresses are `$addr`.
macro_rules! write_half_methods {
    ($stream:ty, $addr:ty) => {
        half_methods!($stream, $addr);

        /// Waits until a write may go through, as the stream's `writable`.
        ///
        /// # Cancel safety
        ///
        /// Cancel safe, as the stream's.
        pub async fn writable(&self) -> std::io::Result<()> {
            AsRef::<$stream>::as_ref(self).writable().await
        }

        /// Writes what the socket takes without waiting, as the stream's
        /// `try_write`.
        pub fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
            AsRef::<$stream>::as_ref(self).try_write(buf)
        }

        /// As the stream's `try_write_vectored`.
        pub fn try_write_vectored(&self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
            AsRef::<$stream>::as_ref(self).try_write_vectored(bufs)
        }
    };
}
