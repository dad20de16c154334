use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;

use super::{local, with_first_position, Index, Local, Overflow, Steal};

impl<T> Overflow<T> for Mutex<Vec<T>> {
    fn push(&self, task: T) {
        self.lock().unwrap().push(task);
    }

    fn push_batch<I: Iterator<Item = T>>(&self, iter: I) {
        self.lock().unwrap().extend(iter);
    }
}

fn overflow<T>() -> Mutex<Vec<T>> {
    Mutex::new(Vec::new())
}

fn drain<T>(queue: &mut Local<T>) -> Vec<T> {
    iter_pop(queue).collect()
}

fn iter_pop<T>(queue: &mut Local<T>) -> impl Iterator<Item = T> + '_ {
    std::iter::from_fn(move || queue.pop())
}

#[test]
fn pops_in_push_order() {
    let (steal, mut queue) = local(8);
    let overflow = overflow();
    assert!(!queue.has_tasks());
    assert_eq!(queue.max_capacity(), 8);
    for i in 0..5 {
        assert_eq!(queue.push_back_or_overflow(i, &overflow), 0);
    }
    assert_eq!(queue.len(), 5);
    assert_eq!(steal.len(), 5);
    assert_eq!(queue.remaining_slots(), 3);
    assert_eq!(drain(&mut queue), [0, 1, 2, 3, 4]);
    assert!(queue.pop().is_none());
    assert_eq!(steal.len(), 0);
    assert!(overflow.lock().unwrap().is_empty());
}

#[test]
fn push_back_takes_a_batch() {
    let (_, mut queue) = local(4);
    queue.push_back([1, 2].into_iter());
    queue.push_back([3, 4].into_iter());
    assert_eq!(queue.remaining_slots(), 0);
    assert_eq!(drain(&mut queue), [1, 2, 3, 4]);
}

#[test]
#[should_panic(expected = "pushed 3 tasks into a local queue with room for 2")]
fn push_back_without_room_panics() {
    let (_, mut queue) = local(4);
    queue.push_back([1, 2].into_iter());
    queue.push_back([3, 4, 5].into_iter());
}

#[test]
fn full_queue_moves_half_and_the_task_to_overflow() {
    let (_, mut queue) = local(8);
    let overflow = overflow();
    for i in 0..8 {
        assert_eq!(queue.push_back_or_overflow(i, &overflow), 0);
    }
    assert_eq!(queue.push_back_or_overflow(8, &overflow), 5);
    assert_eq!(*overflow.lock().unwrap(), [0, 1, 2, 3, 8]);
    assert_eq!(queue.len(), 4);
    assert_eq!(queue.push_back_or_overflow(9, &overflow), 0);
    assert_eq!(drain(&mut queue), [4, 5, 6, 7, 9]);
}

#[test]
fn steals_half_rounded_up() {
    let (steal, mut victim) = local(8);
    let (_, mut thief) = local(8);
    victim.push_back(0..5);
    assert_eq!(steal.steal_into(&mut thief), Some(2));
    assert_eq!(drain(&mut thief), [0, 1]);
    assert_eq!(drain(&mut victim), [3, 4]);
}

#[test]
fn steals_a_single_task() {
    let (steal, mut victim) = local(4);
    let (_, mut thief) = local(4);
    victim.push_back(0..1);
    assert_eq!(steal.steal_into(&mut thief), Some(0));
    assert!(!thief.has_tasks());
    assert!(!victim.has_tasks());
}

#[test]
fn steal_from_empty_finds_nothing() {
    let (steal, _victim) = local::<u32>(4);
    let (_, mut thief) = local(4);
    assert_eq!(steal.steal_into(&mut thief), None);
    assert!(!thief.has_tasks());
}

#[test]
fn steal_refused_when_destination_is_over_half_full() {
    let (steal, mut victim) = local(8);
    let (_, mut thief) = local(8);
    victim.push_back(0..4);
    thief.push_back(10..15);
    assert_eq!(steal.steal_into(&mut thief), None);
    assert_eq!(victim.len(), 4);
    assert_eq!(thief.pop(), Some(10));
    assert_eq!(steal.steal_into(&mut thief), Some(1));
    assert_eq!(drain(&mut thief), [11, 12, 13, 14, 0]);
}

/// Positions start just short of `Index::MAX` and run far past it, through
/// pushes, pops, overflows and steals.
#[test]
fn positions_wrap_around() {
    let (steal, mut queue) = with_first_position(8, Index::MAX - 300);
    let (_, mut thief) = with_first_position(8, Index::MAX - 5);
    let overflow = overflow();
    let mut seen = Vec::new();
    let mut next = 0u32;
    for round in 0..2000 {
        for _ in 0..round % 11 {
            let _ = queue.push_back_or_overflow(next, &overflow);
            next += 1;
        }
        if round % 3 == 0 {
            seen.extend(steal.steal_into(&mut thief));
            seen.extend(drain(&mut thief));
        }
        seen.extend(iter_pop(&mut queue).take(round % 7));
        assert!(queue.len() <= 8);
    }
    seen.extend(drain(&mut queue));
    seen.extend(overflow.into_inner().unwrap());
    seen.sort_unstable();
    assert!(seen.iter().copied().eq(0..next));
}

/// Counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn dropping_a_queue_drops_its_tasks_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (steal, mut victim) = local(8);
    let (_, mut thief) = local(8);
    victim.push_back((0..7).map(|_| Counted(drops.clone())));
    let stolen = steal.steal_into(&mut thief).unwrap();
    assert_eq!(thief.len(), 3);
    drop(victim);
    assert_eq!(drops.load(SeqCst), 3);
    drop(steal);
    drop(thief);
    assert_eq!(drops.load(SeqCst), 6);
    drop(stolen);
    assert_eq!(drops.load(SeqCst), 7);
}

#[test]
fn overflow_that_stops_early_drops_the_rest() {
    struct TakesOne(Mutex<Vec<Counted>>);
    impl Overflow<Counted> for TakesOne {
        fn push(&self, task: Counted) {
            self.0.lock().unwrap().push(task);
        }
        fn push_batch<I: Iterator<Item = Counted>>(&self, mut iter: I) {
            self.0.lock().unwrap().extend(iter.next());
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let (_, mut queue) = local(4);
    let overflow = TakesOne(Mutex::new(Vec::new()));
    queue.push_back((0..4).map(|_| Counted(drops.clone())));
    assert_eq!(
        queue.push_back_or_overflow(Counted(drops.clone()), &overflow),
        3
    );
    assert_eq!(drops.load(SeqCst), 2);
    assert_eq!(queue.len(), 2);
}

/// An owner pushing (with overflow) and popping against two stealers that
/// also steal from each other: every task is seen exactly once.
#[test]
fn stress_owner_and_two_stealers() {
    const TASKS: usize = 200_000;
    let (victim_steal, mut victim) = local::<usize>(64);
    let thieves: Vec<(Steal<usize>, Local<usize>)> = (0..2).map(|_| local(64)).collect();
    let peers: Vec<Steal<usize>> = thieves.iter().map(|(steal, _)| steal.clone()).collect();
    let done = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(3));

    let stealers: Vec<_> = thieves
        .into_iter()
        .enumerate()
        .map(|(me, (_, mut mine))| {
            let victims = [victim_steal.clone(), peers[1 - me].clone()];
            let done = done.clone();
            let start = start.clone();
            thread::spawn(move || {
                let mut seen = Vec::new();
                start.wait();
                loop {
                    let finished = done.load(SeqCst);
                    let mut found = false;
                    for victim in &victims {
                        if let Some(task) = victim.steal_into(&mut mine) {
                            seen.push(task);
                            found = true;
                        }
                    }
                    // Leave some behind for the other stealer to take.
                    let keep = mine.len() / 2;
                    while mine.len() > keep {
                        match mine.pop() {
                            Some(task) => seen.push(task),
                            None => break,
                        }
                    }
                    if finished && !found {
                        seen.extend(drain(&mut mine));
                        return seen;
                    }
                }
            })
        })
        .collect();

    let overflow = overflow();
    let mut seen = Vec::new();
    let mut overflowed = 0;
    start.wait();
    for task in 0..TASKS {
        overflowed += victim.push_back_or_overflow(task, &overflow);
        if task % 3 == 0 {
            seen.extend(victim.pop());
        }
    }
    seen.extend(drain(&mut victim));
    done.store(true, SeqCst);
    for stealer in stealers {
        seen.extend(stealer.join().unwrap());
    }
    let overflow = overflow.into_inner().unwrap();
    assert_eq!(overflow.len(), overflowed);
    seen.extend(overflow);
    seen.sort_unstable();
    assert!(seen.iter().copied().eq(0..TASKS));
}
