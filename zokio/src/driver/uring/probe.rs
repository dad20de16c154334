//! What the kernel's io_uring offers, asked once per ring.

use std::io;

use io_uring::{opcode, register::Probe, IoUring};

/// Sets up a ring of `entries` submissions (and four times as many
/// completions) with the set-up flags the kernel takes:
///
/// * `COOP_TASKRUN` (Linux 5.19): a completion for a thread that is running
///   in user space does not interrupt it (an inter-processor interrupt per
///   completion when a socket's reader sits on another core); the kernel
///   runs the work when that thread next enters it, and still wakes it if it
///   sleeps. With `TASKRUN_FLAG` the ring says when such work waits, and the
///   reaper enters the kernel for it ([`super::Driver`]'s idle check).
///
/// A kernel that refuses them (`EINVAL`) gets a plain ring.
pub(crate) fn setup(entries: u32) -> io::Result<IoUring> {
    let cooperative = IoUring::builder()
        .setup_clamp()
        .setup_cqsize(entries * 4)
        .setup_coop_taskrun()
        .setup_taskrun_flag()
        .build(entries);
    match cooperative {
        Err(err) if err.raw_os_error() == Some(libc::EINVAL) => IoUring::builder()
            .setup_clamp()
            .setup_cqsize(entries * 4)
            .build(entries),
        other => other,
    }
}

/// Operations without which the driver cannot work. Multishot receive into
/// a provided-buffer ring needs Linux 6.0; `IORING_OP_SEND_ZC` came in the
/// same release, so its presence stands for the kernel version.
const REQUIRED: &[(u8, &str)] = &[
    (opcode::Read::CODE, "READ"),
    (opcode::Recv::CODE, "RECV"),
    (opcode::Send::CODE, "SEND"),
    (opcode::SendMsg::CODE, "SENDMSG"),
    (opcode::RecvMsg::CODE, "RECVMSG"),
    (opcode::Accept::CODE, "ACCEPT"),
    (opcode::Connect::CODE, "CONNECT"),
    (opcode::PollAdd::CODE, "POLL_ADD"),
    (opcode::AsyncCancel::CODE, "ASYNC_CANCEL"),
    (opcode::Close::CODE, "CLOSE"),
    (opcode::Shutdown::CODE, "SHUTDOWN"),
    (opcode::SendZc::CODE, "SEND_ZC (Linux 6.0)"),
];

/// Fails, naming what is missing, unless the kernel offers everything the
/// driver uses.
pub(crate) fn probe(ring: &IoUring) -> io::Result<()> {
    let mut probe = Probe::new();
    ring.submitter().register_probe(&mut probe)?;
    for &(code, name) in REQUIRED {
        if !probe.is_supported(code) {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("io_uring lacks IORING_OP_{name}"),
            ));
        }
    }
    if !ring.params().is_feature_ext_arg() {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "io_uring lacks IORING_FEAT_EXT_ARG (timed waits)",
        ));
    }
    Ok(())
}
