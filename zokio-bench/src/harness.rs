//! Timing, alternation and checks.
//!
//! A [`Workload`] is a pair of functions with the same body, one on Zokio and
//! one on Tokio. [`run`] builds a fresh runtime for every round outside the
//! timed region, runs Zokio then Tokio, round after round, and keeps the
//! median throughput of each, the median of the per-round ratios, and
//! whether both runtimes returned the same [`Work`].

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

/// Worker threads of the `multi_thread` and `thread_per_core` runtimes, on
/// both sides.
pub const WORKERS: usize = 2;

/// The scheduler flavour a row was measured on (see
/// `workloads::zokio_runtime` and `workloads::tokio_runtime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Every task on the thread that calls `block_on`, on both sides.
    CurrentThread,
    /// A work-stealing pool of [`WORKERS`] threads, on both sides.
    MultiThread,
    /// Zokio's thread-per-core runtime with [`WORKERS`] independent
    /// workers, against Tokio's multi-thread runtime with [`WORKERS`]
    /// workers: Tokio has no thread-per-core flavour.
    ThreadPerCore,
}

impl Flavor {
    /// Every flavour, in the order the rows are printed.
    pub const ALL: &'static [Flavor] = &[
        Flavor::CurrentThread,
        Flavor::MultiThread,
        Flavor::ThreadPerCore,
    ];

    /// The short name `--flavor` matches.
    pub fn name(self) -> &'static str {
        match self {
            Flavor::CurrentThread => "current_thread",
            Flavor::MultiThread => "multi_thread",
            Flavor::ThreadPerCore => "thread_per_core",
        }
    }

    /// The row label: what ran on each side, with the worker count.
    pub fn label(self) -> &'static str {
        match self {
            Flavor::CurrentThread => "current_thread",
            Flavor::MultiThread => "multi_thread(2)",
            Flavor::ThreadPerCore => "thread_per_core(2) vs tokio multi_thread(2)",
        }
    }
}

/// How big the workloads are: full size, or a fraction of it for `--quick`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    divisor: u64,
}

impl Scale {
    /// The sizes the workloads are named after.
    pub const FULL: Scale = Scale { divisor: 1 };
    /// About a tenth of the full sizes.
    pub const QUICK: Scale = Scale { divisor: 10 };

    /// `full` at this scale, never less than 1.
    pub fn of(self, full: u64) -> u64 {
        (full / self.divisor).max(1)
    }

    /// A word for the report.
    pub fn label(self) -> &'static str {
        if self == Scale::FULL {
            "full"
        } else {
            "quick"
        }
    }
}

/// What a workload did, computed from the results it actually got back:
/// how many units of work (spawns, yields, round trips, ...) completed, and
/// a wrapping sum of the values they produced. Zokio and Tokio must agree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Work {
    /// Units completed; throughput is `ops` per second.
    pub ops: u64,
    /// Wrapping sum of the values the units produced.
    pub checksum: u64,
}

impl Work {
    /// Counts `ops` units that produced `value`.
    pub fn add(&mut self, ops: u64, value: u64) {
        self.ops += ops;
        self.checksum = self.checksum.wrapping_add(value);
    }
}

impl fmt::Display for Work {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ops, checksum {:#018x}", self.ops, self.checksum)
    }
}

/// One timed run of one workload on one runtime.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// What it did.
    pub work: Work,
    /// How long it took, runtime construction and teardown excluded.
    pub elapsed: Duration,
}

impl Sample {
    /// Units per second.
    pub fn ops_per_sec(&self) -> f64 {
        self.work.ops as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Runs one workload once on a fresh runtime of one crate.
pub type RunFn = fn(Flavor, Scale) -> Sample;

/// A workload: its name and the same body compiled for each runtime.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    /// Name used in the report and matched by `--filter`.
    pub name: &'static str,
    /// The flavours it runs on, in report order.
    pub flavors: &'static [Flavor],
    /// How many ops a correct run does at a scale; both sides must return
    /// exactly this many, so that they cannot agree on the wrong work.
    pub expected_ops: fn(Scale) -> u64,
    /// The body on Zokio.
    pub zokio: RunFn,
    /// The body on Tokio.
    pub tokio: RunFn,
}

/// Times `body` on `runtime`. The runtime is built by the caller (before the
/// clock starts) and dropped here after it stops, so neither construction
/// nor shutdown is measured.
pub fn measure<R>(runtime: R, body: impl FnOnce(&R) -> Work) -> Sample {
    let start = Instant::now();
    let work = body(&runtime);
    let elapsed = start.elapsed();
    drop(runtime);
    Sample { work, elapsed }
}

/// Whether both runtimes did the same work in every round.
#[derive(Debug, Clone)]
pub enum Check {
    /// Same ops and checksum on both sides, in every round.
    Same,
    /// The first round where the two sides, or two rounds, disagreed.
    Mismatch {
        /// Round number: 0 is the warm-up, timed rounds count from 1.
        round: usize,
        /// Zokio's work that round.
        zokio: Work,
        /// Tokio's work that round.
        tokio: Work,
    },
    /// Both sides agreed, but not on the number of ops the workload must do.
    WrongOps {
        /// Round number, as for `Mismatch`.
        round: usize,
        /// What the workload's `expected_ops` says.
        expected: u64,
        /// What both sides counted.
        got: u64,
    },
    /// A run panicked; the remaining rounds were skipped.
    Panicked {
        /// Which runtime.
        runtime: &'static str,
        /// The panic's message.
        message: String,
    },
}

impl Check {
    /// True when the row can be trusted.
    pub fn is_ok(&self) -> bool {
        matches!(self, Check::Same)
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Check::Same => f.write_str("ok"),
            Check::Mismatch {
                round,
                zokio,
                tokio,
            } => write!(f, "round {round}: zokio {zokio}, tokio {tokio}"),
            Check::WrongOps {
                round,
                expected,
                got,
            } => write!(f, "round {round}: {got} ops, expected {expected}"),
            Check::Panicked { runtime, message } => write!(f, "{runtime} panicked: {message}"),
        }
    }
}

/// The result of one workload on one flavour.
#[derive(Debug, Clone)]
pub struct Row {
    /// Workload name.
    pub workload: &'static str,
    /// Scheduler flavour.
    pub flavor: Flavor,
    /// Zokio's median ops/s over the rounds.
    pub zokio_ops_per_sec: f64,
    /// Tokio's median ops/s over the rounds.
    pub tokio_ops_per_sec: f64,
    /// Median over the rounds of Zokio's ops/s divided by Tokio's.
    pub ratio: f64,
    /// Smallest per-round ratio.
    pub ratio_min: f64,
    /// Largest per-round ratio.
    pub ratio_max: f64,
    /// Zokio's work in the first round (equal to Tokio's when `check` is ok).
    pub work: Work,
    /// Whether the two sides agreed.
    pub check: Check,
}

/// Runs `workload` on `flavor`: one untimed warm-up run on each runtime
/// (first-touch page faults and lazy initialisation would otherwise land on
/// whichever side runs first), then `rounds` timed rounds, Zokio then Tokio.
pub fn run(workload: &Workload, flavor: Flavor, scale: Scale, rounds: usize) -> Row {
    let mut zokio = Vec::with_capacity(rounds);
    let mut tokio = Vec::with_capacity(rounds);
    let mut check = Check::Same;
    let mut reference: Option<Work> = None;
    let expected_ops = (workload.expected_ops)(scale);
    for round in 0..=rounds {
        let what = |side| {
            format!(
                "{} ({}) on {side}, round {round}",
                workload.name,
                flavor.label()
            )
        };
        let z = match guarded("zokio", &what("zokio"), || (workload.zokio)(flavor, scale)) {
            Ok(sample) => sample,
            Err(panicked) => {
                check = panicked;
                break;
            }
        };
        let t = match guarded("tokio", &what("tokio"), || (workload.tokio)(flavor, scale)) {
            Ok(sample) => sample,
            Err(panicked) => {
                check = panicked;
                break;
            }
        };
        let expected = *reference.get_or_insert(t.work);
        if z.work != t.work || t.work != expected {
            check = Check::Mismatch {
                round,
                zokio: z.work,
                tokio: t.work,
            };
        } else if z.work.ops != expected_ops {
            check = Check::WrongOps {
                round,
                expected: expected_ops,
                got: z.work.ops,
            };
        }
        if round > 0 {
            zokio.push(z);
            tokio.push(t);
        }
        if !check.is_ok() {
            break;
        }
    }

    let ratios: Vec<f64> = zokio
        .iter()
        .zip(&tokio)
        .map(|(z, t)| z.ops_per_sec() / t.ops_per_sec())
        .collect();
    Row {
        workload: workload.name,
        flavor,
        zokio_ops_per_sec: median(zokio.iter().map(Sample::ops_per_sec)),
        tokio_ops_per_sec: median(tokio.iter().map(Sample::ops_per_sec)),
        ratio: median(ratios.iter().copied()),
        ratio_min: ratios.iter().copied().fold(f64::NAN, f64::min),
        ratio_max: ratios.iter().copied().fold(f64::NAN, f64::max),
        work: zokio.first().map_or(Work::default(), |s| s.work),
        check,
    }
}

/// How long one run may take before the bench calls it a hang. A full-size
/// run takes well under a second.
const HANG_LIMIT: Duration = Duration::from_secs(60);

/// Runs `f`, turning a panic into [`Check::Panicked`]. If `f` has not
/// returned after [`HANG_LIMIT`], says which run hung and exits the process
/// with status 3: a hung runtime cannot be unwound, and a bench that never
/// ends would only show up as a CI timeout.
fn guarded(runtime: &'static str, what: &str, f: impl FnOnce() -> Sample) -> Result<Sample, Check> {
    let (done, watched) = mpsc::channel::<()>();
    let what = what.to_string();
    let watchdog = thread::Builder::new()
        .name("zokio-bench-watchdog".into())
        .spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = watched.recv_timeout(HANG_LIMIT) {
                eprintln!("zokio-bench: {what} still running after {HANG_LIMIT:?}: hung, exiting");
                std::process::exit(3);
            }
        })
        .expect("cannot start the watchdog thread");
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    drop(done);
    let _ = watchdog.join();
    result.map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".into());
        Check::Panicked { runtime, message }
    })
}

/// The median, or NaN for no values.
pub fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.into_iter().collect();
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median([3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median([4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median([]).is_nan());
    }

    #[test]
    fn quick_scale_never_reaches_zero() {
        assert_eq!(Scale::QUICK.of(100_000), 10_000);
        assert_eq!(Scale::QUICK.of(5), 1);
        assert_eq!(Scale::FULL.of(5), 5);
    }

    fn fake(flavor: Flavor, scale: Scale) -> Sample {
        let _ = (flavor, scale);
        let mut work = Work::default();
        work.add(10, 42);
        Sample {
            work,
            elapsed: Duration::from_millis(1),
        }
    }

    fn fake_other(flavor: Flavor, scale: Scale) -> Sample {
        let mut sample = fake(flavor, scale);
        sample.work.checksum += 1;
        sample
    }

    fn fake_panic(_: Flavor, _: Scale) -> Sample {
        panic!("boom")
    }

    fn row(zokio: RunFn, tokio: RunFn) -> Row {
        let workload = Workload {
            name: "fake",
            flavors: Flavor::ALL,
            expected_ops: |_| 10,
            zokio,
            tokio,
        };
        run(&workload, Flavor::CurrentThread, Scale::QUICK, 3)
    }

    #[test]
    fn same_work_passes_the_check() {
        let row = row(fake, fake);
        assert!(row.check.is_ok());
        assert_eq!(row.work.ops, 10);
    }

    #[test]
    fn different_work_fails_the_check() {
        assert!(matches!(
            row(fake, fake_other).check,
            Check::Mismatch { .. }
        ));
    }

    #[test]
    fn agreeing_on_the_wrong_ops_fails_the_check() {
        let workload = Workload {
            name: "fake",
            flavors: Flavor::ALL,
            expected_ops: |_| 11,
            zokio: fake,
            tokio: fake,
        };
        let check = run(&workload, Flavor::CurrentThread, Scale::QUICK, 1).check;
        assert!(
            matches!(
                check,
                Check::WrongOps {
                    expected: 11,
                    got: 10,
                    ..
                }
            ),
            "{check}"
        );
    }

    #[test]
    fn labels_name_the_worker_count() {
        for flavor in Flavor::ALL {
            if *flavor != Flavor::CurrentThread {
                assert!(flavor.label().contains(&format!("({WORKERS})")));
            }
            assert!(flavor.label().starts_with(flavor.name()));
        }
    }

    #[test]
    fn a_panic_fails_the_check() {
        let check = row(fake_panic, fake).check;
        assert!(
            matches!(
                check,
                Check::Panicked {
                    runtime: "zokio",
                    ..
                }
            ),
            "{check}"
        );
    }
}
