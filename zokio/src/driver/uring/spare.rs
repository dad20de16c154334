//! Spare byte buffers, kept per thread, for the send buffers and receive
//! queues of stream sockets.
//!
//! A socket holds such a buffer only while bytes are in it: a send buffer
//! goes back here when the kernel has taken all of it, a receive queue when
//! its reader has drained it. So a connection that idles between requests
//! holds none (a server with many keep-alive connections would otherwise
//! keep each one's largest write), and a busy thread reuses the buffer given
//! back last, which is still in its cache.
//!
//! The spares are bounded ([`KEEP_TOTAL`] bytes a thread, buffers from
//! [`KEEP_SMALLEST`] to [`KEEP_LARGEST`]); what does not fit goes back to
//! the allocator. A buffer given back on one thread (a completion reaped
//! there) may be taken on another later; each thread's spares stay within
//! the bound.

use std::cell::RefCell;

/// The smallest buffer kept: a few queued bytes would only be grown again.
const KEEP_SMALLEST: usize = 1024;
/// The largest buffer kept: a bulk writer's 256 KiB sends are freed.
const KEEP_LARGEST: usize = 64 * 1024;
/// The most bytes one thread's spares hold.
const KEEP_TOTAL: usize = 256 * 1024;

#[derive(Default)]
struct Spares {
    buffers: Vec<Vec<u8>>,
    /// The sum of their capacities.
    bytes: usize,
}

thread_local! {
    static SPARES: RefCell<Spares> = RefCell::new(Spares::default());
}

/// An empty buffer: the spare given back last on this thread, or a new one
/// without capacity.
pub(crate) fn take() -> Vec<u8> {
    SPARES
        .try_with(|spares| {
            let mut spares = spares.borrow_mut();
            let buffer = spares.buffers.pop()?;
            spares.bytes -= buffer.capacity();
            Some(buffer)
        })
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Takes the buffer out of `slot`, which is left without capacity, and
/// keeps it as a spare (emptied) if it fits the bound, or frees it.
pub(crate) fn give(slot: &mut Vec<u8>) {
    let mut buffer = std::mem::take(slot);
    let capacity = buffer.capacity();
    if !(KEEP_SMALLEST..=KEEP_LARGEST).contains(&capacity) {
        return;
    }
    buffer.clear();
    // During the thread's exit the spares may be gone: the buffer is freed.
    let _ = SPARES.try_with(|spares| {
        let mut spares = spares.borrow_mut();
        if spares.bytes + capacity <= KEEP_TOTAL {
            spares.bytes += capacity;
            spares.buffers.push(buffer);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spares_are_reused_last_in_first_out_within_the_bound() {
        let mut a = Vec::with_capacity(4096);
        a.extend_from_slice(b"old bytes");
        let a_ptr = a.as_ptr();
        give(&mut a);
        assert_eq!(a.capacity(), 0, "the slot gives its buffer up");
        let again = take();
        assert_eq!(again.as_ptr(), a_ptr, "the last spare comes back first");
        assert!(again.is_empty() && again.capacity() >= 4096);
        assert_eq!(take().capacity(), 0, "no spare left: a new, empty buffer");

        // Too large or too small to keep.
        give(&mut Vec::with_capacity(KEEP_LARGEST + 1));
        give(&mut Vec::with_capacity(KEEP_SMALLEST - 1));
        assert_eq!(take().capacity(), 0);

        // The total is bounded.
        for _ in 0..KEEP_TOTAL / 4096 + 8 {
            give(&mut Vec::with_capacity(4096));
        }
        let mut kept = 0;
        while take().capacity() > 0 {
            kept += 1;
        }
        assert_eq!(kept, KEEP_TOTAL / 4096);
    }

    /// A connection that idles between requests holds no buffer, on
    /// either side, whatever its last request and answer needed.
    #[test]
    fn an_idle_connection_holds_no_buffer() {
        use super::super::{recv::Receiver, send::Sender};
        use crate::io::{AsyncReadExt, AsyncWriteExt};
        use crate::net::{TcpListener, TcpStream};
        use crate::runtime::{Builder, IoBackend};

        let rt = Builder::new_current_thread()
            .enable_all()
            .io_backend(IoBackend::Uring)
            .build()
            .unwrap();
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let mut client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            let sender = client.io_source().uring_sender().unwrap().clone();
            let receiver = server.io_source().uring_receiver().unwrap().clone();
            // An answer larger than one provided buffer (16 KiB): what comes
            // after the first buffer's worth is copied into the queue.
            let answer: Vec<u8> = (0..40 * 1024).map(|i| (i % 251) as u8).collect();
            for piece in answer.chunks(8 * 1024) {
                client.write_all(piece).await.unwrap();
            }
            client.flush().await.unwrap();
            assert_eq!(
                Sender::capacity(&sender),
                0,
                "sent, and the buffer is given back"
            );
            server.readable().await.unwrap();
            let mut seen_copied = false;
            let mut got = Vec::new();
            let mut chunk = [0u8; 4096];
            while got.len() < answer.len() {
                seen_copied |= Receiver::copied(&receiver).0 > 0;
                let n = server.read(&mut chunk).await.unwrap();
                got.extend_from_slice(&chunk[..n]);
            }
            assert_eq!(got, answer);
            assert_eq!(
                Receiver::copied(&receiver),
                (0, 0),
                "drained, and the queue given back"
            );
            assert!(seen_copied, "nothing was queued behind the lent buffer");
        });
    }
}
