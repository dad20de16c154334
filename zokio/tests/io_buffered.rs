//! `BufReader`, `BufWriter`, `BufStream` and the buffered-read methods:
//! delimiters and lines split across buffer boundaries and across reads,
//! when buffered writes reach the writer, and cancel safety.

#[macro_use]
mod support;

use std::future::Future;
use std::io::{ErrorKind, IoSlice};
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use zokio::io::{
    duplex, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
    BufStream, BufWriter, ReadBuf,
};

struct Noop;

impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    let waker = Waker::from(Arc::new(Noop));
    future.poll(&mut Context::from_waker(&waker))
}

/// A reader that yields its chunks one per ready poll, pending (after
/// waking itself) before each.
struct Chunks {
    chunks: Vec<Vec<u8>>,
    next: usize,
    ready_next: bool,
}

impl Chunks {
    fn new(chunks: &[&[u8]]) -> Chunks {
        Chunks {
            chunks: chunks.iter().map(|c| c.to_vec()).collect(),
            next: 0,
            ready_next: false,
        }
    }
}

impl AsyncRead for Chunks {
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
        let next = self.next;
        if let Some(chunk) = self.chunks.get_mut(next) {
            let n = chunk.len().min(buf.remaining());
            buf.put_slice(&chunk[..n]);
            chunk.drain(..n);
            if chunk.is_empty() {
                self.next += 1;
            }
        }
        Poll::Ready(Ok(()))
    }
}

/// What a `Recorder` saw.
#[derive(Debug, PartialEq)]
enum Event {
    Write(Vec<u8>),
    Flush,
    Shutdown,
}

/// A writer that records every call that reaches it.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Event>>>);

impl Recorder {
    fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

impl AsyncWrite for Recorder {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.0.lock().unwrap().push(Event::Write(buf.to_vec()));
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.0.lock().unwrap().push(Event::Flush);
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.0.lock().unwrap().push(Event::Shutdown);
        Poll::Ready(Ok(()))
    }
}

fn write(bytes: &[u8]) -> Event {
    Event::Write(bytes.to_vec())
}

#[test]
fn read_until_and_read_line_across_buffer_and_read_boundaries() {
    support::current_thread().block_on(async {
        // Capacity 3: every delimiter search spans several fills, and the
        // chunks cut the data at other places again.
        let reader = Chunks::new(&[b"ab", b"c-de", b"f-", b"-gh"]);
        let mut reader = BufReader::with_capacity(3, reader);
        let mut buf = Vec::new();
        assert_eq!(reader.read_until(b'-', &mut buf).await.unwrap(), 4);
        assert_eq!(buf, b"abc-");
        buf.clear();
        assert_eq!(reader.read_until(b'-', &mut buf).await.unwrap(), 4);
        assert_eq!(buf, b"def-");
        buf.clear();
        assert_eq!(reader.read_until(b'-', &mut buf).await.unwrap(), 1);
        assert_eq!(buf, b"-");
        buf.clear();
        // The last segment has no delimiter: end of file ends it.
        assert_eq!(reader.read_until(b'-', &mut buf).await.unwrap(), 2);
        assert_eq!(buf, b"gh");
        assert_eq!(reader.read_until(b'-', &mut buf).await.unwrap(), 0);

        let reader = Chunks::new(&["héllo\r".as_bytes(), b"\nwor", b"ld\n", b"last"]);
        let mut reader = BufReader::with_capacity(2, reader);
        let mut line = String::new();
        assert_eq!(reader.read_line(&mut line).await.unwrap(), 8);
        assert_eq!(line, "héllo\r\n");
        assert_eq!(reader.read_line(&mut line).await.unwrap(), 6);
        assert_eq!(line, "héllo\r\nworld\n");
        line.clear();
        assert_eq!(reader.read_line(&mut line).await.unwrap(), 4);
        assert_eq!(line, "last");
        assert_eq!(reader.read_line(&mut line).await.unwrap(), 0);
    });
}

each_flavor! {
    fn lines_over_a_pipe_with_small_buffers(rt) {
        rt.block_on(async {
            let (mut a, b) = duplex(5);
            let expected: Vec<String> = (0..500)
                .map(|i| "x".repeat(i % 23) + &i.to_string())
                .collect();
            let text: String = expected
                .iter()
                .enumerate()
                .map(|(i, l)| if i % 2 == 0 { format!("{l}\n") } else { format!("{l}\r\n") })
                .collect();
            let writer = zokio::spawn(async move {
                a.write_all(text.as_bytes()).await.unwrap();
            });
            let mut lines = BufReader::with_capacity(7, b).lines();
            let mut got = Vec::new();
            while let Some(line) = lines.next_line().await.unwrap() {
                got.push(line);
            }
            assert_eq!(got, expected);
            writer.await.unwrap();
        });
    }
}

#[test]
fn lines_and_split_are_cancel_safe() {
    support::current_thread().block_on(async {
        let reader = Chunks::new(&[b"par", b"tial", b" line\nnext"]);
        let mut lines = BufReader::with_capacity(4, reader).lines();
        {
            // Reads "par" and "tial" into the `Lines`, then is dropped.
            let mut fut = pin!(lines.next_line());
            for _ in 0..4 {
                assert!(poll_once(fut.as_mut()).is_pending());
            }
        }
        assert_eq!(lines.next_line().await.unwrap().unwrap(), "partial line");
        assert_eq!(lines.next_line().await.unwrap().unwrap(), "next");
        assert_eq!(lines.next_line().await.unwrap(), None);

        let reader = Chunks::new(&[b"ab", b"cd,ef"]);
        let mut split = BufReader::new(reader).split(b',');
        {
            let mut fut = pin!(split.next_segment());
            for _ in 0..2 {
                assert!(poll_once(fut.as_mut()).is_pending());
            }
        }
        assert_eq!(split.next_segment().await.unwrap().unwrap(), b"abcd");
        assert_eq!(split.next_segment().await.unwrap().unwrap(), b"ef");
        assert_eq!(split.next_segment().await.unwrap(), None);
    });
}

#[test]
fn read_line_keeps_valid_partial_text_and_rejects_invalid_lines() {
    support::current_thread().block_on(async {
        let reader = Chunks::new(&[b"ok ", b"so far", b" and more\n"]);
        let mut reader = BufReader::new(reader);
        let mut line = String::from(">");
        {
            let mut fut = pin!(reader.read_line(&mut line));
            for _ in 0..3 {
                assert!(poll_once(fut.as_mut()).is_pending());
            }
        }
        // Cancelled: the part read so far was kept, being UTF-8.
        assert_eq!(line, ">ok so far");
        reader.read_line(&mut line).await.unwrap();
        assert_eq!(line, ">ok so far and more\n");

        let mut reader = BufReader::new(&b"bad \xff line\ngood\n"[..]);
        let mut line = String::from("kept");
        let err = reader.read_line(&mut line).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(line, "kept");
        line.clear();
        reader.read_line(&mut line).await.unwrap();
        assert_eq!(line, "good\n");

        // `lines` skips an invalid line with an error and goes on.
        let mut lines = BufReader::new(&b"\xc3\n\xc3\xa9\n"[..]).lines();
        assert_eq!(
            lines.next_line().await.unwrap_err().kind(),
            ErrorKind::InvalidData
        );
        assert_eq!(lines.next_line().await.unwrap().unwrap(), "é");
    });
}

#[test]
fn buf_reader_reads_through_its_buffer_and_bypasses_it_for_large_reads() {
    support::current_thread().block_on(async {
        let mut reader = BufReader::with_capacity(4, &b"0123456789abcdef"[..]);
        let mut small = [0u8; 3];
        reader.read_exact(&mut small).await.unwrap();
        assert_eq!(&small, b"012");
        assert_eq!(reader.buffer(), b"3");
        assert_eq!(*reader.get_ref(), b"456789abcdef");
        // The buffer is drained first, then a large read goes straight to
        // the reader.
        let mut large = [0u8; 8];
        assert_eq!(reader.read(&mut large).await.unwrap(), 1);
        assert_eq!(reader.read(&mut large).await.unwrap(), 8);
        assert_eq!(&large, b"456789ab");
        assert!(reader.buffer().is_empty());
        assert_eq!(*reader.get_ref(), b"cdef");

        let mut reader = BufReader::with_capacity(8, &b"peek"[..]);
        assert_eq!(reader.fill_buf().await.unwrap(), b"peek");
        reader.consume(3);
        assert_eq!(reader.fill_buf().await.unwrap(), b"k");
        reader.consume(10);
        assert_eq!(reader.fill_buf().await.unwrap(), b"");
    });
}

#[test]
fn buf_writer_reaches_the_writer_when_full_and_on_flush_and_shutdown() {
    support::current_thread().block_on(async {
        let recorder = Recorder::default();
        let mut writer = BufWriter::with_capacity(8, recorder.clone());
        writer.write_all(b"abc").await.unwrap();
        writer.write_all(b"def").await.unwrap();
        assert_eq!(recorder.take(), []);
        assert_eq!(writer.buffer(), b"abcdef");
        // Does not fit: the buffer goes out, then the new bytes are buffered.
        writer.write_all(b"ghi").await.unwrap();
        assert_eq!(recorder.take(), [write(b"abcdef")]);
        // At least as large as the buffer: flushed buffer, then straight
        // through.
        writer.write_all(b"0123456789").await.unwrap();
        assert_eq!(recorder.take(), [write(b"ghi"), write(b"0123456789")]);
        writer.write_all(b"jk").await.unwrap();
        writer.flush().await.unwrap();
        assert_eq!(recorder.take(), [write(b"jk"), Event::Flush]);
        writer.write_all(b"end").await.unwrap();
        writer.shutdown().await.unwrap();
        assert_eq!(recorder.take(), [write(b"end"), Event::Shutdown]);

        // Vectored writes are gathered into the buffer.
        let mut writer = BufWriter::with_capacity(8, recorder.clone());
        let bufs = [IoSlice::new(b"ab"), IoSlice::new(b"cd")];
        assert_eq!(writer.write_vectored(&bufs).await.unwrap(), 4);
        assert_eq!(writer.buffer(), b"abcd");
        assert_eq!(recorder.take(), []);
        writer.flush().await.unwrap();
        assert_eq!(recorder.take(), [write(b"abcd"), Event::Flush]);
    });
}

each_flavor! {
    fn buf_writer_over_a_pipe_delivers_everything_in_order(rt) {
        rt.block_on(async {
            let (a, mut b) = duplex(16);
            let writer = zokio::spawn(async move {
                let mut a = BufWriter::with_capacity(10, a);
                for i in 0..1000u32 {
                    a.write_u32(i).await.unwrap();
                    if i % 7 == 0 {
                        a.write_all(&[0xaa; 13]).await.unwrap();
                    }
                }
                a.shutdown().await.unwrap();
            });
            for i in 0..1000u32 {
                assert_eq!(b.read_u32().await.unwrap(), i);
                if i % 7 == 0 {
                    let mut pad = [0u8; 13];
                    b.read_exact(&mut pad).await.unwrap();
                    assert_eq!(pad, [0xaa; 13]);
                }
            }
            let mut rest = Vec::new();
            assert_eq!(b.read_to_end(&mut rest).await.unwrap(), 0);
            writer.await.unwrap();
        });
    }
}

each_flavor! {
    fn buf_stream_buffers_both_ways(rt) {
        rt.block_on(async {
            let (a, b) = duplex(8);
            let peer = zokio::spawn(async move {
                let mut b = BufStream::with_capacity(3, 5, b);
                let mut line = String::new();
                b.read_line(&mut line).await.unwrap();
                b.write_all(line.to_uppercase().as_bytes()).await.unwrap();
                b.flush().await.unwrap();
            });
            let mut a = BufStream::new(a);
            a.write_all(b"shout this\n").await.unwrap();
            a.flush().await.unwrap();
            let mut reply = String::new();
            a.read_line(&mut reply).await.unwrap();
            assert_eq!(reply, "SHOUT THIS\n");
            peer.await.unwrap();
        });
    }
}
