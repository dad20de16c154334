//! The schedulers, behind one handle type. Each flavour lives in its own
//! folder; this file only dispatches.

pub(crate) mod current_thread;
mod every;
mod inject;
#[cfg(all(test, loom))]
mod loom_tests;
pub(crate) mod multi_thread;
pub(crate) mod per_core;
pub(crate) mod unhandled_panic;

use std::future::Future;
use std::sync::Arc;

use crate::runtime::{context, TryCurrentError};
use crate::task::{Id, JoinHandle};

/// A cheap, cloneable reference to a runtime's shared state.
#[derive(Debug, Clone)]
pub(crate) enum Handle {
    CurrentThread(Arc<current_thread::Handle>),
    MultiThread(Arc<multi_thread::Handle>),
    PerCore(Arc<per_core::Handle>),
}

/// What a thread holding a scheduler core installs in its context.
#[derive(Debug)]
pub(crate) enum Context {
    CurrentThread(current_thread::Context),
    MultiThread(multi_thread::Context),
}

impl Handle {
    /// Runs `f` with the handle of the runtime this thread is in.
    pub(crate) fn with_current<R>(f: impl FnOnce(&Handle) -> R) -> Result<R, TryCurrentError> {
        context::with_current(f)
    }

    /// The handle of the runtime this thread is in.
    ///
    /// # Panics
    ///
    /// Outside a runtime.
    #[track_caller]
    pub(crate) fn current() -> Handle {
        match context::with_current(Handle::clone) {
            Ok(handle) => handle,
            Err(err) => panic!("{}", err),
        }
    }

    pub(crate) fn spawn<F>(&self, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Handle::CurrentThread(h) => current_thread::Handle::spawn(h, future, id),
            Handle::MultiThread(h) => multi_thread::Handle::spawn(h, future, id),
            Handle::PerCore(h) => h.spawn(future, id),
        }
    }

    /// The address of the runtime's shared state: nonzero, and distinct
    /// for each runtime alive.
    pub(crate) fn address(&self) -> std::num::NonZeroUsize {
        let address = match self {
            Handle::CurrentThread(h) => Arc::as_ptr(h).cast::<()>(),
            Handle::MultiThread(h) => Arc::as_ptr(h).cast::<()>(),
            Handle::PerCore(h) => Arc::as_ptr(h).cast::<()>(),
        };
        std::num::NonZeroUsize::new(address as usize).expect("an `Arc` never points at 0")
    }

    pub(crate) fn driver(&self) -> &crate::driver::Handle {
        match self {
            Handle::CurrentThread(h) => &h.driver,
            Handle::MultiThread(h) => &h.driver,
            Handle::PerCore(h) => h.driver(),
        }
    }

    /// The runtime's blocking pool.
    pub(crate) fn blocking_spawner(&self) -> &crate::runtime::blocking::Spawner {
        match self {
            Handle::CurrentThread(h) => &h.blocking,
            Handle::MultiThread(h) => &h.blocking,
            Handle::PerCore(h) => &h.worker(0).blocking,
        }
    }

    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        match self {
            Handle::CurrentThread(h) => current_thread::block_on(h, future),
            Handle::MultiThread(h) => multi_thread::block_on(h, future),
            Handle::PerCore(h) => per_core::block_on(h, future),
        }
    }
}
