//! The process's standard streams, as Tokio's `stdin`, `stdout` and
//! `stderr`: blocking calls made on the runtime's blocking pool, one at a
//! time per handle (the descriptors may be terminals or pipes shared with
//! other processes, which must not be switched to non-blocking mode).
//!
//! As in Tokio, a read of standard input that is waiting on the pool keeps
//! the runtime's shutdown waiting too (use `Runtime::shutdown_timeout` or
//! `shutdown_background` where that matters), and bytes it reads after its
//! handle was dropped are lost. Writes from two handles at once may
//! interleave.
//!
//! Writes go straight to the descriptor, after whatever `print!` left in
//! `std`'s buffer and holding its lock, so they keep their order with
//! `print!` and a failed write leaves nothing behind in a buffer.

mod blocking;

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use blocking::Blocking;

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A handle to standard input; see [`stdin`].
pub struct Stdin {
    inner: Blocking<io::Stdin>,
}

/// A handle to standard output; see [`stdout`].
pub struct Stdout {
    inner: Blocking<Unbuffered>,
}

/// A handle to standard error; see [`stderr`].
pub struct Stderr {
    inner: Blocking<Unbuffered>,
}

/// Writes to a standard descriptor with no buffer of its own.
struct Unbuffered(libc::c_int);

impl io::Write for Unbuffered {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // `std`'s buffer first, and no `print!` in between.
        let _order = (self.0 == libc::STDOUT_FILENO).then(|| {
            let mut std_out = io::stdout().lock();
            let _ = io::Write::flush(&mut std_out);
            std_out
        });
        match crate::driver::sys::write(self.0, buf) {
            // As `std` does: a closed standard descriptor swallows output.
            Err(err) if err.raw_os_error() == Some(libc::EBADF) => Ok(buf.len()),
            result => result,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Standard input, read on the blocking pool. Bytes read ahead of a
/// cancelled read stay in this handle for its next one.
///
/// ```no_run
/// use zokio::io::{AsyncBufReadExt, BufReader};
///
/// # async fn f() -> std::io::Result<()> {
/// let mut lines = BufReader::new(zokio::io::stdin()).lines();
/// while let Some(line) = lines.next_line().await? {
///     println!("{line}");
/// }
/// # Ok(()) }
/// ```
pub fn stdin() -> Stdin {
    Stdin {
        inner: Blocking::new(io::stdin()),
    }
}

/// Standard output, written on the blocking pool: a write returns once
/// its bytes are copied, and a failure shows at the next write or at
/// `flush`. Flush before the program ends.
pub fn stdout() -> Stdout {
    Stdout {
        inner: Blocking::new(Unbuffered(libc::STDOUT_FILENO)),
    }
}

/// Standard error, as [`stdout`].
pub fn stderr() -> Stderr {
    Stderr {
        inner: Blocking::new(Unbuffered(libc::STDERR_FILENO)),
    }
}

impl AsyncRead for Stdin {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().inner.poll_read(cx, buf)
    }
}

/// The writer side of `Stdout` and `Stderr`.
macro_rules! async_write {
    ($ty:ident) => {
        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.get_mut().inner.poll_write(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().inner.poll_flush(cx)
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().inner.poll_flush(cx)
            }
        }
    };
}

async_write!(Stdout);
async_write!(Stderr);

/// `Debug` and the descriptor of each handle.
macro_rules! handle_common {
    ($ty:ident, $fd:expr) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty)).finish_non_exhaustive()
            }
        }

        #[cfg(unix)]
        impl std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                $fd
            }
        }

        #[cfg(unix)]
        impl std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                // SAFETY: a standard descriptor, treated as open for the
                // life of the process, as `std`'s own handles treat it.
                unsafe { std::os::fd::BorrowedFd::borrow_raw($fd) }
            }
        }
    };
}

handle_common!(Stdin, libc::STDIN_FILENO);
handle_common!(Stdout, libc::STDOUT_FILENO);
handle_common!(Stderr, libc::STDERR_FILENO);
