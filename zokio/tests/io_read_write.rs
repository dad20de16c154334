//! `zokio::io`'s read and write extension methods: exact reads and end of
//! file, reading to the end, numbers in both byte orders, the standard
//! types' implementations, `take`, `chain`, seeking and the trivial streams.

#[macro_use]
mod support;

use std::future::Future;
use std::io::{Cursor, ErrorKind, IoSlice, SeekFrom};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use zokio::io::{
    self, duplex, empty, repeat, sink, AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWrite,
    AsyncWriteExt, ReadBuf,
};

struct Noop;

impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    let waker = Waker::from(Arc::new(Noop));
    future.poll(&mut Context::from_waker(&waker))
}

/// A reader that hands out `chunk` bytes of `data` per ready poll, and is
/// pending (after waking itself) every other poll, so that every future
/// built on it stops and resumes many times.
struct Trickle {
    data: Vec<u8>,
    pos: usize,
    chunk: usize,
    ready_next: bool,
}

impl Trickle {
    fn new(data: &[u8], chunk: usize) -> Trickle {
        Trickle {
            data: data.to_vec(),
            pos: 0,
            chunk,
            ready_next: false,
        }
    }
}

impl AsyncRead for Trickle {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if !self.ready_next {
            self.ready_next = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready_next = false;
        let n = self
            .chunk
            .min(buf.remaining())
            .min(self.data.len() - self.pos);
        buf.put_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Poll::Ready(Ok(()))
    }
}

#[allow(dead_code)]
fn assert_send<T: Send>(_: &T) {}

/// The futures of the extension methods are `Send` when the stream is.
#[allow(dead_code, clippy::let_underscore_future)]
fn futures_are_send(mut stream: io::DuplexStream) {
    let mut buf = [0u8; 4];
    let mut vec = Vec::new();
    let mut text = String::new();
    assert_send(&stream.read(&mut buf));
    assert_send(&stream.read_exact(&mut buf));
    assert_send(&stream.read_to_end(&mut vec));
    assert_send(&stream.read_to_string(&mut text));
    assert_send(&stream.read_u64());
    assert_send(&stream.write(b"x"));
    assert_send(&stream.write_all(b"x"));
    assert_send(&stream.write_i128_le(1));
    assert_send(&stream.flush());
    assert_send(&stream.shutdown());
    assert_send(&io::copy(&mut &b""[..], &mut Vec::new()));
}

each_flavor! {
    fn read_exact_fills_the_buffer_across_writes_then_fails_at_eof(rt) {
        rt.block_on(async {
            let (mut a, mut b) = duplex(3);
            let writer = zokio::spawn(async move {
                a.write_all(b"0123456789").await.unwrap();
                // Dropping `a` is the end of file.
            });
            let mut buf = [0u8; 8];
            assert_eq!(b.read_exact(&mut buf).await.unwrap(), 8);
            assert_eq!(&buf, b"01234567");
            writer.await.unwrap();
            let err = b.read_exact(&mut buf).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
            // What was there before the end was still read.
            assert_eq!(&buf[..2], b"89");
            // An empty read_exact succeeds even at end of file.
            assert_eq!(b.read_exact(&mut []).await.unwrap(), 0);
        });
    }
}

each_flavor! {
    fn read_to_end_and_read_to_string_collect_everything(rt) {
        rt.block_on(async {
            let (mut a, mut b) = duplex(7);
            let text: String = (0..2000).map(|i| format!("line {i}\n")).collect();
            let sent = text.clone();
            let writer = zokio::spawn(async move {
                a.write_all(sent.as_bytes()).await.unwrap();
                a.shutdown().await.unwrap();
            });
            let mut got = String::from("prefix:");
            let n = b.read_to_string(&mut got).await.unwrap();
            assert_eq!(n, text.len());
            assert_eq!(got, format!("prefix:{text}"));
            writer.await.unwrap();

            let mut bytes = vec![1, 2];
            assert_eq!(b.read_to_end(&mut bytes).await.unwrap(), 0);
            assert_eq!(bytes, [1, 2]);
        });
    }
}

#[test]
fn read_to_end_resumes_after_pending_and_keeps_bytes_on_cancel() {
    support::current_thread().block_on(async {
        let data: Vec<u8> = (0..=255).cycle().take(5000).collect();
        let mut reader = Trickle::new(&data, 37);
        let mut out = Vec::new();
        assert_eq!(reader.read_to_end(&mut out).await.unwrap(), 5000);
        assert_eq!(out, data);

        // Cancelled half-way: what was read is in the vector, and a new call
        // goes on from there.
        let mut reader = Trickle::new(&data, 100);
        let mut out = Vec::new();
        {
            let mut fut = pin!(reader.read_to_end(&mut out));
            for _ in 0..10 {
                assert!(poll_once(fut.as_mut()).is_pending());
            }
        }
        let kept = out.len();
        assert!(kept > 0 && kept < data.len());
        assert_eq!(out, data[..kept]);
        assert_eq!(
            reader.read_to_end(&mut out).await.unwrap(),
            data.len() - kept
        );
        assert_eq!(out, data);
    });
}

#[test]
fn read_to_string_appends_nothing_on_invalid_utf8_or_error_or_cancel() {
    support::current_thread().block_on(async {
        let mut text = String::from("kept");
        let mut reader: &[u8] = b"ok \xff\xfe bad";
        let err = reader.read_to_string(&mut text).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(text, "kept");

        // A multi-byte character cut by the end of the stream is invalid.
        let mut reader: &[u8] = &"é".as_bytes()[..1];
        assert!(reader.read_to_string(&mut text).await.is_err());
        assert_eq!(text, "kept");

        // An I/O error after valid text: nothing appended either.
        let mut reader = (&b"valid"[..]).chain(Failing);
        let err = reader.read_to_string(&mut text).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset);
        assert_eq!(text, "kept");

        // Cancelled: the original contents come back.
        let mut reader = Trickle::new(b"some text", 2);
        {
            let mut fut = pin!(reader.read_to_string(&mut text));
            for _ in 0..4 {
                assert!(poll_once(fut.as_mut()).is_pending());
            }
        }
        assert_eq!(text, "kept");
    });
}

/// A reader whose every read fails.
struct Failing;

impl AsyncRead for Failing {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        _buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Poll::Ready(Err(ErrorKind::ConnectionReset.into()))
    }
}

each_flavor! {
    fn numbers_round_trip_in_both_byte_orders(rt) {
        rt.block_on(async {
            let (mut a, mut b) = duplex(5);
            let writer = zokio::spawn(async move {
                a.write_u8(0xfe).await?;
                a.write_i8(-3).await?;
                a.write_u16(0xbeef).await?;
                a.write_u16_le(0xbeef).await?;
                a.write_i16(-12345).await?;
                a.write_i16_le(-12345).await?;
                a.write_u32(0xdead_beef).await?;
                a.write_u32_le(0xdead_beef).await?;
                a.write_i32(i32::MIN + 7).await?;
                a.write_i32_le(i32::MIN + 7).await?;
                a.write_u64(0x0123_4567_89ab_cdef).await?;
                a.write_u64_le(0x0123_4567_89ab_cdef).await?;
                a.write_i64(i64::MIN + 9).await?;
                a.write_i64_le(i64::MIN + 9).await?;
                a.write_u128(u128::MAX - 1234).await?;
                a.write_u128_le(u128::MAX - 1234).await?;
                a.write_i128(i128::MIN + 5).await?;
                a.write_i128_le(i128::MIN + 5).await?;
                a.write_f32(-2.75).await?;
                a.write_f32_le(-2.75).await?;
                a.write_f64(1e300).await?;
                a.write_f64_le(1e300).await?;
                a.shutdown().await
            });
            assert_eq!(b.read_u8().await.unwrap(), 0xfe);
            assert_eq!(b.read_i8().await.unwrap(), -3);
            assert_eq!(b.read_u16().await.unwrap(), 0xbeef);
            assert_eq!(b.read_u16_le().await.unwrap(), 0xbeef);
            assert_eq!(b.read_i16().await.unwrap(), -12345);
            assert_eq!(b.read_i16_le().await.unwrap(), -12345);
            assert_eq!(b.read_u32().await.unwrap(), 0xdead_beef);
            assert_eq!(b.read_u32_le().await.unwrap(), 0xdead_beef);
            assert_eq!(b.read_i32().await.unwrap(), i32::MIN + 7);
            assert_eq!(b.read_i32_le().await.unwrap(), i32::MIN + 7);
            assert_eq!(b.read_u64().await.unwrap(), 0x0123_4567_89ab_cdef);
            assert_eq!(b.read_u64_le().await.unwrap(), 0x0123_4567_89ab_cdef);
            assert_eq!(b.read_i64().await.unwrap(), i64::MIN + 9);
            assert_eq!(b.read_i64_le().await.unwrap(), i64::MIN + 9);
            assert_eq!(b.read_u128().await.unwrap(), u128::MAX - 1234);
            assert_eq!(b.read_u128_le().await.unwrap(), u128::MAX - 1234);
            assert_eq!(b.read_i128().await.unwrap(), i128::MIN + 5);
            assert_eq!(b.read_i128_le().await.unwrap(), i128::MIN + 5);
            assert_eq!(b.read_f32().await.unwrap(), -2.75);
            assert_eq!(b.read_f32_le().await.unwrap(), -2.75);
            assert_eq!(b.read_f64().await.unwrap(), 1e300);
            assert_eq!(b.read_f64_le().await.unwrap(), 1e300);
            writer.await.unwrap().unwrap();
            let err = b.read_u32().await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
        });
    }
}

#[test]
fn numbers_have_the_documented_byte_layout() {
    support::current_thread().block_on(async {
        let mut out = Vec::new();
        out.write_u16(0x0102).await.unwrap();
        out.write_u16_le(0x0102).await.unwrap();
        out.write_i32(-2).await.unwrap();
        out.write_u64_le(0x0102_0304_0506_0708).await.unwrap();
        assert_eq!(
            out,
            [1, 2, 2, 1, 0xff, 0xff, 0xff, 0xfe, 8, 7, 6, 5, 4, 3, 2, 1]
        );
        // A number split over many small reads still decodes.
        let mut reader = Trickle::new(
            &0x1122_3344_5566_7788_99aa_bbcc_ddee_ff00u128.to_be_bytes(),
            3,
        );
        assert_eq!(
            reader.read_u128().await.unwrap(),
            0x1122_3344_5566_7788_99aa_bbcc_ddee_ff00
        );
        // A number cut short by the end of the stream is an error.
        let mut short: &[u8] = &[1, 2, 3];
        assert_eq!(
            short.read_u32_le().await.unwrap_err().kind(),
            ErrorKind::UnexpectedEof
        );
    });
}

#[test]
fn a_pending_read_is_cancel_safe() {
    support::current_thread().block_on(async {
        let (mut a, mut b) = duplex(16);
        let mut buf = [0u8; 8];
        {
            let mut fut = pin!(b.read(&mut buf));
            assert!(poll_once(fut.as_mut()).is_pending());
        }
        a.write_all(b"data").await.unwrap();
        // The select! below is won by the ready branch before the read is
        // ever polled to completion; the data must still be there after.
        zokio::select! {
            biased;
            _ = std::future::ready(()) => {}
            _ = b.read(&mut buf) => panic!("the ready branch comes first"),
        }
        let n = b.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"data");
    });
}

#[test]
fn standard_types_read_and_write() {
    support::current_thread().block_on(async {
        // A slice reads from its front.
        let mut slice: &[u8] = b"abcdef";
        let mut buf = [0u8; 4];
        assert_eq!(slice.read(&mut buf).await.unwrap(), 4);
        assert_eq!(slice, b"ef");

        // A cursor reads from its position and past the end reads nothing.
        let mut cursor = Cursor::new(b"hello".to_vec());
        cursor.set_position(3);
        let mut rest = Vec::new();
        cursor.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"lo");
        cursor.set_position(99);
        assert_eq!(cursor.read(&mut buf).await.unwrap(), 0);
        assert_eq!(cursor.position(), 99);

        // A cursor over a fixed buffer stops taking bytes at its end.
        let mut storage = [0u8; 4];
        let mut fixed = Cursor::new(&mut storage[..]);
        let err = fixed.write_all(b"too long").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WriteZero);
        assert_eq!(&storage, b"too ");

        // Boxed and borrowed streams and pinned pointers forward.
        let mut boxed: Box<dyn AsyncWrite + Unpin> = Box::new(Vec::new());
        boxed.write_all(b"x").await.unwrap();
        let mut pinned = Box::pin(&b"pinned"[..]);
        let mut text = String::new();
        pinned.read_to_string(&mut text).await.unwrap();
        assert_eq!(text, "pinned");
        let reader: &mut (dyn AsyncRead + Unpin) = &mut &b"dyn"[..];
        text.clear();
        reader.read_to_string(&mut text).await.unwrap();
        assert_eq!(text, "dyn");

        // Vectored writes gather every buffer into a vector.
        let mut out = Vec::new();
        let bufs = [IoSlice::new(b"ab"), IoSlice::new(b""), IoSlice::new(b"cd")];
        assert_eq!(out.write_vectored(&bufs).await.unwrap(), 4);
        assert_eq!(out, b"abcd");
    });
}

#[test]
fn take_and_chain_compose() {
    support::current_thread().block_on(async {
        let reader = Trickle::new(b"0123456789", 3).take(7);
        let mut both = reader.chain(&b"|tail"[..]);
        let mut out = String::new();
        both.read_to_string(&mut out).await.unwrap();
        assert_eq!(out, "0123456|tail");
        let (take, _) = both.into_inner();
        assert_eq!(take.limit(), 0);
        assert_eq!(take.into_inner().pos, 7);

        // A zero-length read through `chain` does not end the first reader.
        let mut chain = (&b"ab"[..]).chain(&b"cd"[..]);
        assert_eq!(chain.read(&mut []).await.unwrap(), 0);
        let mut all = Vec::new();
        chain.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, b"abcd");
    });
}

#[test]
fn seeking_a_cursor() {
    support::current_thread().block_on(async {
        let mut cursor = Cursor::new(b"0123456789".to_vec());
        assert_eq!(cursor.seek(SeekFrom::Start(3)).await.unwrap(), 3);
        assert_eq!(cursor.read_u8().await.unwrap(), b'3');
        assert_eq!(cursor.seek(SeekFrom::Current(2)).await.unwrap(), 6);
        assert_eq!(cursor.stream_position().await.unwrap(), 6);
        assert_eq!(cursor.seek(SeekFrom::End(-1)).await.unwrap(), 9);
        assert!(cursor.seek(SeekFrom::Current(-20)).await.is_err());
        assert_eq!(cursor.rewind().await.unwrap(), 0);
        assert_eq!(cursor.read_u8().await.unwrap(), b'0');
    });
}

#[test]
fn empty_sink_and_repeat() {
    support::current_thread().block_on(async {
        let mut buf = Vec::new();
        assert_eq!(empty().read_to_end(&mut buf).await.unwrap(), 0);
        assert_eq!(empty().write(b"abc").await.unwrap(), 3);
        let mut zs = [0u8; 5];
        repeat(b'z').read_exact(&mut zs).await.unwrap();
        assert_eq!(&zs, b"zzzzz");
        // Streams that are always ready still spend the task's budget, so a
        // long copy between them yields: the other task runs before the
        // copy is over, although nothing else is awaited in between.
        let ran = Arc::new(AtomicBool::new(false));
        let other = zokio::spawn({
            let ran = ran.clone();
            async move { ran.store(true, SeqCst) }
        });
        let n = io::copy(&mut repeat(7).take(4 << 20), &mut sink())
            .await
            .unwrap();
        assert_eq!(n, 4 << 20);
        assert!(ran.load(SeqCst));
        other.await.unwrap();
    });
}

#[cfg(feature = "bytes")]
#[test]
fn read_buf_and_write_buf_with_the_bytes_crate() {
    use bytes::{Buf, BytesMut};

    support::current_thread().block_on(async {
        let mut reader = Trickle::new(b"hello world", 4);
        let mut buf = BytesMut::with_capacity(64);
        while reader.read_buf(&mut buf).await.unwrap() > 0 {}
        assert_eq!(&buf[..], b"hello world");

        let mut out = Vec::new();
        let mut src = buf.freeze();
        out.write_all_buf(&mut src).await.unwrap();
        assert!(!src.has_remaining());
        assert_eq!(out, b"hello world");

        let mut chained = Buf::chain(&b"ab"[..], &b"cd"[..]);
        let mut writer = Vec::new();
        assert_eq!(writer.write_buf(&mut chained).await.unwrap(), 4);
        assert_eq!(writer, b"abcd");
    });
}
