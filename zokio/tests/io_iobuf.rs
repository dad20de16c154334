//! The owned-buffer traits: stable pointers across moves (with another
//! thread writing through the pointer, as the kernel would), `set_init`,
//! slices, and the `ReadBuf` bookkeeping the readers rely on.

use std::mem::MaybeUninit;
use std::sync::mpsc;
use std::thread;

use zokio::io::{IoBuf, IoBufMut, ReadBuf};

/// A pointer into a buffer, handed to another thread.
struct KernelPtr(*mut u8);

// SAFETY: the tests keep the buffer alive, and do not read or write its
// bytes, until the thread that holds the pointer is joined.
unsafe impl Send for KernelPtr {}

impl KernelPtr {
    fn get(&self) -> *mut u8 {
        self.0
    }
}

/// Plays the kernel: writes `data` through a raw pointer from another
/// thread, while the buffer's owner may move it around.
fn write_from_another_thread(ptr: *mut u8, data: &'static [u8]) -> thread::JoinHandle<()> {
    let ptr = KernelPtr(ptr);
    thread::spawn(move || {
        // SAFETY: the buffer has room for `data` and stays alive, its bytes
        // untouched, until this thread is joined (IoBuf rules 1-3).
        unsafe {
            ptr.get()
                .copy_from_nonoverlapping(data.as_ptr(), data.len())
        };
    })
}

#[test]
fn a_vec_keeps_its_pointer_across_moves_while_someone_writes_through_it() {
    let mut buf: Vec<u8> = Vec::with_capacity(64);
    buf.extend_from_slice(b"head:");
    let ptr = buf.stable_ptr();
    let write_at = buf.stable_mut_ptr().wrapping_add(buf.bytes_init());

    // The "operation" owns the buffer and moves it between owners.
    let (tx, rx) = mpsc::channel();
    let writer = write_from_another_thread(write_at, b"payload");
    tx.send(buf).unwrap();
    let mut buf = Box::new(rx.recv().unwrap());
    let mut owners = vec![std::mem::take(&mut *buf)];
    writer.join().unwrap();
    let mut buf = owners.pop().unwrap();

    assert_eq!(buf.stable_ptr(), ptr);
    assert_eq!(buf.bytes_total(), 64);
    // SAFETY: "head:" was there and the other thread wrote the next 7 bytes.
    unsafe { buf.set_init(5 + 7) };
    assert_eq!(buf, b"head:payload");
}

#[test]
fn set_init_only_grows() {
    let mut buf = Vec::with_capacity(8);
    buf.extend_from_slice(b"abcdef");
    buf.truncate(2);
    // SAFETY: the first six bytes are still initialized.
    unsafe { buf.set_init(6) };
    assert_eq!(buf.bytes_init(), 6);
    // SAFETY: as above.
    unsafe { buf.set_init(3) };
    assert_eq!(buf, b"abcdef");
}

#[test]
fn boxed_and_static_buffers() {
    let boxed: Box<[u8]> = vec![0u8; 6].into_boxed_slice();
    let ptr = boxed.stable_ptr();
    let moved = vec![boxed];
    let mut boxed = moved.into_iter().next().unwrap();
    assert_eq!(boxed.stable_ptr(), ptr);
    // A box stays put while the "kernel" writes (see the `IoBuf` docs: a
    // typed move of a box claims its bytes).
    let writer = write_from_another_thread(boxed.stable_mut_ptr(), b"kernel");
    writer.join().unwrap();
    assert_eq!((boxed.bytes_init(), boxed.bytes_total()), (6, 6));
    // SAFETY: every byte of a boxed slice is initialized; nothing changes.
    unsafe { boxed.set_init(6) };
    assert_eq!(&boxed[..], b"kernel");

    let bytes: &'static [u8] = b"static bytes";
    assert_eq!(bytes.stable_ptr(), bytes.as_ptr());
    assert_eq!((bytes.bytes_init(), bytes.bytes_total()), (12, 12));
    let text: &'static str = "static text";
    assert_eq!(text.stable_ptr(), text.as_ptr());
    assert_eq!((text.bytes_init(), text.bytes_total()), (11, 11));
}

#[test]
fn slices_cover_their_range() {
    let mut buf = Vec::with_capacity(16);
    buf.extend_from_slice(b"0123456789");
    let base = buf.stable_ptr();

    let middle = buf.slice(2..6);
    assert_eq!((middle.begin(), middle.end()), (2, 6));
    assert_eq!(middle.stable_ptr(), base.wrapping_add(2));
    assert_eq!((middle.bytes_init(), middle.bytes_total()), (4, 4));
    assert_eq!(&middle[..], b"2345");
    let buf = middle.into_inner();

    // A range past the data: nothing initialized yet, up to the capacity.
    let mut tail = buf.slice(10..);
    assert_eq!((tail.bytes_init(), tail.bytes_total()), (0, 6));
    // SAFETY: the pointer is valid for `bytes_total()` bytes.
    unsafe { tail.stable_mut_ptr().copy_from(b"abc".as_ptr(), 3) };
    // SAFETY: the slice's first three bytes were just written.
    unsafe { tail.set_init(3) };
    assert_eq!(&tail[..], b"abc");
    tail[0] = b'A';
    let buf = tail.into_inner();
    assert_eq!(buf, b"0123456789Abc");

    // A range that starts past the initialized bytes cannot record its
    // writes: the gap before it is not known to be initialized.
    let mut gap = buf.slice(14..16);
    // SAFETY: the pointer is valid for `bytes_total()` bytes.
    unsafe { gap.stable_mut_ptr().copy_from(b"zz".as_ptr(), 2) };
    // SAFETY: the slice's two bytes were just written.
    unsafe { gap.set_init(2) };
    assert_eq!(gap.bytes_init(), 0);
    assert_eq!(gap.into_inner().len(), 13);

    // Slices of slices, and of static data.
    let nested = b"abcdef".to_vec().slice(1..5).slice(1..=2);
    assert_eq!(&nested[..], b"cd");
    let hello: &'static str = "hello";
    assert_eq!(&hello.slice(1..4)[..], b"ell");
}

#[test]
#[should_panic(expected = "past the buffer")]
fn a_slice_past_the_capacity_panics() {
    let _ = Vec::<u8>::with_capacity(4).slice(..5);
}

#[cfg(feature = "bytes")]
#[test]
fn bytes_and_bytes_mut() {
    use bytes::{BufMut, Bytes, BytesMut};

    let bytes = Bytes::from_static(b"shared");
    let ptr = bytes.stable_ptr();
    let clone = bytes.clone();
    let moved = [bytes];
    assert_eq!(moved[0].stable_ptr(), ptr);
    assert_eq!(clone.stable_ptr(), ptr);
    assert_eq!((clone.bytes_init(), clone.bytes_total()), (6, 6));

    let mut buf = BytesMut::with_capacity(32);
    buf.put_slice(b"ab");
    let ptr = buf.stable_ptr();
    let writer = write_from_another_thread(buf.stable_mut_ptr().wrapping_add(2), b"cd");
    let moved = Box::new(buf);
    writer.join().unwrap();
    let mut buf = *moved;
    assert_eq!(buf.stable_ptr(), ptr);
    assert!(buf.bytes_total() >= 32);
    // SAFETY: "ab" was there and the other thread wrote "cd".
    unsafe { buf.set_init(4) };
    assert_eq!(&buf[..], b"abcd");
}

#[test]
fn read_buf_tracks_filled_and_initialized_regions() {
    let mut storage = [MaybeUninit::<u8>::uninit(); 8];
    let mut buf = ReadBuf::uninit(&mut storage);
    assert_eq!((buf.capacity(), buf.remaining()), (8, 8));
    buf.put_slice(b"ab");
    assert_eq!((buf.filled().len(), buf.initialized().len()), (2, 2));
    assert_eq!(buf.initialize_unfilled_to(3), &[0, 0, 0]);
    assert_eq!(buf.initialized().len(), 5);
    buf.advance(1);
    assert_eq!(buf.filled(), b"ab\0");
    {
        let mut part = buf.take(10);
        assert_eq!(part.capacity(), 5);
        // The part knows the two initialized bytes after the filled ones.
        assert_eq!(part.initialized().len(), 2);
        part.put_slice(b"xyz");
    }
    // SAFETY: the part wrote three bytes at the start of the unfilled region.
    unsafe { buf.assume_init(3) };
    buf.advance(3);
    assert_eq!(buf.filled(), b"ab\0xyz");
    buf.set_filled(2);
    assert_eq!(buf.filled(), b"ab");
    assert_eq!(buf.initialized().len(), 6);
    buf.clear();
    assert!(buf.filled().is_empty());
    buf.initialize_unfilled();
    assert_eq!(buf.initialized().len(), 8);
}

#[test]
#[should_panic]
fn read_buf_advance_past_the_initialized_region_panics() {
    let mut storage = [MaybeUninit::<u8>::uninit(); 4];
    let mut buf = ReadBuf::uninit(&mut storage);
    buf.advance(1);
}

#[test]
#[should_panic]
fn read_buf_put_slice_past_the_end_panics() {
    let mut storage = [0u8; 2];
    ReadBuf::new(&mut storage).put_slice(b"abc");
}
