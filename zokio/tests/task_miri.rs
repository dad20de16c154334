//! The task core's pointer discipline under Miri: spawn, wake one task from
//! another, join, on a current-thread runtime without I/O or timers (Miri
//! runs no io_uring or epoll). `.ci/run` runs this file with
//! `cargo +nightly miri test -p zokio --test task_miri` where Miri is
//! installed; it is an ordinary test everywhere else.
//!
//! It caught a waker built from `&Header`: waking reached the rest of the
//! task's allocation through a pointer that only covered the header.

#[test]
fn spawn_wake_and_join() {
    let rt = zokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, rx) = zokio::sync::oneshot::channel::<u32>();
        let a = zokio::spawn(async move { rx.await.unwrap() + 1 });
        let b = zokio::spawn(async move {
            zokio::task::yield_now().await;
            tx.send(41).unwrap();
        });
        b.await.unwrap();
        assert_eq!(a.await.unwrap(), 42);
    });
}

#[test]
fn abort_and_drop_handles() {
    let rt = zokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let pending = zokio::spawn(std::future::pending::<()>());
        pending.abort();
        assert!(pending.await.unwrap_err().is_cancelled());
        // Dropped without being awaited: the task runs to completion and
        // frees itself.
        drop(zokio::spawn(async { zokio::task::yield_now().await }));
        zokio::task::yield_now().await;
    });
}
