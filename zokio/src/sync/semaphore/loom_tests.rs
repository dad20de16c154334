//! Loom models of the semaphore: acquires, releases, closes and cancelled
//! acquires racing; every permit must be accounted for at the end.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p zokio --lib --release loom`.

use std::pin::pin;

use loom::sync::Arc;
use loom::thread;

use super::Semaphore;
use crate::sync::wait_list::loom_support::{block_on, counting_waker, poll_once, thread_waker};

#[test]
fn loom_semaphore_two_tasks_one_permit() {
    loom::model(|| {
        let semaphore = Arc::new(Semaphore::new(1));
        let other = {
            let semaphore = semaphore.clone();
            thread::spawn(move || {
                let waker = thread_waker();
                let permit = block_on(&waker, semaphore.acquire()).unwrap();
                drop(permit);
            })
        };
        let waker = thread_waker();
        let permit = block_on(&waker, semaphore.acquire()).unwrap();
        drop(permit);
        other.join().unwrap();
        assert_eq!(semaphore.available_permits(), 1);
    });
}

#[test]
fn loom_semaphore_release_assigns_to_a_waiter_wanting_many() {
    loom::model(|| {
        let semaphore = Arc::new(Semaphore::new(0));
        let releaser = {
            let semaphore = semaphore.clone();
            thread::spawn(move || {
                semaphore.add_permits(1);
                semaphore.add_permits(1);
            })
        };
        let waker = thread_waker();
        let permit = block_on(&waker, semaphore.acquire_many(2)).unwrap();
        assert_eq!(permit.num_permits(), 2);
        drop(permit);
        releaser.join().unwrap();
        assert_eq!(semaphore.available_permits(), 2);
    });
}

#[test]
fn loom_semaphore_close_while_waiting() {
    loom::model(|| {
        let semaphore = Arc::new(Semaphore::new(1));
        semaphore.try_acquire().unwrap().forget();
        let closer = {
            let semaphore = semaphore.clone();
            thread::spawn(move || {
                semaphore.close();
                // The permit that was held comes back.
                semaphore.add_permits(1);
            })
        };
        let waker = thread_waker();
        // Either the permit came first or the close did; never a hang.
        let outcome = block_on(&waker, semaphore.acquire_many(1));
        drop(outcome);
        closer.join().unwrap();
        assert!(semaphore.is_closed());
        assert_eq!(semaphore.available_permits(), 1);
    });
}

#[test]
fn loom_semaphore_close_takes_back_partial_permits() {
    loom::model(|| {
        let semaphore = Arc::new(Semaphore::new(1));
        let closer = {
            let semaphore = semaphore.clone();
            thread::spawn(move || semaphore.close())
        };
        let waker = thread_waker();
        // Takes the one free permit and waits for a second, until closed.
        assert!(block_on(&waker, semaphore.acquire_many(2)).is_err());
        closer.join().unwrap();
        assert_eq!(semaphore.available_permits(), 1);
    });
}

/// A queued acquire is dropped while a release assigns permits to it; a
/// later waiter must still get its permit and nothing may be lost.
#[test]
fn loom_semaphore_cancel_while_permits_are_assigned() {
    loom::model(|| {
        let semaphore = Arc::new(Semaphore::new(2));
        let held = semaphore.try_acquire().unwrap();
        held.forget();
        let releaser = {
            let semaphore = semaphore.clone();
            thread::spawn(move || semaphore.add_permits(1))
        };
        let (waker, _) = counting_waker();
        {
            // Takes the free permit and queues for a second one.
            let mut wants_two = pin!(semaphore.acquire_many(2));
            let _ = poll_once(wants_two.as_mut(), &waker);
        }
        releaser.join().unwrap();
        assert_eq!(semaphore.available_permits(), 2);
    });
}

#[test]
fn loom_semaphore_cancel_passes_permits_to_the_next_waiter() {
    loom::model(|| {
        let semaphore = Arc::new(Semaphore::new(1));
        let next = {
            let semaphore = semaphore.clone();
            thread::spawn(move || {
                let waker = thread_waker();
                let permit = block_on(&waker, semaphore.acquire()).unwrap();
                drop(permit);
            })
        };
        let (waker, _) = counting_waker();
        {
            // Maybe first in line: takes the permit and wants one more; its
            // drop must pass the permit on to `next`.
            let mut wants_two = pin!(semaphore.acquire_many(2));
            let _ = poll_once(wants_two.as_mut(), &waker);
        }
        next.join().unwrap();
        assert_eq!(semaphore.available_permits(), 1);
    });
}
