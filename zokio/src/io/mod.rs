//! Asynchronous I/O: the traits that streams implement, the methods and
//! adapters built on them, and in-memory streams.
//!
//! This module has Tokio's `tokio::io` API, apart from the standard streams
//! (`stdin`, `stdout`, `stderr`), `join` and the readiness types; the sockets
//! that implement these traits live in `zokio::net`.
//!
//! * [`AsyncRead`], [`AsyncWrite`], [`AsyncBufRead`] and [`AsyncSeek`] are
//!   the poll-based traits that a stream implements; [`ReadBuf`] is the
//!   buffer that reads fill.
//! * [`AsyncReadExt`], [`AsyncWriteExt`], [`AsyncBufReadExt`] and
//!   [`AsyncSeekExt`] give every such stream `async` methods: `read_exact`,
//!   `write_all`, `read_line`, `read_u32`, `seek`, ... Each documents its
//!   cancel safety, that is what is lost when its future is dropped before
//!   it completes, for example because another [`select!`](crate::select)
//!   branch won.
//! * [`BufReader`], [`BufWriter`] and [`BufStream`] add buffers;
//!   [`Take`], [`Chain`], [`Lines`] and [`Split`] adapt readers.
//! * [`copy`], [`copy_buf`] and [`copy_bidirectional`] move bytes between
//!   streams; [`split`] divides a stream into halves for two tasks.
//! * [`duplex`] and [`simplex`] are in-memory pipes, handy in tests;
//!   [`empty`], [`sink`] and [`repeat`] are trivial streams.
//! * [`IoBuf`] and [`IoBufMut`] are owned buffers whose memory stays put,
//!   for operations in which the kernel holds the buffer (io_uring).
//!
//! ```
//! use zokio::io::{duplex, AsyncBufReadExt, AsyncWriteExt, BufReader};
//!
//! #[zokio::main(flavor = "current_thread")]
//! async fn main() -> std::io::Result<()> {
//!     let (mut client, server) = duplex(1024);
//!     let server = zokio::spawn(async move {
//!         let mut lines = BufReader::new(server).lines();
//!         let mut count = 0;
//!         while let Some(_line) = lines.next_line().await? {
//!             count += 1;
//!         }
//!         Ok::<_, std::io::Error>(count)
//!     });
//!     client.write_all(b"one\ntwo\nthree\n").await?;
//!     drop(client);
//!     assert_eq!(server.await.unwrap()?, 3);
//!     Ok(())
//! }
//! ```
//!
//! ## Where Zokio differs from Tokio
//!
//! * The futures returned by the extension methods are `Unpin` (Tokio's are
//!   not); pinning them as with Tokio still works.
//! * [`AsyncReadExt::read_to_string`] and [`AsyncBufReadExt::read_line`]
//!   leave their string valid UTF-8 when cancelled: `read_to_string` puts the
//!   original contents back, `read_line` keeps the part of the line read so
//!   far when it is UTF-8. (Tokio leaves the string empty.)
//! * [`BufReader`] and [`BufWriter`] do not implement [`AsyncSeek`].
//!
//! ## Pin projection
//!
//! The adapters ([`BufReader`], [`BufWriter`], [`BufStream`], [`Take`],
//! [`Chain`], [`Join`], [`Lines`], [`Split`]) wrap streams that may be `!Unpin`, and
//! turn a pinned adapter into its pinned stream without a pin-projection
//! crate. Each such `unsafe` projection cites these rules:
//!
//! 1. **Structural field.** An adapter's stream field is pinned whenever the
//!    adapter is: from `Pin<&mut Self>` it is reached only as a `Pin<&mut _>`,
//!    and the adapter is `Unpin` only when the stream is (the auto trait; no
//!    adapter implements `Unpin` itself).
//! 2. **No moving out.** Nothing moves the stream out of a pinned adapter:
//!    `into_inner` takes `self` by value and `get_mut` takes `&mut self`,
//!    both of which need an adapter that is not pinned, or is `Unpin`.
//! 3. **No drop glue of our own.** No adapter implements `Drop`, which would
//!    get `&mut self` to a pinned value.
//!
//! Every other field (buffers, counters, flags) is not pinned and is handed
//! out as a plain `&mut`.

mod async_buf_read;
mod async_read;
mod async_seek;
mod async_write;
mod buf;
mod interest;
mod read_buf;
mod split;
mod stdio;
#[cfg(unix)]
pub mod unix;
mod util;

pub use async_buf_read::AsyncBufRead;
pub use async_read::AsyncRead;
pub use async_seek::AsyncSeek;
pub use async_write::AsyncWrite;
pub use buf::{IoBuf, IoBufMut, Slice};
pub use interest::{Interest, Ready};
pub use read_buf::ReadBuf;
pub use split::{split, ReadHalf, WriteHalf};
pub use std::io::{Error, ErrorKind, Result, SeekFrom};
pub use stdio::{stderr, stdin, stdout, Stderr, Stdin, Stdout};
pub use util::{
    copy, copy_bidirectional, copy_bidirectional_with_sizes, copy_buf, duplex, empty, join, repeat,
    simplex, sink, AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader,
    BufStream, BufWriter, Chain, DuplexStream, Empty, Join, Lines, Repeat, SimplexStream, Sink,
    Split, Take,
};
