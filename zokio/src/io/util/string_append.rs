//! Appending bytes to a `String` through its vector, so that the readers of
//! text can reuse the byte readers without ever leaving the string invalid.

use std::io;
use std::mem;

/// A string's bytes, lent to a future that appends to them, and given back to
/// the string when the future finishes or is dropped.
///
/// Only valid UTF-8 goes back: appended bytes that are not are dropped, so
/// the string holds its original contents and, at most, whole valid text
/// after them.
#[derive(Debug)]
pub(crate) struct StringAppend<'a> {
    string: &'a mut String,
    /// # Invariant
    /// `Some` until given back. `bytes[..start]` is the string's original
    /// contents, unchanged: the futures only append.
    bytes: Option<Vec<u8>>,
    start: usize,
    /// Whether bytes appended before an error or a cancellation are kept
    /// (when valid UTF-8) or dropped.
    keep_partial: bool,
}

impl<'a> StringAppend<'a> {
    /// Takes `string`'s bytes.
    pub(crate) fn new(string: &'a mut String, keep_partial: bool) -> StringAppend<'a> {
        let bytes = mem::take(string).into_bytes();
        StringAppend {
            start: bytes.len(),
            string,
            bytes: Some(bytes),
            keep_partial,
        }
    }

    /// The bytes, to append to.
    ///
    /// # Panics
    ///
    /// If they were already given back (the future was polled after it
    /// completed).
    pub(crate) fn bytes_mut(&mut self) -> &mut Vec<u8> {
        self.bytes
            .as_mut()
            .expect("future polled after it completed")
    }

    /// The operation succeeded: gives the bytes back, or fails with
    /// `InvalidData` (and gives back only the original contents) when the
    /// appended bytes are not UTF-8.
    pub(crate) fn finish(&mut self) -> io::Result<()> {
        if self.give_back(true) {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            ))
        }
    }

    /// The operation failed or was cancelled: gives the bytes back, keeping
    /// the appended ones only if this append keeps partial text and they are
    /// valid UTF-8.
    pub(crate) fn abandon(&mut self) {
        self.give_back(self.keep_partial);
    }

    /// Puts the bytes back into the string, the appended ones only if `keep`
    /// and valid. Returns whether they were valid.
    fn give_back(&mut self, keep: bool) -> bool {
        let Some(mut bytes) = self.bytes.take() else {
            return true;
        };
        let valid = std::str::from_utf8(&bytes[self.start..]).is_ok();
        if !(keep && valid) {
            bytes.truncate(self.start);
        }
        // SAFETY: `bytes[..start]` is the original string (field invariant)
        // and what follows, if anything, was just checked to be UTF-8.
        *self.string = unsafe { String::from_utf8_unchecked(bytes) };
        valid
    }
}

impl Drop for StringAppend<'_> {
    fn drop(&mut self) {
        self.abandon();
    }
}
