//! The futures of the methods that read into a [`BufMut`] or write from a
//! [`Buf`] (the `bytes` feature).

use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Buf, BufMut};

use super::write::write_zero;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How many chunks of a `Buf` one vectored write gathers at most.
const MAX_VECTORED_CHUNKS: usize = 64;

/// The future of
/// [`AsyncReadExt::read_buf`](crate::io::AsyncReadExt::read_buf).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadIntoBuf<'a, R: ?Sized, B: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut B,
}

pub(crate) fn read_buf<'a, R: ?Sized, B: ?Sized>(
    reader: &'a mut R,
    buf: &'a mut B,
) -> ReadIntoBuf<'a, R, B> {
    ReadIntoBuf { reader, buf }
}

impl<R, B> Future for ReadIntoBuf<'_, R, B>
where
    R: AsyncRead + Unpin + ?Sized,
    B: BufMut + ?Sized,
{
    type Output = io::Result<usize>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = &mut *self;
        if !me.buf.has_remaining_mut() {
            return Poll::Ready(Ok(0));
        }
        let n = {
            // SAFETY: a `ReadBuf` writes only initialized bytes into memory
            // it does not know to be initialized, never uninitialized ones
            // into memory that is.
            let chunk = unsafe { me.buf.chunk_mut().as_uninit_slice_mut() };
            let mut dst = ReadBuf::uninit(chunk);
            let start = dst.filled().as_ptr();
            ready!(Pin::new(&mut *me.reader).poll_read(cx, &mut dst))?;
            assert_eq!(
                start,
                dst.filled().as_ptr(),
                "AsyncRead::poll_read replaced the buffer it was given"
            );
            dst.filled().len()
        };
        // SAFETY: the first `n` bytes of the chunk are filled, hence
        // initialized (the pointer check shows they are the chunk's).
        unsafe { me.buf.advance_mut(n) };
        Poll::Ready(Ok(n))
    }
}

/// The future of
/// [`AsyncWriteExt::write_buf`](crate::io::AsyncWriteExt::write_buf).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteBuf<'a, W: ?Sized, B: ?Sized> {
    writer: &'a mut W,
    buf: &'a mut B,
}

pub(crate) fn write_buf<'a, W: ?Sized, B: ?Sized>(
    writer: &'a mut W,
    buf: &'a mut B,
) -> WriteBuf<'a, W, B> {
    WriteBuf { writer, buf }
}

impl<W, B> Future for WriteBuf<'_, W, B>
where
    W: AsyncWrite + Unpin + ?Sized,
    B: Buf + ?Sized,
{
    type Output = io::Result<usize>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = &mut *self;
        if !me.buf.has_remaining() {
            return Poll::Ready(Ok(0));
        }
        let n = ready!(poll_write_chunks(Pin::new(&mut *me.writer), cx, &*me.buf))?;
        me.buf.advance(n);
        Poll::Ready(Ok(n))
    }
}

/// The future of
/// [`AsyncWriteExt::write_all_buf`](crate::io::AsyncWriteExt::write_all_buf).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteAllBuf<'a, W: ?Sized, B: ?Sized> {
    writer: &'a mut W,
    buf: &'a mut B,
}

pub(crate) fn write_all_buf<'a, W: ?Sized, B: ?Sized>(
    writer: &'a mut W,
    buf: &'a mut B,
) -> WriteAllBuf<'a, W, B> {
    WriteAllBuf { writer, buf }
}

impl<W, B> Future for WriteAllBuf<'_, W, B>
where
    W: AsyncWrite + Unpin + ?Sized,
    B: Buf + ?Sized,
{
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = &mut *self;
        while me.buf.has_remaining() {
            let n = ready!(poll_write_chunks(Pin::new(&mut *me.writer), cx, &*me.buf))?;
            if n == 0 {
                return Poll::Ready(Err(write_zero()));
            }
            me.buf.advance(n);
        }
        Poll::Ready(Ok(()))
    }
}

/// Writes from `buf`'s chunks: several at once when the writer does
/// vectored writes well, the first one otherwise.
fn poll_write_chunks<W, B>(
    writer: Pin<&mut W>,
    cx: &mut Context<'_>,
    buf: &B,
) -> Poll<io::Result<usize>>
where
    W: AsyncWrite + ?Sized,
    B: Buf + ?Sized,
{
    if writer.is_write_vectored() {
        let mut slices = [IoSlice::new(&[]); MAX_VECTORED_CHUNKS];
        let count = buf.chunks_vectored(&mut slices);
        writer.poll_write_vectored(cx, &slices[..count])
    } else {
        writer.poll_write(cx, buf.chunk())
    }
}
