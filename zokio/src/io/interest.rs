//! What a task waits for on a socket ([`Interest`]) and what it found
//! ([`Ready`]), for `ready`, `try_io` and `async_io`, shaped as Tokio's.

use std::fmt;
use std::ops::{BitOr, BitOrAssign};

use crate::driver::readiness::{ERROR, READABLE, READ_CLOSED, WRITABLE, WRITE_CLOSED};

/// The directions a task waits for: [`READABLE`](Interest::READABLE),
/// [`WRITABLE`](Interest::WRITABLE) or both (`READABLE | WRITABLE`).
///
/// ```
/// use zokio::io::Interest;
///
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable() && both.is_writable());
/// assert!(!Interest::READABLE.is_writable());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interest(u8);

const READ: u8 = 1;
const WRITE: u8 = 2;

impl Interest {
    /// Waiting until a read would not block.
    pub const READABLE: Interest = Interest(READ);
    /// Waiting until a write would not block.
    pub const WRITABLE: Interest = Interest(WRITE);

    /// Whether this includes [`READABLE`](Interest::READABLE).
    pub const fn is_readable(self) -> bool {
        self.0 & READ != 0
    }

    /// Whether this includes [`WRITABLE`](Interest::WRITABLE).
    pub const fn is_writable(self) -> bool {
        self.0 & WRITE != 0
    }

    /// Both interests; usable in a `const`.
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }

    /// The interest in the directions given, if any.
    pub(crate) fn from_parts(readable: bool, writable: bool) -> Option<Interest> {
        let bits = if readable { READ } else { 0 } | if writable { WRITE } else { 0 };
        (bits != 0).then_some(Interest(bits))
    }

    /// The readiness bits that answer this interest.
    fn mask(self) -> usize {
        let mut mask = 0;
        if self.is_readable() {
            mask |= READABLE | READ_CLOSED;
        }
        if self.is_writable() {
            mask |= WRITABLE | WRITE_CLOSED;
        }
        mask
    }
}

impl BitOr for Interest {
    type Output = Interest;

    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl BitOrAssign for Interest {
    fn bitor_assign(&mut self, other: Interest) {
        *self = self.add(other);
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.is_readable(), self.is_writable()) {
            (true, true) => f.write_str("READABLE | WRITABLE"),
            (true, false) => f.write_str("READABLE"),
            (false, true) => f.write_str("WRITABLE"),
            (false, false) => f.write_str("(none)"),
        }
    }
}

/// What a socket was found ready for. A closed direction counts as ready
/// (the next operation returns at once, with end of file or an error).
///
/// ```
/// use zokio::io::Ready;
///
/// let ready = Ready::READABLE | Ready::WRITE_CLOSED;
/// assert!(ready.is_readable() && ready.is_writable() && ready.is_write_closed());
/// assert!(Ready::EMPTY.is_empty());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Ready(usize);

impl Ready {
    /// Nothing is ready.
    pub const EMPTY: Ready = Ready(0);
    /// A read would not block.
    pub const READABLE: Ready = Ready(READABLE);
    /// A write would not block.
    pub const WRITABLE: Ready = Ready(WRITABLE);
    /// The read side is closed (end of file, or the peer reset).
    pub const READ_CLOSED: Ready = Ready(READ_CLOSED);
    /// The write side is closed.
    pub const WRITE_CLOSED: Ready = Ready(WRITE_CLOSED);
    /// Every bit above.
    pub const ALL: Ready = Ready(READABLE | WRITABLE | READ_CLOSED | WRITE_CLOSED);

    /// From the driver's bits; an error counts as both sides closed (the
    /// next operation returns it at once).
    pub(crate) fn from_bits(bits: usize) -> Ready {
        let closed = if bits & ERROR != 0 {
            READ_CLOSED | WRITE_CLOSED
        } else {
            0
        };
        Ready((bits | closed) & Ready::ALL.0)
    }

    /// The driver's bits.
    pub(crate) fn bits(self) -> usize {
        self.0
    }

    /// Only the bits that answer `interest`.
    pub(crate) fn masked(self, interest: Interest) -> Ready {
        Ready(self.0 & interest.mask())
    }

    /// Whether nothing is ready.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Readable, or the read side is closed.
    pub fn is_readable(self) -> bool {
        self.0 & (READABLE | READ_CLOSED) != 0
    }

    /// Writable, or the write side is closed.
    pub fn is_writable(self) -> bool {
        self.0 & (WRITABLE | WRITE_CLOSED) != 0
    }

    /// The read side is closed.
    pub fn is_read_closed(self) -> bool {
        self.0 & READ_CLOSED != 0
    }

    /// The write side is closed.
    pub fn is_write_closed(self) -> bool {
        self.0 & WRITE_CLOSED != 0
    }
}

impl BitOr for Ready {
    type Output = Ready;

    fn bitor(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }
}

impl BitOrAssign for Ready {
    fn bitor_assign(&mut self, other: Ready) {
        self.0 |= other.0;
    }
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ready")
            .field("is_readable", &self.is_readable())
            .field("is_writable", &self.is_writable())
            .field("is_read_closed", &self.is_read_closed())
            .field("is_write_closed", &self.is_write_closed())
            .finish()
    }
}
