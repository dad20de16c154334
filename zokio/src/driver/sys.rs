//! The plain system calls the drivers make on sockets: the readiness
//! driver's reads and writes, and the io_uring driver's direct ones (see
//! `uring::send` and `uring::recv`).

use std::io::{self, IoSlice};
use std::os::fd::{OwnedFd, RawFd};

fn cvt(result: isize) -> io::Result<usize> {
    if result < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(result as usize)
    }
}

/// `recv(2)` into `buf`.
pub(crate) fn recv(fd: RawFd, buf: &mut [u8], flags: i32) -> io::Result<usize> {
    // SAFETY: `buf` is valid for writes of its length.
    cvt(unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), flags) })
}

/// `send(2)`, or `sendmsg(2)` for several buffers (at most `IOV_MAX`).
pub(crate) fn sendv(fd: RawFd, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    if let [buf] = bufs {
        // SAFETY: `buf` is valid for reads of its length.
        return cvt(unsafe { libc::send(fd, buf.as_ptr().cast(), buf.len(), libc::MSG_NOSIGNAL) });
    }
    // SAFETY: an all-zero msghdr is valid.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = bufs.as_ptr() as *mut libc::iovec;
    msg.msg_iovlen = bufs.len().min(1024) as _;
    // SAFETY: `IoSlice` is ABI-compatible with `iovec`; the slices outlive
    // the call.
    cvt(unsafe { libc::sendmsg(fd, &msg, libc::MSG_NOSIGNAL) })
}

/// `accept4(2)`, the new socket non-blocking and close-on-exec.
pub(crate) fn accept(fd: RawFd) -> io::Result<OwnedFd> {
    // SAFETY: null address pointers ask for no peer address.
    let new = unsafe {
        libc::accept4(
            fd,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
        )
    };
    if new < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `accept4` returned a new descriptor that we own.
    Ok(unsafe { std::os::fd::FromRawFd::from_raw_fd(new) })
}
