//! [`copy_buf`]: a copy through the reader's own buffer.

use std::io;
use std::pin::Pin;
use std::task::{ready, Poll};

use super::write::write_zero;
use crate::future::poll_fn;
use crate::io::{AsyncBufRead, AsyncWrite};
use crate::runtime::coop;

/// Copies everything `reader` yields to `writer`, until end of file, then
/// flushes `writer`; returns how many bytes were copied.
///
/// Unlike [`copy`](super::copy()), it writes straight from the reader's
/// buffer: no buffer of its own, no extra copy.
///
/// # Errors
///
/// The first error of either side, or `WriteZero` if the writer stops taking
/// bytes.
///
/// # Cancel safety
///
/// Cancel safe in that nothing is lost: bytes leave the reader's buffer only
/// once they are written, so if the future is dropped before it completes,
/// a new call goes on where it stopped. Its count starts again from zero.
///
/// ```
/// use zokio::io::{self, BufReader};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let mut reader = BufReader::new(&b"buffered copy"[..]);
///     let mut writer = Vec::new();
///     assert_eq!(io::copy_buf(&mut reader, &mut writer).await?, 13);
///     assert_eq!(writer, b"buffered copy");
///     Ok(())
/// }
/// ```
pub async fn copy_buf<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> io::Result<u64>
where
    R: AsyncBufRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut copied = 0u64;
    poll_fn(|cx| loop {
        let budget = ready!(coop::poll_proceed(cx));
        let data = ready!(Pin::new(&mut *reader).poll_fill_buf(cx))?;
        if data.is_empty() {
            ready!(Pin::new(&mut *writer).poll_flush(cx))?;
            return Poll::Ready(Ok(copied));
        }
        let n = ready!(Pin::new(&mut *writer).poll_write(cx, data))?;
        if n == 0 {
            return Poll::Ready(Err(write_zero()));
        }
        budget.made_progress();
        Pin::new(&mut *reader).consume(n);
        copied += n as u64;
    })
    .await
}
