//! [`AsyncReadExt`]: the methods that make an [`AsyncRead`] convenient.

use super::chain::{chain, Chain};
use super::read::{read, read_exact, read_num, Read, ReadExact, ReadNum};
use super::read_to_end::{read_to_end, read_to_string, ReadToEnd, ReadToString};
use super::take::{take, Take};
use crate::io::AsyncRead;

/// Defines the readers of the multi-byte numbers: each reads
/// `size_of::<$ty>()` bytes and decodes them with `$ty::$decode`.
macro_rules! read_num_methods {
    ($($name:ident: $ty:ident, $decode:ident, $encode:ident, $order:literal, $value:expr;)*) => {$(
        #[doc = concat!("Reads a ", $order, " `", stringify!($ty), "`.")]
        ///
        /// # Errors
        ///
        /// `UnexpectedEof` if the stream ends before the number does, or the
        /// reader's error.
        ///
        /// # Cancel safety
        ///
        /// Not cancel safe. If the future is dropped before it completes (say,
        /// another `select!` branch won), the bytes of the number that were
        /// read are lost.
        ///
        /// ```
        /// use zokio::io::AsyncReadExt;
        ///
        /// #[zokio::main(flavor = "current_thread")]
        /// async fn main() -> std::io::Result<()> {
        #[doc = concat!("    let value: ", stringify!($ty), " = ", stringify!($value), ";")]
        #[doc = concat!("    let bytes = value.", stringify!($encode), "();")]
        ///     let mut reader = &bytes[..];
        #[doc = concat!("    assert_eq!(reader.", stringify!($name), "().await?, value);")]
        ///     Ok(())
        /// }
        /// ```
        fn $name(&mut self) -> ReadNum<'_, Self, $ty>
        where
            Self: Unpin,
        {
            read_num(self, std::mem::size_of::<$ty>(), |bytes| {
                <$ty>::$decode(bytes.try_into().expect("the future reads the number's size"))
            })
        }
    )*};
}

/// Reading methods for every [`AsyncRead`]: bring this trait into scope and
/// call them on any reader.
///
/// Each returns a future; the futures borrow the reader, are `Unpin`, and
/// can be polled in a [`select!`](crate::select) loop. Each method's
/// `# Cancel safety` section says what is lost when such a future is dropped
/// before it completes.
///
/// The methods that borrow the reader need it to be `Unpin`; pin one that is
/// not first (with [`std::pin::pin!`] or `Box::pin`):
///
/// ```compile_fail,E0277
/// use std::marker::PhantomPinned;
/// use zokio::io::AsyncReadExt;
///
/// # async fn f() -> std::io::Result<()> {
/// let mut reader = (&b"data"[..]).chain(PinnedEmpty(PhantomPinned));
/// reader.read_u8().await?; // `Chain<_, PinnedEmpty>` is not `Unpin`
/// # Ok(()) }
/// # struct PinnedEmpty(PhantomPinned);
/// # impl zokio::io::AsyncRead for PinnedEmpty {
/// #     fn poll_read(
/// #         self: std::pin::Pin<&mut Self>,
/// #         _: &mut std::task::Context<'_>,
/// #         _: &mut zokio::io::ReadBuf<'_>,
/// #     ) -> std::task::Poll<std::io::Result<()>> {
/// #         std::task::Poll::Ready(Ok(()))
/// #     }
/// # }
/// ```
///
/// ```
/// # use std::marker::PhantomPinned;
/// use std::pin::pin;
/// use zokio::io::AsyncReadExt;
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut reader = pin!((&b"data"[..]).chain(PinnedEmpty(PhantomPinned)));
/// assert_eq!(reader.read_u8().await?, b'd');
/// # Ok(()) }
/// # struct PinnedEmpty(PhantomPinned);
/// # impl zokio::io::AsyncRead for PinnedEmpty {
/// #     fn poll_read(
/// #         self: std::pin::Pin<&mut Self>,
/// #         _: &mut std::task::Context<'_>,
/// #         _: &mut zokio::io::ReadBuf<'_>,
/// #     ) -> std::task::Poll<std::io::Result<()>> {
/// #         std::task::Poll::Ready(Ok(()))
/// #     }
/// # }
/// ```
///
/// ```
/// use zokio::io::{duplex, AsyncReadExt, AsyncWriteExt};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let (mut client, mut server) = duplex(64);
///     client.write_all(b"\x00\x05hello").await?;
///     let len = server.read_u16().await?;
///     let mut body = vec![0; len as usize];
///     server.read_exact(&mut body).await?;
///     assert_eq!(body, b"hello");
///     Ok(())
/// }
/// ```
pub trait AsyncReadExt: AsyncRead {
    /// A reader that reads all of `self`, then all of `next`.
    ///
    /// ```
    /// use zokio::io::AsyncReadExt;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut both = (&b"head "[..]).chain(&b"tail"[..]);
    ///     let mut text = String::new();
    ///     both.read_to_string(&mut text).await?;
    ///     assert_eq!(text, "head tail");
    ///     Ok(())
    /// }
    /// ```
    fn chain<R: AsyncRead>(self, next: R) -> Chain<Self, R>
    where
        Self: Sized,
    {
        chain(self, next)
    }

    /// Reads some bytes into `buf` and returns how many.
    ///
    /// It waits until at least one byte is available, then returns what one
    /// read gives, which may be less than `buf.len()`. `Ok(0)` means end of
    /// file (or an empty `buf`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe. If the future is dropped before it completes (say,
    /// another `select!` branch won), no data was read.
    ///
    /// ```
    /// use zokio::io::{duplex, AsyncReadExt, AsyncWriteExt};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let (mut a, mut b) = duplex(64);
    ///     a.write_all(b"ping").await?;
    ///     let mut buf = [0; 16];
    ///     let n = b.read(&mut buf).await?;
    ///     assert_eq!(&buf[..n], b"ping");
    ///     Ok(())
    /// }
    /// ```
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> Read<'a, Self>
    where
        Self: Unpin,
    {
        read(self, buf)
    }

    /// Reads some bytes into `buf`'s spare room, advances it, and returns how
    /// many (`Ok(0)` at end of file, or when `buf` has no room). Needs the
    /// `bytes` feature.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe. If the future is dropped before it completes, no data
    /// was read.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use zokio::io::AsyncReadExt;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut reader: &[u8] = b"abc";
    ///     let mut buf = BytesMut::with_capacity(8);
    ///     assert_eq!(reader.read_buf(&mut buf).await?, 3);
    ///     assert_eq!(&buf[..], b"abc");
    ///     Ok(())
    /// }
    /// ```
    #[cfg(feature = "bytes")]
    fn read_buf<'a, B>(&'a mut self, buf: &'a mut B) -> super::bytes_io::ReadIntoBuf<'a, Self, B>
    where
        Self: Unpin,
        B: bytes::BufMut + ?Sized,
    {
        super::bytes_io::read_buf(self, buf)
    }

    /// Reads exactly `buf.len()` bytes into `buf` and returns that length.
    ///
    /// # Errors
    ///
    /// `UnexpectedEof` if the stream ends first (what was read stays in
    /// `buf`), or the reader's error.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe. If the future is dropped before it completes, some
    /// bytes may already have been read into `buf`, and how many is lost.
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use zokio::io::AsyncReadExt;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() {
    ///     let mut reader: &[u8] = b"abcde";
    ///     let mut buf = [0; 3];
    ///     assert_eq!(reader.read_exact(&mut buf).await.unwrap(), 3);
    ///     assert_eq!(&buf, b"abc");
    ///     let error = reader.read_exact(&mut buf).await.unwrap_err();
    ///     assert_eq!(error.kind(), ErrorKind::UnexpectedEof);
    /// }
    /// ```
    fn read_exact<'a>(&'a mut self, buf: &'a mut [u8]) -> ReadExact<'a, Self>
    where
        Self: Unpin,
    {
        read_exact(self, buf)
    }

    /// Reads one byte as a `u8`.
    ///
    /// # Errors
    ///
    /// `UnexpectedEof` at end of file, or the reader's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe. If the future is dropped before it completes, no byte
    /// was read.
    ///
    /// ```
    /// use zokio::io::AsyncReadExt;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut reader: &[u8] = &[7, 200];
    ///     assert_eq!(reader.read_u8().await?, 7);
    ///     assert_eq!(reader.read_u8().await?, 200);
    ///     assert!(reader.read_u8().await.is_err());
    ///     Ok(())
    /// }
    /// ```
    fn read_u8(&mut self) -> ReadNum<'_, Self, u8>
    where
        Self: Unpin,
    {
        read_num(self, 1, |bytes| bytes[0])
    }

    /// Reads one byte as an `i8`.
    ///
    /// # Errors
    ///
    /// `UnexpectedEof` at end of file, or the reader's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe. If the future is dropped before it completes, no byte
    /// was read.
    ///
    /// ```
    /// use zokio::io::AsyncReadExt;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut reader: &[u8] = &[0xff, 0x7f];
    ///     assert_eq!(reader.read_i8().await?, -1);
    ///     assert_eq!(reader.read_i8().await?, 127);
    ///     Ok(())
    /// }
    /// ```
    fn read_i8(&mut self) -> ReadNum<'_, Self, i8>
    where
        Self: Unpin,
    {
        read_num(self, 1, |bytes| bytes[0] as i8)
    }

    read_num_methods! {
        read_u16: u16, from_be_bytes, to_be_bytes, "big-endian", 0x0102;
        read_i16: i16, from_be_bytes, to_be_bytes, "big-endian", -0x0102;
        read_u32: u32, from_be_bytes, to_be_bytes, "big-endian", 0x0102_0304;
        read_i32: i32, from_be_bytes, to_be_bytes, "big-endian", -0x0102_0304;
        read_u64: u64, from_be_bytes, to_be_bytes, "big-endian", 0x0102_0304_0506_0708;
        read_i64: i64, from_be_bytes, to_be_bytes, "big-endian", -0x0102_0304_0506_0708;
        read_u128: u128, from_be_bytes, to_be_bytes, "big-endian", u128::MAX / 3;
        read_i128: i128, from_be_bytes, to_be_bytes, "big-endian", i128::MIN / 3;
        read_f32: f32, from_be_bytes, to_be_bytes, "big-endian", -1.5;
        read_f64: f64, from_be_bytes, to_be_bytes, "big-endian", 0.1;
        read_u16_le: u16, from_le_bytes, to_le_bytes, "little-endian", 0x0102;
        read_i16_le: i16, from_le_bytes, to_le_bytes, "little-endian", -0x0102;
        read_u32_le: u32, from_le_bytes, to_le_bytes, "little-endian", 0x0102_0304;
        read_i32_le: i32, from_le_bytes, to_le_bytes, "little-endian", -0x0102_0304;
        read_u64_le: u64, from_le_bytes, to_le_bytes, "little-endian", 0x0102_0304_0506_0708;
        read_i64_le: i64, from_le_bytes, to_le_bytes, "little-endian", -0x0102_0304_0506_0708;
        read_u128_le: u128, from_le_bytes, to_le_bytes, "little-endian", u128::MAX / 3;
        read_i128_le: i128, from_le_bytes, to_le_bytes, "little-endian", i128::MIN / 3;
        read_f32_le: f32, from_le_bytes, to_le_bytes, "little-endian", -1.5;
        read_f64_le: f64, from_le_bytes, to_le_bytes, "little-endian", 0.1;
    }

    /// Reads until end of file, appending to `buf`, and returns how many
    /// bytes were appended.
    ///
    /// # Errors
    ///
    /// The reader's first error; the bytes read before it stay in `buf`.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe, in that the count is lost: if the future is dropped
    /// before it completes, the bytes read so far are in `buf` (none is
    /// lost), and a new call goes on from there.
    ///
    /// ```
    /// use zokio::io::AsyncReadExt;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut reader: &[u8] = b"rest of it";
    ///     let mut buf = b"the ".to_vec();
    ///     assert_eq!(reader.read_to_end(&mut buf).await?, 10);
    ///     assert_eq!(buf, b"the rest of it");
    ///     Ok(())
    /// }
    /// ```
    fn read_to_end<'a>(&'a mut self, buf: &'a mut Vec<u8>) -> ReadToEnd<'a, Self>
    where
        Self: Unpin,
    {
        read_to_end(self, buf)
    }

    /// Reads until end of file, appending to `dst`, and returns how many
    /// bytes were appended.
    ///
    /// # Errors
    ///
    /// `InvalidData` if what was read is not UTF-8, or the reader's first
    /// error. Either way nothing is appended to `dst`, and the bytes that
    /// were read are lost.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe. If the future is dropped before it completes, `dst`
    /// keeps its original contents and the bytes read so far are lost.
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use zokio::io::AsyncReadExt;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() {
    ///     let mut text = String::from("α");
    ///     let mut reader: &[u8] = "βγ".as_bytes();
    ///     assert_eq!(reader.read_to_string(&mut text).await.unwrap(), 4);
    ///     assert_eq!(text, "αβγ");
    ///
    ///     let mut reader: &[u8] = &[0xff, 0xfe];
    ///     let error = reader.read_to_string(&mut text).await.unwrap_err();
    ///     assert_eq!(error.kind(), ErrorKind::InvalidData);
    ///     assert_eq!(text, "αβγ");
    /// }
    /// ```
    fn read_to_string<'a>(&'a mut self, dst: &'a mut String) -> ReadToString<'a, Self>
    where
        Self: Unpin,
    {
        read_to_string(self, dst)
    }

    /// A reader that reads at most `limit` bytes of `self`, then reports end
    /// of file.
    ///
    /// ```
    /// use zokio::io::AsyncReadExt;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut head = (&b"0123456789"[..]).take(4);
    ///     let mut buf = Vec::new();
    ///     head.read_to_end(&mut buf).await?;
    ///     assert_eq!(buf, b"0123");
    ///     Ok(())
    /// }
    /// ```
    fn take(self, limit: u64) -> Take<Self>
    where
        Self: Sized,
    {
        take(self, limit)
    }
}

impl<R: AsyncRead + ?Sized> AsyncReadExt for R {}
