//! The futures of [`AsyncBufReadExt`](crate::io::AsyncBufReadExt)'s reads
//! up to a delimiter, and of its `fill_buf`.

use std::future::Future;
use std::io;
use std::mem;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::string_append::StringAppend;
use crate::io::AsyncBufRead;

/// Moves buffered bytes into `buf` up to and including `delim`, or up to end
/// of file, and returns how many were moved in all (`read` carries the count
/// across polls).
///
/// Bytes are consumed from the reader as they are copied, so nothing is lost
/// between polls: a caller that keeps `buf` and `read` can stop and go on.
pub(crate) fn poll_read_until<R: AsyncBufRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    delim: u8,
    buf: &mut Vec<u8>,
    read: &mut usize,
) -> Poll<io::Result<usize>> {
    loop {
        let (found, used) = {
            let available = ready!(reader.as_mut().poll_fill_buf(cx))?;
            match available.iter().position(|&b| b == delim) {
                Some(i) => {
                    buf.extend_from_slice(&available[..=i]);
                    (true, i + 1)
                }
                None => {
                    buf.extend_from_slice(available);
                    (available.is_empty(), available.len())
                }
            }
        };
        reader.as_mut().consume(used);
        *read += used;
        if found {
            return Poll::Ready(Ok(mem::take(read)));
        }
    }
}

/// The future of
/// [`AsyncBufReadExt::read_until`](crate::io::AsyncBufReadExt::read_until).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadUntil<'a, R: ?Sized> {
    reader: &'a mut R,
    delim: u8,
    buf: &'a mut Vec<u8>,
    read: usize,
}

pub(crate) fn read_until<'a, R: ?Sized>(
    reader: &'a mut R,
    delim: u8,
    buf: &'a mut Vec<u8>,
) -> ReadUntil<'a, R> {
    ReadUntil {
        reader,
        delim,
        buf,
        read: 0,
    }
}

impl<R: AsyncBufRead + Unpin + ?Sized> Future for ReadUntil<'_, R> {
    type Output = io::Result<usize>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = &mut *self;
        poll_read_until(
            Pin::new(&mut *me.reader),
            cx,
            me.delim,
            me.buf,
            &mut me.read,
        )
    }
}

/// The future of
/// [`AsyncBufReadExt::read_line`](crate::io::AsyncBufReadExt::read_line).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadLine<'a, R: ?Sized> {
    reader: &'a mut R,
    output: StringAppend<'a>,
    read: usize,
}

pub(crate) fn read_line<'a, R: ?Sized>(
    reader: &'a mut R,
    output: &'a mut String,
) -> ReadLine<'a, R> {
    ReadLine {
        reader,
        // As with Tokio, text read before an error is kept if it is UTF-8.
        output: StringAppend::new(output, true),
        read: 0,
    }
}

impl<R: AsyncBufRead + Unpin + ?Sized> Future for ReadLine<'_, R> {
    type Output = io::Result<usize>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = &mut *self;
        let result = ready!(poll_read_until(
            Pin::new(&mut *me.reader),
            cx,
            b'\n',
            me.output.bytes_mut(),
            &mut me.read,
        ));
        Poll::Ready(match result {
            Ok(n) => me.output.finish().map(|()| n),
            Err(e) => {
                me.output.abandon();
                Err(e)
            }
        })
    }
}

/// The future of
/// [`AsyncBufReadExt::fill_buf`](crate::io::AsyncBufReadExt::fill_buf).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct FillBuf<'a, R: ?Sized> {
    /// `None` once the future has completed and lent the reader's buffer out.
    reader: Option<&'a mut R>,
}

pub(crate) fn fill_buf<R: ?Sized>(reader: &mut R) -> FillBuf<'_, R> {
    FillBuf {
        reader: Some(reader),
    }
}

impl<'a, R: AsyncBufRead + Unpin + ?Sized> Future for FillBuf<'a, R> {
    type Output = io::Result<&'a [u8]>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&'a [u8]>> {
        let reader = self
            .reader
            .take()
            .expect("future polled after it completed");
        match Pin::new(&mut *reader).poll_fill_buf(cx) {
            Poll::Ready(Ok(data)) => {
                let data: *const [u8] = data;
                // SAFETY: `data` borrows from `*reader`, which is borrowed
                // for `'a`. The future gives up its `&'a mut R` here (it was
                // taken out of the option and is not put back), so nothing
                // else reaches the reader during `'a` and the slice may live
                // that long. Only the borrow checker's current rules (which
                // cannot see that the reborrow ends on the other branches)
                // need this cast.
                Poll::Ready(Ok(unsafe { &*data }))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                self.reader = Some(reader);
                Poll::Pending
            }
        }
    }
}
