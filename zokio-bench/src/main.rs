//! `zokio-bench`: runs the same workloads on Zokio and on Tokio in one
//! process, alternating between them, and reports both throughputs, the
//! ratio Zokio/Tokio and whether both runtimes did the same work.
//!
//! ```text
//! cargo run --release -p zokio-bench                    # every workload, 9 rounds
//! cargo run --release -p zokio-bench -- --quick         # small sizes, 3 rounds (CI)
//! cargo run --release -p zokio-bench -- --filter spawn --rounds 9
//! cargo run --release -p zokio-bench -- --flavor multi_thread
//! ```
//!
//! Flavours: `current_thread` on both sides; `multi_thread` with 2 workers
//! on both sides; `thread_per_core`, Zokio's thread-per-core runtime with 2
//! workers against Tokio's multi-thread runtime with 2 (Tokio has no
//! thread-per-core runtime). The `sync` workloads (channels, locks,
//! `Notify`) run on the first two only: on thread-per-core every task they
//! spawn would stay on one worker.
//!
//! The table goes to stdout and, as Markdown with an SVG chart of the
//! ratios, to `target/zokio-bench/report.{md,svg}`. The exit status is
//! non-zero when a workload did different work on the two runtimes.

mod harness;
mod report;
mod workloads;

use std::process::ExitCode;

use harness::{Flavor, Scale};

const USAGE: &str = "\
usage: zokio-bench [--quick] [--filter NAME]... [--flavor NAME]... [--rounds N]

  --quick        small sizes (about 1/10) and 3 rounds: a smoke run for CI
  --filter NAME  run only the workloads whose name contains NAME (may repeat)
  --flavor NAME  run only the flavours whose name contains NAME (may repeat):
                 current_thread, multi_thread, thread_per_core
  --rounds N     timed rounds per runtime (default 9, or 3 with --quick)
  --help         print this message";

/// What the command line asked for.
#[derive(Debug, PartialEq)]
struct Options {
    quick: bool,
    filters: Vec<String>,
    flavors: Vec<String>,
    rounds: Option<usize>,
}

/// Parses the arguments after the program name; `Ok(None)` means `--help`.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        quick: false,
        filters: Vec::new(),
        flavors: Vec::new(),
        rounds: None,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_string(), Some(value.into())),
            _ => (arg, None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--quick" => options.quick = true,
            "--filter" => options.filters.push(value("--filter")?),
            "--flavor" | "--flavour" => options.flavors.push(value("--flavor")?),
            "--rounds" => {
                let text = value("--rounds")?;
                match text.parse::<usize>() {
                    Ok(n) if n > 0 => options.rounds = Some(n),
                    _ => return Err(format!("--rounds needs a positive number, not {text:?}")),
                }
            }
            "--help" | "-h" => return Ok(None),
            // `cargo bench` passes `--bench` to every bench target; accept it
            // so that the binary never fails for that reason.
            "--bench" => {}
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(options))
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("zokio-bench: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let scale = if options.quick {
        Scale::QUICK
    } else {
        Scale::FULL
    };
    let rounds = options.rounds.unwrap_or(if options.quick { 3 } else { 9 });

    let selected: Vec<_> = workloads::all()
        .into_iter()
        .filter(|w| {
            options.filters.is_empty()
                || options.filters.iter().any(|f| w.name.contains(f.as_str()))
        })
        .collect();
    if selected.is_empty() {
        let names: Vec<_> = workloads::all().iter().map(|w| w.name).collect();
        eprintln!(
            "zokio-bench: no workload matches {:?}; there are: {}",
            options.filters,
            names.join(", ")
        );
        return ExitCode::from(2);
    }

    let flavors: Vec<Flavor> = Flavor::ALL
        .iter()
        .copied()
        .filter(|flavor| {
            options.flavors.is_empty()
                || options
                    .flavors
                    .iter()
                    .any(|f| flavor.name().contains(f.as_str()))
        })
        .collect();
    if flavors.is_empty() {
        let names: Vec<_> = Flavor::ALL.iter().map(|f| f.name()).collect();
        eprintln!(
            "zokio-bench: no flavour matches {:?}; there are: {}",
            options.flavors,
            names.join(", ")
        );
        return ExitCode::from(2);
    }

    let run = report::RunInfo::collect(scale, rounds);
    println!("{}", run.summary());
    println!("{}", report::text_header());
    let mut rows = Vec::new();
    // One flavour after the other, so that the rows of a flavour form one
    // block in the table and were measured close together in time.
    for &flavor in &flavors {
        for workload in selected.iter().filter(|w| w.flavors.contains(&flavor)) {
            let row = harness::run(workload, flavor, scale, rounds);
            println!("{}", report::text_row(&row));
            rows.push(row);
        }
    }
    if rows.is_empty() {
        eprintln!("zokio-bench: none of the selected workloads runs on the selected flavours");
        return ExitCode::from(2);
    }

    let failures = rows.iter().filter(|row| !row.check.is_ok()).count();
    for row in rows.iter().filter(|row| !row.check.is_ok()) {
        eprintln!(
            "FAIL {} ({}): {}",
            row.workload,
            row.flavor.label(),
            row.check
        );
    }
    match report::write_files(&run, &rows) {
        Ok(paths) => println!("report: {}", paths.join(", ")),
        Err(err) => {
            eprintln!("zokio-bench: cannot write the report: {err}");
            return ExitCode::FAILURE;
        }
    }
    if failures > 0 {
        eprintln!("zokio-bench: {failures} workload(s) did different work on Zokio and Tokio");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Options>, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn flags_are_parsed() {
        let options = parse(&[
            "--quick",
            "--filter",
            "spawn",
            "--filter=sleep",
            "--flavor",
            "multi",
            "--rounds",
            "7",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            options,
            Options {
                quick: true,
                filters: vec!["spawn".into(), "sleep".into()],
                flavors: vec!["multi".into()],
                rounds: Some(7),
            }
        );
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(parse(&["--rounds", "0"]).is_err());
        assert!(parse(&["--rounds"]).is_err());
        assert!(parse(&["--fast"]).is_err());
        assert_eq!(parse(&["--help"]), Ok(None));
    }
}
