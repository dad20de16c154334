//! The unhandled-panic policy, shared by every flavour: remember that a
//! task panicked, and make every `block_on` of the runtime panic.

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};

use crate::driver::Unparker;
use crate::loom::{lock, Mutex};
use crate::runtime::config::UnhandledPanic;

/// The message of the `block_on` panic.
pub(crate) const MESSAGE: &str =
    "a spawned task panicked and the runtime is configured to shut down on unhandled panic";

#[derive(Debug)]
pub(crate) struct PanicState {
    policy: UnhandledPanic,
    panicked: AtomicBool,
    /// Threads blocked in `block_on` outside the workers, woken when a task
    /// panics so that they can panic too.
    waiters: Mutex<Vec<Unparker>>,
}

impl PanicState {
    pub(crate) fn new(policy: UnhandledPanic) -> PanicState {
        PanicState {
            policy,
            panicked: AtomicBool::new(false),
            waiters: Mutex::new(Vec::new()),
        }
    }

    /// A task panicked; true if the runtime must shut down.
    pub(crate) fn task_panicked(&self) -> bool {
        if self.policy != UnhandledPanic::ShutdownRuntime {
            return false;
        }
        self.panicked.store(true, SeqCst);
        for waiter in lock(&self.waiters).drain(..) {
            waiter.unpark();
        }
        true
    }

    /// Whether the runtime shut down because a task panicked.
    pub(crate) fn has_panicked(&self) -> bool {
        self.panicked.load(SeqCst)
    }

    /// Panics if a task panicked under the `ShutdownRuntime` policy.
    #[track_caller]
    pub(crate) fn check(&self) {
        if self.has_panicked() {
            panic!("{MESSAGE}");
        }
    }

    /// Wakes `unparker` when a task panics.
    pub(crate) fn watch(&self, unparker: Unparker) {
        if self.policy == UnhandledPanic::ShutdownRuntime {
            lock(&self.waiters).push(unparker);
        }
    }
}
