//! Shared helpers for the integration tests: one test body, run on every
//! runtime flavour.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use zokio::runtime::{Builder, IoBackend, Runtime};

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

/// The runtimes an I/O test body runs on, one at a time: io_uring and the
/// readiness driver, each on current-thread and on a two-worker
/// multi-thread runtime, labelled `Uring/ct` and so on.
/// `ZOKIO_TEST_RUNTIMES` (e.g. `uring/ct,poll/mt`) keeps only some: valgrind
/// cannot run a worker that sleeps in `io_uring_enter` beside others.
pub fn io_runtimes() -> impl Iterator<Item = (String, Runtime)> {
    let only = std::env::var("ZOKIO_TEST_RUNTIMES").ok();
    [IoBackend::Uring, IoBackend::Poll]
        .into_iter()
        .flat_map(|backend| [(backend, false), (backend, true)])
        .filter_map(move |(backend, multi_thread)| {
            let label = format!("{backend:?}/{}", if multi_thread { "mt" } else { "ct" });
            if let Some(only) = &only {
                if !only.split(',').any(|o| o.eq_ignore_ascii_case(&label)) {
                    return None;
                }
            }
            let mut builder = if multi_thread {
                let mut builder = Builder::new_multi_thread();
                builder.worker_threads(2);
                builder
            } else {
                Builder::new_current_thread()
            };
            let rt = builder.enable_all().io_backend(backend).build().unwrap();
            assert_eq!(rt.handle().io_backend(), Some(backend));
            Some((label, rt))
        })
}

/// Runs `body` on each of [`io_runtimes`].
pub fn each_backend(body: impl Fn(Runtime)) {
    for (label, rt) in io_runtimes() {
        eprintln!("runtime {label}");
        body(rt);
    }
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
