//! [`copy`] and the buffer that moves bytes from a reader to a writer,
//! shared with [`copy_bidirectional`](super::copy_bidirectional()).

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::write::write_zero;
use super::DEFAULT_BUF_SIZE;
use crate::future::poll_fn;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::runtime::coop;

/// The state of one direction of a copy: a buffer whose `data[pos..filled]`
/// is read and not yet written.
#[derive(Debug)]
pub(crate) struct CopyBuffer {
    data: Box<[u8]>,
    /// # Invariant
    /// `pos <= filled <= data.len()`.
    pos: usize,
    filled: usize,
    /// The reader reached end of file.
    read_done: bool,
    /// Bytes were written since the writer was last flushed.
    need_flush: bool,
    /// Bytes written in all.
    copied: u64,
}

impl CopyBuffer {
    pub(crate) fn new(size: usize) -> CopyBuffer {
        CopyBuffer {
            data: vec![0; size.max(1)].into_boxed_slice(),
            pos: 0,
            filled: 0,
            read_done: false,
            need_flush: false,
            copied: 0,
        }
    }

    /// Reads into the free end of the buffer; end of file sets `read_done`.
    fn poll_fill<R: AsyncRead + ?Sized>(
        &mut self,
        cx: &mut Context<'_>,
        reader: Pin<&mut R>,
    ) -> Poll<io::Result<()>> {
        let mut buf = ReadBuf::new(&mut self.data[self.filled..]);
        ready!(reader.poll_read(cx, &mut buf))?;
        let n = buf.filled().len();
        if n == 0 {
            self.read_done = true;
        } else {
            self.filled = (self.filled + n).min(self.data.len());
        }
        Poll::Ready(Ok(()))
    }

    /// Copies until the reader's end of file, flushes the writer, and returns
    /// how many bytes were copied in all.
    ///
    /// While the writer is busy, the buffer keeps filling from the reader;
    /// while the reader has nothing, the writer is flushed so that what was
    /// copied does not sit in its buffers. Each round spends a unit of the
    /// task's budget, so that two streams that are always ready cannot keep
    /// the task from yielding.
    pub(crate) fn poll_copy<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        loop {
            let budget = ready!(coop::poll_proceed(cx));
            if self.pos == self.filled && !self.read_done {
                self.pos = 0;
                self.filled = 0;
                match self.poll_fill(cx, reader.as_mut()) {
                    Poll::Ready(Ok(())) => budget.made_progress(),
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {
                        if self.need_flush {
                            ready!(writer.as_mut().poll_flush(cx))?;
                            self.need_flush = false;
                        }
                        return Poll::Pending;
                    }
                }
            }
            while self.pos < self.filled {
                match writer
                    .as_mut()
                    .poll_write(cx, &self.data[self.pos..self.filled])
                {
                    Poll::Ready(Ok(0)) => return Poll::Ready(Err(write_zero())),
                    Poll::Ready(Ok(n)) => {
                        self.pos += n.min(self.filled - self.pos);
                        self.copied += n as u64;
                        self.need_flush = true;
                        budget.made_progress();
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {
                        if !self.read_done && self.filled < self.data.len() {
                            match self.poll_fill(cx, reader.as_mut()) {
                                Poll::Ready(Ok(())) => {
                                    budget.made_progress();
                                    continue;
                                }
                                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                                Poll::Pending => {}
                            }
                        }
                        return Poll::Pending;
                    }
                }
            }
            if self.read_done {
                ready!(writer.as_mut().poll_flush(cx))?;
                self.need_flush = false;
                return Poll::Ready(Ok(self.copied));
            }
        }
    }
}

/// Copies everything `reader` yields to `writer`, until end of file, then
/// flushes `writer`; returns how many bytes were copied.
///
/// It goes through a buffer of 8 KiB. For an [`AsyncBufRead`] reader,
/// [`copy_buf`](super::copy_buf()) uses the reader's buffer instead.
///
/// [`AsyncBufRead`]: crate::io::AsyncBufRead
///
/// # Errors
///
/// The first error of either side, or `WriteZero` if the writer stops taking
/// bytes. Bytes copied before it are not counted anywhere.
///
/// # Cancel safety
///
/// Not cancel safe. If the future is dropped before it completes, bytes
/// read from `reader` but not yet written to `writer` are lost.
///
/// ```
/// use zokio::io;
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let mut reader: &[u8] = b"copy me";
///     let mut writer = Vec::new();
///     assert_eq!(io::copy(&mut reader, &mut writer).await?, 7);
///     assert_eq!(writer, b"copy me");
///     Ok(())
/// }
/// ```
pub async fn copy<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> io::Result<u64>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut buf = CopyBuffer::new(DEFAULT_BUF_SIZE);
    poll_fn(|cx| buf.poll_copy(cx, Pin::new(&mut *reader), Pin::new(&mut *writer))).await
}
