//! Receiving into the spare room of a [`BufMut`] (the `bytes` feature): the
//! `try_read_buf` and `recv_buf` families of the sockets.
//!
//! Each function reads into the first chunk of the buffer's spare room
//! (`chunk_mut`) and advances the buffer over exactly the bytes it put
//! there. An empty chunk (a full fixed-size buffer) gets a read of zero
//! bytes, as in Tokio.

use std::io;

use bytes::BufMut;
use socket2::{SockAddr, SockRef};

use crate::io::ReadBuf;

/// Reads with `read`, which takes initialized memory, so the chunk is
/// zeroed first: the streams' `try_read` may copy from the runtime's
/// receive queue (io_uring), and a `&mut [u8]` over uninitialized memory
/// is not allowed to exist.
pub(crate) fn read_zeroed<B>(
    buf: &mut B,
    read: impl FnOnce(&mut [u8]) -> io::Result<usize>,
) -> io::Result<usize>
where
    B: BufMut + ?Sized,
{
    let filled = {
        // SAFETY: a `ReadBuf` writes only initialized bytes, so memory that
        // was initialized stays so.
        let chunk = unsafe { buf.chunk_mut().as_uninit_slice_mut() };
        let mut dst = ReadBuf::uninit(chunk);
        let n = read(dst.initialize_unfilled())?;
        // Panics rather than claim more than was initialized.
        dst.advance(n);
        dst.filled().len()
    };
    // SAFETY: the first `filled` bytes of the chunk are initialized (the
    // `ReadBuf` over it says so).
    unsafe { buf.advance_mut(filled) };
    Ok(filled)
}

/// Receives one datagram from `socket`'s connected peer (`recv`).
pub(crate) fn recv<B>(socket: SockRef<'_>, buf: &mut B) -> io::Result<usize>
where
    B: BufMut + ?Sized,
{
    // SAFETY: `recv` writes only initialized bytes (socket2 promises it).
    let chunk = unsafe { buf.chunk_mut().as_uninit_slice_mut() };
    let n = socket.recv(chunk)?;
    // SAFETY: `recv` initialized the first `n` bytes of the chunk, and
    // returns no more than its length.
    unsafe { buf.advance_mut(n) };
    Ok(n)
}

/// Receives one datagram from `socket` with its sender (`recvfrom`).
pub(crate) fn recv_from<B>(socket: SockRef<'_>, buf: &mut B) -> io::Result<(usize, SockAddr)>
where
    B: BufMut + ?Sized,
{
    // SAFETY: as in `recv`.
    let chunk = unsafe { buf.chunk_mut().as_uninit_slice_mut() };
    let (n, from) = socket.recv_from(chunk)?;
    // SAFETY: as in `recv`.
    unsafe { buf.advance_mut(n) };
    Ok((n, from))
}
