//! Helpers for working with futures.
//!
//! [`ready`], [`pending`] and [`poll_fn`] are the standard library's,
//! re-exported so that code ported from Tokio finds them where it expects
//! them; they behave exactly as documented in [`std::future`].
//! [`maybe_done`] is what [`join!`](crate::join) is built on.
//!
//! ```
//! use std::task::Poll;
//! use zokio::future::{poll_fn, ready};
//!
//! #[zokio::main(flavor = "current_thread")]
//! async fn main() {
//!     assert_eq!(ready(1).await, 1);
//!     let mut polls = 0;
//!     let out = poll_fn(|cx| {
//!         polls += 1;
//!         if polls < 3 {
//!             cx.waker().wake_by_ref();
//!             Poll::Pending
//!         } else {
//!             Poll::Ready(polls)
//!         }
//!     })
//!     .await;
//!     assert_eq!(out, 3);
//! }
//! ```

mod maybe_done;

pub use maybe_done::{maybe_done, MaybeDone};
pub use std::future::{pending, poll_fn, ready, Future, IntoFuture, Pending, PollFn, Ready};
