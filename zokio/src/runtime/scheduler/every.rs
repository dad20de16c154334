//! A countdown that says yes once every `n` calls: the scheduler loops ask
//! it on every task, and a decrement costs less than the division a
//! `tick % n` needs when `n` is only known at run time.

/// Answers `true` on every `n`-th call to [`Every::tick`].
#[derive(Debug)]
pub(crate) struct Every {
    n: u32,
    left: u32,
}

impl Every {
    /// `n` is at least 1 (the configuration checks it); 0 counts as 1.
    pub(crate) fn new(n: u32) -> Every {
        let n = n.max(1);
        Every { n, left: n }
    }

    /// One more call: `true` if it is the `n`-th since the last `true`.
    #[inline]
    pub(crate) fn tick(&mut self) -> bool {
        self.left -= 1;
        if self.left == 0 {
            self.left = self.n;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Every;

    #[test]
    fn says_yes_on_every_nth_call() {
        let mut every = Every::new(3);
        let answers: Vec<bool> = (0..7).map(|_| every.tick()).collect();
        assert_eq!(answers, [false, false, true, false, false, true, false]);
        let mut always = Every::new(1);
        assert!((0..4).all(|_| always.tick()));
    }
}
