//! Copies between a caller's buffer and the io_uring driver's own (send
//! buffers, receive queues), in pieces of less than 4 KiB.
//!
//! glibc (2.36 here) copies 4 KiB and more with `rep movsb` on CPUs that
//! advertise fast string moves, and AMD's Zen CPUs run it many times slower
//! than vector moves for some placements of source and destination (newer
//! glibc releases stopped preferring it there). Below that size glibc copies
//! with vector moves, which are as fast everywhere. On this machine (AMD
//! EPYC, glibc 2.36) a 4 KiB echo spent 2.5 times Tokio's user time, most of
//! it in the send buffer's copy: 0.25–0.35 s for 100k round trips, 0.09–0.15
//! s in pieces (the same as with `rep movsb` switched off through
//! `GLIBC_TUNABLES=glibc.cpu.x86_rep_movsb_threshold`).

use crate::io::ReadBuf;

/// Bytes per piece: under glibc's `rep movsb` threshold on AVX2 machines.
const PIECE: usize = 2048;

/// Appends `src` to `dst`.
pub(crate) fn extend(dst: &mut Vec<u8>, src: &[u8]) {
    dst.reserve(src.len());
    for piece in src.chunks(PIECE) {
        dst.extend_from_slice(piece);
    }
}

/// Appends `src` to what `dst` holds (it has room).
pub(crate) fn put(dst: &mut ReadBuf<'_>, src: &[u8]) {
    for piece in src.chunks(PIECE) {
        dst.put_slice(piece);
    }
}

/// Copies `src` into `dst`, which has the same length.
pub(crate) fn copy(dst: &mut [u8], src: &[u8]) {
    for (to, from) in dst.chunks_mut(PIECE).zip(src.chunks(PIECE)) {
        to.copy_from_slice(from);
    }
}
