//! The [`AsyncSeek`] trait and its implementations for standard types.

use std::io::{self, SeekFrom};
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A stream with a position that a task can move without blocking its
/// thread.
///
/// This is [`std::io::Seek`] split in two steps:
/// [`start_seek`](AsyncSeek::start_seek) asks for the move and
/// [`poll_complete`](AsyncSeek::poll_complete) waits for it and reports the
/// new position. Most code calls [`AsyncSeekExt::seek`](super::AsyncSeekExt)
/// instead.
///
/// ```
/// use std::io::{Cursor, SeekFrom};
/// use zokio::io::{AsyncReadExt, AsyncSeekExt};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let mut cursor = Cursor::new(b"0123456789".to_vec());
///     assert_eq!(cursor.seek(SeekFrom::End(-3)).await?, 7);
///     assert_eq!(cursor.read_u8().await?, b'7');
///     Ok(())
/// }
/// ```
pub trait AsyncSeek {
    /// Starts moving the position; [`poll_complete`](AsyncSeek::poll_complete)
    /// finishes the move.
    ///
    /// A stream may refuse to start a seek while another is in progress,
    /// with an error; call `poll_complete` until it is ready first.
    ///
    /// ```
    /// use std::io::{Cursor, SeekFrom};
    /// use std::pin::Pin;
    /// use zokio::io::AsyncSeek;
    ///
    /// let mut cursor = Cursor::new([0u8; 8]);
    /// Pin::new(&mut cursor).start_seek(SeekFrom::Start(5)).unwrap();
    /// assert_eq!(cursor.position(), 5);
    /// ```
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()>;

    /// Waits for the seek in progress, if any, and returns the position
    /// (counted from the start). With no seek in progress it returns the
    /// current position.
    ///
    /// ```
    /// use std::io::{Cursor, SeekFrom};
    /// use std::pin::Pin;
    /// use zokio::future::poll_fn;
    /// use zokio::io::AsyncSeek;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut cursor = Cursor::new([0u8; 8]);
    ///     Pin::new(&mut cursor).start_seek(SeekFrom::Current(3))?;
    ///     let position = poll_fn(|cx| Pin::new(&mut cursor).poll_complete(cx)).await?;
    ///     assert_eq!(position, 3);
    ///     Ok(())
    /// }
    /// ```
    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>>;
}

impl<T: ?Sized + AsyncSeek + Unpin> AsyncSeek for Box<T> {
    fn start_seek(mut self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        Pin::new(&mut **self).start_seek(position)
    }

    fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        Pin::new(&mut **self).poll_complete(cx)
    }
}

impl<T: ?Sized + AsyncSeek + Unpin> AsyncSeek for &mut T {
    fn start_seek(mut self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        Pin::new(&mut **self).start_seek(position)
    }

    fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        Pin::new(&mut **self).poll_complete(cx)
    }
}

impl<P> AsyncSeek for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncSeek,
{
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        self.get_mut().as_mut().start_seek(position)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        self.get_mut().as_mut().poll_complete(cx)
    }
}

/// A cursor seeks at once, as [`std::io::Seek`] does for it.
impl<T: AsRef<[u8]> + Unpin> AsyncSeek for io::Cursor<T> {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        io::Seek::seek(self.get_mut(), position).map(drop)
    }

    fn poll_complete(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        Poll::Ready(Ok(self.position()))
    }
}
