//! [`copy_bidirectional`]: two copies, one each way, between two streams.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::copy::CopyBuffer;
use super::DEFAULT_BUF_SIZE;
use crate::future::poll_fn;
use crate::io::{AsyncRead, AsyncWrite};

/// One direction of a bidirectional copy.
#[derive(Debug)]
enum Transfer {
    /// Copying until the reader's end of file.
    Running(CopyBuffer),
    /// The reader is done and this many bytes were copied; shutting the
    /// writer down.
    ShuttingDown(u64),
    /// Finished, with this many bytes copied.
    Done(u64),
}

impl Transfer {
    fn poll<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        loop {
            match self {
                Transfer::Running(buf) => {
                    let copied = ready!(buf.poll_copy(cx, reader.as_mut(), writer.as_mut()))?;
                    *self = Transfer::ShuttingDown(copied);
                }
                Transfer::ShuttingDown(copied) => {
                    let copied = *copied;
                    ready!(writer.as_mut().poll_shutdown(cx))?;
                    *self = Transfer::Done(copied);
                }
                Transfer::Done(copied) => return Poll::Ready(Ok(*copied)),
            }
        }
    }
}

/// Copies `a` to `b` and `b` to `a` at the same time, until both reach end
/// of file, and returns how many bytes went each way: `(a to b, b to a)`.
///
/// When one side's read reaches end of file, the other side's write is shut
/// down (a half-close, passed on), while the other direction goes on. Each
/// direction uses a buffer of 8 KiB.
///
/// # Errors
///
/// The first error of either stream, in either direction; the other
/// direction stops there too.
///
/// # Cancel safety
///
/// Not cancel safe. If the future is dropped before it completes, bytes read
/// but not yet written in either direction are lost.
///
/// ```
/// use zokio::io::{self, duplex, AsyncReadExt, AsyncWriteExt};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     // client <-> (a, b) proxy <-> server
///     let (mut client, mut a) = duplex(64);
///     let (mut b, mut server) = duplex(64);
///     let proxy = zokio::spawn(async move { io::copy_bidirectional(&mut a, &mut b).await });
///
///     client.write_all(b"request").await?;
///     client.shutdown().await?;
///     let mut request = Vec::new();
///     server.read_to_end(&mut request).await?;
///     server.write_all(b"response").await?;
///     drop(server);
///     let mut response = Vec::new();
///     client.read_to_end(&mut response).await?;
///
///     assert_eq!((request.as_slice(), response.as_slice()), (&b"request"[..], &b"response"[..]));
///     assert_eq!(proxy.await.unwrap()?, (7, 8));
///     Ok(())
/// }
/// ```
pub async fn copy_bidirectional<A, B>(a: &mut A, b: &mut B) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    copy_bidirectional_with_sizes(a, b, DEFAULT_BUF_SIZE, DEFAULT_BUF_SIZE).await
}

/// [`copy_bidirectional`] with a buffer of `a_to_b_buf_size` bytes for the
/// copy from `a` to `b` and one of `b_to_a_buf_size` bytes for the other way.
///
/// # Cancel safety
///
/// Not cancel safe, as [`copy_bidirectional`].
///
/// ```
/// use zokio::io::{self, duplex, AsyncReadExt, AsyncWriteExt};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let (mut left, mut a) = duplex(16);
///     let (mut b, mut right) = duplex(16);
///     left.write_all(b"x").await?;
///     left.shutdown().await?;
///     right.shutdown().await?;
///     let copied = io::copy_bidirectional_with_sizes(&mut a, &mut b, 1, 1).await?;
///     assert_eq!(copied, (1, 0));
///     let mut got = Vec::new();
///     right.read_to_end(&mut got).await?;
///     assert_eq!(got, b"x");
///     Ok(())
/// }
/// ```
pub async fn copy_bidirectional_with_sizes<A, B>(
    a: &mut A,
    b: &mut B,
    a_to_b_buf_size: usize,
    b_to_a_buf_size: usize,
) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    let mut a_to_b = Transfer::Running(CopyBuffer::new(a_to_b_buf_size));
    let mut b_to_a = Transfer::Running(CopyBuffer::new(b_to_a_buf_size));
    poll_fn(|cx| {
        let a_to_b = a_to_b.poll(cx, Pin::new(&mut *a), Pin::new(&mut *b))?;
        let b_to_a = b_to_a.poll(cx, Pin::new(&mut *b), Pin::new(&mut *a))?;
        let a_to_b = ready!(a_to_b);
        let b_to_a = ready!(b_to_a);
        Poll::Ready(Ok((a_to_b, b_to_a)))
    })
    .await
}
