//! [`repeat`]: one byte, forever.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::poll_budget;
use crate::io::{AsyncRead, ReadBuf};

/// A reader that yields the same byte forever; made by [`repeat`].
///
/// ```
/// use zokio::io::{repeat, AsyncReadExt};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let mut buf = [0; 4];
///     repeat(b'z').read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"zzzz");
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Repeat {
    byte: u8,
}

/// A reader that yields `byte` forever; bound it with
/// [`take`](crate::io::AsyncReadExt::take).
///
/// ```
/// use zokio::io::{repeat, AsyncReadExt};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let mut dashes = String::new();
///     repeat(b'-').take(3).read_to_string(&mut dashes).await?;
///     assert_eq!(dashes, "---");
///     Ok(())
/// }
/// ```
pub fn repeat(byte: u8) -> Repeat {
    Repeat { byte }
}

impl AsyncRead for Repeat {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        ready!(poll_budget(cx));
        let n = buf.remaining();
        buf.initialize_unfilled_to(n).fill(self.byte);
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}
