//! The tree behind `CancellationToken`: one node per token and its clones,
//! each linked to its parent and its children.
//!
//! # Locking protocol
//!
//! Every node has its own lock, guarding its links (`parent`,
//! `parent_index`, `children`) and its waiters. The rules:
//!
//! 1. **Order.** A thread that holds two node locks took the parent's first.
//!    Nobody locks a child and then its parent: to reach its parent, a node
//!    reads the parent pointer under its own lock, lets go, locks the parent,
//!    locks itself again and checks the pointer is unchanged.
//! 2. **Links.** `child.parent == Some(p)` if and only if
//!    `p.children[child.parent_index]` is `child`; both sides are changed
//!    together, holding `p`'s lock and the child's. A parent pointer that
//!    becomes `None` never becomes `Some` again.
//! 3. **Cancelled.** `cancelled` is set once, under the node's lock, by the
//!    thread that *cancels* the node. That thread takes the node's wakers
//!    then, and later cancels each child it finds in `children` (detaching
//!    it), so no child of a cancelled node is left behind. Nobody else
//!    touches the children of a cancelled node, and nobody registers a
//!    waker in a cancelled one.
//! 4. **Last handle.** When the last token handle of a node drops, the node
//!    leaves its parent; if it is not cancelled, its children move to its
//!    parent (or become roots), so that cancelling an ancestor still reaches
//!    them. Once every handle of every node is gone, no node points to
//!    another: nothing leaks.
//!
//! Locks are never held while a waker runs.

use std::mem;
use std::task::{Context, Poll, Waker};

use slab::Slab;

use crate::loom::atomic::{
    AtomicBool, AtomicUsize,
    Ordering::{AcqRel, Acquire, Relaxed, Release},
};
use crate::loom::{lock, Arc, Mutex};

/// One token (with all its clones).
pub(super) struct Node {
    /// Set once, under `links`'s lock (rule 3); read without it by the fast
    /// paths.
    cancelled: AtomicBool,
    /// The number of `CancellationToken` handles to this node.
    handles: AtomicUsize,
    links: Mutex<Links>,
}

struct Links {
    parent: Option<Arc<Node>>,
    /// # Invariant
    /// Where this node sits in its parent's `children` (rule 2).
    parent_index: usize,
    children: Vec<Arc<Node>>,
    /// One slot per waiting future, removed only by that future; the waker
    /// is taken when the node is cancelled.
    waiters: Slab<Option<Waker>>,
}

impl Node {
    fn new(parent: Option<Arc<Node>>, parent_index: usize, cancelled: bool) -> Arc<Node> {
        Arc::new(Node {
            cancelled: AtomicBool::new(cancelled),
            handles: AtomicUsize::new(1),
            links: Mutex::new(Links {
                parent,
                parent_index,
                children: Vec::new(),
                waiters: Slab::new(),
            }),
        })
    }

    /// A root node with one handle.
    pub(super) fn root() -> Arc<Node> {
        Node::new(None, 0, false)
    }

    /// A child of `parent` with one handle: already cancelled, and outside
    /// the tree, if the parent is.
    pub(super) fn child(parent: &Arc<Node>) -> Arc<Node> {
        let mut links = lock(&parent.links);
        if parent.cancelled.load(Relaxed) {
            return Node::new(None, 0, true);
        }
        let child = Node::new(Some(parent.clone()), links.children.len(), false);
        links.children.push(child.clone());
        child
    }

    pub(super) fn is_cancelled(&self) -> bool {
        self.cancelled.load(Acquire)
    }

    pub(super) fn add_handle(&self) {
        self.handles.fetch_add(1, Relaxed);
    }

    /// Gives up one handle; the last one takes the node out of the tree
    /// (rule 4).
    pub(super) fn drop_handle(this: &Arc<Node>) {
        if this.handles.fetch_sub(1, AcqRel) == 1 {
            Node::leave_tree(this);
        }
    }

    fn leave_tree(this: &Arc<Node>) {
        loop {
            let parent = lock(&this.links).parent.clone();
            let Some(parent) = parent else {
                // A root (for good, rule 2): its children, if it was not
                // cancelled, become roots.
                let mut links = lock(&this.links);
                if !this.cancelled.load(Relaxed) {
                    for child in mem::take(&mut links.children) {
                        lock(&child.links).parent = None;
                    }
                }
                return;
            };
            let mut parent_links = lock(&parent.links);
            let mut links = lock(&this.links);
            if !matches!(&links.parent, Some(p) if Arc::ptr_eq(p, &parent)) {
                // Moved (rule 1): start again.
                continue;
            }
            let index = links.parent_index;
            let removed = parent_links.children.swap_remove(index);
            debug_assert!(Arc::ptr_eq(&removed, this));
            if let Some(moved) = parent_links.children.get(index) {
                lock(&moved.links).parent_index = index;
            }
            links.parent = None;
            if !this.cancelled.load(Relaxed) {
                for child in mem::take(&mut links.children) {
                    {
                        let mut child_links = lock(&child.links);
                        child_links.parent = Some(parent.clone());
                        child_links.parent_index = parent_links.children.len();
                    }
                    parent_links.children.push(child);
                }
            }
            return;
        }
    }

    /// Cancels this node and every node below it.
    pub(super) fn cancel(this: &Arc<Node>) {
        let mut wakers = Vec::new();
        {
            let mut links = lock(&this.links);
            if this.cancelled.load(Relaxed) {
                return;
            }
            this.cancelled.store(true, Release);
            take_wakers(&mut links, &mut wakers);
        }
        wake_all(&mut wakers);

        // Children of the nodes this thread cancelled (rule 3), breadth
        // first, without recursion.
        let mut cancelled = vec![this.clone()];
        while let Some(node) = cancelled.pop() {
            let mut links = lock(&node.links);
            for child in mem::take(&mut links.children) {
                let mut child_links = lock(&child.links);
                child_links.parent = None;
                if child.cancelled.load(Relaxed) {
                    // Someone else cancelled it, and handles its children.
                    continue;
                }
                child.cancelled.store(true, Release);
                take_wakers(&mut child_links, &mut wakers);
                drop(child_links);
                cancelled.push(child);
            }
            drop(links);
            wake_all(&mut wakers);
        }
    }

    /// Polls for cancellation on behalf of the waiting future whose slot is
    /// `key`, registering `cx`'s waker if it must wait. Frees the slot on
    /// `Ready`.
    pub(super) fn poll_cancelled(&self, key: &mut Option<usize>, cx: &mut Context<'_>) -> Poll<()> {
        if key.is_none() && self.is_cancelled() {
            return Poll::Ready(());
        }
        let mut links = lock(&self.links);
        if self.cancelled.load(Relaxed) {
            if let Some(key) = key.take() {
                links.waiters.remove(key);
            }
            return Poll::Ready(());
        }
        match *key {
            Some(key) => match &mut links.waiters[key] {
                Some(waker) if waker.will_wake(cx.waker()) => {}
                slot => *slot = Some(cx.waker().clone()),
            },
            None => *key = Some(links.waiters.insert(Some(cx.waker().clone()))),
        }
        Poll::Pending
    }

    /// Frees the slot of a waiting future that is dropped.
    pub(super) fn remove_waiter(&self, key: usize) {
        lock(&self.links).waiters.remove(key);
    }
}

fn take_wakers(links: &mut Links, wakers: &mut Vec<Waker>) {
    for (_, slot) in links.waiters.iter_mut() {
        wakers.extend(slot.take());
    }
}

fn wake_all(wakers: &mut Vec<Waker>) {
    for waker in wakers.drain(..) {
        waker.wake();
    }
}
