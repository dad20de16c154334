//! The inject queue: how other threads hand tasks to a scheduler core.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use crate::loom::{lock, Mutex};
use crate::task::{Notified, Task};

/// An entry of the inject queue.
pub(crate) enum Injected<S: 'static> {
    /// A task woken from another thread.
    Woken(Notified<S>),
    /// A task spawned from another thread: the core binds it to its owned
    /// list when it takes it.
    Spawned(Task<S>, Notified<S>),
}

/// A locked queue with a lock-free emptiness check.
pub(crate) struct Inject<S: 'static> {
    queue: Mutex<Option<VecDeque<Injected<S>>>>,
    /// The queue's length, readable without the lock (may be stale).
    len: AtomicUsize,
}

impl<S: 'static> Inject<S> {
    pub(crate) fn new() -> Inject<S> {
        Inject {
            queue: Mutex::new(Some(VecDeque::new())),
            len: AtomicUsize::new(0),
        }
    }

    /// Queues `item`, or gives it back if the queue is closed.
    pub(crate) fn push(&self, item: Injected<S>) -> Result<(), Injected<S>> {
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

    pub(crate) fn is_empty(&self) -> bool {
        self.len.load(Relaxed) == 0
    }

    pub(crate) fn len(&self) -> usize {
        self.len.load(Relaxed)
    }

    /// Takes up to `max` entries under one lock.
    pub(crate) fn pop_batch(&self, max: usize) -> Vec<Injected<S>> {
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
    pub(crate) fn close_and_drain(&self) -> VecDeque<Injected<S>> {
        let drained = lock(&self.queue).take().unwrap_or_default();
        self.len.store(0, Relaxed);
        drained
    }
}
