//! [`AsyncSeekExt`]: the methods that make an [`AsyncSeek`] convenient.

use std::future::Future;
use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::AsyncSeek;

/// Seeking methods for every [`AsyncSeek`]: bring this trait into scope and
/// call them on any seekable stream.
///
/// ```
/// use std::io::{Cursor, SeekFrom};
/// use zokio::io::{AsyncReadExt, AsyncSeekExt};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let mut cursor = Cursor::new(b"abcdef".to_vec());
///     cursor.seek(SeekFrom::Start(4)).await?;
///     assert_eq!(cursor.read_u8().await?, b'e');
///     Ok(())
/// }
/// ```
pub trait AsyncSeekExt: AsyncSeek {
    /// Moves the stream's position and returns the new one, counted from the
    /// start.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe. If the future is dropped before it completes, the
    /// seek may or may not have happened; the position is unknown until the
    /// next seek completes.
    ///
    /// ```
    /// use std::io::{Cursor, SeekFrom};
    /// use zokio::io::AsyncSeekExt;
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut cursor = Cursor::new([0u8; 10]);
    ///     assert_eq!(cursor.seek(SeekFrom::End(-2)).await?, 8);
    ///     assert_eq!(cursor.seek(SeekFrom::Current(-3)).await?, 5);
    ///     Ok(())
    /// }
    /// ```
    fn seek(&mut self, position: SeekFrom) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        Seek {
            stream: self,
            position: Some(position),
        }
    }

    /// Moves the position back to the start; returns it (0).
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe, as [`seek`](AsyncSeekExt::seek).
    ///
    /// ```
    /// use std::io::Cursor;
    /// use zokio::io::{AsyncReadExt, AsyncSeekExt};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut cursor = Cursor::new(b"ab".to_vec());
    ///     cursor.read_u8().await?;
    ///     cursor.rewind().await?;
    ///     assert_eq!(cursor.read_u8().await?, b'a');
    ///     Ok(())
    /// }
    /// ```
    fn rewind(&mut self) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        self.seek(SeekFrom::Start(0))
    }

    /// The current position, counted from the start.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it moves nothing.
    ///
    /// ```
    /// use std::io::Cursor;
    /// use zokio::io::{AsyncReadExt, AsyncSeekExt};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut cursor = Cursor::new(b"abc".to_vec());
    ///     cursor.read_u16().await?;
    ///     assert_eq!(cursor.stream_position().await?, 2);
    ///     Ok(())
    /// }
    /// ```
    fn stream_position(&mut self) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        self.seek(SeekFrom::Current(0))
    }
}

impl<S: AsyncSeek + ?Sized> AsyncSeekExt for S {}

/// The future of [`AsyncSeekExt::seek`] and the other seeking methods.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Seek<'a, S: ?Sized> {
    stream: &'a mut S,
    /// The seek to start; `None` once started.
    position: Option<SeekFrom>,
}

impl<S: AsyncSeek + Unpin + ?Sized> Future for Seek<'_, S> {
    type Output = io::Result<u64>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let me = &mut *self;
        if let Some(position) = me.position {
            // A seek started elsewhere and never completed must finish
            // before a new one may start.
            ready!(Pin::new(&mut *me.stream).poll_complete(cx))?;
            me.position = None;
            Pin::new(&mut *me.stream).start_seek(position)?;
        }
        Pin::new(&mut *me.stream).poll_complete(cx)
    }
}
