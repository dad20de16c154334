//! The extension traits, adapters and helpers built on the I/O traits.

mod buf_read_ext;
mod buf_reader;
mod buf_stream;
mod buf_writer;
#[cfg(feature = "bytes")]
mod bytes_io;
mod chain;
mod copy;
mod copy_bidirectional;
mod copy_buf;
mod duplex;
mod empty;
mod join;
mod lines;
mod read;
mod read_ext;
mod read_to_end;
mod read_until;
mod repeat;
mod seek_ext;
mod sink;
mod split;
mod string_append;
mod take;
mod write;
mod write_ext;

pub use buf_read_ext::AsyncBufReadExt;
pub use buf_reader::BufReader;
pub use buf_stream::BufStream;
pub use buf_writer::BufWriter;
pub use chain::Chain;
pub use copy::copy;
pub use copy_bidirectional::{copy_bidirectional, copy_bidirectional_with_sizes};
pub use copy_buf::copy_buf;
pub use duplex::{duplex, simplex, DuplexStream, SimplexStream};
pub use empty::{empty, Empty};
pub use join::{join, Join};
pub use lines::Lines;
pub use read_ext::AsyncReadExt;
pub use repeat::{repeat, Repeat};
pub use seek_ext::AsyncSeekExt;
pub use sink::{sink, Sink};
pub use split::Split;
pub use take::Take;
pub use write_ext::AsyncWriteExt;

use std::task::{ready, Context, Poll};

use crate::runtime::coop;

/// The buffer size of [`BufReader`], [`BufWriter`] and the copies.
const DEFAULT_BUF_SIZE: usize = 8 * 1024;

/// Spends a unit of the task's budget for a stream that is always ready
/// ([`empty`], [`sink`], [`repeat`]), so that a loop on it still yields to
/// the scheduler now and then.
fn poll_budget(cx: &mut Context<'_>) -> Poll<()> {
    ready!(coop::poll_proceed(cx)).made_progress();
    Poll::Ready(())
}
