//! [`AsyncWriteExt`]: the methods that make an [`AsyncWrite`] convenient.

use std::io::IoSlice;

use super::write::{
    flush, shutdown, write, write_all, write_num, write_vectored, Flush, Shutdown, Write, WriteAll,
    WriteNum, WriteVectored,
};
use crate::io::AsyncWrite;

/// Defines the writers of the multi-byte numbers: each writes
/// `$ty::$encode(n)`.
macro_rules! write_num_methods {
    ($($name:ident: $ty:ident, $encode:ident, $order:literal, $value:expr;)*) => {$(
        #[doc = concat!("Writes a `", stringify!($ty), "` in ", $order, " byte order.")]
        ///
        /// # Errors
        ///
        /// `WriteZero` if the writer stops taking bytes, or the writer's
        /// error.
        ///
        /// # Cancel safety
        ///
        /// Not cancel safe. If the future is dropped before it completes (say,
        /// another `select!` branch won), part of the number may have been
        /// written.
        ///
        /// ```
        /// use zokio::io::AsyncWriteExt;
        ///
        /// #[zokio::main(flavor = "current_thread")]
        /// async fn main() -> std::io::Result<()> {
        #[doc = concat!("    let value: ", stringify!($ty), " = ", stringify!($value), ";")]
        ///     let mut out = Vec::new();
        #[doc = concat!("    out.", stringify!($name), "(value).await?;")]
        #[doc = concat!("    assert_eq!(out, value.", stringify!($encode), "());")]
        ///     Ok(())
        /// }
        /// ```
        fn $name(&mut self, n: $ty) -> WriteNum<'_, Self>
        where
            Self: Unpin,
        {
            write_num(self, &n.$encode())
        }
    )*};
}

/// Writing methods for every [`AsyncWrite`]: bring this trait into scope
/// and call them on any writer.
///
/// Each returns a future; the futures borrow the writer, are `Unpin`, and
/// can be polled in a [`select!`](crate::select) loop. Each method's
/// `# Cancel safety` section says what happens when such a future is dropped
/// before it completes.
///
/// ```
/// use zokio::io::{AsyncWriteExt, BufWriter};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let mut out = BufWriter::new(Vec::new());
///     out.write_u16(5).await?;
///     out.write_all(b"hello").await?;
///     out.flush().await?;
///     assert_eq!(out.get_ref(), b"\x00\x05hello");
///     Ok(())
/// }
/// ```
pub trait AsyncWriteExt: AsyncWrite {
    /// Writes some of `src` and returns how many bytes.
    ///
    /// It waits until the writer takes at least one byte (unless `src` is
    /// empty), and may write less than all of `src`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe. If the future is dropped before it completes, nothing
    /// was written.
    ///
    /// ```
    /// use zokio::io::AsyncWriteExt;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut out = Vec::new();
    ///     let n = out.write(b"some bytes").await?;
    ///     assert_eq!(&out[..], &b"some bytes"[..n]);
    ///     Ok(())
    /// }
    /// ```
    fn write<'a>(&'a mut self, src: &'a [u8]) -> Write<'a, Self>
    where
        Self: Unpin,
    {
        write(self, src)
    }

    /// Writes some of the buffers in `bufs`, in order, and returns how many
    /// bytes.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe. If the future is dropped before it completes, nothing
    /// was written.
    ///
    /// ```
    /// use std::io::IoSlice;
    /// use zokio::io::AsyncWriteExt;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut out = Vec::new();
    ///     let bufs = [IoSlice::new(b"head"), IoSlice::new(b"er")];
    ///     let n = out.write_vectored(&bufs).await?;
    ///     assert_eq!(&out[..], &b"header"[..n]);
    ///     Ok(())
    /// }
    /// ```
    fn write_vectored<'a, 'b>(&'a mut self, bufs: &'a [IoSlice<'b>]) -> WriteVectored<'a, 'b, Self>
    where
        Self: Unpin,
    {
        write_vectored(self, bufs)
    }

    /// Writes from `src`'s chunks, advances it past what was written, and
    /// returns how many bytes (`Ok(0)` when `src` is empty). Needs the
    /// `bytes` feature.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe. If the future is dropped before it completes, nothing
    /// was written.
    ///
    /// ```
    /// use bytes::Buf;
    /// use zokio::io::AsyncWriteExt;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut src = &b"payload"[..];
    ///     let mut out = Vec::new();
    ///     let n = out.write_buf(&mut src).await?;
    ///     assert_eq!(src.remaining(), 7 - n);
    ///     Ok(())
    /// }
    /// ```
    #[cfg(feature = "bytes")]
    fn write_buf<'a, B>(&'a mut self, src: &'a mut B) -> super::bytes_io::WriteBuf<'a, Self, B>
    where
        Self: Unpin,
        B: bytes::Buf + ?Sized,
    {
        super::bytes_io::write_buf(self, src)
    }

    /// Writes all of `src`'s remaining bytes, advancing it as they are
    /// written. Needs the `bytes` feature.
    ///
    /// # Errors
    ///
    /// `WriteZero` if the writer stops taking bytes, or the writer's error;
    /// `src` is advanced past what was written before it.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in that nothing is lost: if the future is dropped before
    /// it completes, part of `src` may have been written, and `src` has been
    /// advanced past exactly that part, so a new call goes on from there.
    ///
    /// ```
    /// use bytes::{Buf, Bytes};
    /// use zokio::io::AsyncWriteExt;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut src = Bytes::from_static(b"all of it");
    ///     let mut out = Vec::new();
    ///     out.write_all_buf(&mut src).await?;
    ///     assert!(!src.has_remaining());
    ///     assert_eq!(out, b"all of it");
    ///     Ok(())
    /// }
    /// ```
    #[cfg(feature = "bytes")]
    fn write_all_buf<'a, B>(
        &'a mut self,
        src: &'a mut B,
    ) -> super::bytes_io::WriteAllBuf<'a, Self, B>
    where
        Self: Unpin,
        B: bytes::Buf + ?Sized,
    {
        super::bytes_io::write_all_buf(self, src)
    }

    /// Writes all of `src`.
    ///
    /// # Errors
    ///
    /// `WriteZero` if the writer stops taking bytes, or the writer's error.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe. If the future is dropped before it completes, part of
    /// `src` may have been written, and how much is lost.
    ///
    /// ```
    /// use zokio::io::{duplex, AsyncReadExt, AsyncWriteExt};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let (mut a, mut b) = duplex(4);
    ///     // Larger than the pipe: `write_all` waits for the reader.
    ///     let writer = zokio::spawn(async move { a.write_all(b"0123456789").await });
    ///     let mut buf = [0; 10];
    ///     b.read_exact(&mut buf).await?;
    ///     writer.await.unwrap()?;
    ///     assert_eq!(&buf, b"0123456789");
    ///     Ok(())
    /// }
    /// ```
    fn write_all<'a>(&'a mut self, src: &'a [u8]) -> WriteAll<'a, Self>
    where
        Self: Unpin,
    {
        write_all(self, src)
    }

    /// Writes one byte.
    ///
    /// # Errors
    ///
    /// `WriteZero` if the writer takes no more bytes, or the writer's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe. If the future is dropped before it completes, nothing was
    /// written.
    ///
    /// ```
    /// use zokio::io::AsyncWriteExt;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut out = Vec::new();
    ///     out.write_u8(0xab).await?;
    ///     assert_eq!(out, [0xab]);
    ///     Ok(())
    /// }
    /// ```
    fn write_u8(&mut self, n: u8) -> WriteNum<'_, Self>
    where
        Self: Unpin,
    {
        write_num(self, &[n])
    }

    /// Writes one byte, an `i8`.
    ///
    /// # Errors
    ///
    /// `WriteZero` if the writer takes no more bytes, or the writer's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe. If the future is dropped before it completes, nothing was
    /// written.
    ///
    /// ```
    /// use zokio::io::AsyncWriteExt;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut out = Vec::new();
    ///     out.write_i8(-2).await?;
    ///     assert_eq!(out, [0xfe]);
    ///     Ok(())
    /// }
    /// ```
    fn write_i8(&mut self, n: i8) -> WriteNum<'_, Self>
    where
        Self: Unpin,
    {
        write_num(self, &n.to_be_bytes())
    }

    write_num_methods! {
        write_u16: u16, to_be_bytes, "big-endian", 0x0102;
        write_i16: i16, to_be_bytes, "big-endian", -0x0102;
        write_u32: u32, to_be_bytes, "big-endian", 0x0102_0304;
        write_i32: i32, to_be_bytes, "big-endian", -0x0102_0304;
        write_u64: u64, to_be_bytes, "big-endian", 0x0102_0304_0506_0708;
        write_i64: i64, to_be_bytes, "big-endian", -0x0102_0304_0506_0708;
        write_u128: u128, to_be_bytes, "big-endian", u128::MAX / 3;
        write_i128: i128, to_be_bytes, "big-endian", i128::MIN / 3;
        write_f32: f32, to_be_bytes, "big-endian", -1.5;
        write_f64: f64, to_be_bytes, "big-endian", 0.1;
        write_u16_le: u16, to_le_bytes, "little-endian", 0x0102;
        write_i16_le: i16, to_le_bytes, "little-endian", -0x0102;
        write_u32_le: u32, to_le_bytes, "little-endian", 0x0102_0304;
        write_i32_le: i32, to_le_bytes, "little-endian", -0x0102_0304;
        write_u64_le: u64, to_le_bytes, "little-endian", 0x0102_0304_0506_0708;
        write_i64_le: i64, to_le_bytes, "little-endian", -0x0102_0304_0506_0708;
        write_u128_le: u128, to_le_bytes, "little-endian", u128::MAX / 3;
        write_i128_le: i128, to_le_bytes, "little-endian", i128::MIN / 3;
        write_f32_le: f32, to_le_bytes, "little-endian", -1.5;
        write_f64_le: f64, to_le_bytes, "little-endian", 0.1;
    }

    /// Flushes the writer: everything written so far leaves its buffers.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe. The future holds no data of its own; if it is dropped
    /// before it completes, what was flushed stays flushed and a new call
    /// flushes the rest.
    ///
    /// ```
    /// use zokio::io::{AsyncWriteExt, BufWriter};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut out = BufWriter::new(Vec::new());
    ///     out.write_all(b"buffered").await?;
    ///     assert!(out.get_ref().is_empty());
    ///     out.flush().await?;
    ///     assert_eq!(out.get_ref(), b"buffered");
    ///     Ok(())
    /// }
    /// ```
    fn flush(&mut self) -> Flush<'_, Self>
    where
        Self: Unpin,
    {
        flush(self)
    }

    /// Flushes the writer and closes it for writing; for a stream the peer
    /// then reads end of file.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe. The future holds no data of its own; if it is dropped
    /// before it completes, a new call finishes the shutdown.
    ///
    /// ```
    /// use zokio::io::{duplex, AsyncReadExt, AsyncWriteExt};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let (mut a, mut b) = duplex(64);
    ///     a.write_all(b"bye").await?;
    ///     a.shutdown().await?;
    ///     let mut all = String::new();
    ///     b.read_to_string(&mut all).await?;
    ///     assert_eq!(all, "bye");
    ///     Ok(())
    /// }
    /// ```
    fn shutdown(&mut self) -> Shutdown<'_, Self>
    where
        Self: Unpin,
    {
        shutdown(self)
    }
}

impl<W: AsyncWrite + ?Sized> AsyncWriteExt for W {}
