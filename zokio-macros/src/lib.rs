//! Attribute macros for Zokio: `#[zokio::main]` and `#[zokio::test]`.
//!
//! Use them through the `zokio` crate (feature `macros`, on by default),
//! not from this crate directly. They are written on plain
//! [`proc_macro`] token trees, without `syn` or `quote`, so that they build
//! in a second.
//!
//! Both macros turn an `async fn` into a plain `fn` whose body builds a
//! runtime and blocks on the original body, as Tokio's do. Their arguments
//! are checked at compile time; a bad one is reported on the offending token.
#![deny(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

mod args;
mod item;

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

use args::Config;
use item::ItemFn;

/// Marks an `async fn` (usually `main`) as the entry point of a Zokio
/// runtime.
///
/// The function becomes a plain `fn` whose body builds a runtime with
/// `enable_all()` and blocks on the original body, written as an
/// `async move` block, so `?` and the return type work as in any `fn`. As
/// with Tokio, the runtime is a multi-thread one by default, with one worker
/// thread per core:
///
/// ```
/// #[zokio::main]
/// async fn main() -> Result<(), std::num::ParseIntError> {
///     let n: u32 = "42".parse()?;
///     let doubled = zokio::spawn(async move { n * 2 }).await.unwrap();
///     assert_eq!(doubled, 84);
///     Ok(())
/// }
/// ```
///
/// expands to (roughly)
///
/// ```
/// fn main() -> Result<(), std::num::ParseIntError> {
///     let body = async move {
///         let n: u32 = "42".parse()?;
///         let doubled = zokio::spawn(async move { n * 2 }).await.unwrap();
///         assert_eq!(doubled, 84);
///         Ok(())
///     };
///     zokio::runtime::Builder::new_multi_thread()
///         .enable_all()
///         .build()
///         .expect("Failed building the Runtime")
///         .block_on(body)
/// }
/// ```
///
/// Any `async fn` may be marked, not only `main`; one with arguments becomes
/// a plain function that takes them:
///
/// ```
/// #[zokio::main]
/// async fn add(a: u32, b: u32) -> u32 {
///     zokio::spawn(async move { a + b }).await.unwrap()
/// }
///
/// fn main() {
///     assert_eq!(add(2, 3), 5);
/// }
/// ```
///
/// # Arguments
///
/// * `flavor = "..."`: the scheduler, as with Tokio.
///   * `"multi_thread"` (**the default for `main`**):
///     `Builder::new_multi_thread()`, a pool of worker threads that steal
///     work from each other.
///   * `"current_thread"` (the default for [`macro@test`]):
///     `Builder::new_current_thread()`, every task on the thread that calls
///     `block_on`.
///   * `"thread_per_core"`: `Builder::new_thread_per_core()`, independent
///     current-thread workers, one per core by default; a spawned task stays
///     on the worker it lands on. **Zokio only**: Tokio has no such flavor,
///     so code using it does not build with Tokio.
/// * `worker_threads = N`: the number of worker threads of a `multi_thread`
///   or `thread_per_core` runtime (`.worker_threads(N)`); a positive integer
///   literal. Without it, one worker per core
///   ([`std::thread::available_parallelism`]). A compile error with
///   `current_thread`.
/// * `start_paused = true`: the runtime's clock starts paused
///   (`.start_paused(true)`; see `zokio::time::pause`), so that timers fire
///   as soon as every task waits, without the time passing. Needs the
///   `current_thread` flavor (a compile error otherwise) and Zokio's
///   `test-util` feature, as with Tokio.
/// * `crate = "path"`: where to find Zokio, if it was renamed or is
///   re-exported (default `::zokio`).
///
/// ```
/// #[zokio::main(flavor = "multi_thread", worker_threads = 2)]
/// async fn main() {
///     let handles: Vec<_> = (0..8u64)
///         .map(|i| zokio::spawn(async move { i * i }))
///         .collect();
///     let mut sum = 0;
///     for handle in handles {
///         sum += handle.await.unwrap();
///     }
///     assert_eq!(sum, 140);
/// }
/// ```
///
/// ```
/// #[zokio::main(flavor = "thread_per_core", worker_threads = 2)]
/// async fn main() {
///     let answer = zokio::spawn(async { 6 * 7 }).await.unwrap();
///     assert_eq!(answer, 42);
/// }
/// ```
///
/// ```
/// use zokio as zk;
///
/// #[zk::main(flavor = "current_thread", crate = "zk")]
/// async fn main() {
///     zk::task::yield_now().await;
/// }
/// ```
///
/// # Compile errors
///
/// Each of these fails to build, with the error on the offending token.
///
/// An unknown argument:
///
/// ```compile_fail
/// #[zokio::main(flavour = "current_thread")]
/// async fn main() {}
/// ```
///
/// An unknown flavor:
///
/// ```compile_fail
/// #[zokio::main(flavor = "single_thread")]
/// async fn main() {}
/// ```
///
/// A `flavor` that is not a string literal:
///
/// ```compile_fail
/// #[zokio::main(flavor = multi_thread)]
/// async fn main() {}
/// ```
///
/// `worker_threads` that is not a positive integer literal:
///
/// ```compile_fail
/// #[zokio::main(worker_threads = "2")]
/// async fn main() {}
/// ```
///
/// ```compile_fail
/// #[zokio::main(worker_threads = 0)]
/// async fn main() {}
/// ```
///
/// ```compile_fail
/// #[zokio::main(flavor = "multi_thread", worker_threads = 2.5)]
/// async fn main() {}
/// ```
///
/// ```compile_fail
/// #[zokio::main(flavor = "thread_per_core", worker_threads = -1)]
/// async fn main() {}
/// ```
///
/// `worker_threads` on a current-thread runtime:
///
/// ```compile_fail
/// #[zokio::main(flavor = "current_thread", worker_threads = 2)]
/// async fn main() {}
/// ```
///
/// The same argument twice:
///
/// ```compile_fail
/// #[zokio::main(flavor = "current_thread", flavor = "current_thread")]
/// async fn main() {}
/// ```
///
/// A `crate` that is not a path:
///
/// ```compile_fail
/// #[zokio::main(crate = "not a path")]
/// async fn main() {}
/// ```
///
/// A function that is not `async`:
///
/// ```compile_fail
/// #[zokio::main]
/// fn main() {}
/// ```
///
/// A `main` with arguments:
///
/// ```compile_fail
/// #[zokio::main]
/// async fn main(args: Vec<String>) {}
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, Kind::Main)
}

/// Marks an `async fn` as a test that runs on its own Zokio runtime.
///
/// Like [`macro@main`], and the function is also marked `#[test]`. The
/// default flavor is `current_thread`, as with Tokio; the arguments are those
/// of `main`, so `worker_threads` needs an explicit
/// `flavor = "multi_thread"` (or `"thread_per_core"`, Zokio only).
///
/// ```no_run
/// #[zokio::test]
/// async fn spawned_task_runs() {
///     let handle = zokio::spawn(async { 6 * 7 });
///     assert_eq!(handle.await.unwrap(), 42);
/// }
///
/// #[zokio::test(flavor = "current_thread")]
/// async fn may_use_question_mark() -> Result<(), std::num::ParseIntError> {
///     let n: u32 = "7".parse()?;
///     assert_eq!(n, 7);
///     Ok(())
/// }
///
/// #[zokio::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn on_two_workers() {
///     let handle = zokio::spawn(async { std::thread::current().id() });
///     let _worker = handle.await.unwrap();
/// }
///
/// #[zokio::test(flavor = "thread_per_core")]
/// async fn on_every_core() {
///     assert_eq!(zokio::spawn(async { 1 + 1 }).await.unwrap(), 2);
/// }
///
/// // With Zokio's `test-util` feature:
/// #[zokio::test(start_paused = true)]
/// async fn an_hour_in_no_time() {
///     let start = zokio::time::Instant::now();
///     zokio::time::sleep(std::time::Duration::from_secs(3600)).await;
///     assert_eq!(start.elapsed().as_secs(), 3600);
/// }
/// # fn main() {}
/// ```
///
/// # Compile errors
///
/// As for `main`; for example a function that is not `async`:
///
/// ```compile_fail
/// #[zokio::test]
/// fn not_async() {}
/// # fn main() {}
/// ```
///
/// `worker_threads` with the default (current-thread) flavor:
///
/// ```compile_fail
/// #[zokio::test(worker_threads = 2)]
/// async fn on_workers() {}
/// # fn main() {}
/// ```
///
/// an unknown flavor:
///
/// ```compile_fail
/// #[zokio::test(flavor = "multi_threaded")]
/// async fn on_workers() {}
/// # fn main() {}
/// ```
///
/// an unknown argument:
///
/// ```compile_fail
/// #[zokio::test(paused = true)]
/// async fn paused() {}
/// # fn main() {}
/// ```
///
/// a paused clock on a multi-thread runtime:
///
/// ```compile_fail
/// #[zokio::test(flavor = "multi_thread", start_paused = true)]
/// async fn paused() {}
/// # fn main() {}
/// ```
///
/// or a second test attribute:
///
/// ```compile_fail
/// #[zokio::test]
/// #[test]
/// async fn twice() {}
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, Kind::Test)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Main,
    Test,
}

/// A compile error on one token.
#[derive(Debug)]
struct Error {
    span: Span,
    message: String,
}

impl Error {
    fn new(span: Span, message: impl Into<String>) -> Error {
        Error {
            span,
            message: message.into(),
        }
    }

    /// `compile_error! { "message" }`, every token spanned on the offending
    /// one so that the compiler reports it there.
    fn into_tokens(self) -> TokenStream {
        let mut message = Literal::string(&self.message);
        message.set_span(self.span);
        let mut bang = Punct::new('!', Spacing::Alone);
        bang.set_span(self.span);
        let mut group = Group::new(Delimiter::Brace, TokenTree::from(message).into());
        group.set_span(self.span);
        [
            TokenTree::from(Ident::new("compile_error", self.span)),
            bang.into(),
            group.into(),
        ]
        .into_iter()
        .collect()
    }
}

fn expand(args: TokenStream, item: TokenStream, kind: Kind) -> TokenStream {
    let func = match ItemFn::parse(item.clone()) {
        Ok(func) => func,
        Err(error) => {
            let mut out = item;
            out.extend(error.into_tokens());
            return out;
        }
    };
    let mut errors = Vec::new();
    let config = Config::parse(args, kind, &mut errors);
    func.check(kind, &mut errors);
    // On errors, expand anyway (with what was understood) so that the
    // compiler reports only ours, not also an `async fn main` or a missing
    // `main`.
    let mut out = func.expand(kind, &config);
    for error in errors {
        out.extend(error.into_tokens());
    }
    out
}
