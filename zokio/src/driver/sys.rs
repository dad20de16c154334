//! The plain system calls the drivers make on sockets: the readiness
//! driver's reads and writes, and the io_uring driver's direct ones (see
//! `uring::send` and `uring::recv`); and those on other descriptors (pipes,
//! the standard streams, the signal pipe).

use std::io::{self, IoSlice};
use std::os::fd::{OwnedFd, RawFd};

fn cvt(result: isize) -> io::Result<usize> {
    if result < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(result as usize)
    }
}

/// `read(2)` into `buf`.
pub(crate) fn read(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for writes of its length.
    cvt(unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) })
}

/// `write(2)` from `buf`.
pub(crate) fn write(fd: RawFd, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for reads of its length.
    cvt(unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) })
}

/// Sets or clears `O_NONBLOCK` on `fd` (for the whole open file
/// description).
pub(crate) fn set_nonblocking(fd: RawFd, on: bool) -> io::Result<()> {
    // SAFETY: `fcntl` reads the flags of a descriptor; -1 on failure.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    let flags = if on {
        flags | libc::O_NONBLOCK
    } else {
        flags & !libc::O_NONBLOCK
    };
    // SAFETY: as above, setting them.
    if unsafe { libc::fcntl(fd, libc::F_SETFL, flags) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
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

/// `accept4(2)`, the new socket non-blocking and close-on-exec, with the
/// peer's address (the kernel writes it with the accept: no
/// `getpeername(2)` after it).
pub(crate) fn accept(fd: RawFd) -> io::Result<(OwnedFd, socket2::SockAddr)> {
    let mut storage = socket2::SockAddrStorage::zeroed();
    let mut len = storage.size_of();
    // SAFETY: `storage` is a `sockaddr_storage` (`view_as`'s contract)
    // valid for writes of `len` bytes, which `accept4` updates.
    let new = unsafe {
        libc::accept4(
            fd,
            storage.view_as::<libc::sockaddr_storage>() as *mut _ as *mut libc::sockaddr,
            &mut len,
            libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
        )
    };
    if new < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `accept4` returned a new descriptor that we own.
    let new = unsafe { std::os::fd::FromRawFd::from_raw_fd(new) };
    // SAFETY: the kernel wrote an address of `len` bytes into `storage`.
    Ok((new, unsafe { socket2::SockAddr::new(storage, len) }))
}

/// Turns `TCP_INQ` on or off for `fd`: with it on, `recvmsg(2)` also says
/// how many bytes the socket still holds (see [`recv_inq`]). Fails on
/// anything but a TCP socket, and on kernels before Linux 4.18.
#[cfg(target_os = "linux")]
pub(crate) fn set_inq(fd: RawFd, on: bool) -> io::Result<()> {
    let value = libc::c_int::from(on);
    // SAFETY: `value` is a live c_int and the length says so.
    let result = unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_INQ,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if result < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `recvmsg(2)` into `buf` on a socket with `TCP_INQ` on: the bytes read,
/// and how many the socket still holds after them (`None` if the kernel
/// did not say). The kernel counts a pending end of stream as one byte.
#[cfg(target_os = "linux")]
pub(crate) fn recv_inq(fd: RawFd, buf: &mut [u8]) -> io::Result<(usize, Option<usize>)> {
    /// Room for one control message carrying a `c_int`, aligned for its
    /// header.
    #[repr(C, align(8))]
    struct Control([u8; 32]);

    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let mut control = Control([0; 32]);
    // SAFETY: an all-zero msghdr is valid.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.0.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of::<Control>() as _;
    // SAFETY: `msg` points to `iov` (valid for writes of `buf`'s length)
    // and to `control`, all live for the call.
    let n = cvt(unsafe { libc::recvmsg(fd, &mut msg, 0) })?;
    let mut inq = None;
    // SAFETY: the kernel filled `msg_controllen` bytes of `control` with
    // well-formed headers; the `CMSG_*` helpers stay within them.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_TCP && (*cmsg).cmsg_type == libc::TCP_CM_INQ {
                let data = libc::CMSG_DATA(cmsg).cast::<libc::c_int>();
                inq = usize::try_from(data.read_unaligned()).ok();
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    Ok((n, inq))
}

/// The CPU on which the kernel last processed a packet for socket `fd`
/// (`SO_INCOMING_CPU`), if it says.
pub(crate) fn incoming_cpu(fd: RawFd) -> Option<usize> {
    let mut cpu: libc::c_int = -1;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `cpu` is valid for writes of `len` bytes.
    let result = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_INCOMING_CPU,
            (&mut cpu as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if result == 0 {
        usize::try_from(cpu).ok()
    } else {
        None
    }
}
