use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};

use super::*;

/// A waker that logs its id when woken.
struct Logged {
    id: u64,
    log: Arc<Mutex<Vec<u64>>>,
}

impl Wake for Logged {
    fn wake(self: Arc<Self>) {
        self.log.lock().unwrap().push(self.id);
    }
}

struct Harness {
    wheel: Wheel,
    log: Arc<Mutex<Vec<u64>>>,
}

impl Harness {
    fn new() -> Harness {
        Harness {
            wheel: Wheel::new(),
            log: Arc::default(),
        }
    }

    fn waker(&self, id: u64) -> Waker {
        Waker::from(Arc::new(Logged {
            id,
            log: self.log.clone(),
        }))
    }

    /// Inserts a timer whose id is its deadline.
    fn insert(&mut self, deadline: u64) -> TimerKey {
        let waker = self.waker(deadline);
        self.wheel
            .insert(deadline, waker)
            .expect("deadline already reached")
    }

    /// Polls up to `now`, returning the ids fired, in order.
    fn advance(&mut self, now: u64) -> Vec<u64> {
        while let Some(waker) = self.wheel.poll(now) {
            waker.wake();
        }
        assert_eq!(self.wheel.elapsed(), now.max(self.wheel.elapsed()));
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

#[test]
fn a_reached_deadline_is_refused() {
    let mut h = Harness::new();
    assert!(h.wheel.insert(0, h.waker(0)).is_err());
    h.advance(10);
    assert!(h.wheel.insert(10, h.waker(10)).is_err());
    assert!(h.wheel.insert(11, h.waker(11)).is_ok());
}

#[test]
fn fires_at_its_tick_and_not_before() {
    let mut h = Harness::new();
    h.insert(5);
    assert!(h.advance(4).is_empty());
    assert_eq!(h.advance(5), [5]);
    assert_eq!(h.wheel.len(), 0);
    assert_eq!(h.wheel.next_expiration(), None);
}

/// Deadlines on both sides of every level boundary.
fn boundary_deadlines() -> Vec<u64> {
    let mut deadlines = Vec::new();
    for level in 0..LEVELS as u32 {
        let span = 1u64 << (SLOT_BITS * (level + 1));
        for d in [span - 1, span, span + 1, 2 * span + 3] {
            deadlines.push(d);
        }
    }
    deadlines.extend([1, 2, 7, 100, 3 * 4096 + 17]);
    deadlines.sort_unstable();
    deadlines.dedup();
    deadlines
}

#[test]
fn each_timer_fires_exactly_at_its_tick() {
    let mut h = Harness::new();
    // Only the deadlines under 2^20 are stepped through tick by tick.
    let deadlines: Vec<u64> = boundary_deadlines()
        .into_iter()
        .filter(|&d| d < 1 << 20)
        .collect();
    // Insert in a scrambled order: odd positions backwards, then even ones.
    let odd = deadlines.iter().skip(1).step_by(2).rev();
    for &d in odd.chain(deadlines.iter().step_by(2)) {
        h.insert(d);
    }
    assert_eq!(h.wheel.len(), deadlines.len());
    let last = *deadlines.last().unwrap();
    for now in 1..=last {
        let fired = h.advance(now);
        let expected: Vec<u64> = deadlines.iter().copied().filter(|&d| d == now).collect();
        assert_eq!(fired, expected, "at tick {now}");
    }
    assert_eq!(h.wheel.len(), 0);
}

#[test]
fn a_big_jump_fires_in_deadline_order() {
    let mut h = Harness::new();
    let deadlines = boundary_deadlines();
    for &d in deadlines.iter().rev() {
        h.insert(d);
    }
    let last = *deadlines.last().unwrap();
    assert_eq!(h.advance(last), deadlines);
}

#[test]
fn timers_due_at_the_same_tick_fire_in_insertion_order() {
    let mut h = Harness::new();
    for id in 0..5 {
        let waker = h.waker(id);
        h.wheel.insert(300, waker).unwrap();
    }
    assert_eq!(h.advance(1000), [0, 1, 2, 3, 4]);
}

#[test]
fn next_expiration_leads_to_each_deadline() {
    let mut h = Harness::new();
    assert_eq!(h.wheel.next_expiration(), None);
    h.insert(10);
    assert_eq!(h.wheel.next_expiration(), Some(10));
    h.insert(100);
    assert_eq!(h.wheel.next_expiration(), Some(10));
    assert_eq!(h.advance(10), [10]);
    // 100 sits in level 1, slot 1, which begins at tick 64.
    assert_eq!(h.wheel.next_expiration(), Some(64));
    assert!(h.advance(64).is_empty());
    assert_eq!(h.wheel.next_expiration(), Some(100));
    assert_eq!(h.advance(100), [100]);
    assert_eq!(h.wheel.next_expiration(), None);
}

#[test]
fn following_next_expiration_never_passes_a_deadline() {
    let mut h = Harness::new();
    let deadlines = boundary_deadlines();
    for &d in &deadlines {
        h.insert(d);
    }
    let mut fired = Vec::new();
    while let Some(next) = h.wheel.next_expiration() {
        assert!(next > h.wheel.elapsed());
        let min = h
            .wheel
            .entries
            .iter()
            .map(|(_, e)| e.deadline)
            .min()
            .unwrap();
        assert!(next <= min, "next expiration {next} after deadline {min}");
        let now = h.wheel.elapsed();
        let out = h.advance(next);
        assert!(out.iter().all(|&d| d > now && d <= next));
        fired.extend(out);
    }
    assert_eq!(fired, deadlines);
}

#[test]
fn far_future_deadlines_wait_in_overflow() {
    let mut h = Harness::new();
    let far = (1u64 << 40) + 5;
    h.insert(far);
    assert_eq!(h.wheel.entries[0].location, Location::Overflow);
    // The wheel stops when its top level comes round.
    assert_eq!(h.wheel.next_expiration(), Some(1 << WHEEL_BITS));
    assert!(h.advance(far - 1).is_empty());
    assert_eq!(h.advance(far), [far]);
}

#[test]
fn a_deadline_across_the_top_rotation_boundary() {
    let mut h = Harness::new();
    let boundary = 1u64 << WHEEL_BITS;
    h.advance(boundary - 10);
    // Close, but it differs from `elapsed` above the top level's digit.
    h.insert(boundary + 5);
    h.insert(boundary - 3);
    assert_eq!(h.advance(boundary - 3), [boundary - 3]);
    assert!(h.advance(boundary + 4).is_empty());
    assert_eq!(h.advance(boundary + 5), [boundary + 5]);
}

#[test]
fn removed_timers_never_fire() {
    let mut h = Harness::new();
    let a = h.insert(5);
    let b = h.insert(70);
    let c = h.insert(1 << 40);
    h.insert(6);
    assert!(h.wheel.remove(a).is_some());
    assert!(h.wheel.remove(b).is_some());
    assert!(h.wheel.remove(c).is_some());
    assert!(h.wheel.remove(a).is_none());
    assert_eq!(h.wheel.len(), 1);
    assert_eq!(h.advance(1 << 41), [6]);
}

#[test]
fn a_stale_key_misses_the_timer_that_reuses_its_slot() {
    let mut h = Harness::new();
    let old = h.insert(5);
    assert_eq!(h.advance(5), [5]);
    let new = h.insert(9);
    assert_eq!(old.index, new.index, "the slab should reuse the index");
    assert!(h.wheel.remove(old).is_none());
    assert!(h.wheel.waker_mut(old).is_none());
    assert!(matches!(h.wheel.reset(old, 100), Reset::Gone));
    assert_eq!(h.advance(9), [9]);
}

#[test]
fn reset_moves_a_timer_both_ways() {
    let mut h = Harness::new();
    let key = h.insert(1000);
    assert!(matches!(h.wheel.reset(key, 20), Reset::Moved));
    let other = h.insert(30);
    assert!(matches!(h.wheel.reset(other, 5000), Reset::Moved));
    let log = h.advance(4999);
    assert_eq!(log, [1000], "the first timer fires at 20 (its id is 1000)");
    assert_eq!(h.advance(5000), [30]);
    let key = h.insert(6000);
    assert!(matches!(h.wheel.reset(key, 4000), Reset::Due(_)));
    assert_eq!(h.wheel.len(), 0);
}

#[test]
fn close_hands_out_every_waker() {
    let mut h = Harness::new();
    h.insert(3);
    h.insert(300);
    h.insert(1 << 40);
    let wakers = h.wheel.close();
    assert_eq!(wakers.len(), 3);
    assert_eq!(h.wheel.len(), 0);
    assert_eq!(h.wheel.next_expiration(), None);
    assert!(h.wheel.insert(u64::MAX / 2, h.waker(0)).is_err());
    assert!(h.wheel.poll(10).is_none());
}

/// A deterministic pseudo-random sequence (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[test]
fn agrees_with_a_sorted_map() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut h = Harness::new();
    // id -> (deadline, key); ids are unique and increase.
    let mut model: BTreeMap<u64, (u64, TimerKey)> = BTreeMap::new();
    let mut next_id = 0;
    for _ in 0..20_000 {
        let now = h.wheel.elapsed();
        match rng.next() % 8 {
            0..=3 => {
                let span = [64, 4096, 1 << 20, 1 << 38][(rng.next() % 4) as usize];
                let deadline = now + 1 + rng.next() % span;
                let id = next_id;
                next_id += 1;
                let key = h.wheel.insert(deadline, h.waker(id)).unwrap();
                model.insert(id, (deadline, key));
            }
            4 => {
                if let Some(&id) = model.keys().nth((rng.next() % 16) as usize) {
                    let (_, key) = model.remove(&id).unwrap();
                    assert!(h.wheel.remove(key).is_some());
                }
            }
            5 => {
                if let Some(&id) = model.keys().nth((rng.next() % 16) as usize) {
                    let deadline = now + 1 + rng.next() % 10_000;
                    let entry = model.get_mut(&id).unwrap();
                    assert!(matches!(h.wheel.reset(entry.1, deadline), Reset::Moved));
                    entry.0 = deadline;
                }
            }
            _ => {
                let target = match h.wheel.next_expiration() {
                    Some(next) if rng.next() % 2 == 0 => next,
                    _ => now + rng.next() % 5000,
                };
                let fired = h.advance(target);
                let mut expected: Vec<(u64, u64)> = model
                    .iter()
                    .filter(|(_, &(deadline, _))| deadline <= target)
                    .map(|(&id, &(deadline, _))| (deadline, id))
                    .collect();
                expected.sort_unstable();
                for (_, id) in &expected {
                    model.remove(id);
                }
                let fired_deadlines: Vec<u64> = expected.iter().map(|&(d, _)| d).collect();
                let expected_ids: Vec<u64> = expected.iter().map(|&(_, id)| id).collect();
                // Same set; deadline order (ties may come in any order).
                let mut sorted_fired = fired.clone();
                sorted_fired.sort_unstable();
                let mut sorted_expected = expected_ids.clone();
                sorted_expected.sort_unstable();
                assert_eq!(sorted_fired, sorted_expected);
                let order: Vec<u64> = fired
                    .iter()
                    .map(|id| fired_deadlines[expected_ids.iter().position(|x| x == id).unwrap()])
                    .collect();
                assert!(order.windows(2).all(|w| w[0] <= w[1]), "out of order");
            }
        }
        assert_eq!(h.wheel.len(), model.len());
    }
}
