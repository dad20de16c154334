//! [`BufReader`]: a reader with a buffer in front.

use std::fmt;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::DEFAULT_BUF_SIZE;
use crate::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};

/// A reader with a buffer in front, which turns many small reads into few
/// large ones and makes any reader an [`AsyncBufRead`].
///
/// Reads at least as large as the buffer bypass it when it is empty. A
/// `BufReader` over a stream that is also a writer passes writes through.
///
/// Dropping a `BufReader` drops the data in its buffer; reach it first with
/// [`buffer`](BufReader::buffer) if it matters.
///
/// ```
/// use zokio::io::{AsyncBufReadExt, BufReader};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let mut reader = BufReader::with_capacity(4, &b"one\ntwo\n"[..]);
///     let mut line = String::new();
///     reader.read_line(&mut line).await?;
///     assert_eq!(line, "one\n");
///     Ok(())
/// }
/// ```
pub struct BufReader<R> {
    /// Structurally pinned (rules of [`crate::io`]'s pin projection).
    inner: R,
    buf: Buffer,
}

/// A `BufReader`'s buffer: `data[pos..filled]` is read but not yet
/// consumed.
struct Buffer {
    data: Box<[u8]>,
    /// # Invariant
    /// `pos <= filled <= data.len()`.
    pos: usize,
    filled: usize,
}

impl Buffer {
    fn unread(&self) -> &[u8] {
        &self.data[self.pos..self.filled]
    }

    fn discard(&mut self) {
        self.pos = 0;
        self.filled = 0;
    }
}

impl<R: AsyncRead> BufReader<R> {
    /// Wraps `inner` with a buffer of 8 KiB.
    ///
    /// ```
    /// use zokio::io::BufReader;
    ///
    /// let reader = BufReader::new(&b"data"[..]);
    /// assert_eq!(reader.capacity(), 8 * 1024);
    /// ```
    pub fn new(inner: R) -> BufReader<R> {
        BufReader::with_capacity(DEFAULT_BUF_SIZE, inner)
    }

    /// Wraps `inner` with a buffer of `capacity` bytes.
    ///
    /// ```
    /// use zokio::io::BufReader;
    ///
    /// let reader = BufReader::with_capacity(100, &b"data"[..]);
    /// assert_eq!(reader.capacity(), 100);
    /// ```
    pub fn with_capacity(capacity: usize, inner: R) -> BufReader<R> {
        BufReader {
            inner,
            buf: Buffer {
                data: vec![0; capacity].into_boxed_slice(),
                pos: 0,
                filled: 0,
            },
        }
    }
}

impl<R> BufReader<R> {
    /// The underlying reader.
    ///
    /// ```
    /// use zokio::io::BufReader;
    ///
    /// let reader = BufReader::new(&b"data"[..]);
    /// assert_eq!(*reader.get_ref(), b"data");
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The underlying reader, mutably. Reading from it directly skips the
    /// buffered data.
    ///
    /// ```
    /// use zokio::io::BufReader;
    ///
    /// let mut reader = BufReader::new(&b"data"[..]);
    /// *reader.get_mut() = &b"other"[..];
    /// assert_eq!(*reader.get_ref(), b"other");
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The underlying reader, pinned.
    ///
    /// ```
    /// use std::pin::pin;
    /// use zokio::io::BufReader;
    ///
    /// let reader = pin!(BufReader::new(&b"data"[..]));
    /// assert_eq!(*reader.get_pin_mut(), b"data");
    /// ```
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().0
    }

    /// The underlying reader back; the buffered data is lost.
    ///
    /// ```
    /// use zokio::io::{AsyncBufReadExt, BufReader};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut reader = BufReader::with_capacity(2, &b"abcd"[..]);
    ///     reader.fill_buf().await?;
    ///     assert_eq!(reader.into_inner(), b"cd");
    ///     Ok(())
    /// }
    /// ```
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The data read but not yet consumed.
    ///
    /// ```
    /// use zokio::io::{AsyncBufReadExt, BufReader};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut reader = BufReader::new(&b"abc"[..]);
    ///     assert!(reader.buffer().is_empty());
    ///     reader.fill_buf().await?;
    ///     reader.consume(1);
    ///     assert_eq!(reader.buffer(), b"bc");
    ///     Ok(())
    /// }
    /// ```
    pub fn buffer(&self) -> &[u8] {
        self.buf.unread()
    }

    /// The size of the buffer.
    ///
    /// ```
    /// use zokio::io::BufReader;
    ///
    /// assert_eq!(BufReader::with_capacity(16, &b""[..]).capacity(), 16);
    /// ```
    pub fn capacity(&self) -> usize {
        self.buf.data.len()
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut R>, &mut Buffer) {
        // SAFETY: `inner` is structurally pinned and `buf` is not (pin
        // projection rules 1-3 in `crate::io`).
        unsafe {
            let me = self.get_unchecked_mut();
            (Pin::new_unchecked(&mut me.inner), &mut me.buf)
        }
    }
}

impl<R: AsyncRead> AsyncRead for BufReader<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // Nothing buffered and a large read: the buffer would only add a copy.
        if self.buf.pos == self.buf.filled && buf.remaining() >= self.capacity() {
            let (inner, own) = self.project();
            let result = ready!(inner.poll_read(cx, buf));
            own.discard();
            return Poll::Ready(result);
        }
        let data = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = data.len().min(buf.remaining());
        buf.put_slice(&data[..n]);
        self.consume(n);
        Poll::Ready(Ok(()))
    }
}

impl<R: AsyncRead> AsyncBufRead for BufReader<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let (inner, own) = self.project();
        if own.pos >= own.filled {
            let mut read_buf = ReadBuf::new(&mut own.data);
            ready!(inner.poll_read(cx, &mut read_buf))?;
            let n = read_buf.filled().len();
            own.pos = 0;
            own.filled = n.min(own.data.len());
        }
        Poll::Ready(Ok(own.unread()))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let own = self.project().1;
        own.pos = (own.pos + amt).min(own.filled);
    }
}

impl<R: AsyncRead + AsyncWrite> AsyncWrite for BufReader<R> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_pin_mut().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_pin_mut().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_shutdown(cx)
    }
}

impl<R: fmt::Debug> fmt::Debug for BufReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufReader")
            .field("reader", &self.inner)
            .field(
                "buffer",
                &format_args!("{}/{}", self.buf.filled - self.buf.pos, self.capacity()),
            )
            .finish()
    }
}
