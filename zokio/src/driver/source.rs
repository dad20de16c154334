//! One socket registered with whichever I/O driver the runtime runs: the
//! single place where networking code meets the backends.
//!
//! On io_uring a stream socket receives through a multishot receive and
//! sends through ring-submitted sends (see `uring::recv`, `uring::send`); a
//! listener accepts through a multishot accept; everything else (datagrams,
//! `AsyncFd` descriptors, `readable`/`writable`, `try_*` calls) waits for
//! readiness through a one-shot `POLL_ADD` and makes the system call
//! itself. On the readiness driver every operation is a non-blocking system
//! call retried on the next edge.

use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU8, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};

use socket2::SockAddr;

use super::readiness::{Direction, Readiness, ReadyEvent, SHUTDOWN};
use super::uring::{
    accept::{Acceptor, AcceptorRef},
    close::SocketFd,
    connect::Connect,
    msg::Msg,
    poll_add::{PollArm, PollArmRef},
    recv::{Direct, Receiver, ReceiverRef},
    send::{Sender, SenderRef},
    send_owned::SendAllOwned,
    DIRECT_MIN,
};
use super::{poll, sys, IoHandle};
use crate::io::{Interest, IoBuf, IoBufMut, ReadBuf, Ready};

/// What a socket is used for, which decides how io_uring drives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A connected byte stream (TCP, Unix stream).
    Stream,
    /// A listening socket.
    Listener,
    /// Anything driven by readiness alone (datagrams).
    Datagram,
}

pub(crate) struct IoSource {
    /// Dropped before `fd`: the readiness driver deregisters the descriptor
    /// by number, which must not have been closed (and reused) yet.
    backend: Backend,
    fd: Arc<SocketFd>,
    /// Whether reads on the readiness driver learn what the socket still
    /// holds (`TCP_INQ`); see [`IoSource::recv_stream`].
    inq: AtomicU8,
}

/// [`IoSource::inq`]: below [`INQ_AFTER`], the full reads a stream has
/// made so far; then on, or not used.
const INQ_ON: u8 = u8::MAX - 1;
const INQ_OFF: u8 = u8::MAX;
/// Full reads before a stream turns `TCP_INQ` on (one system call): a
/// connection that reads once or twice and closes would not earn it back.
const INQ_AFTER: u8 = 4;

enum Backend {
    Uring(UringSource),
    Poll(poll::Registration),
}

struct UringSource {
    readiness: Arc<Readiness>,
    read_poll: PollArmRef,
    write_poll: PollArmRef,
    stream: Option<(ReceiverRef, SenderRef)>,
    acceptor: Option<AcceptorRef>,
    ring: Arc<super::uring::Shared>,
}

impl std::fmt::Debug for IoSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IoSource")
            .field("fd", &self.fd.as_raw_fd())
            .finish()
    }
}

fn would_block<T>(result: &io::Result<T>) -> bool {
    matches!(result, Err(err) if err.kind() == io::ErrorKind::WouldBlock)
}

impl IoSource {
    /// Registers `fd` (already non-blocking) with the current runtime's I/O
    /// driver.
    pub(crate) fn new(fd: OwnedFd, kind: Kind) -> io::Result<IoSource> {
        let io = super::current_io()?;
        let fd = match (&io, kind) {
            (IoHandle::Uring(ring), Kind::Stream) => SocketFd::closed_by_ring(fd, ring.clone()),
            _ => SocketFd::plain(fd),
        };
        IoSource::register(io, Arc::new(fd), kind)
    }

    /// Registers a descriptor that something else owns (`AsyncFd`), driven
    /// by readiness alone; it is never closed here.
    ///
    /// # Safety
    ///
    /// As for [`SocketFd::borrowed`]: `fd` stays open until this value is
    /// dropped.
    pub(crate) unsafe fn borrowed(fd: RawFd) -> io::Result<IoSource> {
        let io = super::current_io()?;
        // SAFETY: the caller's promise.
        let fd = Arc::new(unsafe { SocketFd::borrowed(fd) });
        IoSource::register(io, fd, Kind::Datagram)
    }

    fn register(io: IoHandle, fd: Arc<SocketFd>, kind: Kind) -> io::Result<IoSource> {
        let backend = match io {
            IoHandle::Poll(shared) => {
                Backend::Poll(shared.register(fd.as_raw_fd(), kind == Kind::Stream)?)
            }
            IoHandle::Uring(ring) => {
                let readiness = Arc::new(Readiness::default());
                let arm = |direction| {
                    PollArm::new(fd.clone(), ring.clone(), readiness.clone(), direction)
                };
                Backend::Uring(UringSource {
                    read_poll: arm(Direction::Read),
                    write_poll: arm(Direction::Write),
                    readiness,
                    stream: (kind == Kind::Stream).then(|| {
                        (
                            Receiver::new(fd.clone(), ring.clone()),
                            Sender::new(fd.clone(), ring.clone()),
                        )
                    }),
                    acceptor: (kind == Kind::Listener)
                        .then(|| Acceptor::new(fd.clone(), ring.clone())),
                    ring,
                })
            }
        };
        let inq = match (&backend, kind) {
            (Backend::Poll(_), Kind::Stream) => 0,
            _ => INQ_OFF,
        };
        Ok(IoSource {
            fd,
            backend,
            inq: AtomicU8::new(inq),
        })
    }

    /// The receive and send sides of a stream socket on io_uring.
    fn uring_stream(&self) -> Option<(&ReceiverRef, &SenderRef)> {
        match &self.backend {
            Backend::Uring(UringSource {
                stream: Some((receiver, sender)),
                ..
            }) => Some((receiver, sender)),
            _ => None,
        }
    }

    /// The receive side of a stream socket on io_uring (for tests).
    #[cfg(test)]
    pub(crate) fn uring_receiver(&self) -> Option<&ReceiverRef> {
        self.uring_stream().map(|(receiver, _)| receiver)
    }

    /// The send side of a stream socket on io_uring (for tests).
    #[cfg(test)]
    pub(crate) fn uring_sender(&self) -> Option<&SenderRef> {
        self.uring_stream().map(|(_, sender)| sender)
    }

    /// The registration on the readiness driver (for tests).
    #[cfg(test)]
    pub(crate) fn poll_registration(&self) -> Option<&poll::Registration> {
        match &self.backend {
            Backend::Poll(registration) => Some(registration),
            Backend::Uring(_) => None,
        }
    }

    pub(crate) fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Waits until `direction` is ready, as far as the driver knows; an
    /// error once the driver has shut down (its runtime is gone), which
    /// nothing will change.
    fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        self.poll_ready_raw(cx, direction).map(|event| {
            if event.ready & SHUTDOWN != 0 {
                Err(super::driver_gone())
            } else {
                Ok(event)
            }
        })
    }

    fn poll_ready_raw(&self, cx: &mut Context<'_>, direction: Direction) -> Poll<ReadyEvent> {
        match &self.backend {
            Backend::Poll(reg) => match reg.readiness.poll_ready(cx, direction) {
                Ok(event) => Poll::Ready(event),
                Err(_) => {
                    reg.follow_task();
                    Poll::Pending
                }
            },
            Backend::Uring(u) => match u.readiness.poll_ready(cx, direction) {
                Ok(event) => Poll::Ready(event),
                Err(_) => {
                    PollArm::arm(match direction {
                        Direction::Read => &u.read_poll,
                        Direction::Write => &u.write_poll,
                    });
                    Poll::Pending
                }
            },
        }
    }

    /// Marks a socket that `accept` just returned as readable and
    /// writable (the readiness driver), so that its first read and write
    /// try the socket instead of waiting for the driver's first event: a
    /// new connection can almost always be written to, and its first
    /// request has often arrived with the handshake. A guess that is wrong
    /// costs one `WouldBlock`, and clears itself as any other does.
    pub(crate) fn assume_ready(&self) {
        if let Backend::Poll(registration) = &self.backend {
            registration
                .readiness
                .set(super::readiness::READABLE | super::readiness::WRITABLE);
        }
    }

    fn readiness(&self) -> &Readiness {
        match &self.backend {
            Backend::Poll(reg) => &reg.readiness,
            Backend::Uring(u) => &u.readiness,
        }
    }

    /// Runs `f` once `direction` is ready, again after each `WouldBlock`.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut f: impl FnMut(RawFd) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io_spent(cx, direction, |fd| f(fd).map(|r| (r, false)))
    }

    /// [`poll_io`](Self::poll_io) for an `f` that also says whether it
    /// used up the readiness (a read that emptied the socket, a write that
    /// filled it): then the next call waits for the next edge instead of
    /// failing with `WouldBlock` first. (Edge-triggered epoll reports
    /// whatever changes after `f`, so nothing is missed.)
    fn poll_io_spent<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut f: impl FnMut(RawFd) -> io::Result<(R, bool)>,
    ) -> Poll<io::Result<R>> {
        loop {
            let event = std::task::ready!(self.poll_ready(cx, direction))?;
            match f(self.raw_fd()) {
                Ok((r, spent)) => {
                    if spent {
                        self.readiness().clear(event);
                    }
                    return Poll::Ready(Ok(r));
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.readiness().clear(event)
                }
                Err(err) => return Poll::Ready(Err(err)),
            }
        }
    }

    /// Runs `f` now; a `WouldBlock` clears the readiness it was tried on.
    pub(crate) fn try_io<R>(
        &self,
        direction: Direction,
        f: impl FnOnce(RawFd) -> io::Result<R>,
    ) -> io::Result<R> {
        let event = self.readiness().peek(direction);
        let result = f(self.raw_fd());
        if would_block(&result) {
            if let Some(event) = event {
                self.readiness().clear(event);
            }
        }
        result
    }

    /// What the socket is ready for among `interest`, and the events to
    /// clear if an operation then finds it is not. Empty if none.
    fn ready_events(&self, interest: Interest) -> (Ready, [Option<ReadyEvent>; 2]) {
        let readiness = self.readiness();
        let events = [
            interest
                .is_readable()
                .then(|| readiness.peek(Direction::Read))
                .flatten(),
            interest
                .is_writable()
                .then(|| readiness.peek(Direction::Write))
                .flatten(),
        ];
        let bits = events.iter().flatten().fold(0, |bits, e| bits | e.ready);
        (Ready::from_bits(bits).masked(interest), events)
    }

    /// Waits until the socket is ready for any direction of `interest`
    /// (`ready(Interest)` of datagram sockets); registers for each
    /// direction meanwhile.
    pub(crate) fn poll_ready_interest(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
    ) -> Poll<io::Result<Ready>> {
        self.poll_ready_event(cx, interest)
            .map_ok(|event| Ready::from_bits(event.ready).masked(interest))
    }

    /// Waits until the source is ready for any direction of `interest`;
    /// the event holds what it is ready for in all of them, to clear later
    /// with [`clear_ready`](Self::clear_ready) (`AsyncFd`'s guards).
    pub(crate) fn poll_ready_event(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
    ) -> Poll<io::Result<ReadyEvent>> {
        let directions = [
            (interest.is_readable(), Direction::Read),
            (interest.is_writable(), Direction::Write),
        ];
        let mask = directions
            .iter()
            .filter(|(wanted, _)| *wanted)
            .fold(0, |mask, (_, direction)| mask | direction.mask());
        for (wanted, direction) in directions {
            if wanted {
                if let Poll::Ready(event) = self.poll_ready(cx, direction) {
                    // Widened to the other direction, as it is now.
                    return Poll::Ready(
                        event.map(|event| self.readiness().peek_mask(mask).unwrap_or(event)),
                    );
                }
            }
        }
        Poll::Pending
    }

    /// Forgets what `event` saw, unless a newer event came in since.
    pub(crate) fn clear_ready(&self, event: ReadyEvent) {
        self.readiness().clear(event);
    }

    /// Tokio's `try_io`: `WouldBlock` without calling `f` unless the socket
    /// is ready for `interest`; a `WouldBlock` from `f` clears what it was
    /// tried on, so the next wait is for a new event.
    pub(crate) fn try_io_interest<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        let (ready, events) = self.ready_events(interest);
        if ready.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let result = f();
        if would_block(&result) {
            for event in events.into_iter().flatten() {
                self.readiness().clear(event);
            }
        }
        result
    }

    /// Tokio's `async_io`: waits for `interest` and runs `f`, again after
    /// each `WouldBlock`.
    pub(crate) async fn async_io_interest<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            std::future::poll_fn(|cx| self.poll_ready_interest(cx, interest)).await?;
            match self.try_io_interest(interest, &mut f) {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => continue,
                result => return result,
            }
        }
    }

    /// `ready(Interest)` of a stream: as `readable`/`writable` for each
    /// direction of `interest` (on io_uring, bytes already received count as
    /// readable), ready when either is.
    pub(crate) fn poll_stream_ready(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
    ) -> Poll<io::Result<Ready>> {
        let mut ready = Ready::EMPTY;
        let directions = [
            (interest.is_readable(), Direction::Read, Ready::READABLE),
            (interest.is_writable(), Direction::Write, Ready::WRITABLE),
        ];
        for (wanted, direction, bit) in directions {
            if wanted {
                if let Poll::Ready(result) = self.poll_ready_for(cx, direction) {
                    result?;
                    ready |= bit;
                }
            }
        }
        if ready.is_empty() {
            Poll::Pending
        } else {
            Poll::Ready(Ok(ready))
        }
    }

    /// Waits for readiness without doing anything (`readable`/`writable`).
    pub(crate) fn poll_ready_for(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<()>> {
        if let Some((receiver, sender)) = self.uring_stream() {
            return match direction {
                Direction::Read => Receiver::poll_ready(receiver, cx),
                Direction::Write => {
                    std::task::ready!(Sender::poll_flush(sender, cx))?;
                    self.poll_ready(cx, direction).map_ok(drop)
                }
            };
        }
        self.poll_ready(cx, direction).map_ok(drop)
    }

    /// Reads from a stream socket into `buf`.
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_recv(cx, buf, false)
    }

    /// As `poll_read`, but leaves the data to be read again.
    pub(crate) fn poll_peek(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_recv(cx, buf, true)
    }

    fn poll_recv(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
        peek: bool,
    ) -> Poll<io::Result<()>> {
        if let Some((receiver, _)) = self.uring_stream() {
            if !peek && buf.remaining() >= DIRECT_MIN {
                return self.poll_recv_direct(receiver, cx, buf);
            }
            return Receiver::poll_take(receiver, cx, |data| {
                let n = data.len().min(buf.remaining());
                super::copy::put(buf, &data[..n]);
                if peek {
                    0
                } else {
                    n
                }
            });
        }
        let n = std::task::ready!(self.poll_io_spent(cx, Direction::Read, |fd| {
            let unfilled = buf.initialize_unfilled();
            if peek {
                sys::recv(fd, unfilled, libc::MSG_PEEK).map(|n| (n, false))
            } else {
                self.recv_stream(unfilled)
            }
        }))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }

    /// A read on the readiness driver, and whether it emptied the socket.
    ///
    /// A read shorter than `buf` did. A full one cannot tell by itself (a
    /// request-response peer sends exactly what the reader asks for, and
    /// the next read would fail with `WouldBlock`), so after a few full
    /// reads a TCP socket gets `TCP_INQ` and reads through `recvmsg`, which
    /// says how much is left. Nothing is read ahead of the caller.
    ///
    /// A read into a buffer under [`DIRECT_MIN`] that brought data also
    /// counts for steering (on a multi-thread runtime the socket moves to
    /// the worker its packets come from). Larger reads do not, as on
    /// io_uring, where they bypass the receive that steers: a bulk reader
    /// gains from running on another core than its writer, not the same.
    fn recv_stream(&self, buf: &mut [u8]) -> io::Result<(usize, bool)> {
        let small = buf.len() < DIRECT_MIN;
        let read = self.recv_stream_once(buf);
        if let (Ok((n, _)), Backend::Poll(registration)) = (&read, &self.backend) {
            if *n > 0 && small {
                registration.saw_data();
            }
        }
        read
    }

    fn recv_stream_once(&self, buf: &mut [u8]) -> io::Result<(usize, bool)> {
        let len = buf.len();
        #[cfg(target_os = "linux")]
        if self.inq.load(Relaxed) == INQ_ON {
            let (n, inq) = sys::recv_inq(self.raw_fd(), buf)?;
            let drained = inq.map_or(n < len, |left| left == 0);
            return Ok((n, n > 0 && drained));
        }
        let n = sys::recv(self.raw_fd(), buf, 0)?;
        let full_reads = self.inq.load(Relaxed);
        if n == len && n > 0 && full_reads < INQ_AFTER {
            if full_reads + 1 < INQ_AFTER {
                self.inq.store(full_reads + 1, Relaxed);
            } else {
                #[cfg(target_os = "linux")]
                let on = sys::set_inq(self.raw_fd(), true).is_ok();
                #[cfg(not(target_os = "linux"))]
                let on = false;
                self.inq.store(if on { INQ_ON } else { INQ_OFF }, Relaxed);
            }
        }
        Ok((n, n > 0 && n < len))
    }

    /// A large read on io_uring: straight into `buf`, waiting for
    /// readiness when the socket has nothing (see `uring::recv`).
    ///
    /// Tried before any wait: bytes the multishot already queued are not
    /// in the socket, so its readiness would not report them.
    fn poll_recv_direct(
        &self,
        receiver: &ReceiverRef,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            let seen = self.readiness().peek(Direction::Read);
            match Receiver::try_direct(receiver, cx, buf.initialize_unfilled()) {
                Direct::Done(result) => {
                    return Poll::Ready(result.map(|n| buf.advance(n)));
                }
                Direct::Stopping => return Poll::Pending,
                Direct::WouldBlock => {
                    if let Some(event) = seen {
                        self.readiness().clear(event);
                    }
                    std::task::ready!(self.poll_ready(cx, Direction::Read))?;
                }
            }
        }
    }

    /// Reads without waiting.
    pub(crate) fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some((receiver, _)) = self.uring_stream() {
            return Receiver::try_read(receiver, buf)
                .unwrap_or_else(|| Err(io::ErrorKind::WouldBlock.into()));
        }
        self.try_io(Direction::Read, |fd| sys::recv(fd, buf, 0))
    }

    /// Writes to a stream socket.
    pub(crate) fn poll_write(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if let Some((_, sender)) = self.uring_stream() {
            return Sender::poll_write(sender, cx, bufs);
        }
        let total = bufs.iter().map(|buf| buf.len()).sum::<usize>();
        // A short write filled the socket's buffer.
        self.poll_io_spent(cx, Direction::Write, |fd| {
            sys::sendv(fd, bufs).map(|n| (n, n > 0 && n < total))
        })
    }

    /// Writes without waiting.
    pub(crate) fn try_write(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        if let Some((_, sender)) = self.uring_stream() {
            if Sender::is_busy(sender) {
                return Err(io::ErrorKind::WouldBlock.into());
            }
        }
        self.try_io(Direction::Write, |fd| sys::sendv(fd, bufs))
    }

    /// Waits until every write so far has reached the kernel.
    pub(crate) fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some((_, sender)) = self.uring_stream() {
            return Sender::poll_flush(sender, cx);
        }
        Poll::Ready(Ok(()))
    }

    /// Shuts the write side down after the writes so far and waits for
    /// the result.
    pub(crate) fn poll_shutdown(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some((_, sender)) = self.uring_stream() {
            return Sender::poll_shutdown(sender, cx);
        }
        Poll::Ready(socket2::SockRef::from(&**self.fd).shutdown(std::net::Shutdown::Write))
    }

    /// Shuts the write side down once queued writes reached the kernel
    /// (at once on the readiness driver, which queues nothing).
    pub(crate) fn shutdown_write_when_flushed(&self) {
        if let Some((_, sender)) = self.uring_stream() {
            return Sender::shutdown_when_flushed(sender);
        }
        // SAFETY: a plain system call on a descriptor we own.
        unsafe { libc::shutdown(self.raw_fd(), libc::SHUT_WR) };
    }

    /// Reads into the whole of `buf` (from its start, up to its capacity);
    /// on success its initialized length grows to at least the bytes read.
    pub(crate) async fn read_owned<B: IoBufMut>(&self, mut buf: B) -> (io::Result<usize>, B) {
        let result = std::future::poll_fn(|cx| {
            let memory = whole_of(&mut buf);
            let mut read_buf = ReadBuf::uninit(memory);
            std::task::ready!(self.poll_read(cx, &mut read_buf))?;
            Poll::Ready(Ok(read_buf.filled().len()))
        })
        .await;
        if let Ok(n) = result {
            // SAFETY: the read initialized the first `n` bytes.
            unsafe { buf.set_init(n) };
        }
        (result, buf)
    }

    /// Writes all of `buf`'s initialized bytes, then hands `buf` back. On
    /// io_uring the kernel reads them from `buf` itself, after the writes
    /// queued before.
    pub(crate) async fn write_all_owned<B: IoBuf + Send>(&self, buf: B) -> (io::Result<()>, B) {
        if let Backend::Uring(u) = &self.backend {
            if let Err(err) = std::future::poll_fn(|cx| self.poll_flush(cx)).await {
                return (Err(err), buf);
            }
            let (result, buf) = SendAllOwned::new(self.fd.clone(), buf, u.ring.clone()).await;
            return (result, buf.expect("the send hands its buffer back"));
        }
        let total = buf.bytes_init();
        let mut sent = 0;
        while sent < total {
            // SAFETY: the first `bytes_init` bytes are initialized.
            let rest =
                unsafe { std::slice::from_raw_parts(buf.stable_ptr().add(sent), total - sent) };
            match std::future::poll_fn(|cx| self.poll_write(cx, &[IoSlice::new(rest)])).await {
                Ok(0) => return (Err(io::ErrorKind::WriteZero.into()), buf),
                Ok(n) => sent += n,
                Err(err) => return (Err(err), buf),
            }
        }
        (Ok(()), buf)
    }

    /// Sends `buf`'s initialized bytes as one datagram, to `to` or to the
    /// connected peer, then hands `buf` back. On io_uring one `SENDMSG`
    /// reads them from `buf` itself.
    pub(crate) async fn send_datagram_owned<B: IoBuf + Send>(
        &self,
        buf: B,
        to: Option<SockAddr>,
    ) -> (io::Result<usize>, B) {
        if let Backend::Uring(u) = &self.backend {
            let (result, buf) = Msg::send(self.fd.clone(), buf, to.as_ref(), u.ring.clone()).await;
            let buf = buf.expect("the send hands its buffer back");
            return (result.map(|(n, _)| n), buf);
        }
        // SAFETY: the first `bytes_init` bytes are initialized.
        let bytes = unsafe { std::slice::from_raw_parts(buf.stable_ptr(), buf.bytes_init()) };
        let socket = socket2::SockRef::from(&**self.fd);
        let result = std::future::poll_fn(|cx| {
            self.poll_io(cx, Direction::Write, |_| match &to {
                Some(to) => socket.send_to(bytes, to),
                None => socket.send(bytes),
            })
        })
        .await;
        (result, buf)
    }

    /// Receives one datagram into the whole of `buf` (from its start, up to
    /// its capacity; a longer one is cut to fit); on success `buf`'s
    /// initialized length grows to at least the bytes received. On io_uring
    /// one `RECVMSG` writes them into `buf` itself.
    pub(crate) async fn recv_datagram_owned<B: IoBufMut + Send>(
        &self,
        buf: B,
    ) -> (io::Result<(usize, Option<SockAddr>)>, B) {
        let (result, mut buf) = if let Backend::Uring(u) = &self.backend {
            let (result, buf) = Msg::receive(self.fd.clone(), buf, u.ring.clone()).await;
            (result, buf.expect("the receive hands its buffer back"))
        } else {
            let mut buf = buf;
            let memory = whole_of(&mut buf);
            let socket = socket2::SockRef::from(&**self.fd);
            let result = std::future::poll_fn(|cx| {
                self.poll_io(cx, Direction::Read, |_| {
                    socket.recv_from(memory).map(|(n, from)| (n, Some(from)))
                })
            })
            .await;
            (result, buf)
        };
        if let Ok((n, _)) = &result {
            // SAFETY: the receive initialized the first `n` bytes.
            unsafe { buf.set_init(*n) };
        }
        (result, buf)
    }

    /// Accepts one connection (a listener), with the peer's address where
    /// the accept gave it (the readiness driver; a multishot accept on
    /// io_uring has nowhere to put one per connection).
    pub(crate) fn poll_accept(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(OwnedFd, Option<SockAddr>)>> {
        if let Backend::Uring(UringSource {
            acceptor: Some(acceptor),
            ..
        }) = &self.backend
        {
            return Acceptor::poll_accept(acceptor, cx).map_ok(|fd| (fd, None));
        }
        self.poll_io(cx, Direction::Read, |fd| {
            sys::accept(fd).map(|(new, addr)| (new, Some(addr)))
        })
    }

    /// Connects the non-blocking socket `fd` to `addr` and registers it.
    ///
    /// On the readiness driver the connect starts before the registration:
    /// epoll reports a socket that is not connected yet as hung up, which
    /// would end the wait before the handshake does.
    pub(crate) async fn connect(fd: OwnedFd, kind: Kind, addr: SockAddr) -> io::Result<IoSource> {
        if let IoHandle::Uring(_) = super::current_io()? {
            let source = IoSource::new(fd, kind)?;
            if let Backend::Uring(u) = &source.backend {
                Connect::new(source.fd.clone(), addr, u.ring.clone()).await?;
            }
            return Ok(source);
        }
        match socket2::SockRef::from(&fd).connect(&addr) {
            Ok(()) => return IoSource::new(fd, kind),
            Err(err) if err.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(err) => return Err(err),
        }
        let source = IoSource::new(fd, kind)?;
        std::future::poll_fn(|cx| source.poll_ready(cx, Direction::Write)).await?;
        match socket2::SockRef::from(&*source.fd).take_error()? {
            Some(err) => Err(err),
            None => Ok(source),
        }
    }

    /// Takes the descriptor back out of the driver. On io_uring, bytes
    /// received but not yet read are dropped.
    pub(crate) fn into_fd(mut self) -> io::Result<OwnedFd> {
        self.close_uring(true);
        #[cfg(target_os = "linux")]
        if self.inq.load(Relaxed) == INQ_ON {
            // As it came in: a caller's own `recvmsg` gets no extra
            // control message.
            let _ = sys::set_inq(self.raw_fd(), false);
        }
        let fd = self.fd.clone();
        drop(self);
        match Arc::try_unwrap(fd) {
            Ok(fd) => Ok(fd.into_owned()),
            // An operation the kernel has not returned yet still holds it.
            Err(shared) => shared.try_clone(),
        }
    }

    /// Cancels what the rings do for this socket; with `detach` (the
    /// socket leaves the runtime), receives and accepts are gone when this
    /// returns, so nothing that arrives later is taken.
    fn close_uring(&mut self, detach: bool) {
        if let Backend::Uring(u) = &self.backend {
            PollArm::close(&u.read_poll);
            PollArm::close(&u.write_poll);
            if let Some((receiver, _)) = &u.stream {
                Receiver::close(receiver, detach);
            }
            if let Some(acceptor) = &u.acceptor {
                Acceptor::close(acceptor, detach);
            }
        }
    }
}

/// All of `buf`'s memory, from its start to `bytes_total`, as bytes that
/// may be uninitialized: what a read or receive writes into.
fn whole_of<B: IoBufMut>(buf: &mut B) -> &mut [MaybeUninit<u8>] {
    let total = buf.bytes_total();
    // SAFETY: `IoBufMut` promises the pointer is valid for writes of
    // `bytes_total` bytes; as `MaybeUninit` nothing is read from them
    // before it is written.
    unsafe { std::slice::from_raw_parts_mut(buf.stable_mut_ptr().cast(), total) }
}

impl AsFd for IoSource {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Drop for IoSource {
    fn drop(&mut self) {
        self.close_uring(false);
    }
}
