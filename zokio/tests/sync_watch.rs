//! `zokio::sync::watch`: versions, borrows, every way to send, waiting for
//! changes and for receivers to go, and a receiver never missing the last
//! value.

mod support;

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use support::DropCounter;
use zokio::sync::watch::{
    self,
    error::{RecvError, SendError},
    Receiver, Sender,
};
use zokio::sync::{oneshot, CancellationToken};
use zokio::task;

#[allow(dead_code)]
fn assert_send_sync<T: Send + Sync>() {}

#[allow(dead_code)]
fn assert_send<T: Send>(_: &T) {}

const _: fn() = || {
    assert_send_sync::<Sender<Vec<u8>>>();
    assert_send_sync::<Receiver<Vec<u8>>>();
};

#[allow(dead_code)]
async fn futures_are_send(tx: Sender<u8>, mut rx: Receiver<u8>, mut rx2: Receiver<u8>) {
    assert_send(&tx.closed());
    assert_send(&rx.changed());
    assert_send(&rx2.wait_for(|v| *v == 1));
}

#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn poll_once<F: Future>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

each_flavor! {
    fn versions_and_borrows(rt) {
        rt.block_on(async {
            let (tx, mut rx) = watch::channel(0);
            assert_eq!(*rx.borrow(), 0);
            assert!(!rx.borrow().has_changed());
            assert_eq!(rx.has_changed(), Ok(false));
            tx.send(1).unwrap();
            assert_eq!(rx.has_changed(), Ok(true));
            {
                let seen = rx.borrow();
                assert!(seen.has_changed());
                assert_eq!(*seen, 1);
            }
            // `borrow` does not mark the value seen; `borrow_and_update` does.
            assert_eq!(rx.has_changed(), Ok(true));
            assert_eq!(*rx.borrow_and_update(), 1);
            assert_eq!(rx.has_changed(), Ok(false));
            assert!(!rx.borrow_and_update().has_changed());
            rx.mark_changed();
            assert_eq!(rx.has_changed(), Ok(true));
            rx.changed().await.unwrap();
            assert_eq!(rx.has_changed(), Ok(false));
            tx.send(2).unwrap();
            rx.mark_unchanged();
            assert_eq!(rx.has_changed(), Ok(false));
            assert_eq!(*rx.borrow(), 2);
            assert!(!tx.borrow().has_changed());
            assert_eq!(*tx.borrow(), 2);
            assert!(format!("{:?}", rx.borrow()).contains('2'));
        });
    }
}

each_flavor! {
    fn every_way_to_send(rt) {
        rt.block_on(async {
            let (tx, mut rx) = watch::channel(vec![1]);
            tx.send_modify(|v| v.push(2));
            assert!(rx.has_changed().unwrap());
            assert_eq!(*rx.borrow_and_update(), [1, 2]);
            // Not modified: no notification.
            assert!(!tx.send_if_modified(|v| v.len() > 5));
            assert!(!rx.has_changed().unwrap());
            assert!(tx.send_if_modified(|v| {
                v.push(3);
                true
            }));
            assert!(rx.has_changed().unwrap());
            assert_eq!(tx.send_replace(vec![9]), [1, 2, 3]);
            assert_eq!(*rx.borrow_and_update(), [9]);
            // Without receivers `send` fails and keeps nothing; the others
            // still work.
            drop(rx);
            assert_eq!(tx.send(vec![0]), Err(SendError(vec![0])));
            assert_eq!(*tx.borrow(), [9]);
            tx.send_modify(|v| v.push(10));
            assert_eq!(tx.send_replace(vec![]), [9, 10]);
            let rx = tx.subscribe();
            assert!(!rx.has_changed().unwrap());
            tx.send(vec![4]).unwrap();
            assert!(rx.has_changed().unwrap());
        });
    }
}

each_flavor! {
    fn send_without_receivers_drops_nothing_stored(rt) {
        rt.block_on(async {
            let count = Arc::new(AtomicUsize::new(0));
            let (tx, rx) = watch::channel(DropCounter(count.clone()));
            drop(rx);
            let SendError(back) = tx.send(DropCounter(count.clone())).unwrap_err();
            assert_eq!(count.load(SeqCst), 0);
            drop(back);
            assert_eq!(count.load(SeqCst), 1);
            let old = tx.send_replace(DropCounter(count.clone()));
            assert_eq!(count.load(SeqCst), 1);
            drop(old);
            assert_eq!(count.load(SeqCst), 2);
            drop(tx);
            assert_eq!(count.load(SeqCst), 3);
        });
    }
}

each_flavor! {
    fn changed_waits_and_ends_when_the_senders_go(rt) {
        rt.block_on(async {
            let (tx, mut rx) = watch::channel(0);
            let tx2 = tx.clone();
            let (seen_tx, seen_rx) = oneshot::channel();
            let waiter = zokio::spawn(async move {
                rx.changed().await.unwrap();
                let first = *rx.borrow_and_update();
                seen_tx.send(first).unwrap();
                // The last value is reported before the end.
                let mut last = first;
                while rx.changed().await.is_ok() {
                    last = *rx.borrow_and_update();
                }
                assert!(rx.has_changed().is_err());
                (first, last)
            });
            // Most likely the waiter is parked in `changed` by now; the
            // result does not depend on it.
            task::yield_now().await;
            tx.send(1).unwrap();
            // The next send waits until the waiter has seen the first one
            // (a slow machine may not have run it yet).
            assert_eq!(seen_rx.await.unwrap(), 1);
            tx2.send(2).unwrap();
            drop(tx);
            tx2.send(3).unwrap();
            drop(tx2);
            assert_eq!(waiter.await.unwrap(), (1, 3));
        });
    }
}

each_flavor! {
    fn a_receiver_never_misses_the_last_value(rt) {
        rt.block_on(async {
            zokio::spawn(async {
                let (tx, rx) = watch::channel(0u64);
                let receivers: Vec<_> = (0..8)
                    .map(|_| {
                        let mut rx = rx.clone();
                        zokio::spawn(async move {
                            let mut last = 0;
                            let mut changes = 0;
                            while rx.changed().await.is_ok() {
                                let v = *rx.borrow_and_update();
                                assert!(v > last, "values go back: {last} then {v}");
                                last = v;
                                changes += 1;
                            }
                            (last, changes)
                        })
                    })
                    .collect();
                drop(rx);
                for i in 1..=10_000 {
                    tx.send(i).unwrap();
                    if i % 100 == 0 {
                        task::yield_now().await;
                    }
                }
                drop(tx);
                for receiver in receivers {
                    let (last, changes) = receiver.await.unwrap();
                    assert_eq!(last, 10_000);
                    assert!(changes >= 1);
                }
            })
            .await
            .unwrap();
        });
    }
}

each_flavor! {
    fn wait_for_checks_the_current_value_first(rt) {
        rt.block_on(async {
            let (tx, mut rx) = watch::channel(5);
            // Already true: returns at once, seen or not.
            assert_eq!(*rx.wait_for(|v| *v == 5).await.unwrap(), 5);
            assert!(!rx.has_changed().unwrap());
            let sender = zokio::spawn(async move {
                for i in 6..=20 {
                    tx.send(i).unwrap();
                    task::yield_now().await;
                }
                tx
            });
            {
                let value = rx.wait_for(|v| *v >= 12).await.unwrap();
                assert!(*value >= 12);
            }
            let tx = sender.await.unwrap();
            assert_eq!(*rx.wait_for(|v| *v == 20).await.unwrap(), 20);
            // Closed: the last value is still looked at once.
            tx.send(30).unwrap();
            drop(tx);
            assert!(rx.wait_for(|v| *v == 31).await.is_err());
            let (tx, mut rx) = watch::channel(0);
            tx.send(1).unwrap();
            drop(tx);
            let value = rx.wait_for(|v| *v == 1).await.unwrap();
            assert!(value.has_changed());
        });
    }
}

each_flavor! {
    fn closed_waits_for_every_receiver(rt) {
        rt.block_on(async {
            let (tx, rx) = watch::channel(());
            let rx2 = rx.clone();
            let rx3 = tx.subscribe();
            assert_eq!(tx.receiver_count(), 3);
            assert!(rx.same_channel(&rx3));
            let waiter = {
                let tx = tx.clone();
                zokio::spawn(async move { tx.closed().await })
            };
            drop(rx);
            drop(rx2);
            zokio::time::sleep(Duration::from_millis(2)).await;
            assert!(!waiter.is_finished());
            assert!(!tx.is_closed());
            drop(rx3);
            waiter.await.unwrap();
            assert!(tx.is_closed());
            tx.closed().await;
            let (_other_tx, other) = watch::channel(());
            let rx = tx.subscribe();
            assert!(!rx.same_channel(&other));
        });
    }
}

each_flavor! {
    fn a_dropped_changed_marks_nothing(rt) {
        rt.block_on(async {
            let (tx, mut rx) = watch::channel(0);
            let waker = Waker::from(Arc::new(CountingWaker::default()));
            {
                let mut changed = pin!(rx.changed());
                assert!(poll_once(changed.as_mut(), &waker).is_pending());
            }
            tx.send(1).unwrap();
            {
                let changed = rx.changed();
                drop(changed);
            }
            assert!(rx.has_changed().unwrap());
            rx.changed().await.unwrap();
            assert_eq!(*rx.borrow(), 1);
        });
    }
}

/// `changed` in a `select!` against a timer and a cancellation: no change
/// is lost, and the last value is always seen.
fn changed_vs_sleep_vs_cancel(rt: zokio::runtime::Runtime) {
    const UPDATES: u64 = 20_000;
    rt.block_on(async {
        zokio::spawn(async {
            let token = CancellationToken::new();
            let (tx, mut rx) = watch::channel(0u64);
            let watcher = {
                let token = token.clone();
                zokio::spawn(async move {
                    let (mut last, mut rounds) = (0, 0u64);
                    loop {
                        rounds += 1;
                        let pause = Duration::from_micros(if rounds % 5 == 0 { 0 } else { 100 });
                        let changed = zokio::select! {
                            changed = rx.changed() => changed,
                            _ = zokio::time::sleep(pause) => continue,
                            _ = token.cancelled() => continue,
                        };
                        if changed.is_err() {
                            return last;
                        }
                        let v = *rx.borrow_and_update();
                        assert!(v > last);
                        last = v;
                    }
                })
            };
            for i in 1..=UPDATES {
                tx.send_modify(|v| *v = i);
                if i % 8 == 0 {
                    task::yield_now().await;
                }
                if i == UPDATES / 2 {
                    token.cancel();
                }
            }
            drop(tx);
            assert_eq!(watcher.await.unwrap(), UPDATES);
        })
        .await
        .unwrap();
    });
}

each_flavor! {
    fn stress_changed_vs_sleep_vs_cancel(rt) {
        changed_vs_sleep_vs_cancel(rt);
    }
}

each_flavor! {
    fn debug_and_display(rt) {
        rt.block_on(async {
            let (tx, rx) = watch::channel(0u8);
            assert!(format!("{tx:?} {rx:?}").contains("Receiver"));
            assert_eq!(SendError(1).to_string(), "channel closed");
            drop(tx);
            let mut rx = rx;
            let err: RecvError = rx.changed().await.unwrap_err();
            assert_eq!(err.to_string(), "channel closed");
        });
    }
}
