//! Shared helpers for the integration tests: one test body, run on every
//! runtime flavour.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use zokio::runtime::{Builder, Runtime};

/// Counts drops of the value it is attached to.
pub struct DropCounter(pub Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A current-thread runtime with every driver on.
pub fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

/// A multi-thread runtime with `workers` workers and every driver on.
pub fn multi_thread(workers: usize) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

/// A thread-per-core runtime with `workers` workers and every driver on.
pub fn thread_per_core(workers: usize) -> Runtime {
    Builder::new_thread_per_core()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

/// Defines a module named after the test holding one `#[test]` per
/// flavour, each running `$body` with `$rt` bound to a fresh runtime.
#[macro_export]
macro_rules! each_flavor {
    ($(#[$meta:meta])* fn $name:ident($rt:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[test]
            fn current_thread() {
                let $rt = $crate::support::current_thread();
                $body
            }

            #[test]
            fn multi_thread_1() {
                let $rt = $crate::support::multi_thread(1);
                $body
            }

            #[test]
            fn multi_thread_4() {
                let $rt = $crate::support::multi_thread(4);
                $body
            }

            #[test]
            fn thread_per_core_2() {
                let $rt = $crate::support::thread_per_core(2);
                $body
            }
        }
    };
}
