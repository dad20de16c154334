//! [`AsyncBufReadExt`]: the methods that make an [`AsyncBufRead`]
//! convenient.

use std::pin::Pin;

use super::lines::{lines, Lines};
use super::read_until::{fill_buf, read_line, read_until, FillBuf, ReadLine, ReadUntil};
use super::split::{split, Split};
use crate::io::AsyncBufRead;

/// Methods for every [`AsyncBufRead`]: reading up to a delimiter, line by
/// line, or straight from the buffer. Bring this trait into scope and call
/// them on any buffered reader, such as a [`BufReader`](crate::io::BufReader).
///
/// ```
/// use zokio::io::{AsyncBufReadExt, BufReader};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let mut reader = BufReader::new(&b"GET / HTTP/1.1\r\nHost: x\r\n"[..]);
///     let mut request_line = String::new();
///     reader.read_line(&mut request_line).await?;
///     assert_eq!(request_line, "GET / HTTP/1.1\r\n");
///     Ok(())
/// }
/// ```
pub trait AsyncBufReadExt: AsyncBufRead {
    /// Reads into `buf` up to and including the byte `byte`, or to end of
    /// file, and returns how many bytes were appended (`Ok(0)` at end of
    /// file).
    ///
    /// # Errors
    ///
    /// The reader's error; bytes read before it stay in `buf`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in that nothing is lost: bytes are appended to `buf` as
    /// they are read, so if the future is dropped before it completes, what
    /// was read is in `buf` and a new call goes on to the delimiter. Its count
    /// starts again from zero.
    ///
    /// ```
    /// use zokio::io::{AsyncBufReadExt, BufReader};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut reader = BufReader::new(&b"a-bc-"[..]);
    ///     let mut buf = Vec::new();
    ///     assert_eq!(reader.read_until(b'-', &mut buf).await?, 2);
    ///     assert_eq!(reader.read_until(b'-', &mut buf).await?, 3);
    ///     assert_eq!(reader.read_until(b'-', &mut buf).await?, 0);
    ///     assert_eq!(buf, b"a-bc-");
    ///     Ok(())
    /// }
    /// ```
    fn read_until<'a>(&'a mut self, byte: u8, buf: &'a mut Vec<u8>) -> ReadUntil<'a, Self>
    where
        Self: Unpin,
    {
        read_until(self, byte, buf)
    }

    /// Reads a line, including its `\n` if there is one, appends it to
    /// `buf`, and returns its length in bytes (`Ok(0)` at end of file).
    ///
    /// # Errors
    ///
    /// `InvalidData` if the line is not UTF-8 (nothing is appended), or the
    /// reader's error (the part read before it is appended if it is UTF-8).
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe. If the future is dropped before it completes, the
    /// part of the line read so far is appended to `buf` if it is UTF-8 and
    /// lost otherwise. [`lines`](AsyncBufReadExt::lines) gives a cancel safe
    /// way to read lines.
    ///
    /// ```
    /// use zokio::io::{AsyncBufReadExt, BufReader};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut reader = BufReader::new(&b"first\nsecond"[..]);
    ///     let mut line = String::new();
    ///     assert_eq!(reader.read_line(&mut line).await?, 6);
    ///     assert_eq!(line, "first\n");
    ///     line.clear();
    ///     assert_eq!(reader.read_line(&mut line).await?, 6);
    ///     assert_eq!(line, "second");
    ///     Ok(())
    /// }
    /// ```
    fn read_line<'a>(&'a mut self, buf: &'a mut String) -> ReadLine<'a, Self>
    where
        Self: Unpin,
    {
        read_line(self, buf)
    }

    /// The segments of this reader between occurrences of `byte`.
    ///
    /// ```
    /// use zokio::io::{AsyncBufReadExt, BufReader};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut parts = BufReader::new(&b"x|y"[..]).split(b'|');
    ///     assert_eq!(parts.next_segment().await?, Some(b"x".to_vec()));
    ///     assert_eq!(parts.next_segment().await?, Some(b"y".to_vec()));
    ///     Ok(())
    /// }
    /// ```
    fn split(self, byte: u8) -> Split<Self>
    where
        Self: Sized,
    {
        split(self, byte)
    }

    /// The buffered data, after reading more if the buffer is empty; an
    /// empty slice means end of file. Pair it with
    /// [`consume`](AsyncBufReadExt::consume).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe. If the future is dropped before it completes, no data was
    /// read.
    ///
    /// ```
    /// use zokio::io::{AsyncBufReadExt, BufReader};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut reader = BufReader::new(&b"peek"[..]);
    ///     assert_eq!(reader.fill_buf().await?, b"peek");
    ///     reader.consume(2);
    ///     assert_eq!(reader.fill_buf().await?, b"ek");
    ///     Ok(())
    /// }
    /// ```
    fn fill_buf(&mut self) -> FillBuf<'_, Self>
    where
        Self: Unpin,
    {
        fill_buf(self)
    }

    /// Marks the first `amt` buffered bytes as read.
    ///
    /// ```
    /// use zokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut reader = BufReader::new(&b"skip this"[..]);
    ///     reader.fill_buf().await?;
    ///     reader.consume(5);
    ///     let mut rest = String::new();
    ///     reader.read_to_string(&mut rest).await?;
    ///     assert_eq!(rest, "this");
    ///     Ok(())
    /// }
    /// ```
    fn consume(&mut self, amt: usize)
    where
        Self: Unpin,
    {
        AsyncBufRead::consume(Pin::new(self), amt)
    }

    /// The lines of this reader, without their `\n` or `\r\n`.
    ///
    /// ```
    /// use zokio::io::{AsyncBufReadExt, BufReader};
    ///
    /// #[zokio::main(flavor = "current_thread")]
    /// async fn main() -> std::io::Result<()> {
    ///     let mut lines = BufReader::new(&b"1\n2\n"[..]).lines();
    ///     assert_eq!(lines.next_line().await?.as_deref(), Some("1"));
    ///     assert_eq!(lines.next_line().await?.as_deref(), Some("2"));
    ///     assert_eq!(lines.next_line().await?, None);
    ///     Ok(())
    /// }
    /// ```
    fn lines(self) -> Lines<Self>
    where
        Self: Sized,
    {
        lines(self)
    }
}

impl<R: AsyncBufRead + ?Sized> AsyncBufReadExt for R {}
