//! # Zokio
//!
//! An async runtime for Rust with Tokio's API: a task core with one
//! allocation per task, current-thread, multi-thread (work-stealing) and
//! thread-per-core schedulers, a blocking pool, a hierarchical timer wheel
//! and the synchronisation primitives that services need.
//!
//! Porting a Tokio program is a rename: `tokio::spawn` becomes
//! [`zokio::spawn`](crate::spawn), `#[tokio::main]` becomes `#[zokio::main]`,
//! `tokio::time::sleep` becomes [`zokio::time::sleep`](crate::time::sleep).
//!
//! ```
//! use std::time::Duration;
//!
//! #[zokio::main(flavor = "current_thread")]
//! async fn main() {
//!     let handle = zokio::spawn(async { 6 * 7 });
//!     zokio::time::sleep(Duration::from_millis(1)).await;
//!     assert_eq!(handle.await.unwrap(), 42);
//! }
//! ```
//!
//! ## Where Zokio differs from Tokio
//!
//! * A runtime's configuration can be written as a `const` [`runtime::Config`]
//!   and checked at compile time.
//! * [`time::Sleep`] is `Unpin`; pinning it as with Tokio still works.
//! * A `Sleep` polled after its runtime has shut down completes at once
//!   instead of panicking.
//! * A third scheduler flavour, thread-per-core
//!   ([`runtime::Builder::new_thread_per_core`]), and
//!   [`runtime::Builder::unhandled_panic`] on every flavour.
//! * On a thread-per-core runtime, `Handle::current()` inside a task is the
//!   handle of that task's worker, so `zokio::spawn` keeps new tasks there.
//! * `Handle::block_on` on a current-thread runtime drives its tasks and
//!   timers when no other thread does (Tokio's never does).
//! * Dropping a runtime from inside an asynchronous context, or from one of
//!   its blocking threads, returns without waiting for its threads (Tokio
//!   panics in the asynchronous case).
//! * `sync::RwLock::with_max_readers(_, 0)` panics (no permit could keep a
//!   writer exclusive); `sync::SetOnce::set` racing another `set` returns
//!   `Err` at once instead of waiting for it.
//! * A [`time::Timeout`] takes its runtime when it first registers its timer
//!   (the first poll that finds its future pending), not at creation; creating
//!   one outside a runtime still panics.
//! * `try_read_vectored` on a TCP or Unix stream reads into the first
//!   non-empty buffer only, as `std`'s default `read_vectored` does (on
//!   io_uring the received bytes may wait in the runtime's queue, not the
//!   socket).
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub(crate) mod loom;

pub(crate) mod driver;
pub mod future;
pub mod io;
#[doc(hidden)]
pub mod macros;
pub mod net;
#[cfg(target_os = "linux")]
pub mod process;
pub mod runtime;
#[cfg(unix)]
pub mod signal;
pub mod sync;
pub mod task;
pub mod time;

pub use task::spawn;

#[cfg(feature = "macros")]
pub use zokio_macros::{main, test};
