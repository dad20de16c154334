//! `CancellationToken`: parents and children, waiting, guards, and dropping
//! many tokens.

mod support;

use std::future::{pending, poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use zokio::sync::CancellationToken;
use zokio::task;

const _: fn() = || {
    fn is_send_sync<T: Send + Sync>(_: &T) {}
    let token = CancellationToken::new();
    is_send_sync(&token.cancelled());
    is_send_sync(&token.run_until_cancelled(async {}));
    is_send_sync(&token.clone().cancelled_owned());
    is_send_sync(&token.clone().drop_guard());
    is_send_sync(&token);
};

/// Polls a future once.
async fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    poll_fn(|cx| Poll::Ready(Pin::new(&mut *f).poll(cx))).await
}

#[test]
fn a_parent_cancels_its_descendants_not_the_reverse() {
    let root = CancellationToken::new();
    let child = root.child_token();
    let grandchild = child.child_token();
    let sibling = root.child_token();

    grandchild.cancel();
    assert!(grandchild.is_cancelled());
    assert!(!child.is_cancelled() && !root.is_cancelled() && !sibling.is_cancelled());

    child.cancel();
    assert!(child.is_cancelled());
    assert!(!root.is_cancelled() && !sibling.is_cancelled());

    let late = child.child_token();
    assert!(
        late.is_cancelled(),
        "a child of a cancelled token starts cancelled"
    );

    root.cancel();
    assert!(root.is_cancelled() && sibling.is_cancelled());
    // Cancelling twice is harmless.
    root.cancel();
    assert!(root.child_token().is_cancelled());
}

#[test]
fn clones_share_the_token() {
    let token = CancellationToken::new();
    let clone = token.clone();
    let child_of_clone = clone.child_token();
    clone.cancel();
    assert!(token.is_cancelled());
    assert!(child_of_clone.is_cancelled());
}

#[test]
fn dropping_a_middle_token_keeps_its_children_attached() {
    let root = CancellationToken::new();
    let middle = root.child_token();
    let leaf = middle.child_token();
    let leaf_child = leaf.child_token();
    drop(middle);
    assert!(!leaf.is_cancelled());
    // Dropping a cancelled-free root hands nothing on but must not cancel.
    root.cancel();
    assert!(leaf.is_cancelled());
    assert!(leaf_child.is_cancelled());

    // A dropped root leaves its children as independent roots.
    let root = CancellationToken::new();
    let child = root.child_token();
    let grandchild = child.child_token();
    drop(root);
    assert!(!child.is_cancelled());
    child.cancel();
    assert!(grandchild.is_cancelled());
}

#[test]
fn many_children_come_and_go() {
    let root = CancellationToken::new();
    // Dropped at once, in order and out of order.
    for _ in 0..100 {
        let children: Vec<_> = (0..100).map(|_| root.child_token()).collect();
        let (even, odd): (Vec<_>, Vec<_>) = children
            .into_iter()
            .enumerate()
            .partition(|(i, _)| i % 2 == 0);
        drop(odd);
        for (_, child) in even.into_iter().rev() {
            drop(child);
        }
    }
    // Deep chains, dropped from the top and from the bottom.
    let mut chain = vec![root.child_token()];
    for _ in 0..10_000 {
        let next = chain.last().unwrap().child_token();
        chain.push(next);
    }
    let survivors: Vec<_> = chain.split_off(5_000);
    drop(chain);
    root.cancel();
    assert!(survivors.iter().all(CancellationToken::is_cancelled));
    let mut chain = vec![CancellationToken::new()];
    for _ in 0..10_000 {
        let next = chain.last().unwrap().child_token();
        chain.push(next);
    }
    while chain.pop().is_some() {}
}

#[test]
fn a_deep_tree_is_cancelled_without_recursion() {
    let root = CancellationToken::new();
    let mut chain = vec![root.child_token()];
    for _ in 0..200_000 {
        let next = chain.last().unwrap().child_token();
        chain.push(next);
    }
    root.cancel();
    assert!(chain.last().unwrap().is_cancelled());
}

each_flavor! {
    fn cancelled_wakes_every_waiter(rt) {
        rt.block_on(async {
            let root = CancellationToken::new();
            let mut waiters = Vec::new();
            for i in 0..50 {
                let token = if i % 2 == 0 { root.clone() } else { root.child_token().child_token() };
                waiters.push(zokio::spawn(async move {
                    token.cancelled().await;
                    i
                }));
            }
            task::yield_now().await;
            assert!(waiters.iter().all(|w| !w.is_finished()));
            root.cancel();
            let mut sum = 0;
            for w in waiters {
                sum += w.await.unwrap();
            }
            assert_eq!(sum, 49 * 50 / 2);
        });
    }
}

each_flavor! {
    fn cancelled_owned_and_already_cancelled(rt) {
        rt.block_on(async {
            let token = CancellationToken::new();
            token.cancel();
            token.cancelled().await;
            token.clone().cancelled_owned().await;

            let token = CancellationToken::new();
            let waiter = zokio::spawn(token.child_token().cancelled_owned());
            zokio::time::sleep(Duration::from_millis(2)).await;
            assert!(!waiter.is_finished());
            token.cancel();
            waiter.await.unwrap();
        });
    }
}

each_flavor! {
    fn dropped_waiters_deregister(rt) {
        rt.block_on(async {
            let token = CancellationToken::new();
            for _ in 0..1_000 {
                let mut wait = token.cancelled();
                assert!(poll_once(&mut wait).await.is_pending());
                // Polled again with the same waker: no new slot.
                assert!(poll_once(&mut wait).await.is_pending());
            }
            // A waiter that is both registered and cancelled completes.
            let mut wait = token.cancelled();
            assert!(poll_once(&mut wait).await.is_pending());
            token.cancel();
            assert!(poll_once(&mut wait).await.is_ready());
        });
    }
}

each_flavor! {
    fn run_until_cancelled(rt) {
        rt.block_on(async {
            let token = CancellationToken::new();
            assert_eq!(token.run_until_cancelled(async { 3 }).await, Some(3));

            let canceller = token.clone();
            zokio::spawn(async move {
                zokio::time::sleep(Duration::from_millis(5)).await;
                canceller.cancel();
            });
            assert_eq!(token.run_until_cancelled(pending::<u32>()).await, None);

            // Already cancelled: the future is never polled.
            let polled = AtomicBool::new(false);
            let out = token
                .run_until_cancelled(poll_fn(|_| {
                    polled.store(true, SeqCst);
                    Poll::Ready(1)
                }))
                .await;
            assert_eq!(out, None);
            assert!(!polled.load(SeqCst));

            let owned = CancellationToken::new();
            let task = zokio::spawn(owned.clone().run_until_cancelled_owned(async { 4 }));
            assert_eq!(task.await.unwrap(), Some(4));
            let task = zokio::spawn(owned.clone().run_until_cancelled_owned(pending::<()>()));
            owned.cancel();
            assert_eq!(task.await.unwrap(), None);
        });
    }
}

each_flavor! {
    fn a_loop_on_a_cancelled_token_still_yields(rt) {
        rt.block_on(async {
            let token = CancellationToken::new();
            token.cancel();
            let flag = Arc::new(AtomicBool::new(false));
            let setter = flag.clone();
            zokio::spawn(async move { setter.store(true, SeqCst) });
            // Always ready, yet it spends budget: on one thread the spawned
            // task gets to run only because the loop yields.
            while !flag.load(SeqCst) {
                zokio::select! {
                    _ = token.cancelled() => {}
                }
            }
        });
    }
}

#[test]
fn drop_guards() {
    let token = CancellationToken::new();
    let guard = token.clone().drop_guard();
    let token_back = guard.disarm();
    assert!(!token_back.is_cancelled());
    drop(token_back.drop_guard());
    assert!(token.is_cancelled());

    let token = CancellationToken::new();
    token.drop_guard_ref().disarm();
    assert!(!token.is_cancelled());
    drop(token.drop_guard_ref());
    assert!(token.is_cancelled());
}

#[test]
fn concurrent_children_and_cancel() {
    for _ in 0..20 {
        let root = CancellationToken::new();
        // The first thread a quarter of the way through says so, and the
        // cancel lands while the threads are creating children.
        let (quarter_tx, quarter_rx) = std::sync::mpsc::channel();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let root = root.clone();
                let quarter_tx = quarter_tx.clone();
                std::thread::spawn(move || {
                    let mut kept = Vec::new();
                    for i in 0..2_000 {
                        let parent = kept.last().unwrap_or(&root).clone();
                        let child = parent.child_token();
                        if (i + t) % 3 == 0 {
                            kept.push(child);
                        } else if i % 5 == 0 {
                            kept.pop();
                        }
                        if i == 500 {
                            // The receiver may be gone: only the first counts.
                            let _ = quarter_tx.send(());
                        }
                    }
                    kept
                })
            })
            .collect();
        quarter_rx.recv().unwrap();
        root.cancel();
        for thread in threads {
            let kept = thread.join().unwrap();
            // Whatever was created, before or after the cancel, is cancelled.
            assert!(kept.iter().all(CancellationToken::is_cancelled));
        }
    }
}
