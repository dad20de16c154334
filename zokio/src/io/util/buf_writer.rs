//! [`BufWriter`]: a writer with a buffer in front.

use std::fmt;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::write::write_zero;
use super::DEFAULT_BUF_SIZE;
use crate::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};

/// A writer with a buffer in front, which turns many small writes into few
/// large ones.
///
/// Writes go to the buffer; the buffer goes to the writer when the next
/// write does not fit, and on [`flush`](crate::io::AsyncWriteExt::flush) and
/// [`shutdown`](crate::io::AsyncWriteExt::shutdown). Writes at least as large
/// as the buffer bypass it. A `BufWriter` over a stream that is also a reader
/// passes reads through.
///
/// Dropping a `BufWriter` drops the data in its buffer (there is no
/// asynchronous drop to write it with): flush or shut it down first.
///
/// ```
/// use zokio::io::{AsyncWriteExt, BufWriter};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let mut writer = BufWriter::with_capacity(4, Vec::new());
///     writer.write_all(b"ab").await?;
///     assert!(writer.get_ref().is_empty()); // still buffered
///     writer.write_all(b"cde").await?; // does not fit: "ab" goes out first
///     assert_eq!(writer.get_ref(), b"ab");
///     writer.flush().await?;
///     assert_eq!(writer.get_ref(), b"abcde");
///     Ok(())
/// }
/// ```
pub struct BufWriter<W> {
    /// Structurally pinned (rules of [`crate::io`]'s pin projection).
    inner: W,
    buf: Buffer,
}

/// A `BufWriter`'s buffer: data written to it and not yet to the writer.
struct Buffer {
    data: Vec<u8>,
    /// The most `data` holds, whatever its allocation's capacity.
    capacity: usize,
}

impl<W: AsyncWrite> BufWriter<W> {
    /// Wraps `inner` with a buffer of 8 KiB.
    ///
    /// ```
    /// use zokio::io::BufWriter;
    ///
    /// let writer = BufWriter::new(Vec::<u8>::new());
    /// assert!(writer.buffer().is_empty());
    /// ```
    pub fn new(inner: W) -> BufWriter<W> {
        BufWriter::with_capacity(DEFAULT_BUF_SIZE, inner)
    }

    /// Wraps `inner` with a buffer of `capacity` bytes.
    ///
    /// ```
    /// use zokio::io::{AsyncWriteExt, BufWriter};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut writer = BufWriter::with_capacity(2, Vec::new());
    ///     writer.write_all(b"abc").await?; // larger than the buffer
    ///     assert_eq!(writer.get_ref(), b"abc");
    ///     Ok(())
    /// }
    /// ```
    pub fn with_capacity(capacity: usize, inner: W) -> BufWriter<W> {
        BufWriter {
            inner,
            buf: Buffer {
                data: Vec::with_capacity(capacity),
                capacity,
            },
        }
    }
}

impl<W> BufWriter<W> {
    /// The underlying writer.
    ///
    /// ```
    /// use zokio::io::BufWriter;
    ///
    /// let writer = BufWriter::new(vec![1u8]);
    /// assert_eq!(writer.get_ref(), &[1]);
    /// ```
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The underlying writer, mutably. Writing to it directly overtakes the
    /// buffered data.
    ///
    /// ```
    /// use zokio::io::BufWriter;
    ///
    /// let mut writer = BufWriter::new(Vec::<u8>::new());
    /// writer.get_mut().push(7);
    /// assert_eq!(writer.get_ref(), &[7]);
    /// ```
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The underlying writer, pinned.
    ///
    /// ```
    /// use std::pin::pin;
    /// use zokio::io::BufWriter;
    ///
    /// let writer = pin!(BufWriter::new(Vec::<u8>::new()));
    /// assert!(writer.get_pin_mut().is_empty());
    /// ```
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut W> {
        self.project().0
    }

    /// The underlying writer back; the buffered data is lost (flush
    /// first).
    ///
    /// ```
    /// use zokio::io::{AsyncWriteExt, BufWriter};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut writer = BufWriter::new(Vec::new());
    ///     writer.write_all(b"data").await?;
    ///     writer.flush().await?;
    ///     assert_eq!(writer.into_inner(), b"data");
    ///     Ok(())
    /// }
    /// ```
    pub fn into_inner(self) -> W {
        self.inner
    }

    /// The data written to the buffer and not yet to the writer.
    ///
    /// ```
    /// use zokio::io::{AsyncWriteExt, BufWriter};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut writer = BufWriter::new(Vec::new());
    ///     writer.write_all(b"pending").await?;
    ///     assert_eq!(writer.buffer(), b"pending");
    ///     Ok(())
    /// }
    /// ```
    pub fn buffer(&self) -> &[u8] {
        &self.buf.data
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut W>, &mut Buffer) {
        // SAFETY: `inner` is structurally pinned and `buf` is not (pin
        // projection rules 1-3 in `crate::io`).
        unsafe {
            let me = self.get_unchecked_mut();
            (Pin::new_unchecked(&mut me.inner), &mut me.buf)
        }
    }
}

impl<W: AsyncWrite> BufWriter<W> {
    /// Writes the whole buffer to the writer. What was written leaves the
    /// buffer even when this returns `Pending` or an error.
    fn poll_flush_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let (mut inner, own) = self.project();
        let mut written = 0;
        let result = loop {
            if written == own.data.len() {
                break Poll::Ready(Ok(()));
            }
            match inner.as_mut().poll_write(cx, &own.data[written..]) {
                Poll::Ready(Ok(0)) => break Poll::Ready(Err(write_zero())),
                Poll::Ready(Ok(n)) => written += n,
                Poll::Ready(Err(e)) => break Poll::Ready(Err(e)),
                Poll::Pending => break Poll::Pending,
            }
        };
        own.data.drain(..written);
        result
    }
}

impl<W: AsyncWrite> AsyncWrite for BufWriter<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.buf.data.len() + src.len() > self.buf.capacity {
            ready!(self.as_mut().poll_flush_buf(cx))?;
        }
        let (inner, own) = self.project();
        if src.len() >= own.capacity {
            inner.poll_write(cx, src)
        } else {
            own.data.extend_from_slice(src);
            Poll::Ready(Ok(src.len()))
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let total = bufs
            .iter()
            .fold(0usize, |sum, b| sum.saturating_add(b.len()));
        if self.buf.data.len() + total > self.buf.capacity {
            ready!(self.as_mut().poll_flush_buf(cx))?;
        }
        if total < self.buf.capacity {
            let own = self.project().1;
            for b in bufs {
                own.data.extend_from_slice(b);
            }
            return Poll::Ready(Ok(total));
        }
        if self.inner.is_write_vectored() {
            return self.get_pin_mut().poll_write_vectored(cx, bufs);
        }
        // Too large to buffer and the writer gathers poorly: one slice, by
        // the rules of `poll_write`.
        let first = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map_or(&[][..], |b| &**b);
        self.poll_write(cx, first)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().poll_flush_buf(cx))?;
        self.get_pin_mut().poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().poll_flush_buf(cx))?;
        self.get_pin_mut().poll_shutdown(cx)
    }
}

impl<W: AsyncWrite + AsyncRead> AsyncRead for BufWriter<W> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_read(cx, buf)
    }
}

impl<W: AsyncWrite + AsyncBufRead> AsyncBufRead for BufWriter<W> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.get_pin_mut().poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.get_pin_mut().consume(amt)
    }
}

impl<W: fmt::Debug> fmt::Debug for BufWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufWriter")
            .field("writer", &self.inner)
            .field(
                "buffer",
                &format_args!("{}/{}", self.buf.data.len(), self.buf.capacity),
            )
            .finish()
    }
}
