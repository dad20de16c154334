//! The futures of [`AsyncReadExt`](crate::io::AsyncReadExt)'s reads into a
//! caller's slice or into a number.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::{AsyncRead, ReadBuf};

/// The future of [`AsyncReadExt::read`](crate::io::AsyncReadExt::read).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Read<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut [u8],
}

pub(crate) fn read<'a, R: ?Sized>(reader: &'a mut R, buf: &'a mut [u8]) -> Read<'a, R> {
    Read { reader, buf }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for Read<'_, R> {
    type Output = io::Result<usize>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = &mut *self;
        let mut buf = ReadBuf::new(me.buf);
        ready!(Pin::new(&mut *me.reader).poll_read(cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }
}

/// The future of
/// [`AsyncReadExt::read_exact`](crate::io::AsyncReadExt::read_exact).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadExact<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: ReadBuf<'a>,
}

pub(crate) fn read_exact<'a, R: ?Sized>(reader: &'a mut R, buf: &'a mut [u8]) -> ReadExact<'a, R> {
    ReadExact {
        reader,
        buf: ReadBuf::new(buf),
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadExact<'_, R> {
    type Output = io::Result<usize>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = &mut *self;
        while me.buf.remaining() > 0 {
            let before = me.buf.filled().len();
            ready!(Pin::new(&mut *me.reader).poll_read(cx, &mut me.buf))?;
            if me.buf.filled().len() == before {
                return Poll::Ready(Err(early_eof()));
            }
        }
        Poll::Ready(Ok(me.buf.capacity()))
    }
}

/// The future of `AsyncReadExt::read_u8` and the other number readers.
///
/// It reads the number's bytes into a small array, then decodes them with
/// the function it was made with (big- or little-endian).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadNum<'a, R: ?Sized, T> {
    reader: &'a mut R,
    bytes: [u8; 16],
    /// The number's size in bytes, at most 16.
    len: usize,
    filled: usize,
    decode: fn(&[u8]) -> T,
}

pub(crate) fn read_num<R: ?Sized, T>(
    reader: &mut R,
    len: usize,
    decode: fn(&[u8]) -> T,
) -> ReadNum<'_, R, T> {
    debug_assert!(len <= 16);
    ReadNum {
        reader,
        bytes: [0; 16],
        len,
        filled: 0,
        decode,
    }
}

impl<R: AsyncRead + Unpin + ?Sized, T> Future for ReadNum<'_, R, T> {
    type Output = io::Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let me = &mut *self;
        while me.filled < me.len {
            let mut buf = ReadBuf::new(&mut me.bytes[me.filled..me.len]);
            ready!(Pin::new(&mut *me.reader).poll_read(cx, &mut buf))?;
            let n = buf.filled().len();
            if n == 0 {
                return Poll::Ready(Err(early_eof()));
            }
            me.filled += n;
        }
        Poll::Ready(Ok((me.decode)(&me.bytes[..me.len])))
    }
}

/// The error of a read that needed more bytes than the stream had.
pub(crate) fn early_eof() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "early eof")
}
