//! [`ReadBuf`]: a borrowed buffer that a reader fills, and that remembers how
//! much of it is already initialized.

use std::fmt;
use std::mem::MaybeUninit;

/// A borrowed byte buffer that a reader fills from the front, tracking which
/// part holds data and which part is initialized memory.
///
/// The buffer is three regions, each a prefix of the next:
///
/// ```text
/// [ filled | initialized, not filled | uninitialized ]
/// 0     filled().len()       initialized().len()     capacity()
/// ```
///
/// [`AsyncRead::poll_read`](super::AsyncRead::poll_read) appends to the
/// filled region. Because the buffer knows which bytes are initialized, a
/// caller may pass spare capacity that was never written (see
/// [`uninit`](ReadBuf::uninit)) and a reader that needs a `&mut [u8]` zeroes
/// only what it has not zeroed before.
///
/// ```
/// use zokio::io::ReadBuf;
///
/// let mut storage = [0u8; 8];
/// let mut buf = ReadBuf::new(&mut storage);
/// buf.put_slice(b"abc");
/// assert_eq!(buf.filled(), b"abc");
/// assert_eq!(buf.remaining(), 5);
/// ```
pub struct ReadBuf<'a> {
    /// # Invariant
    /// `buf[..initialized]` is initialized memory; nothing reached through a
    /// safe method ever writes uninitialized bytes into that prefix.
    buf: &'a mut [MaybeUninit<u8>],
    /// # Invariant
    /// `filled <= initialized`.
    filled: usize,
    /// # Invariant
    /// `initialized <= buf.len()`.
    initialized: usize,
}

impl<'a> ReadBuf<'a> {
    /// A buffer over `buf`, which is initialized through and through and
    /// starts empty (nothing filled).
    ///
    /// ```
    /// use zokio::io::ReadBuf;
    ///
    /// let mut storage = [7u8; 4];
    /// let buf = ReadBuf::new(&mut storage);
    /// assert_eq!(buf.filled().len(), 0);
    /// assert_eq!(buf.initialized(), &[7, 7, 7, 7]);
    /// ```
    #[inline]
    pub fn new(buf: &'a mut [u8]) -> ReadBuf<'a> {
        let initialized = buf.len();
        // SAFETY: `MaybeUninit<u8>` has the layout of `u8`. The slice is
        // initialized and the field invariant keeps it so: safe methods never
        // write uninitialized bytes below `initialized`, and the unsafe ones
        // (`unfilled_mut`, `inner_mut`) forbid their callers to.
        let buf = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
        ReadBuf {
            buf,
            filled: 0,
            initialized,
        }
    }

    /// A buffer over memory that may be uninitialized, such as a vector's
    /// spare capacity. It starts empty, with nothing known to be initialized.
    ///
    /// ```
    /// use std::mem::MaybeUninit;
    /// use zokio::io::ReadBuf;
    ///
    /// let mut storage = [MaybeUninit::<u8>::uninit(); 16];
    /// let mut buf = ReadBuf::uninit(&mut storage);
    /// assert_eq!(buf.initialized().len(), 0);
    /// buf.put_slice(b"hi");
    /// assert_eq!(buf.filled(), b"hi");
    /// ```
    #[inline]
    pub fn uninit(buf: &'a mut [MaybeUninit<u8>]) -> ReadBuf<'a> {
        ReadBuf {
            buf,
            filled: 0,
            initialized: 0,
        }
    }

    /// The length of the whole buffer.
    ///
    /// ```
    /// use zokio::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 10];
    /// assert_eq!(ReadBuf::new(&mut storage).capacity(), 10);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The filled region: the data read so far.
    ///
    /// ```
    /// use zokio::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 4];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// buf.put_slice(&[1, 2]);
    /// assert_eq!(buf.filled(), &[1, 2]);
    /// ```
    #[inline]
    pub fn filled(&self) -> &[u8] {
        // SAFETY: `filled <= initialized` and that prefix is initialized
        // (field invariants).
        unsafe { slice_assume_init(&self.buf[..self.filled]) }
    }

    /// The filled region, mutably.
    ///
    /// ```
    /// use zokio::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 4];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// buf.put_slice(b"ab");
    /// buf.filled_mut().make_ascii_uppercase();
    /// assert_eq!(buf.filled(), b"AB");
    /// ```
    #[inline]
    pub fn filled_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `filled`; a `&mut [u8]` can only store initialized
        // bytes, so the invariant holds after the borrow.
        unsafe { slice_assume_init_mut(&mut self.buf[..self.filled]) }
    }

    /// The initialized region (which starts with the filled one).
    ///
    /// ```
    /// use zokio::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 4];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// buf.put_slice(&[9]);
    /// assert_eq!(buf.initialized(), &[9, 0, 0, 0]);
    /// ```
    #[inline]
    pub fn initialized(&self) -> &[u8] {
        // SAFETY: the prefix up to `initialized` is initialized (field
        // invariant).
        unsafe { slice_assume_init(&self.buf[..self.initialized]) }
    }

    /// The initialized region, mutably.
    ///
    /// ```
    /// use zokio::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 3];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// buf.initialized_mut()[2] = 5;
    /// assert_eq!(buf.initialized(), &[0, 0, 5]);
    /// ```
    #[inline]
    pub fn initialized_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `initialized`; the borrow can only store initialized
        // bytes.
        unsafe { slice_assume_init_mut(&mut self.buf[..self.initialized]) }
    }

    /// The whole buffer, filled or not, initialized or not.
    ///
    /// # Safety
    ///
    /// The caller must not write uninitialized bytes into the initialized
    /// region (`..self.initialized().len()`).
    ///
    /// ```
    /// use zokio::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 3];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// // SAFETY: only initialized bytes are written.
    /// unsafe { buf.inner_mut()[0].write(4) };
    /// assert_eq!(buf.initialized()[0], 4);
    /// ```
    #[inline]
    pub unsafe fn inner_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        self.buf
    }

    /// The unfilled region, which may be partly uninitialized.
    ///
    /// Write into it, then call [`assume_init`](ReadBuf::assume_init) and
    /// [`advance`](ReadBuf::advance) to make the bytes part of the data.
    ///
    /// # Safety
    ///
    /// The caller must not write uninitialized bytes into the part of it that
    /// is already initialized.
    ///
    /// ```
    /// use zokio::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 4];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// // SAFETY: only initialized bytes are written.
    /// unsafe { buf.unfilled_mut()[0].write(b'x') };
    /// // SAFETY: the first unfilled byte was just written.
    /// unsafe { buf.assume_init(1) };
    /// buf.advance(1);
    /// assert_eq!(buf.filled(), b"x");
    /// ```
    #[inline]
    pub unsafe fn unfilled_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        &mut self.buf[self.filled..]
    }

    /// Zeroes whatever of the unfilled region is not initialized yet and
    /// returns all of it as bytes.
    ///
    /// ```
    /// use std::mem::MaybeUninit;
    /// use zokio::io::ReadBuf;
    ///
    /// let mut storage = [MaybeUninit::uninit(); 4];
    /// let mut buf = ReadBuf::uninit(&mut storage);
    /// buf.initialize_unfilled()[..2].copy_from_slice(b"ok");
    /// buf.advance(2);
    /// assert_eq!(buf.filled(), b"ok");
    /// assert_eq!(buf.initialized().len(), 4);
    /// ```
    #[inline]
    pub fn initialize_unfilled(&mut self) -> &mut [u8] {
        self.initialize_unfilled_to(self.remaining())
    }

    /// Zeroes whatever of the first `n` unfilled bytes is not initialized yet
    /// and returns those `n` bytes.
    ///
    /// # Panics
    ///
    /// If `n` is more than [`remaining`](ReadBuf::remaining).
    ///
    /// ```
    /// use std::mem::MaybeUninit;
    /// use zokio::io::ReadBuf;
    ///
    /// let mut storage = [MaybeUninit::uninit(); 8];
    /// let mut buf = ReadBuf::uninit(&mut storage);
    /// assert_eq!(buf.initialize_unfilled_to(3), &[0, 0, 0]);
    /// assert_eq!(buf.initialized().len(), 3);
    /// ```
    pub fn initialize_unfilled_to(&mut self, n: usize) -> &mut [u8] {
        assert!(
            n <= self.remaining(),
            "ReadBuf::initialize_unfilled_to: n ({n}) is more than the remaining space ({})",
            self.remaining()
        );
        let end = self.filled + n;
        if self.initialized < end {
            for byte in &mut self.buf[self.initialized..end] {
                byte.write(0);
            }
            self.initialized = end;
        }
        // SAFETY: `..end` is now initialized, and the borrow can only store
        // initialized bytes.
        unsafe { slice_assume_init_mut(&mut self.buf[self.filled..end]) }
    }

    /// How many bytes can still be filled.
    ///
    /// ```
    /// use zokio::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 4];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// buf.put_slice(b"a");
    /// assert_eq!(buf.remaining(), 3);
    /// ```
    #[inline]
    pub fn remaining(&self) -> usize {
        self.capacity() - self.filled
    }

    /// Empties the filled region. Initialized memory stays initialized.
    ///
    /// ```
    /// use zokio::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 4];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// buf.put_slice(b"ab");
    /// buf.clear();
    /// assert!(buf.filled().is_empty());
    /// assert_eq!(buf.initialized(), b"ab\0\0");
    /// ```
    #[inline]
    pub fn clear(&mut self) {
        self.filled = 0;
    }

    /// Grows the filled region by `n` bytes.
    ///
    /// # Panics
    ///
    /// If the filled region would grow past the initialized one.
    ///
    /// ```
    /// use zokio::io::ReadBuf;
    ///
    /// let mut storage = *b"data";
    /// let mut buf = ReadBuf::new(&mut storage);
    /// buf.advance(2);
    /// assert_eq!(buf.filled(), b"da");
    /// ```
    #[inline]
    pub fn advance(&mut self, n: usize) {
        let filled = self
            .filled
            .checked_add(n)
            .expect("ReadBuf::advance: filled length overflows");
        self.set_filled(filled);
    }

    /// Sets the length of the filled region.
    ///
    /// # Panics
    ///
    /// If `n` is more than the initialized length.
    ///
    /// ```
    /// use zokio::io::ReadBuf;
    ///
    /// let mut storage = *b"data";
    /// let mut buf = ReadBuf::new(&mut storage);
    /// buf.set_filled(4);
    /// buf.set_filled(1);
    /// assert_eq!(buf.filled(), b"d");
    /// ```
    #[inline]
    pub fn set_filled(&mut self, n: usize) {
        assert!(
            n <= self.initialized,
            "ReadBuf::set_filled: {n} is more than the initialized length ({})",
            self.initialized
        );
        self.filled = n;
    }

    /// Declares the first `n` unfilled bytes initialized. Never shrinks the
    /// initialized region.
    ///
    /// # Safety
    ///
    /// Those `n` bytes must be initialized, and within the buffer.
    ///
    /// ```
    /// use std::mem::MaybeUninit;
    /// use zokio::io::ReadBuf;
    ///
    /// let mut storage = [MaybeUninit::uninit(); 4];
    /// let mut buf = ReadBuf::uninit(&mut storage);
    /// // SAFETY: the two bytes are written before they are declared.
    /// unsafe {
    ///     buf.unfilled_mut()[0].write(1);
    ///     buf.unfilled_mut()[1].write(2);
    ///     buf.assume_init(2);
    /// }
    /// buf.advance(2);
    /// assert_eq!(buf.filled(), &[1, 2]);
    /// ```
    #[inline]
    pub unsafe fn assume_init(&mut self, n: usize) {
        let end = self.filled + n;
        if end > self.initialized {
            self.initialized = end;
        }
    }

    /// Appends `data` to the filled region.
    ///
    /// # Panics
    ///
    /// If `data` is longer than [`remaining`](ReadBuf::remaining).
    ///
    /// ```
    /// use zokio::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 6];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// buf.put_slice(b"abc");
    /// buf.put_slice(b"de");
    /// assert_eq!(buf.filled(), b"abcde");
    /// ```
    pub fn put_slice(&mut self, data: &[u8]) {
        assert!(
            data.len() <= self.remaining(),
            "ReadBuf::put_slice: {} bytes do not fit in the remaining {}",
            data.len(),
            self.remaining()
        );
        let end = self.filled + data.len();
        for (slot, &byte) in self.buf[self.filled..end].iter_mut().zip(data) {
            slot.write(byte);
        }
        if self.initialized < end {
            self.initialized = end;
        }
        self.filled = end;
    }

    /// A new, empty `ReadBuf` over at most the first `n` unfilled bytes of
    /// this one, knowing which of them are initialized.
    ///
    /// What a reader fills into the new buffer is not part of this one's data
    /// until the caller [`assume_init`](ReadBuf::assume_init)s and
    /// [`advance`](ReadBuf::advance)s it.
    ///
    /// ```
    /// use zokio::io::ReadBuf;
    ///
    /// let mut storage = [0u8; 8];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// buf.put_slice(b"ab");
    /// let mut part = buf.take(3);
    /// assert_eq!(part.capacity(), 3);
    /// part.put_slice(b"cde");
    /// buf.advance(3);
    /// assert_eq!(buf.filled(), b"abcde");
    /// ```
    pub fn take(&mut self, n: usize) -> ReadBuf<'_> {
        let len = n.min(self.remaining());
        let initialized = (self.initialized - self.filled).min(len);
        // SAFETY: the new buffer's own invariant (and the contracts of its
        // unsafe methods) keep initialized bytes initialized, so this one's
        // invariant survives whatever is done through it.
        let unfilled = unsafe { &mut self.unfilled_mut()[..len] };
        ReadBuf {
            buf: unfilled,
            filled: 0,
            initialized,
        }
    }
}

impl fmt::Debug for ReadBuf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadBuf")
            .field("filled", &self.filled)
            .field("initialized", &self.initialized)
            .field("capacity", &self.capacity())
            .finish()
    }
}

/// With the `bytes` feature, a `ReadBuf` is a [`bytes::BufMut`] whose
/// remaining space is its unfilled region.
#[cfg(feature = "bytes")]
// SAFETY: `remaining_mut` is the unfilled length; `chunk_mut` is the unfilled
// region (never empty while space remains); `advance_mut` moves the filled
// mark over bytes its caller promises are initialized, as `BufMut` requires.
unsafe impl bytes::BufMut for ReadBuf<'_> {
    fn remaining_mut(&self) -> usize {
        self.remaining()
    }

    unsafe fn advance_mut(&mut self, cnt: usize) {
        // SAFETY: `BufMut::advance_mut`'s caller has initialized the first
        // `cnt` bytes of the chunk, which are the first unfilled bytes.
        unsafe { self.assume_init(cnt) };
        self.advance(cnt);
    }

    fn chunk_mut(&mut self) -> &mut bytes::buf::UninitSlice {
        // SAFETY: `UninitSlice` lets its user write only initialized bytes,
        // so initialized memory stays initialized.
        bytes::buf::UninitSlice::uninit(unsafe { self.unfilled_mut() })
    }
}

/// # Safety
/// Every element of `slice` is initialized.
unsafe fn slice_assume_init(slice: &[MaybeUninit<u8>]) -> &[u8] {
    // SAFETY: same layout; the caller promises the bytes are initialized.
    unsafe { &*(slice as *const [MaybeUninit<u8>] as *const [u8]) }
}

/// # Safety
/// Every element of `slice` is initialized.
unsafe fn slice_assume_init_mut(slice: &mut [MaybeUninit<u8>]) -> &mut [u8] {
    // SAFETY: same layout; the caller promises the bytes are initialized, and
    // a `&mut [u8]` cannot write uninitialized ones back.
    unsafe { &mut *(slice as *mut [MaybeUninit<u8>] as *mut [u8]) }
}
