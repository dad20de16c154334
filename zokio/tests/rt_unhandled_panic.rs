//! `unhandled_panic`: ignore (the default) or shut the runtime down, on
//! every flavour.

use std::future::pending;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use zokio::runtime::{Builder, UnhandledPanic};

fn builders() -> Vec<(&'static str, Builder)> {
    let mut multi_1 = Builder::new_multi_thread();
    multi_1.worker_threads(1);
    let mut multi_4 = Builder::new_multi_thread();
    multi_4.worker_threads(4);
    let mut per_core = Builder::new_thread_per_core();
    per_core.worker_threads(2);
    vec![
        ("current_thread", Builder::new_current_thread()),
        ("multi_thread_1", multi_1),
        ("multi_thread_4", multi_4),
        ("thread_per_core_2", per_core),
    ]
}

struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn shutdown_runtime_makes_block_on_panic_and_cancels_tasks() {
    for (name, mut builder) in builders() {
        let rt = builder
            .enable_all()
            .unhandled_panic(UnhandledPanic::ShutdownRuntime)
            .build()
            .unwrap();
        let drops = Arc::new(AtomicUsize::new(0));
        let guard = DropCounter(drops.clone());
        let bystander = rt.spawn(async move {
            let _guard = guard;
            pending::<()>().await;
        });
        let result = catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(async {
                drop(zokio::spawn(async { panic!("task failure") }));
                pending::<()>().await
            })
        }));
        let payload = result.expect_err(name);
        let msg = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        assert!(
            msg.contains("shut down on unhandled panic"),
            "{name}: {msg}"
        );
        drop(rt);
        assert_eq!(
            drops.load(SeqCst),
            1,
            "{name}: the other task was cancelled"
        );
        assert!(bystander.is_finished(), "{name}");
    }
}

#[test]
fn ignore_delivers_the_panic_to_the_join_handle() {
    for (name, mut builder) in builders() {
        let rt = builder
            .enable_all()
            .unhandled_panic(UnhandledPanic::Ignore)
            .build()
            .unwrap();
        let out = rt.block_on(async {
            let err = zokio::spawn(async { panic!("task failure") })
                .await
                .unwrap_err();
            assert!(err.is_panic());
            zokio::spawn(async { 5 }).await.unwrap()
        });
        assert_eq!(out, 5, "{name}");
    }
}

#[test]
fn park_hooks_run_on_every_flavour() {
    for (name, mut builder) in builders() {
        let parks = Arc::new(AtomicUsize::new(0));
        let unparks = Arc::new(AtomicUsize::new(0));
        let (p, u) = (parks.clone(), unparks.clone());
        let rt = builder
            .enable_all()
            .on_thread_park(move || {
                p.fetch_add(1, SeqCst);
            })
            .on_thread_unpark(move || {
                u.fetch_add(1, SeqCst);
            })
            .build()
            .unwrap();
        rt.block_on(async {
            zokio::spawn(zokio::time::sleep(std::time::Duration::from_millis(5)))
                .await
                .unwrap();
        });
        drop(rt);
        assert!(parks.load(SeqCst) >= 1, "{name}");
        assert!(unparks.load(SeqCst) >= 1, "{name}");
    }
}
