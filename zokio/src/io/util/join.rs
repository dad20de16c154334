//! [`Join`]: a reader and a writer as one stream.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};

/// Joins a reader and a writer into one value that reads from the first
/// and writes to the second: the reverse of [`split`](crate::io::split).
///
/// ```
/// use zokio::io::{self, AsyncReadExt, AsyncWriteExt};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let mut stream = io::join(&b"question"[..], Vec::new());
///     let mut asked = String::new();
///     stream.read_to_string(&mut asked).await?;
///     stream.write_all(b"answer").await?;
///     let (_, written) = stream.into_inner();
///     assert_eq!((asked.as_str(), written.as_slice()), ("question", &b"answer"[..]));
///     Ok(())
/// }
/// ```
pub fn join<R, W>(reader: R, writer: W) -> Join<R, W>
where
    R: AsyncRead,
    W: AsyncWrite,
{
    Join { reader, writer }
}

/// A reader and a writer as one stream; made by [`join`].
#[derive(Debug)]
pub struct Join<R, W> {
    /// Structurally pinned (rules of [`crate::io`]'s pin projection).
    reader: R,
    /// Structurally pinned, as `reader`.
    writer: W,
}

impl<R, W> Join<R, W> {
    /// The reader and the writer, given back.
    ///
    /// ```
    /// let stream = zokio::io::join(zokio::io::empty(), zokio::io::sink());
    /// let (_reader, _writer) = stream.into_inner();
    /// ```
    pub fn into_inner(self) -> (R, W) {
        (self.reader, self.writer)
    }

    /// The reader.
    ///
    /// ```
    /// let stream = zokio::io::join(&b"abc"[..], zokio::io::sink());
    /// assert_eq!(*stream.reader(), &b"abc"[..]);
    /// ```
    pub fn reader(&self) -> &R {
        &self.reader
    }

    /// The writer.
    ///
    /// ```
    /// let stream = zokio::io::join(zokio::io::empty(), Vec::<u8>::new());
    /// assert!(stream.writer().is_empty());
    /// ```
    pub fn writer(&self) -> &W {
        &self.writer
    }

    /// The reader, mutably.
    ///
    /// ```
    /// let mut stream = zokio::io::join(&b"abc"[..], zokio::io::sink());
    /// *stream.reader_mut() = &b"xyz"[..];
    /// ```
    pub fn reader_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// The writer, mutably.
    ///
    /// ```
    /// let mut stream = zokio::io::join(zokio::io::empty(), Vec::<u8>::new());
    /// stream.writer_mut().push(1);
    /// ```
    pub fn writer_mut(&mut self) -> &mut W {
        &mut self.writer
    }

    /// The pinned reader.
    ///
    /// ```
    /// use std::pin::pin;
    ///
    /// let mut stream = pin!(zokio::io::join(zokio::io::empty(), zokio::io::sink()));
    /// let _reader = stream.as_mut().reader_pin_mut();
    /// ```
    pub fn reader_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        // SAFETY: `reader` is structurally pinned (rules 1 to 3 of
        // `crate::io`).
        unsafe { self.map_unchecked_mut(|join| &mut join.reader) }
    }

    /// The pinned writer.
    ///
    /// ```
    /// use std::pin::pin;
    ///
    /// let mut stream = pin!(zokio::io::join(zokio::io::empty(), zokio::io::sink()));
    /// let _writer = stream.as_mut().writer_pin_mut();
    /// ```
    pub fn writer_pin_mut(self: Pin<&mut Self>) -> Pin<&mut W> {
        // SAFETY: `writer` is structurally pinned (rules 1 to 3 of
        // `crate::io`).
        unsafe { self.map_unchecked_mut(|join| &mut join.writer) }
    }
}

impl<R: AsyncRead, W> AsyncRead for Join<R, W> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.reader_pin_mut().poll_read(cx, buf)
    }
}

impl<R, W: AsyncWrite> AsyncWrite for Join<R, W> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.writer_pin_mut().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.writer_pin_mut().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.writer.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.writer_pin_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.writer_pin_mut().poll_shutdown(cx)
    }
}

impl<R: AsyncBufRead, W> AsyncBufRead for Join<R, W> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.reader_pin_mut().poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.reader_pin_mut().consume(amt)
    }
}
