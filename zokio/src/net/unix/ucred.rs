//! The credentials of the process at the other end of a Unix stream.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

pub use libc::{gid_t, pid_t, uid_t};

/// Who is at the other end of a [`UnixStream`](super::UnixStream): the
/// user, group and process the kernel recorded (`SO_PEERCRED`) when the
/// connection was made (for a [`pair`](super::UnixStream::pair), when the
/// pair was created).
///
/// ```
/// use zokio::net::UnixStream;
///
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (a, _b) = UnixStream::pair()?;
/// let cred = a.peer_cred()?;
/// assert_eq!(cred.pid(), Some(std::process::id() as zokio::net::unix::pid_t));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UCred {
    pid: Option<pid_t>,
    uid: uid_t,
    gid: gid_t,
}

impl UCred {
    /// The peer's effective user id.
    pub fn uid(&self) -> uid_t {
        self.uid
    }

    /// The peer's effective group id.
    pub fn gid(&self) -> gid_t {
        self.gid
    }

    /// The peer's process id; `None` where the kernel does not say.
    pub fn pid(&self) -> Option<pid_t> {
        self.pid
    }
}

/// Reads `SO_PEERCRED` of a connected Unix socket.
pub(crate) fn peer_cred(fd: BorrowedFd<'_>) -> io::Result<UCred> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` and `len` are live and sized for `SO_PEERCRED`; the
    // descriptor is borrowed, so open.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(UCred {
        // 0 means "no process" (a peer in another pid namespace, or none).
        pid: (cred.pid != 0).then_some(cred.pid),
        uid: cred.uid,
        gid: cred.gid,
    })
}
