//! Loom models of the watch channel: sends racing `changed`, `wait_for`
//! and drops.
//!
//! Run with `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p
//! zokio --lib --release loom`.

use loom::thread;

use super::channel;
use crate::sync::mpsc::loom_tests::block_on;

#[test]
fn loom_watch_send_vs_changed() {
    loom::model(|| {
        let (tx, mut rx) = channel(0u8);
        // The sender outlives the waits: each change must wake by itself.
        let sender = thread::spawn(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
            tx
        });
        let mut last = 0;
        // The last value is never missed.
        while last != 2 {
            block_on(rx.changed()).unwrap();
            let value = *rx.borrow_and_update();
            // A change reported is a value not seen before.
            assert!(value > last);
            last = value;
        }
        drop(sender.join().unwrap());
        assert!(block_on(rx.changed()).is_err());
    });
}

#[test]
fn loom_watch_two_receivers_see_the_last_value() {
    loom::model(|| {
        let (tx, mut rx) = channel(0u8);
        let mut rx2 = rx.clone();
        let other = thread::spawn(move || block_on(rx2.wait_for(|v| *v == 2)).is_ok());
        let sender = thread::spawn(move || {
            tx.send_modify(|v| *v = 1);
            tx.send_replace(2);
            tx
        });
        assert_eq!(*block_on(rx.wait_for(|v| *v == 2)).unwrap(), 2);
        assert!(other.join().unwrap());
        drop(sender.join().unwrap());
    });
}

#[test]
fn loom_watch_closed_vs_receiver_drop() {
    loom::model(|| {
        let (tx, rx) = channel(());
        let rx2 = rx.clone();
        let dropper = thread::spawn(move || drop(rx2));
        drop(rx);
        block_on(tx.closed());
        assert!(tx.is_closed());
        dropper.join().unwrap();
    });
}
