//! [`sink`]: a writer that drops everything.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::poll_budget;
use crate::io::AsyncWrite;

/// A writer that accepts and drops every byte; made by [`sink`].
///
/// ```
/// use zokio::io::{sink, AsyncWriteExt};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let mut nowhere = sink();
///     nowhere.write_all(b"dropped").await?;
///     nowhere.flush().await?;
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Sink {
    _private: (),
}

/// A writer that accepts and drops every byte.
///
/// ```
/// use zokio::io::{self, repeat, sink, AsyncReadExt};
///
/// #[zokio::main(flavor = "current_thread")]
/// async fn main() -> std::io::Result<()> {
///     let copied = io::copy(&mut repeat(0).take(1000), &mut sink()).await?;
///     assert_eq!(copied, 1000);
///     Ok(())
/// }
/// ```
pub fn sink() -> Sink {
    Sink { _private: () }
}

impl AsyncWrite for Sink {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_budget(cx));
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(poll_budget(cx));
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(poll_budget(cx));
        Poll::Ready(Ok(()))
    }
}
