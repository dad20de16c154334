//! Cooperative scheduling: a per-poll budget.
//!
//! Each task poll starts with [`INITIAL_BUDGET`] units. Every resource that
//! can be ready again and again (a join handle, a channel, a timer) spends one
//! unit per ready poll through [`poll_proceed`]; when the budget is spent the
//! resource returns `Pending` and wakes the task, so the task yields to the
//! scheduler. A task that is always ready therefore cannot starve the others
//! or the timers.

use std::cell::Cell;
use std::task::{Context, Poll};

use crate::runtime::context;

/// Units a task may spend in one poll.
pub(crate) const INITIAL_BUDGET: u8 = 128;

/// The budget of the current poll; `None` means unconstrained (outside any
/// runtime poll).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget(Option<u8>);

impl Budget {
    pub(crate) const fn initial() -> Budget {
        Budget(Some(INITIAL_BUDGET))
    }

    pub(crate) const fn unconstrained() -> Budget {
        Budget(None)
    }
}

/// Runs `f` with a fresh budget, restoring the previous one afterwards.
#[inline]
pub(crate) fn budget<R>(f: impl FnOnce() -> R) -> R {
    with_budget(Budget::initial(), f)
}

/// Runs `f` with no budget constraint.
pub(crate) fn with_unconstrained<R>(f: impl FnOnce() -> R) -> R {
    with_budget(Budget::unconstrained(), f)
}

#[inline]
fn with_budget<R>(budget: Budget, f: impl FnOnce() -> R) -> R {
    struct Reset(Option<Budget>);
    impl Drop for Reset {
        fn drop(&mut self) {
            if let Some(prev) = self.0 {
                context::with_budget_cell(|cell| cell.set(prev));
            }
        }
    }
    let prev = context::with_budget_cell(|cell| cell.replace(budget));
    let _reset = Reset(prev);
    f()
}

/// Spends one unit of budget, or wakes the task and returns `Pending` when the
/// budget is spent. Call `made_progress` on the returned guard once the
/// resource is ready; otherwise the unit is given back when it drops.
#[inline]
pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    let outcome = context::with_budget_cell(|cell| {
        let mut budget = cell.get();
        match budget.0 {
            Some(0) => Err(()),
            Some(ref mut left) => {
                *left -= 1;
                let restore = RestoreOnPending(Cell::new(cell.get()));
                cell.set(budget);
                Ok(restore)
            }
            None => Ok(RestoreOnPending(Cell::new(budget))),
        }
    });
    match outcome {
        // Outside a runtime thread there is no budget to spend.
        None => Poll::Ready(RestoreOnPending(Cell::new(Budget::unconstrained()))),
        Some(Ok(restore)) => Poll::Ready(restore),
        Some(Err(())) => {
            context::count_forced_yield();
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Whether the current poll still has budget left.
#[inline]
pub(crate) fn has_budget_remaining() -> bool {
    context::with_budget_cell(|cell| !matches!(cell.get().0, Some(0))).unwrap_or(true)
}

/// Gives a spent unit back unless the resource reported progress.
#[derive(Debug)]
pub(crate) struct RestoreOnPending(Cell<Budget>);

impl RestoreOnPending {
    /// The resource was ready: the unit stays spent.
    pub(crate) fn made_progress(&self) {
        self.0.set(Budget::unconstrained());
    }
}

impl Drop for RestoreOnPending {
    fn drop(&mut self) {
        let prev = self.0.get();
        if prev.0.is_some() {
            context::with_budget_cell(|cell| cell.set(prev));
        }
    }
}
