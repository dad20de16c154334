//! Loom models of the local run queue: in every interleaving of push, pop,
//! overflow and steal, each task is dropped exactly once by the end — none
//! lost, leaked or duplicated. The models start their positions just short of
//! `Index::MAX`, so that they also cross the wrap.
//!
//! Each model also reports an outcome per execution, and the test checks
//! that the races it is about were all explored.
//!
//! Run with `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p zokio
//! --lib --release loom_`.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::sync::{Arc as StdArc, Mutex as StdMutex};

use loom::thread;

use super::{local, with_first_position, Index, Local, Overflow, Steal};

/// A task that records its id when dropped. The record lives outside the
/// model (plain `std`), one per execution.
struct Task {
    id: usize,
    dropped: StdArc<StdMutex<Vec<usize>>>,
}

impl Drop for Task {
    fn drop(&mut self) {
        self.dropped.lock().unwrap().push(self.id);
    }
}

#[derive(Default)]
struct Tracker {
    dropped: StdArc<StdMutex<Vec<usize>>>,
}

impl Tracker {
    fn task(&self, id: usize) -> Task {
        Task {
            id,
            dropped: self.dropped.clone(),
        }
    }

    /// Asserts that tasks `0..count`, and no others, were each dropped once.
    fn check(&self, count: usize) {
        let mut dropped = self.dropped.lock().unwrap().clone();
        dropped.sort_unstable();
        assert_eq!(dropped, (0..count).collect::<Vec<_>>());
    }
}

/// The owner's overflow. Only the owner's thread uses it, so a `RefCell`
/// keeps it out of the model's state space.
#[derive(Default)]
struct Spill(RefCell<Vec<Task>>);

impl Overflow<Task> for Spill {
    fn push(&self, task: Task) {
        self.0.borrow_mut().push(task);
    }

    fn push_batch<I: Iterator<Item = Task>>(&self, iter: I) {
        self.0.borrow_mut().extend(iter);
    }
}

fn drain(queue: &mut Local<Task>) -> Vec<Task> {
    std::iter::from_fn(|| queue.pop()).collect()
}

const NEAR_WRAP: Index = Index::MAX - 1;

/// Runs `model` in every interleaving that loom explores, and returns the
/// set of outcomes it returned.
fn explore<O>(model: impl Fn() -> O + Sync + Send + 'static) -> BTreeSet<O>
where
    O: Ord + Send + 'static,
{
    let outcomes = StdArc::new(StdMutex::new(BTreeSet::new()));
    let record = outcomes.clone();
    loom::model(move || {
        let outcome = model();
        record.lock().unwrap().insert(outcome);
    });
    let outcomes = std::mem::take(&mut *outcomes.lock().unwrap());
    outcomes
}

/// A stealer with its own queue: steals `times` times, popping everything
/// it got after each.
fn steal_and_drain(steal: Steal<Task>, times: usize) -> Vec<Task> {
    let (_, mut mine) = local(4);
    let mut got = Vec::new();
    for _ in 0..times {
        got.extend(steal.steal_into(&mut mine));
        got.extend(drain(&mut mine));
    }
    got
}

#[test]
fn loom_owner_push_and_pop_against_a_stealer() {
    let stolen_counts = explore(|| {
        let tracker = Tracker::default();
        let spill = Spill::default();
        let (steal, mut owner) = with_first_position(4, NEAR_WRAP);
        assert_eq!(owner.push_back_or_overflow(tracker.task(0), &spill), 0);

        let thief = thread::spawn(move || steal_and_drain(steal, 2));

        assert_eq!(owner.push_back_or_overflow(tracker.task(1), &spill), 0);
        assert_eq!(owner.push_back_or_overflow(tracker.task(2), &spill), 0);
        let popped = owner.pop();
        // Tasks 3 and 4 reuse the slots of 0 and 1, which the stealer may
        // be reading; with a claim in progress, 4 finds the queue full.
        assert_eq!(owner.push_back_or_overflow(tracker.task(3), &spill), 0);
        let moved = owner.push_back_or_overflow(tracker.task(4), &spill);
        assert!(moved <= 1, "moved {moved}");
        let rest = drain(&mut owner);

        let stolen = thief.join().unwrap();
        let count = stolen.len();
        drop((popped, rest, stolen, owner, spill));
        tracker.check(5);
        count
    });
    assert!((0..=3).all(|count| stolen_counts.contains(&count)));
}

#[test]
fn loom_two_stealers_against_the_owner() {
    let stolen_counts = explore(|| {
        let tracker = Tracker::default();
        let (steal, mut owner) = with_first_position(4, NEAR_WRAP);
        owner.push_back((0..4).map(|id| tracker.task(id)));

        let thieves: Vec<_> = (0..2)
            .map(|_| {
                let steal = steal.clone();
                thread::spawn(move || steal_and_drain(steal, 1))
            })
            .collect();

        let popped = owner.pop();
        let spill = Spill::default();
        let _ = owner.push_back_or_overflow(tracker.task(4), &spill);
        let stolen: Vec<_> = thieves.into_iter().map(|t| t.join().unwrap()).collect();
        let counts = (stolen[0].len(), stolen[1].len());
        // Dropping the owner's handle drops what is left.
        drop((popped, stolen, owner, steal, spill));
        tracker.check(5);
        counts
    });
    // In some executions one stealer is turned away by the other's claim in
    // progress (the queue never runs dry here); in others both steal.
    assert!(stolen_counts.contains(&(0, 2)) && stolen_counts.contains(&(2, 0)));
    assert!(stolen_counts.iter().any(|&(a, b)| a > 0 && b > 0));
}

#[test]
fn loom_overflow_while_a_steal_is_in_progress() {
    let moved = explore(|| {
        let tracker = Tracker::default();
        let spill = Spill::default();
        let (steal, mut owner) = with_first_position(4, NEAR_WRAP);
        owner.push_back((0..4).map(|id| tracker.task(id)));

        let thief = thread::spawn(move || steal_and_drain(steal, 1));
        // Let the stealer start without spending a preemption on it.
        thread::yield_now();

        let first = owner.push_back_or_overflow(tracker.task(4), &spill);
        // A pop in the middle of a claim must not free the claimed slots
        // for the next push.
        let popped = owner.pop();
        let second = owner.push_back_or_overflow(tracker.task(5), &spill);
        assert_eq!(spill.0.borrow().len(), first + second);

        let stolen = thief.join().unwrap();
        drop((popped, stolen, owner, spill));
        tracker.check(6);
        first
    });
    // Full, so half the queue and the task go to the spill in one batch; or,
    // with a claim in progress, the task alone; or, after the claim ends, the
    // task is queued in the room the stealer freed.
    assert_eq!(moved, BTreeSet::from([0, 1, 3]));
}

#[test]
fn loom_thief_pops_what_it_stole_while_stolen_from() {
    let outcomes = explore(|| {
        let tracker = Tracker::default();
        let (victim_steal, mut victim) = with_first_position(8, NEAR_WRAP);
        victim.push_back((0..6).map(|id| tracker.task(id)));
        let (thief_steal, mut thief) = with_first_position(8, NEAR_WRAP);

        let thief_thread = thread::spawn(move || {
            // Three tasks: two into the thief's queue, one returned.
            let first = victim_steal.steal_into(&mut thief);
            assert!(first.is_some());
            let popped = thief.pop();
            // Dropping the thief's handle drops what is left in it.
            (first, popped)
        });
        // Threads of their own on both sides, so that loom's first execution
        // runs the thief's writes before these reads and explores back from
        // there.
        let second_thread = thread::spawn(move || steal_and_drain(thief_steal, 1));

        let (first, popped) = thief_thread.join().unwrap();
        let second = second_thread.join().unwrap();
        let outcome = (popped.is_some(), second.len());
        assert_eq!(victim.len(), 3);
        drop((first, popped, second, victim));
        tracker.check(6);
        outcome
    });
    assert!(outcomes.contains(&(true, 0)) && outcomes.contains(&(true, 1)));
}
