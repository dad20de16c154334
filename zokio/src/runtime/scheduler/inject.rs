//! The inject queue: how other threads hand work to a scheduler.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use crate::loom::{lock, Mutex};

/// A locked FIFO queue with a lock-free (possibly stale) length, which can
/// be closed at shutdown.
pub(crate) struct Inject<T> {
    queue: Mutex<Option<VecDeque<T>>>,
    /// The queue's length, readable without the lock.
    len: AtomicUsize,
}

impl<T> Inject<T> {
    pub(crate) fn new() -> Inject<T> {
        Inject {
            queue: Mutex::new(Some(VecDeque::new())),
            len: AtomicUsize::new(0),
        }
    }

    /// Queues `item`, or gives it back if the queue is closed.
    pub(crate) fn push(&self, item: T) -> Result<(), T> {
        let mut queue = lock(&self.queue);
        match queue.as_mut() {
            Some(queue) => {
                queue.push_back(item);
                self.len.store(queue.len(), Relaxed);
                Ok(())
            }
            None => Err(item),
        }
    }

    /// Queues every item under one lock; gives them back if closed.
    pub(crate) fn push_batch(&self, items: impl Iterator<Item = T>) -> Result<(), Vec<T>> {
        let mut queue = lock(&self.queue);
        match queue.as_mut() {
            Some(queue) => {
                queue.extend(items);
                self.len.store(queue.len(), Relaxed);
                Ok(())
            }
            None => Err(items.collect()),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len.load(Relaxed) == 0
    }

    pub(crate) fn len(&self) -> usize {
        self.len.load(Relaxed)
    }

    /// Takes one entry.
    pub(crate) fn pop(&self) -> Option<T> {
        if self.is_empty() {
            return None;
        }
        let mut queue = lock(&self.queue);
        let queue = queue.as_mut()?;
        let item = queue.pop_front();
        self.len.store(queue.len(), Relaxed);
        item
    }

    /// Takes up to `max` entries under one lock.
    pub(crate) fn pop_batch(&self, max: usize) -> Vec<T> {
        if self.is_empty() {
            return Vec::new();
        }
        let mut queue = lock(&self.queue);
        let Some(queue) = queue.as_mut() else {
            return Vec::new();
        };
        let n = queue.len().min(max);
        let batch: Vec<_> = queue.drain(..n).collect();
        self.len.store(queue.len(), Relaxed);
        batch
    }

    /// Closes the queue (later pushes fail) and returns what was in it.
    pub(crate) fn close_and_drain(&self) -> VecDeque<T> {
        let drained = lock(&self.queue).take().unwrap_or_default();
        self.len.store(0, Relaxed);
        drained
    }
}
