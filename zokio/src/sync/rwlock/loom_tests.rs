//! Loom models of the reader-writer lock: readers, writers and a cancelled
//! writer racing; exclusion is checked by loom's tracking of the data cell.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p zokio --lib --release loom`.

use std::sync::Arc as StdArc;

use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::thread;

use super::RwLock;
use crate::sync::wait_list::loom_support::{block_on, counting_waker, poll_once, thread_waker};

/// The data behind the lock: a cell whose every access loom checks.
struct Data(UnsafeCell<usize>);

// SAFETY: the cell is only reached through the lock's guards, whose
// exclusion is what these models check.
unsafe impl Sync for Data {}

impl Data {
    fn new() -> Data {
        Data(UnsafeCell::new(0))
    }

    /// Reads; the caller holds a read or write guard.
    fn get(&self) -> usize {
        // SAFETY: a guard is held (see above).
        self.0.with(|n| unsafe { *n })
    }

    /// Writes; the caller holds a write guard.
    fn set(&self, value: usize) {
        // SAFETY: a write guard is held (see above).
        self.0.with_mut(|n| unsafe { *n = value })
    }
}

#[test]
fn loom_rwlock_reader_vs_writer() {
    loom::model(|| {
        let lock = Arc::new(RwLock::with_max_readers(Data::new(), 2));
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || {
                let waker = thread_waker();
                let guard = block_on(&waker, lock.write());
                guard.set(guard.get() + 1);
            })
        };
        let waker = thread_waker();
        let guard = block_on(&waker, lock.read());
        assert!(guard.get() <= 1);
        drop(guard);
        writer.join().unwrap();
        assert_eq!(lock.try_read().unwrap().get(), 1);
        assert_eq!(lock.semaphore.available_permits(), 2);
    });
}

#[test]
fn loom_rwlock_reader_then_writer_then_downgrade() {
    loom::model(|| {
        let lock = Arc::new(RwLock::with_max_readers(Data::new(), 2));
        let reader = {
            let lock = lock.clone();
            thread::spawn(move || {
                let waker = thread_waker();
                let guard = block_on(&waker, lock.read());
                guard.get()
            })
        };
        let waker = thread_waker();
        let guard = block_on(&waker, lock.write());
        guard.set(1);
        let read = guard.downgrade();
        assert_eq!(read.get(), 1);
        drop(read);
        assert!(reader.join().unwrap() <= 1);
        assert_eq!(lock.semaphore.available_permits(), 2);
    });
}

/// A writer is dropped while it waits (holding some read permits already),
/// racing with the reader that blocks it: every permit comes back, and a
/// reader queued behind the writer gets in.
#[test]
fn loom_rwlock_cancelled_writer() {
    loom::model(|| {
        let lock = StdArc::new(RwLock::with_max_readers(Data::new(), 2));
        let first = lock.clone().try_read_owned().unwrap();
        let reader = thread::spawn(move || drop(first));
        let (waker, _) = counting_waker();
        let mut write = Box::pin(lock.write());
        if poll_once(write.as_mut(), &waker).is_pending() {
            // Behind the writer (write preference).
            let mut queued_read = Box::pin(lock.read());
            assert!(poll_once(queued_read.as_mut(), &waker).is_pending());
            drop(write);
            let waker = thread_waker();
            assert_eq!(block_on(&waker, queued_read).get(), 0);
        } else {
            drop(write);
        }
        reader.join().unwrap();
        assert_eq!(lock.semaphore.available_permits(), 2);
    });
}
