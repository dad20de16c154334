//! Task ids: unique among the tasks alive in the process.

use std::fmt;
use std::num::NonZeroU64;

use crate::runtime::context;

/// An opaque id, unique among the tasks currently alive.
///
/// ```
/// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let handle = zokio::spawn(async { zokio::task::id() });
///     let id = handle.id();
///     assert_eq!(handle.await.unwrap(), id);
/// });
/// ```
#[derive(Clone, Copy, Debug, Hash, Eq, PartialEq, Ord, PartialOrd)]
pub struct Id(NonZeroU64);

impl Id {
    /// A fresh id. Ids come from a process-wide counter in blocks, so that
    /// the common case touches only this thread's block.
    pub(crate) fn next() -> Id {
        use std::cell::Cell;
        use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

        const BLOCK: u64 = 1024;
        static NEXT_BLOCK: AtomicU64 = AtomicU64::new(1);
        thread_local! {
            static RANGE: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
        }
        let take_block = || {
            let start = NEXT_BLOCK.fetch_add(BLOCK, Relaxed);
            (start, start + BLOCK)
        };
        let id = RANGE
            .try_with(|range| {
                let (mut next, mut end) = range.get();
                if next == end {
                    (next, end) = take_block();
                }
                range.set((next + 1, end));
                next
            })
            .unwrap_or_else(|_| take_block().0);
        Id(NonZeroU64::new(id).expect("task id counter overflowed"))
    }
}

impl Id {
    pub(crate) fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The id of the task being polled.
///
/// # Panics
///
/// If called outside a task; see [`try_id`].
#[track_caller]
pub fn id() -> Id {
    context::current_task_id().expect("`zokio::task::id()` called outside of a task")
}

/// The id of the task being polled, or `None` outside a task.
pub fn try_id() -> Option<Id> {
    context::current_task_id()
}
