//! The report: a text table on stdout, the same as Markdown in
//! `report.md`, and a bar chart of the ratios in `report.svg`, both under
//! `target/zokio-bench/`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::harness::{Row, Scale};

/// When, where and how the run was made.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// UTC date and time the run started.
    pub date: String,
    /// CPUs this process may use (what `nproc` prints).
    pub cpus: usize,
    /// CPU model from `/proc/cpuinfo`.
    pub cpu_model: String,
    /// Kernel name and release.
    pub kernel: String,
    /// The compiler that built the bench.
    pub rustc: &'static str,
    /// The Tokio version linked in.
    pub tokio: &'static str,
    /// The workspace's git commit, `-dirty` when the work tree differs.
    pub commit: Option<String>,
    /// Full or quick sizes.
    pub scale: Scale,
    /// Timed rounds per runtime and workload.
    pub rounds: usize,
    /// The arguments the bench was run with.
    pub args: String,
}

impl RunInfo {
    /// Gathers the facts about this machine and run.
    pub fn collect(scale: Scale, rounds: usize) -> RunInfo {
        RunInfo {
            date: utc_now(),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model: cpu_model().unwrap_or_else(|| "unknown CPU".into()),
            kernel: kernel().unwrap_or_else(|| "unknown kernel".into()),
            rustc: env!("ZOKIO_BENCH_RUSTC"),
            tokio: env!("ZOKIO_BENCH_TOKIO"),
            commit: git_commit(),
            scale,
            rounds,
            args: std::env::args().skip(1).collect::<Vec<_>>().join(" "),
        }
    }

    /// One line per fact, for stdout and the Markdown header.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "date:    {}", self.date);
        let _ = writeln!(
            s,
            "machine: {} CPUs, {}, {}",
            self.cpus, self.cpu_model, self.kernel
        );
        let _ = writeln!(
            s,
            "build:   zokio {}{}, tokio {}, {}",
            env!("CARGO_PKG_VERSION"),
            self.commit
                .as_deref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default(),
            self.tokio,
            self.rustc
        );
        let _ = write!(
            s,
            "run:     {} sizes, 1 warm-up and {} timed round{} per runtime, alternating zokio/tokio{}",
            self.scale.label(),
            self.rounds,
            if self.rounds == 1 { "" } else { "s" },
            if self.args.is_empty() {
                String::new()
            } else {
                format!(" (args: {})", self.args)
            }
        );
        s
    }
}

/// Width of the workload column of the stdout table: the longest name
/// (`mpsc_uncontended_unbounded`; a test checks that every name fits).
pub const WORKLOAD_WIDTH: usize = 26;

/// Width of the flavour column of the stdout table: the longest label.
const FLAVOR_WIDTH: usize = 43;

/// The header of the stdout table.
pub fn text_header() -> String {
    format!(
        "{:<WORKLOAD_WIDTH$} {:<FLAVOR_WIDTH$} {:>13} {:>13} {:>12} {:>13} {:>10}  check",
        "workload", "flavour", "zokio ops/s", "tokio ops/s", "zokio/tokio", "round range", "ops"
    )
}

/// One row of the stdout table.
pub fn text_row(row: &Row) -> String {
    format!(
        "{:<WORKLOAD_WIDTH$} {:<FLAVOR_WIDTH$} {:>13} {:>13} {:>12} {:>13} {:>10}  {}",
        row.workload,
        row.flavor.label(),
        rate(row.zokio_ops_per_sec),
        rate(row.tokio_ops_per_sec),
        ratio(row.ratio),
        range(row),
        row.work.ops,
        check(row)
    )
}

/// The Markdown report.
pub fn markdown(run: &RunInfo, rows: &[Row]) -> String {
    let mut s = String::from("# zokio-bench\n\n");
    for line in run.summary().lines() {
        let (key, value) = line.split_once(':').unwrap_or(("", line));
        let _ = writeln!(s, "- {key}: {}", value.trim());
    }
    s.push_str(
        "\nops/s: median over the timed rounds. zokio/tokio: median of the per-round \
         ratios (above 1 means Zokio is faster); round range: the smallest and largest \
         of them. check: both runtimes returned the same ops count and checksum in \
         every round, and as many ops as the workload must do. Flavours: \
         `current_thread` and `multi_thread(2)` (2 worker threads) are the same \
         kind of runtime on both sides; `thread_per_core(2) vs tokio multi_thread(2)` \
         is Zokio's thread-per-core runtime (2 independent current-thread workers; \
         a task spawned on a worker stays there) against Tokio's multi-thread \
         runtime with 2 workers, as Tokio has no thread-per-core runtime. On the \
         2-worker flavours each workload's root future runs in a task spawned \
         from `block_on`, on both sides; the sync workloads (channels, locks, \
         `Notify`) spawn theirs on current_thread too, and do not run on \
         thread_per_core, where all their tasks would stay on one worker.\n\n",
    );
    s.push_str(
        "| workload | flavour | Zokio ops/s | Tokio ops/s | Zokio/Tokio | round range | ops | check |\n",
    );
    s.push_str("|---|---|--:|--:|--:|--:|--:|---|\n");
    for row in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | **{}** | {} | {} | {} |",
            row.workload,
            row.flavor.label(),
            rate(row.zokio_ops_per_sec),
            rate(row.tokio_ops_per_sec),
            ratio(row.ratio),
            range(row),
            row.work.ops,
            check(row).replace('|', "\\|")
        );
    }
    s.push_str("\n![ratios](report.svg)\n");
    s
}

/// A horizontal bar chart of the ratios, with a line at 1×.
pub fn svg(run: &RunInfo, rows: &[Row]) -> String {
    // Room for the longest `workload (flavour)` label, at about 7 px a
    // character of the 13 px sans-serif font.
    let longest = rows
        .iter()
        .map(|row| row.workload.chars().count() + row.flavor.label().chars().count() + 3)
        .max()
        .unwrap_or(0);
    let left = (longest as f64 * 7.0 + 16.0).max(290.0);
    const PLOT: f64 = 440.0;
    const BAR: f64 = 22.0;
    const GAP: f64 = 8.0;
    const TOP: f64 = 56.0;
    let finite = |r: f64| if r.is_finite() { r } else { 0.0 };
    let largest = rows.iter().map(|r| finite(r.ratio)).fold(1.0_f64, f64::max);
    let scale_max = ((largest * 1.1) * 2.0).ceil() / 2.0;
    let step = if scale_max > 6.0 { 1.0 } else { 0.5 };
    let x = |r: f64| left + PLOT * (r / scale_max).clamp(0.0, 1.0);
    let height = TOP + rows.len() as f64 * (BAR + GAP) + 40.0;
    let width = left + PLOT + 80.0;

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="10" y="22" font-size="15" font-weight="bold">Zokio / Tokio throughput (higher is better for Zokio)</text>"#
    );
    let _ = writeln!(
        s,
        r##"<text x="10" y="40" fill="#555">{} · {} CPUs · {} · {} sizes, median of {} rounds</text>"##,
        escape(&run.date),
        run.cpus,
        escape(&run.cpu_model),
        run.scale.label(),
        run.rounds
    );
    let axis_bottom = height - 34.0;
    let mut tick = 0.0;
    while tick <= scale_max + 1e-9 {
        let tx = x(tick);
        let _ = writeln!(
            s,
            r##"<line x1="{tx:.1}" y1="{TOP}" x2="{tx:.1}" y2="{axis_bottom}" stroke="#e4e4e4"/>"##
        );
        let _ = writeln!(
            s,
            r##"<text x="{tx:.1}" y="{:.1}" text-anchor="middle" fill="#555">{tick}×</text>"##,
            axis_bottom + 16.0
        );
        tick += step;
    }
    for (i, row) in rows.iter().enumerate() {
        let y = TOP + GAP / 2.0 + i as f64 * (BAR + GAP);
        let label = format!("{} ({})", row.workload, row.flavor.label());
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            left - 8.0,
            y + BAR * 0.7,
            escape(&label)
        );
        let (fill, text) = if !row.check.is_ok() {
            ("#9e9e9e", "FAIL".to_string())
        } else if row.ratio >= 1.0 {
            ("#2e7d32", ratio(row.ratio))
        } else {
            ("#c62828", ratio(row.ratio))
        };
        let bar_end = x(finite(row.ratio));
        let _ = writeln!(
            s,
            r#"<rect x="{left}" y="{y:.1}" width="{:.1}" height="{BAR}" fill="{fill}"/>"#,
            bar_end - left
        );
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}">{}</text>"#,
            bar_end + 6.0,
            y + BAR * 0.7,
            escape(&text)
        );
    }
    let one = x(1.0);
    let _ = writeln!(
        s,
        r##"<line x1="{one:.1}" y1="{:.1}" x2="{one:.1}" y2="{axis_bottom}" stroke="#000" stroke-dasharray="4 3"/>"##,
        TOP - 6.0
    );
    s.push_str("</svg>\n");
    s
}

/// Writes `report.md` and `report.svg`; returns their paths.
pub fn write_files(run: &RunInfo, rows: &[Row]) -> std::io::Result<Vec<String>> {
    let dir = report_dir();
    std::fs::create_dir_all(&dir)?;
    let md = dir.join("report.md");
    let chart = dir.join("report.svg");
    std::fs::write(&md, markdown(run, rows))?;
    std::fs::write(&chart, svg(run, rows))?;
    Ok(vec![md.display().to_string(), chart.display().to_string()])
}

/// `$CARGO_TARGET_DIR/zokio-bench`, or the workspace's `target/zokio-bench`.
fn report_dir() -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("zokio-bench lives inside the workspace")
            .join("target"),
    };
    target.join("zokio-bench")
}

/// `12.3 M`-style ops/s.
fn rate(ops_per_sec: f64) -> String {
    if !ops_per_sec.is_finite() {
        return "-".into();
    }
    let (value, unit) = match ops_per_sec {
        r if r >= 1e9 => (r / 1e9, " G"),
        r if r >= 1e6 => (r / 1e6, " M"),
        r if r >= 1e3 => (r / 1e3, " k"),
        r => (r, ""),
    };
    format!("{value:.2}{unit}")
}

fn ratio(r: f64) -> String {
    if r.is_finite() {
        format!("{r:.2}×")
    } else {
        "-".into()
    }
}

fn range(row: &Row) -> String {
    if row.ratio_min.is_finite() {
        format!("{:.2}–{:.2}", row.ratio_min, row.ratio_max)
    } else {
        "-".into()
    }
}

fn check(row: &Row) -> String {
    if row.check.is_ok() {
        "ok".into()
    } else {
        format!("FAIL: {}", row.check)
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|line| line.starts_with("model name"))
        .and_then(|line| line.split_once(':'))
        .map(|(_, model)| model.trim().to_string())
}

fn kernel() -> Option<String> {
    let out = std::process::Command::new("uname")
        .arg("-sr")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.trim().to_string()).filter(|s| !s.is_empty())
}

fn git_commit() -> Option<String> {
    let out = std::process::Command::new("git")
        .args([
            "-C",
            env!("CARGO_MANIFEST_DIR"),
            "describe",
            "--always",
            "--dirty",
        ])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8(out.stdout).ok()?.trim().to_string())
}

/// The current UTC time as `YYYY-MM-DD HH:MM UTC`.
fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    let minutes = secs % 86_400 / 60;
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        minutes / 60,
        minutes % 60
    )
}

/// Year, month and day of a count of days since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::{Check, Flavor, Work};

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn rates() {
        assert_eq!(rate(12_345_678.0), "12.35 M");
        assert_eq!(rate(999.0), "999.00");
        assert_eq!(rate(f64::NAN), "-");
    }

    fn row(ratio: f64, check: Check) -> Row {
        Row {
            workload: "a<b",
            flavor: Flavor::CurrentThread,
            zokio_ops_per_sec: 2e6,
            tokio_ops_per_sec: 1e6,
            ratio,
            ratio_min: ratio,
            ratio_max: ratio,
            work: Work {
                ops: 5,
                checksum: 7,
            },
            check,
        }
    }

    #[test]
    fn reports_mark_failures_and_escape() {
        let run = RunInfo::collect(Scale::QUICK, 3);
        let failed = Check::Mismatch {
            round: 1,
            zokio: Work::default(),
            tokio: Work {
                ops: 1,
                checksum: 1,
            },
        };
        let rows = [row(2.0, Check::Same), row(f64::NAN, failed)];
        let md = markdown(&run, &rows);
        assert!(md.contains("**2.00×**"), "{md}");
        assert!(md.contains("FAIL: round 1"), "{md}");
        let chart = svg(&run, &rows);
        assert!(chart.contains("a&lt;b (current_thread)"), "{chart}");
        assert!(chart.contains(">FAIL<"), "{chart}");
        assert!(chart.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn every_flavour_fits_its_column() {
        let header = text_header();
        let zokio_column = header.find("zokio ops/s").unwrap();
        for &flavor in Flavor::ALL {
            assert!(flavor.label().len() <= FLAVOR_WIDTH, "{}", flavor.label());
            let mut r = row(1.0, Check::Same);
            r.flavor = flavor;
            let line = text_row(&r);
            // The rate column ends where the header's does.
            let end = zokio_column + "zokio ops/s".len();
            assert_eq!(&line[end - 6..end], "2.00 M", "{line}");
            let label = format!("a&lt;b ({})", flavor.label());
            assert!(svg(&RunInfo::collect(Scale::QUICK, 1), &[r]).contains(&label));
        }
    }
}
