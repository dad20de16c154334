//! The futures of [`AsyncReadExt::read_to_end`] and
//! [`AsyncReadExt::read_to_string`].
//!
//! [`AsyncReadExt::read_to_end`]: crate::io::AsyncReadExt::read_to_end
//! [`AsyncReadExt::read_to_string`]: crate::io::AsyncReadExt::read_to_string

use std::future::Future;
use std::io;
use std::mem;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::string_append::StringAppend;
use crate::io::{AsyncRead, ReadBuf};

/// How much a full vector grows by at least before the next read.
const MIN_GROWTH: usize = 32;

/// The future of
/// [`AsyncReadExt::read_to_end`](crate::io::AsyncReadExt::read_to_end).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadToEnd<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut Vec<u8>,
    /// How many bytes of `buf`'s spare capacity an earlier read initialized.
    spare_init: usize,
    /// Bytes appended by this call so far.
    read: usize,
}

pub(crate) fn read_to_end<'a, R: ?Sized>(
    reader: &'a mut R,
    buf: &'a mut Vec<u8>,
) -> ReadToEnd<'a, R> {
    ReadToEnd {
        reader,
        buf,
        spare_init: 0,
        read: 0,
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToEnd<'_, R> {
    type Output = io::Result<usize>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = &mut *self;
        poll_read_to_end(
            Pin::new(&mut *me.reader),
            cx,
            me.buf,
            &mut me.spare_init,
            &mut me.read,
        )
    }
}

/// Reads into `buf`'s spare capacity until end of file, growing it when
/// full, and returns how many bytes were appended in all (`read` carries the
/// count across polls).
///
/// `spare_init` counts the bytes of spare capacity that an earlier read
/// initialized, so that a reader which zeroes its buffer does not zero them
/// again: only this function touches the vector between polls, and it grows
/// the vector only when it is full, that is when there is no spare capacity.
pub(crate) fn poll_read_to_end<R: AsyncRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    buf: &mut Vec<u8>,
    spare_init: &mut usize,
    read: &mut usize,
) -> Poll<io::Result<usize>> {
    loop {
        if buf.len() == buf.capacity() {
            buf.reserve(MIN_GROWTH);
            *spare_init = 0;
        }
        let mut spare = ReadBuf::uninit(buf.spare_capacity_mut());
        // SAFETY: the first `spare_init` bytes of the spare capacity were
        // initialized by the previous read and nothing has written to the
        // vector since (see above).
        unsafe { spare.assume_init(*spare_init) };
        let start = spare.filled().as_ptr();
        ready!(reader.as_mut().poll_read(cx, &mut spare))?;
        assert_eq!(
            start,
            spare.filled().as_ptr(),
            "AsyncRead::poll_read replaced the buffer it was given"
        );
        let n = spare.filled().len();
        *spare_init = spare.initialized().len() - n;
        if n == 0 {
            return Poll::Ready(Ok(mem::take(read)));
        }
        // SAFETY: the `n` filled bytes are initialized (`ReadBuf`'s
        // invariant) and, as the pointer check shows, they are the first
        // bytes of the spare capacity.
        unsafe { buf.set_len(buf.len() + n) };
        *read += n;
    }
}

/// The future of
/// [`AsyncReadExt::read_to_string`](crate::io::AsyncReadExt::read_to_string).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadToString<'a, R: ?Sized> {
    reader: &'a mut R,
    output: StringAppend<'a>,
    spare_init: usize,
    read: usize,
}

pub(crate) fn read_to_string<'a, R: ?Sized>(
    reader: &'a mut R,
    output: &'a mut String,
) -> ReadToString<'a, R> {
    ReadToString {
        reader,
        // Like Tokio, nothing is appended unless the whole read succeeds.
        output: StringAppend::new(output, false),
        spare_init: 0,
        read: 0,
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToString<'_, R> {
    type Output = io::Result<usize>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = &mut *self;
        let result = ready!(poll_read_to_end(
            Pin::new(&mut *me.reader),
            cx,
            me.output.bytes_mut(),
            &mut me.spare_init,
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
