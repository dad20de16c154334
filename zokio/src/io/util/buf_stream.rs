//! [`BufStream`]: a stream with a buffer on each side.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{BufReader, BufWriter};
use crate::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};

/// A stream with a [`BufReader`] on its read side and a [`BufWriter`] on its
/// write side.
///
/// As with a `BufWriter`, buffered writes are lost if the stream is dropped
/// before it is flushed or shut down.
///
/// ```
/// use zokio::io::{duplex, AsyncBufReadExt, AsyncWriteExt, BufStream};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let (a, b) = duplex(64);
///     let (mut a, mut b) = (BufStream::new(a), BufStream::new(b));
///     a.write_all(b"hello\n").await?;
///     a.flush().await?;
///     let mut line = String::new();
///     b.read_line(&mut line).await?;
///     assert_eq!(line, "hello\n");
///     Ok(())
/// }
/// ```
#[derive(Debug)]
pub struct BufStream<RW> {
    /// Structurally pinned (rules of [`crate::io`]'s pin projection).
    inner: BufReader<BufWriter<RW>>,
}

impl<RW: AsyncRead + AsyncWrite> BufStream<RW> {
    /// Wraps `stream` with buffers of 8 KiB.
    ///
    /// ```
    /// use zokio::io::{duplex, BufStream};
    ///
    /// let (a, _b) = duplex(64);
    /// let _stream = BufStream::new(a);
    /// ```
    pub fn new(stream: RW) -> BufStream<RW> {
        BufStream {
            inner: BufReader::new(BufWriter::new(stream)),
        }
    }

    /// Wraps `stream` with a read buffer of `reader_capacity` bytes and a
    /// write buffer of `writer_capacity` bytes.
    ///
    /// ```
    /// use zokio::io::{duplex, BufStream};
    ///
    /// let (a, _b) = duplex(64);
    /// let _stream = BufStream::with_capacity(512, 1024, a);
    /// ```
    pub fn with_capacity(
        reader_capacity: usize,
        writer_capacity: usize,
        stream: RW,
    ) -> BufStream<RW> {
        BufStream {
            inner: BufReader::with_capacity(
                reader_capacity,
                BufWriter::with_capacity(writer_capacity, stream),
            ),
        }
    }
}

impl<RW> BufStream<RW> {
    /// The underlying stream.
    ///
    /// ```
    /// use zokio::io::{duplex, BufStream};
    ///
    /// let (a, _b) = duplex(64);
    /// let stream = BufStream::new(a);
    /// let _a = stream.get_ref();
    /// ```
    pub fn get_ref(&self) -> &RW {
        self.inner.get_ref().get_ref()
    }

    /// The underlying stream, mutably. Using it directly skips the buffers.
    ///
    /// ```
    /// use zokio::io::{duplex, BufStream};
    ///
    /// let (a, _b) = duplex(64);
    /// let mut stream = BufStream::new(a);
    /// let _a = stream.get_mut();
    /// ```
    pub fn get_mut(&mut self) -> &mut RW {
        self.inner.get_mut().get_mut()
    }

    /// The underlying stream, pinned.
    ///
    /// ```
    /// use std::pin::pin;
    /// use zokio::io::{duplex, BufStream};
    ///
    /// let (a, _b) = duplex(64);
    /// let stream = pin!(BufStream::new(a));
    /// let _a = stream.get_pin_mut();
    /// ```
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut RW> {
        self.project().get_pin_mut().get_pin_mut()
    }

    /// The underlying stream back; the data in both buffers is lost.
    ///
    /// ```
    /// use zokio::io::{duplex, BufStream};
    ///
    /// let (a, _b) = duplex(64);
    /// let _a = BufStream::new(a).into_inner();
    /// ```
    pub fn into_inner(self) -> RW {
        self.inner.into_inner().into_inner()
    }

    fn project(self: Pin<&mut Self>) -> Pin<&mut BufReader<BufWriter<RW>>> {
        // SAFETY: `inner` is structurally pinned (pin projection rules 1-3
        // in `crate::io`).
        unsafe { self.map_unchecked_mut(|me| &mut me.inner) }
    }
}

impl<RW: AsyncRead + AsyncWrite> AsyncRead for BufStream<RW> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.project().poll_read(cx, buf)
    }
}

impl<RW: AsyncRead + AsyncWrite> AsyncBufRead for BufStream<RW> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.project().poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.project().consume(amt)
    }
}

impl<RW: AsyncRead + AsyncWrite> AsyncWrite for BufStream<RW> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().poll_shutdown(cx)
    }
}
