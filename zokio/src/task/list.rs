//! The tasks a scheduler owns: an intrusive doubly linked list through the
//! task headers, so that shutdown can reach every task, including those that
//! wait for a wake-up and sit in no queue.
//!
//! The list is not `Sync`: it belongs to one scheduler core and is touched
//! only by the thread that holds that core (rule 4). Binding and releasing a
//! task costs a few pointer writes and no atomic operation.

use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::task::cell::Header;
use crate::task::{Schedule, Task};

/// The owned tasks of one scheduler core.
pub(crate) struct OwnedTasks<S: 'static> {
    /// Unique among lists; never 0 (0 marks a task in no list).
    id: u64,
    head: Option<NonNull<Header>>,
    len: usize,
    closed: bool,
    _scheduler: PhantomData<S>,
}

// SAFETY: the list is moved between threads together with the scheduler core
// that owns it; it is only accessed by one thread at a time (rule 4), and the
// tasks it points to are `Send` in the parts the list touches.
unsafe impl<S> Send for OwnedTasks<S> {}

impl<S: Schedule> OwnedTasks<S> {
    pub(crate) fn new() -> OwnedTasks<S> {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        OwnedTasks {
            id: NEXT_ID.fetch_add(1, Relaxed),
            head: None,
            len: 0,
            closed: false,
            _scheduler: PhantomData,
        }
    }

    /// Adds `task` (the list takes its reference). If the list is closed the
    /// task comes back: the caller must shut it down (outside any borrow of
    /// the core, since that runs the future's destructor).
    pub(crate) fn bind(&mut self, task: Task<S>) -> Result<(), Task<S>> {
        if self.closed {
            return Err(task);
        }
        let ptr = task.into_raw().header_ptr();
        // SAFETY: the task is live (we hold its reference, now the list's);
        // its links belong to the list's owner, which is us (rule 4), and it
        // is in no list yet.
        unsafe {
            let header = ptr.as_ref();
            header.owner.with_mut(|owner| {
                debug_assert_eq!(*owner, 0);
                *owner = self.id;
            });
            header.owned_prev.with_mut(|prev| *prev = None);
            header.owned_next.with_mut(|next| *next = self.head);
            if let Some(head) = self.head {
                head.as_ref().owned_prev.with_mut(|prev| *prev = Some(ptr));
            }
        }
        self.head = Some(ptr);
        self.len += 1;
        Ok(())
    }

    /// Removes `task` if it is in this list, returning the list's reference.
    pub(crate) fn remove(&mut self, task: &Task<S>) -> Option<Task<S>> {
        let ptr = task.raw().header_ptr();
        // SAFETY: `task` is live; we own this list (rule 4), so if the task
        // is in it, its links are ours to read and write.
        unsafe {
            let header = ptr.as_ref();
            if header.owner.with(|owner| *owner) != self.id {
                return None;
            }
            self.unlink(ptr);
            Some(Task::from_raw(task.raw()))
        }
    }

    /// # Safety
    /// `ptr` is in this list.
    unsafe fn unlink(&mut self, ptr: NonNull<Header>) {
        // SAFETY: the caller's contract; neighbours are in the list too.
        unsafe {
            let header = ptr.as_ref();
            let prev = header.owned_prev.with_mut(|p| (*p).take());
            let next = header.owned_next.with_mut(|n| (*n).take());
            match prev {
                Some(prev) => prev.as_ref().owned_next.with_mut(|n| *n = next),
                None => self.head = next,
            }
            if let Some(next) = next {
                next.as_ref().owned_prev.with_mut(|p| *p = prev);
            }
            header.owner.with_mut(|owner| *owner = 0);
        }
        self.len -= 1;
    }

    /// Closes the list (later binds shut their task down) and removes one
    /// task, returning the list's reference to it.
    pub(crate) fn close_and_pop(&mut self) -> Option<Task<S>> {
        self.closed = true;
        let head = self.head?;
        // SAFETY: `head` is in this list; the list's reference moves to the
        // returned `Task`.
        unsafe {
            self.unlink(head);
            Some(Task::from_raw(crate::task::raw::RawTask::from_raw(head)))
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<S: 'static> Drop for OwnedTasks<S> {
    fn drop(&mut self) {
        // Schedulers empty the list at shutdown; a non-empty list here would
        // leave tasks pointing at a freed list.
        debug_assert!(
            self.head.is_none(),
            "owned task list dropped while not empty"
        );
    }
}

impl<S> std::fmt::Debug for OwnedTasks<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedTasks")
            .field("len", &self.len)
            .field("closed", &self.closed)
            .finish()
    }
}
