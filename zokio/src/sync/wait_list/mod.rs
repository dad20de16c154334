//! An intrusive list of waiting futures: the queue behind the semaphore,
//! `Notify` and the channels.
//!
//! Waiting costs no allocation: each waiting future holds a [`Waiter`] node
//! inside itself, and the primitive links the nodes of all its waiters into a
//! [`WaitList`], which it keeps behind a `crate::loom::Mutex`. A node carries
//! the waiter's [`Waker`] and a payload `P` of the primitive's choosing (the
//! number of permits still wanted, the kind of notification received, ...).
//!
//! # How a primitive uses it
//!
//! ```text
//! struct Prim  { waiters: Mutex<WaitList<P>>, .. }
//! struct Wait<'a> { prim: &'a Prim, queued: bool, waiter: Waiter<P> }   // !Unpin
//! ```
//!
//! * **Wait.** Under the lock, a future that must wait calls
//!   [`push_back`](WaitList::push_back) with its pinned node, its waker and
//!   its payload. The future is now *queued*.
//! * **Wake.** Whoever makes progress possible locks the list, reads or
//!   updates the payload of the first (or last) waiter through
//!   [`with_front`](WaitList::with_front) / [`with_back`](WaitList::with_back),
//!   and unlinks it with [`pop_front`](WaitList::pop_front) /
//!   [`pop_back`](WaitList::pop_back), which hand back its waker. It wakes the
//!   wakers after unlocking: a [`WakeList`] collects up to
//!   [`WakeList::CAPACITY`] of them on the stack; when it is full, unlock,
//!   wake, lock again and go on.
//! * **Poll again.** The future calls [`Waiter::is_queued`] (one `Acquire`
//!   load, no lock). `false` means it was unlinked: the node is its own again,
//!   and [`Waiter::with_payload`] reads what the waker wrote into the payload.
//!   `true` means it still waits: to replace its waker it locks the list and
//!   calls [`set_waker`](WaitList::set_waker), which fails if it was unlinked
//!   in the meantime.
//! * **Cancel.** A future dropped while queued locks the list and calls
//!   [`remove`](WaitList::remove). `true` means it was still queued and is
//!   now out, having received only what its payload says; `false` means a
//!   waker unlinked it first, so it received everything (and must hand on
//!   what it received but will never use, e.g. its permits). Either way it
//!   must not be freed before it has seen itself unlinked (rule 3).
//! * **Several lists.** A primitive may keep several lists behind one lock
//!   and move every node of one to the end of another with
//!   [`append`](WaitList::append) in O(1) (`Notify` moves its waiters aside
//!   this way when it wakes them all). Each owner must then know which list
//!   holds it, from state the primitive keeps (rule 4).
//!
//! # The unsafe protocol
//!
//! Every `SAFETY:` comment in this module, and in the primitives that use
//! it, cites one of these rules.
//!
//! 1. **Who may touch a node.** A node's links, waker and payload (its
//!    `node` cell) belong to whoever holds the lock of the list it is queued
//!    on while `queued` is true, and to the waiter's *owner* — the holder of
//!    `Pin<&mut Waiter>` — while it is false.
//! 2. **Who flips `queued`.** `queued` changes only under the lock of the
//!    list: `push_back` sets it (the owner hands the node to the list), and
//!    whoever unlinks the node clears it, with a `Release` store that is its
//!    very last access to the node. An owner that loads `false` with
//!    `Acquire` sees every write of the unlinker and owns the node again,
//!    without taking the lock.
//! 3. **Queued nodes stay put.** A queued node is neither moved nor freed:
//!    it is `!Unpin` and only reached through `Pin`, and its owner, before it
//!    lets go of the node (drops it or its future), either saw it not queued
//!    or took the lock and [`remove`](WaitList::remove)d it. So every pointer
//!    in a list leads to a live node. (A future leaked instead of dropped
//!    keeps its memory for ever: `Pin` promises that pinned memory is not
//!    reused before its destructor runs.)
//! 4. **One list at a time, one lock for all.** A queued node is in exactly
//!    one list, and every call that names a waiter (`remove`, `set_waker`)
//!    passes that list. Lists between which [`append`](WaitList::append)
//!    moves nodes sit behind the same lock.
//! 5. **The wake list.** The first `len` slots of a [`WakeList`] hold
//!    wakers; the others are uninitialised.

mod wake_list;

#[cfg(all(test, loom))]
pub(crate) mod loom_support;

pub(crate) use wake_list::WakeList;

use std::fmt;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::Waker;

use crate::loom::atomic::{
    AtomicBool,
    Ordering::{Acquire, Relaxed, Release},
};
use crate::loom::UnsafeCell;

/// A FIFO of [`Waiter`] nodes linked through the nodes themselves.
///
/// Lives behind the primitive's lock: `&mut WaitList` is proof of holding
/// it (rule 1).
pub(crate) struct WaitList<P> {
    /// # Invariant
    /// `head` and `tail` are both `None` or both `Some`; every node reachable
    /// from them is queued on this list and live (rules 1, 3).
    head: Option<NonNull<Waiter<P>>>,
    tail: Option<NonNull<Waiter<P>>>,
}

/// The node a waiting future keeps inside itself.
///
/// Create it with [`Waiter::new`], keep it pinned, and follow the module's
/// rules: in particular, a future that holds a queued node must unlink it
/// before it is dropped (rule 3).
pub(crate) struct Waiter<P> {
    /// Whether the node is linked into a list (rule 2).
    queued: AtomicBool,
    /// # Invariant
    /// Accessed as rule 1 says.
    node: UnsafeCell<Node<P>>,
    /// Lists point into the node, so it must not move while queued (rule 3);
    /// also keeps `&mut Waiter` from asserting uniqueness over the cell
    /// while a list holder writes it.
    _pinned: PhantomPinned,
}

struct Node<P> {
    prev: Option<NonNull<Waiter<P>>>,
    next: Option<NonNull<Waiter<P>>>,
    waker: Option<Waker>,
    payload: P,
}

// SAFETY: the list holds pointers to nodes whose contents (wakers and `P`)
// are accessed only by the holder of the lock the list sits behind (rule 1);
// moving the list moves only those pointers.
unsafe impl<P: Send> Send for WaitList<P> {}
// SAFETY: through `&WaitList` only the head pointer is read.
unsafe impl<P: Send> Sync for WaitList<P> {}

// SAFETY: a waiter's node is handed between its owner and the holders of
// the list's lock (rules 1 and 2); it holds a waker (`Send + Sync`) and a
// `P`, which therefore must be `Send`.
unsafe impl<P: Send> Send for Waiter<P> {}
// SAFETY: through `&Waiter` only the atomic `queued` flag is read; every
// access to the node needs `Pin<&mut Waiter>` or the list's lock (rule 1).
unsafe impl<P: Send> Sync for Waiter<P> {}

impl<P> WaitList<P> {
    /// An empty list.
    pub(crate) const fn new() -> WaitList<P> {
        WaitList {
            head: None,
            tail: None,
        }
    }

    /// Whether no waiter is queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    /// Queues `waiter` at the back, with `waker` to wake it (or none yet) and
    /// `payload`.
    ///
    /// # Panics
    /// If `waiter` is already queued.
    ///
    /// # Safety
    /// The owner of `waiter` keeps it in place and alive until it has seen
    /// it unlinked (rule 3): it calls [`remove`](Self::remove) on this list,
    /// under this lock, before dropping it, unless `is_queued` returned
    /// `false`. Lists that `waiter` may be moved to sit behind the same lock
    /// (rule 4).
    pub(crate) unsafe fn push_back(
        &mut self,
        waiter: Pin<&mut Waiter<P>>,
        waker: Option<Waker>,
        payload: P,
    ) {
        // Only the owner sets the flag, and it is the owner calling.
        assert!(
            !waiter.queued.load(Relaxed),
            "a waiter can be queued only once at a time"
        );
        let ptr = NonNull::from(&*waiter);
        // SAFETY: not queued, and we are its owner: the node is ours (rule 1).
        waiter.node.with_mut(|node| unsafe {
            *node = Node {
                prev: self.tail,
                next: None,
                waker,
                payload,
            };
        });
        match self.tail {
            // SAFETY: the tail is queued on this list, whose lock we hold,
            // and live (rules 1, 3).
            Some(tail) => unsafe { tail.as_ref() }
                .node
                .with_mut(|node| unsafe { (*node).next = Some(ptr) }),
            None => self.head = Some(ptr),
        }
        self.tail = Some(ptr);
        // Under the lock: from now on the node is the list's (rule 2).
        waiter.queued.store(true, Relaxed);
    }

    /// Unlinks `waiter` if it is still queued. `true`: it was, and it is now
    /// out with the payload its last waker left; `false`: someone unlinked it
    /// first. Either way the owner owns the node afterwards.
    ///
    /// # Safety
    /// If `waiter` is queued, it is queued on this list (rule 4).
    pub(crate) unsafe fn remove(&mut self, waiter: Pin<&mut Waiter<P>>) -> bool {
        // Under the lock the flag cannot change (rule 2).
        if !waiter.queued.load(Relaxed) {
            return false;
        }
        // SAFETY: queued on this list (caller), whose lock we hold.
        unsafe { self.unlink(NonNull::from(&*waiter)) };
        true
    }

    /// Replaces the waker of `waiter` unless the stored one wakes the same
    /// task; `false` (and nothing changed) if it is no longer queued.
    ///
    /// # Safety
    /// If `waiter` is queued, it is queued on this list (rule 4).
    pub(crate) unsafe fn set_waker(&mut self, waiter: Pin<&mut Waiter<P>>, waker: &Waker) -> bool {
        if !waiter.queued.load(Relaxed) {
            return false;
        }
        // SAFETY: queued on this list (caller), whose lock we hold: the node
        // is ours (rule 1).
        waiter.node.with_mut(|node| unsafe {
            match &mut (*node).waker {
                Some(old) if old.will_wake(waker) => {}
                slot => *slot = Some(waker.clone()),
            }
        });
        true
    }

    /// Runs `f` on the payload of the first waiter, if any.
    pub(crate) fn with_front<R>(&mut self, f: impl FnOnce(&mut P) -> R) -> Option<R> {
        let head = self.head?;
        // SAFETY: the head is queued on this list, whose lock we hold, and
        // live (rules 1, 3).
        Some(
            unsafe { head.as_ref() }
                .node
                .with_mut(|node| f(unsafe { &mut (*node).payload })),
        )
    }

    /// Runs `f` on the payload of the last waiter, if any.
    pub(crate) fn with_back<R>(&mut self, f: impl FnOnce(&mut P) -> R) -> Option<R> {
        let tail = self.tail?;
        // SAFETY: as for `with_front`.
        Some(
            unsafe { tail.as_ref() }
                .node
                .with_mut(|node| f(unsafe { &mut (*node).payload })),
        )
    }

    /// Unlinks the first waiter: `Some` of the waker it left (if any), or
    /// `None` if the list is empty. Its payload is as the last `with_front`
    /// left it; its owner reads it next.
    pub(crate) fn pop_front(&mut self) -> Option<Option<Waker>> {
        let head = self.head?;
        // SAFETY: the head is queued on this list, whose lock we hold.
        Some(unsafe { self.unlink(head) })
    }

    /// Unlinks the last waiter, as [`pop_front`](Self::pop_front) does the
    /// first.
    pub(crate) fn pop_back(&mut self) -> Option<Option<Waker>> {
        let tail = self.tail?;
        // SAFETY: the tail is queued on this list, whose lock we hold.
        Some(unsafe { self.unlink(tail) })
    }

    /// Moves every waiter of `other` to the back of this list, in order.
    /// Both lists must sit behind the same lock (rule 4); the owners of the
    /// moved waiters must be able to tell that they moved.
    pub(crate) fn append(&mut self, other: &mut WaitList<P>) {
        let Some(first) = other.head.take() else {
            return;
        };
        let last = other.tail.take();
        match self.tail {
            None => self.head = Some(first),
            Some(tail) => {
                // SAFETY: both nodes are queued on lists behind the lock we
                // hold, and live (rules 1, 3, 4).
                unsafe {
                    tail.as_ref()
                        .node
                        .with_mut(|node| (*node).next = Some(first));
                    first
                        .as_ref()
                        .node
                        .with_mut(|node| (*node).prev = Some(tail));
                }
            }
        }
        self.tail = last;
    }

    /// Unlinks `ptr`, takes its waker and hands the node back to its owner.
    ///
    /// # Safety
    /// `ptr` is queued on this list, whose lock the caller holds.
    unsafe fn unlink(&mut self, ptr: NonNull<Waiter<P>>) -> Option<Waker> {
        // SAFETY: queued on this list, so live (rule 3) and ours (rule 1).
        let waiter = unsafe { ptr.as_ref() };
        // SAFETY: as above.
        let (prev, next, waker) = waiter.node.with_mut(|node| unsafe {
            let node = &mut *node;
            (node.prev.take(), node.next.take(), node.waker.take())
        });
        match prev {
            // SAFETY: a neighbour is queued on this list too (rules 1, 3).
            Some(prev) => unsafe { prev.as_ref() }
                .node
                .with_mut(|node| unsafe { (*node).next = next }),
            None => self.head = next,
        }
        match next {
            // SAFETY: as above.
            Some(next) => unsafe { next.as_ref() }
                .node
                .with_mut(|node| unsafe { (*node).prev = prev }),
            None => self.tail = prev,
        }
        // The last access to the node: it is its owner's again (rule 2).
        waiter.queued.store(false, Release);
        waker
    }
}

impl<P> Waiter<P> {
    /// A node, not queued, holding `payload`.
    pub(crate) fn new(payload: P) -> Waiter<P> {
        Waiter {
            queued: AtomicBool::new(false),
            node: UnsafeCell::new(Node {
                prev: None,
                next: None,
                waker: None,
                payload,
            }),
            _pinned: PhantomPinned,
        }
    }

    /// Whether the node is in a list. A `false` from the owner makes the
    /// node the owner's, with everything its unlinker wrote (rule 2).
    pub(crate) fn is_queued(&self) -> bool {
        self.queued.load(Acquire)
    }

    /// Runs `f` on the payload, unless the node is queued (then `None`).
    pub(crate) fn with_payload<R>(self: Pin<&mut Self>, f: impl FnOnce(&mut P) -> R) -> Option<R> {
        if self.is_queued() {
            return None;
        }
        // SAFETY: not queued, and `Pin<&mut Self>` makes us the owner: the
        // node is ours (rules 1, 2).
        Some(
            self.node
                .with_mut(|node| f(unsafe { &mut (*node).payload })),
        )
    }
}

impl<P> Drop for Waiter<P> {
    fn drop(&mut self) {
        // A queued node being freed would leave a dangling pointer in its
        // list (rule 3): the primitives must never let that happen.
        debug_assert!(
            !self.queued.load(Relaxed),
            "a waiter was dropped while still queued"
        );
    }
}

impl<P> fmt::Debug for WaitList<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitList")
            .field("empty", &self.is_empty())
            .finish()
    }
}

impl<P> fmt::Debug for Waiter<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiter")
            .field("queued", &self.queued.load(Relaxed))
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::pin::pin;
    use std::sync::Arc;
    use std::task::Wake;

    use super::*;

    struct Flag(std::sync::atomic::AtomicBool);

    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }

    fn flag_waker() -> (Arc<Flag>, Waker) {
        let flag = Arc::new(Flag(std::sync::atomic::AtomicBool::new(false)));
        (flag.clone(), Waker::from(flag))
    }

    #[test]
    fn fifo_order_and_payloads() {
        let mut list = WaitList::new();
        let mut a = pin!(Waiter::new(0u32));
        let mut b = pin!(Waiter::new(0u32));
        let mut c = pin!(Waiter::new(0u32));
        // SAFETY: every node is unlinked before the end of the test.
        unsafe {
            list.push_back(a.as_mut(), None, 1);
            list.push_back(b.as_mut(), None, 2);
            list.push_back(c.as_mut(), None, 3);
        }
        assert_eq!(list.with_front(|p| *p), Some(1));
        assert_eq!(list.with_back(|p| *p), Some(3));
        list.with_front(|p| *p = 10);
        assert!(list.pop_front().is_some());
        assert!(!a.is_queued());
        assert_eq!(a.as_mut().with_payload(|p| *p), Some(10));
        assert_eq!(b.as_mut().with_payload(|p| *p), None);
        assert!(list.pop_back().is_some());
        assert!(!c.is_queued());
        assert_eq!(list.with_front(|p| *p), Some(2));
        assert!(list.pop_front().is_some());
        assert!(list.is_empty());
        assert!(list.pop_front().is_none());
    }

    #[test]
    fn remove_from_the_middle_and_the_ends() {
        let mut list = WaitList::new();
        let mut nodes = [
            Box::pin(Waiter::new(0)),
            Box::pin(Waiter::new(1)),
            Box::pin(Waiter::new(2)),
            Box::pin(Waiter::new(3)),
        ];
        for (i, node) in nodes.iter_mut().enumerate() {
            // SAFETY: every node is unlinked before the end of the test.
            unsafe { list.push_back(node.as_mut(), None, i) };
        }
        // SAFETY: the nodes are queued on `list` or on none.
        unsafe {
            assert!(list.remove(nodes[1].as_mut()));
            assert!(!list.remove(nodes[1].as_mut()));
            assert!(list.remove(nodes[3].as_mut()));
            assert!(list.remove(nodes[0].as_mut()));
        }
        assert_eq!(list.with_front(|p| *p), Some(2));
        assert_eq!(list.with_back(|p| *p), Some(2));
        // SAFETY: as above.
        unsafe { assert!(list.remove(nodes[2].as_mut())) };
        assert!(list.is_empty());
    }

    #[test]
    fn wakers_are_kept_replaced_and_handed_out() {
        let mut list = WaitList::new();
        let mut a = pin!(Waiter::new(()));
        let (first, first_waker) = flag_waker();
        let (second, second_waker) = flag_waker();
        // SAFETY: the node is unlinked before the end of the test.
        unsafe {
            list.push_back(a.as_mut(), Some(first_waker), ());
            assert!(list.set_waker(a.as_mut(), &second_waker));
        }
        list.pop_front().unwrap().unwrap().wake();
        assert!(!first.0.load(std::sync::atomic::Ordering::SeqCst));
        assert!(second.0.load(std::sync::atomic::Ordering::SeqCst));
        // SAFETY: not queued.
        unsafe { assert!(!list.set_waker(a.as_mut(), &second_waker)) };
    }

    #[test]
    fn append_moves_every_node_in_order() {
        let mut main = WaitList::new();
        let mut aside = WaitList::new();
        let mut nodes: Vec<_> = (0..5).map(|i| Box::pin(Waiter::new(i))).collect();
        for (i, node) in nodes.iter_mut().enumerate() {
            let list = if i < 2 { &mut aside } else { &mut main };
            // SAFETY: every node is unlinked before the end of the test.
            unsafe { list.push_back(node.as_mut(), None, i) };
        }
        aside.append(&mut main);
        assert!(main.is_empty());
        main.append(&mut WaitList::new());
        assert!(main.is_empty());
        // SAFETY: node 3 is queued on `aside` now.
        unsafe { assert!(aside.remove(nodes[3].as_mut())) };
        let mut order = Vec::new();
        while let Some(i) = aside.with_front(|p| *p) {
            order.push(i);
            aside.pop_front();
        }
        assert_eq!(order, [0, 1, 2, 4]);
    }
}
