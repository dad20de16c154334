//! What the kernel's io_uring offers, asked once per ring.

use std::io;

use io_uring::{opcode, register::Probe, IoUring};

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
