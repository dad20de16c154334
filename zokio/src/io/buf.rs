//! Owned buffers whose memory stays put: what a completion-based operation
//! (io_uring) needs.
//!
//! With readiness I/O a task lends a buffer for the length of one system
//! call. With io_uring the kernel holds a pointer into the buffer from
//! submission to completion, and the future that submitted the operation may
//! be dropped in between, so the operation must own the buffer, and moving
//! the owner (into the driver, back to the caller) must not move the bytes.
//! [`IoBuf`] and [`IoBufMut`] say so as `unsafe` traits, so that the driver
//! can rely on it. Their contract is written once, as numbered rules, in
//! `IoBuf`'s `# Safety` section; the `SAFETY:` comment on each
//! implementation here cites them.

use std::ops::{Bound, Deref, DerefMut, RangeBounds};

/// An owned buffer whose memory does not move, which the kernel may read
/// while an operation holds it.
///
/// Implemented for `Vec<u8>`, `Box<[u8]>`, `&'static [u8]`, `&'static str`,
/// [`Slice`]s of those, and, with the `bytes` feature, `bytes::Bytes` and
/// `bytes::BytesMut`. Fixed-size arrays are not buffers: their bytes move
/// with them.
///
/// # Safety
///
/// An implementation keeps these rules, on which a driver relies (the
/// `SAFETY:` comments of Zokio's implementations cite them):
///
/// 1. **Extent.** [`stable_ptr`](IoBuf::stable_ptr) is valid for reads of
///    the first [`bytes_init`](IoBuf::bytes_init) bytes, which are
///    initialized, and `bytes_init() <= bytes_total()`. For an [`IoBufMut`],
///    [`stable_mut_ptr`](IoBufMut::stable_mut_ptr) is the same address,
///    valid for reads and writes of all [`bytes_total`](IoBuf::bytes_total)
///    bytes.
/// 2. **Stability.** The address, the memory behind it, `bytes_total()` and
///    the initialized prefix stay as they are while the value is alive, even
///    when it moves, as long as no method of the value's own type mutates it
///    (the driver owns the value during an operation, so nothing can). Only
///    [`IoBufMut::set_init`] grows the initialized prefix.
/// 3. **Sharing.** For `IoBuf`, the memory is written only through `&mut`
///    access to the value itself: shared read-only data such as `Bytes`
///    clones is fine, and while the driver owns the value nothing writes it.
///    For `IoBufMut`, nothing but the value reaches its memory at all, so
///    the kernel may write it while the driver owns the value.
///
/// A `Box<[u8]>` keeps rule 2, but it is a unique pointer to the compiler:
/// a typed move of the box asserts exclusive access to its bytes (Rust's
/// aliasing model retags it, and Miri reports a concurrent access by another
/// thread as a data race). A driver therefore leaves an in-flight
/// `Box<[u8]>`, or a value holding one, where it is until the kernel is done
/// with its bytes. `Vec<u8>` and the `bytes` types reach their bytes through
/// raw pointers and may move freely.
///
/// ```
/// use zokio::io::IoBuf;
///
/// let mut data = Vec::with_capacity(16);
/// data.extend_from_slice(b"hello");
/// let ptr = data.stable_ptr();
/// let moved = Box::new(data); // the bytes stay where they are
/// assert_eq!(moved.stable_ptr(), ptr);
/// assert_eq!((moved.bytes_init(), moved.bytes_total()), (5, 16));
/// ```
pub unsafe trait IoBuf: 'static {
    /// A pointer to the start of the buffer, valid for reads of its
    /// [`bytes_init`](IoBuf::bytes_init) initialized bytes.
    ///
    /// ```
    /// use zokio::io::IoBuf;
    ///
    /// let data: &'static [u8] = b"static";
    /// assert_eq!(data.stable_ptr(), data.as_ptr());
    /// ```
    fn stable_ptr(&self) -> *const u8;

    /// How many bytes from the start hold data (a vector's length).
    ///
    /// ```
    /// use zokio::io::IoBuf;
    ///
    /// assert_eq!(vec![1u8, 2, 3].bytes_init(), 3);
    /// ```
    fn bytes_init(&self) -> usize;

    /// How many bytes the buffer can hold (a vector's capacity).
    ///
    /// ```
    /// use zokio::io::IoBuf;
    ///
    /// assert_eq!(Vec::<u8>::with_capacity(64).bytes_total(), 64);
    /// ```
    fn bytes_total(&self) -> usize;

    /// A view of `range` of this buffer (counted against
    /// [`bytes_total`](IoBuf::bytes_total)), which owns the buffer and is a
    /// buffer itself. An operation on the slice reads or writes only that
    /// range; [`Slice::into_inner`] gives the whole buffer back.
    ///
    /// # Panics
    ///
    /// If the range is reversed or ends past `bytes_total()`.
    ///
    /// ```
    /// use zokio::io::IoBuf;
    ///
    /// let tail = b"header:payload".to_vec().slice(7..);
    /// assert_eq!(&tail[..], b"payload");
    /// assert_eq!(tail.into_inner().len(), 14);
    /// ```
    fn slice(self, range: impl RangeBounds<usize>) -> Slice<Self>
    where
        Self: Sized,
    {
        let begin = match range.start_bound() {
            Bound::Included(&n) => n,
            Bound::Excluded(&n) => n.checked_add(1).expect("slice start overflows"),
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(&n) => n.checked_add(1).expect("slice end overflows"),
            Bound::Excluded(&n) => n,
            Bound::Unbounded => self.bytes_total(),
        };
        assert!(begin <= end, "slice starts at {begin} but ends at {end}");
        assert!(
            end <= self.bytes_total(),
            "slice ends at {end}, past the buffer's {} bytes",
            self.bytes_total()
        );
        Slice {
            buf: self,
            begin,
            end,
        }
    }
}

/// An owned buffer whose memory does not move and that nothing else
/// reaches, which the kernel may write while an operation holds it.
///
/// # Safety
///
/// An implementation keeps [`IoBuf`]'s rules 1 to 3 as they apply to a
/// mutable buffer (the memory is reachable only through this value, and
/// [`stable_mut_ptr`](IoBufMut::stable_mut_ptr) is valid for writes of all
/// of it), and [`set_init`](IoBufMut::set_init) makes at least the first
/// `pos` bytes count as initialized, never fewer than before.
///
/// ```
/// use zokio::io::{IoBuf, IoBufMut};
///
/// let mut buf = Vec::with_capacity(8);
/// // What the kernel does on a read completion:
/// // SAFETY: the pointer is valid for `bytes_total()` bytes.
/// unsafe { buf.stable_mut_ptr().copy_from(b"data".as_ptr(), 4) };
/// // SAFETY: the first four bytes were just written.
/// unsafe { buf.set_init(4) };
/// assert_eq!(buf, b"data");
/// ```
pub unsafe trait IoBufMut: IoBuf {
    /// A writable pointer to the start of the buffer, valid for
    /// [`bytes_total`](IoBuf::bytes_total) bytes.
    ///
    /// ```
    /// use zokio::io::{IoBuf, IoBufMut};
    ///
    /// let mut buf = vec![0u8; 4].into_boxed_slice();
    /// assert_eq!(buf.stable_mut_ptr() as *const u8, buf.stable_ptr());
    /// ```
    fn stable_mut_ptr(&mut self) -> *mut u8;

    /// Records that the first `pos` bytes are initialized (a vector's length
    /// grows to `pos`). A `pos` at or below
    /// [`bytes_init`](IoBuf::bytes_init) changes nothing.
    ///
    /// # Safety
    ///
    /// The first `pos` bytes are initialized, and `pos` is at most
    /// [`bytes_total`](IoBuf::bytes_total).
    ///
    /// ```
    /// use zokio::io::{IoBuf, IoBufMut};
    ///
    /// let mut buf = vec![1u8, 2, 3];
    /// buf.truncate(1);
    /// // SAFETY: the vector's first three bytes are still initialized.
    /// unsafe { buf.set_init(3) };
    /// assert_eq!(buf, [1, 2, 3]);
    /// // SAFETY: as above; nothing shrinks.
    /// unsafe { buf.set_init(2) };
    /// assert_eq!(buf.bytes_init(), 3);
    /// ```
    unsafe fn set_init(&mut self, pos: usize);
}

// SAFETY: a vector's heap block does not move when the vector does and is
// only reached through it; `len <= capacity` and the first `len` bytes are
// initialized (rules 1-3). Reallocation needs a `&mut` method of `Vec`.
unsafe impl IoBuf for Vec<u8> {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }

    fn bytes_init(&self) -> usize {
        self.len()
    }

    fn bytes_total(&self) -> usize {
        self.capacity()
    }
}

// SAFETY: as for `IoBuf`; `set_len` to an initialized `pos <= capacity` is
// what `Vec::set_len` requires, and the length only grows.
unsafe impl IoBufMut for Vec<u8> {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.as_mut_ptr()
    }

    unsafe fn set_init(&mut self, pos: usize) {
        if self.len() < pos {
            // SAFETY: the caller promises `pos <= capacity` and that the
            // first `pos` bytes are initialized.
            unsafe { self.set_len(pos) };
        }
    }
}

// SAFETY: a boxed slice's heap block does not move with the box, is fully
// initialized and is only reached through the box (rules 1-3; see the note
// on moving a box while the kernel holds its bytes).
unsafe impl IoBuf for Box<[u8]> {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }

    fn bytes_init(&self) -> usize {
        self.len()
    }

    fn bytes_total(&self) -> usize {
        self.len()
    }
}

// SAFETY: as for `IoBuf`; every byte is already initialized, so `set_init`
// has nothing to record.
unsafe impl IoBufMut for Box<[u8]> {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.as_mut_ptr()
    }

    unsafe fn set_init(&mut self, _pos: usize) {}
}

// SAFETY: `'static` shared data is valid forever, fully initialized and
// never written (rules 1-3).
unsafe impl IoBuf for &'static [u8] {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }

    fn bytes_init(&self) -> usize {
        self.len()
    }

    fn bytes_total(&self) -> usize {
        self.len()
    }
}

// SAFETY: as for `&'static [u8]`.
unsafe impl IoBuf for &'static str {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }

    fn bytes_init(&self) -> usize {
        self.len()
    }

    fn bytes_total(&self) -> usize {
        self.len()
    }
}

// SAFETY: a `Bytes` points into a heap block or static data that does not
// move with it and that no handle writes; it is fully initialized (rules
// 1-3).
#[cfg(feature = "bytes")]
unsafe impl IoBuf for bytes::Bytes {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }

    fn bytes_init(&self) -> usize {
        self.len()
    }

    fn bytes_total(&self) -> usize {
        self.len()
    }
}

// SAFETY: a `BytesMut` owns a heap region, disjoint from every other handle's
// (splitting divides it), that does not move with it; its first `len` bytes
// of `capacity` are initialized. Growing needs a `&mut` method of its own
// (rules 1-3).
#[cfg(feature = "bytes")]
unsafe impl IoBuf for bytes::BytesMut {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }

    fn bytes_init(&self) -> usize {
        self.len()
    }

    fn bytes_total(&self) -> usize {
        self.capacity()
    }
}

// SAFETY: as for `IoBuf`; `set_len` to an initialized `pos <= capacity` is
// what `BytesMut::set_len` requires, and the length only grows.
#[cfg(feature = "bytes")]
unsafe impl IoBufMut for bytes::BytesMut {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        // A pointer taken through the slice view would be valid for the
        // first `len` bytes only; with the length at 0, the spare capacity is
        // the whole buffer.
        let len = self.len();
        // SAFETY: 0 is within the capacity and needs no initialized byte.
        unsafe { self.set_len(0) };
        let ptr = self.spare_capacity_mut().as_mut_ptr().cast::<u8>();
        // SAFETY: the first `len` bytes were initialized a moment ago and
        // nothing has written to them since.
        unsafe { self.set_len(len) };
        ptr
    }

    unsafe fn set_init(&mut self, pos: usize) {
        if self.len() < pos {
            // SAFETY: the caller promises `pos <= capacity` and that the
            // first `pos` bytes are initialized.
            unsafe { self.set_len(pos) };
        }
    }
}

/// A range of an owned buffer, which is a buffer itself; made by
/// [`IoBuf::slice`].
///
/// Its initialized bytes are those of the underlying buffer that fall in
/// the range; it dereferences to them.
///
/// ```
/// use zokio::io::{IoBuf, IoBufMut};
///
/// let mut buf = Vec::with_capacity(8);
/// buf.extend_from_slice(b"ab");
/// let mut tail = buf.slice(2..6);
/// assert_eq!((tail.bytes_init(), tail.bytes_total()), (0, 4));
/// // SAFETY: the pointer is valid for `bytes_total()` bytes.
/// unsafe { tail.stable_mut_ptr().copy_from(b"cd".as_ptr(), 2) };
/// // SAFETY: the slice's first two bytes were just written.
/// unsafe { tail.set_init(2) };
/// assert_eq!(&tail[..], b"cd");
/// assert_eq!(tail.into_inner(), b"abcd");
/// ```
#[derive(Debug)]
pub struct Slice<T> {
    buf: T,
    /// # Invariant
    /// `begin <= end <= buf.bytes_total()`.
    begin: usize,
    end: usize,
}

impl<T> Slice<T> {
    /// Where the range starts in the underlying buffer.
    ///
    /// ```
    /// use zokio::io::IoBuf;
    ///
    /// assert_eq!(vec![0u8; 8].slice(3..5).begin(), 3);
    /// ```
    pub fn begin(&self) -> usize {
        self.begin
    }

    /// Where the range ends (exclusive) in the underlying buffer.
    ///
    /// ```
    /// use zokio::io::IoBuf;
    ///
    /// assert_eq!(vec![0u8; 8].slice(3..5).end(), 5);
    /// ```
    pub fn end(&self) -> usize {
        self.end
    }

    /// The underlying buffer.
    ///
    /// ```
    /// use zokio::io::IoBuf;
    ///
    /// assert_eq!(vec![1u8, 2, 3].slice(1..).get_ref(), &[1, 2, 3]);
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.buf
    }

    /// The underlying buffer, mutably. Changing its capacity can leave the
    /// range out of its bounds; the slice then reads as shorter (never out of
    /// bounds).
    ///
    /// ```
    /// use zokio::io::IoBuf;
    ///
    /// let mut slice = vec![1u8, 2, 3].slice(1..);
    /// slice.get_mut()[1] = 9;
    /// assert_eq!(&slice[..], &[9, 3]);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.buf
    }

    /// The whole underlying buffer.
    ///
    /// ```
    /// use zokio::io::IoBuf;
    ///
    /// assert_eq!(vec![1u8, 2, 3].slice(..1).into_inner(), [1, 2, 3]);
    /// ```
    pub fn into_inner(self) -> T {
        self.buf
    }
}

impl<T: IoBuf> Slice<T> {
    /// The range, clamped to the underlying buffer as it is now (see
    /// [`get_mut`](Slice::get_mut)).
    fn bounds(&self) -> (usize, usize) {
        let total = self.buf.bytes_total();
        (self.begin.min(total), self.end.min(total))
    }
}

// SAFETY: the range lies within the underlying buffer (clamped by `bounds`),
// so offsetting its pointer by `begin` keeps rules 1-3, with the initialized
// prefix cut to the range.
unsafe impl<T: IoBuf> IoBuf for Slice<T> {
    fn stable_ptr(&self) -> *const u8 {
        self.buf.stable_ptr().wrapping_add(self.bounds().0)
    }

    fn bytes_init(&self) -> usize {
        let (begin, end) = self.bounds();
        self.buf.bytes_init().clamp(begin, end) - begin
    }

    fn bytes_total(&self) -> usize {
        let (begin, end) = self.bounds();
        end - begin
    }
}

// SAFETY: as for `IoBuf`. `set_init` forwards only when the bytes before the
// range are initialized already, so the underlying buffer's promise (its
// first `begin + pos` bytes are initialized) holds.
unsafe impl<T: IoBufMut> IoBufMut for Slice<T> {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        let begin = self.bounds().0;
        self.buf.stable_mut_ptr().wrapping_add(begin)
    }

    /// Records the slice's first `pos` bytes as initialized in the
    /// underlying buffer. When the range starts past the buffer's initialized
    /// bytes, the gap before it is not known to be initialized, so the
    /// buffer's mark cannot move and nothing is recorded.
    unsafe fn set_init(&mut self, pos: usize) {
        let begin = self.bounds().0;
        if begin <= self.buf.bytes_init() {
            // SAFETY: `..begin` is initialized (checked) and the caller
            // initialized `begin..begin + pos`, within `bytes_total`.
            unsafe { self.buf.set_init(begin + pos) };
        }
    }
}

impl<T: IoBuf> Deref for Slice<T> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        // SAFETY: the pointer is valid for `bytes_init()` initialized bytes
        // that nobody writes while `self` is borrowed (rules 1, 3).
        unsafe { std::slice::from_raw_parts(self.stable_ptr(), self.bytes_init()) }
    }
}

impl<T: IoBufMut> DerefMut for Slice<T> {
    fn deref_mut(&mut self) -> &mut [u8] {
        let len = self.bytes_init();
        // SAFETY: the pointer is valid for `len` initialized bytes that only
        // this value reaches (rules 1, 3 for `IoBufMut`).
        unsafe { std::slice::from_raw_parts_mut(self.stable_mut_ptr(), len) }
    }
}
