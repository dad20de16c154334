//! A blocking reader or writer driven on the runtime's blocking pool: one
//! call at a time, with a buffer that goes to the pool thread and back.
//!
//! Reads fill the buffer on the pool and are copied out of it; bytes a
//! cancelled reader left behind stay for the next read. Writes are copied
//! into the buffer and written behind the caller's back (the write returns
//! at once); a failure shows at the next write, or at `flush`.

use std::future::Future;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::io::ReadBuf;
use crate::runtime::Handle;
use crate::task::JoinHandle;

/// The most one pool call reads or writes.
const MAX_BUF: usize = 2 * 1024 * 1024;

/// The buffer, with the bytes `pos..` not yet handed out (reads).
#[derive(Default)]
struct Buf {
    data: Vec<u8>,
    pos: usize,
}

enum State<T> {
    /// Between calls, with the outcome of the last one not reported yet.
    Idle {
        inner: T,
        buf: Buf,
        last: Option<io::Result<usize>>,
    },
    /// A call on the pool.
    Busy(JoinHandle<(io::Result<usize>, T, Buf)>),
    /// The pool dropped a call (its runtime shut down): the value went
    /// with it.
    Lost,
}

pub(super) struct Blocking<T> {
    state: State<T>,
}

fn lost() -> io::Error {
    io::Error::other("a call on the blocking pool was lost (its runtime shut down)")
}

impl<T: Send + 'static> Blocking<T> {
    pub(super) fn new(inner: T) -> Blocking<T> {
        Blocking {
            state: State::Idle {
                inner,
                buf: Buf::default(),
                last: None,
            },
        }
    }

    /// Waits for the call on the pool, if any.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if let State::Busy(call) = &mut self.state {
            self.state = match std::task::ready!(Pin::new(call).poll(cx)) {
                Ok((result, inner, buf)) => State::Idle {
                    inner,
                    buf,
                    last: Some(result),
                },
                Err(_) => State::Lost,
            };
        }
        Poll::Ready(())
    }

    /// Starts `call` on the current runtime's pool; idle before.
    fn start(
        &mut self,
        call: impl FnOnce(&mut T, &mut Buf) -> io::Result<usize> + Send + 'static,
    ) -> io::Result<()> {
        let handle = Handle::try_current().map_err(io::Error::other)?;
        let State::Idle {
            mut inner, mut buf, ..
        } = std::mem::replace(&mut self.state, State::Lost)
        else {
            unreachable!("a call starts only when idle");
        };
        self.state = State::Busy(handle.spawn_blocking(move || {
            let result = call(&mut inner, &mut buf);
            (result, inner, buf)
        }));
        Ok(())
    }
}

impl<T: Read + Send + 'static> Blocking<T> {
    pub(super) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            std::task::ready!(self.poll_idle(cx));
            let State::Idle { buf, last, .. } = &mut self.state else {
                return Poll::Ready(Err(lost()));
            };
            if buf.pos < buf.data.len() {
                let n = dst.remaining().min(buf.data.len() - buf.pos);
                dst.put_slice(&buf.data[buf.pos..buf.pos + n]);
                buf.pos += n;
                return Poll::Ready(Ok(()));
            }
            match last.take() {
                // End of input (a terminal may give more after it).
                Some(Ok(0)) => return Poll::Ready(Ok(())),
                Some(Err(err)) => return Poll::Ready(Err(err)),
                Some(Ok(_)) | None => {}
            }
            if dst.remaining() == 0 {
                return Poll::Ready(Ok(()));
            }
            let want = dst.remaining().min(MAX_BUF);
            self.start(move |inner, buf| {
                buf.data.resize(want, 0);
                buf.pos = 0;
                let result = loop {
                    match inner.read(&mut buf.data) {
                        Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                        result => break result,
                    }
                };
                buf.data.truncate(*result.as_ref().unwrap_or(&0));
                result
            })?;
        }
    }
}

impl<T: Write + Send + 'static> Blocking<T> {
    pub(super) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        std::task::ready!(self.poll_flush(cx))?;
        if src.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let n = src.len().min(MAX_BUF);
        if let State::Idle { buf, .. } = &mut self.state {
            buf.data.clear();
            buf.data.extend_from_slice(&src[..n]);
        }
        self.start(|inner, buf| {
            let result = inner.write_all(&buf.data).and_then(|()| inner.flush());
            let n = buf.data.len();
            buf.data.clear();
            result.map(|()| n)
        })?;
        Poll::Ready(Ok(n))
    }

    /// Waits for the write behind, and reports it if it failed.
    pub(super) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        std::task::ready!(self.poll_idle(cx));
        match &mut self.state {
            State::Idle { last, .. } => match last.take() {
                Some(Err(err)) => Poll::Ready(Err(err)),
                _ => Poll::Ready(Ok(())),
            },
            State::Lost => Poll::Ready(Err(lost())),
            State::Busy(_) => unreachable!("idle after poll_idle"),
        }
    }
}
