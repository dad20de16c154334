//! `#[zokio::test]` and `#[zokio::main]` as users write them.

use std::io;
use std::num::ParseIntError;

use zokio::runtime::{Handle, RuntimeFlavor};
use zokio::sync::oneshot;

#[zokio::test]
async fn plain_test_runs_on_a_runtime() {
    assert_eq!(
        Handle::current().runtime_flavor(),
        RuntimeFlavor::CurrentThread
    );
    let answer = zokio::spawn(async { 6 * 7 }).await.unwrap();
    assert_eq!(answer, 42);
}

#[zokio::test(flavor = "current_thread")]
async fn current_thread_flavor() {
    let (tx, rx) = oneshot::channel();
    zokio::spawn(async move { tx.send("hi").unwrap() });
    assert_eq!(rx.await, Ok("hi"));
}

#[zokio::test]
async fn returns_result_and_uses_question_mark() -> Result<(), ParseIntError> {
    let n: u32 = "12".parse()?;
    assert_eq!(n, 12);
    Ok(())
}

#[zokio::test]
async fn returns_a_boxed_error() -> Result<(), Box<dyn std::error::Error>> {
    let (tx, rx) = oneshot::channel();
    tx.send(1u8).unwrap();
    let value = rx.await?;
    assert_eq!(value, 1);
    Ok(())
}

#[zokio::test]
#[should_panic(expected = "boom")]
async fn other_attributes_are_kept() {
    zokio::task::yield_now().await;
    panic!("boom");
}

#[zokio::test]
async fn timers_are_enabled() {
    zokio::time::sleep(std::time::Duration::from_millis(1)).await;
}

#[zokio::test(crate = "zokio")]
async fn crate_argument() {}

mod renamed {
    use zokio as zk;

    #[zk::test(crate = "zk")]
    async fn through_a_renamed_crate() {
        zk::task::yield_now().await;
    }
}

/// A `#[zokio::main]` function that is not `main`: callable from sync code.
#[zokio::main]
async fn sum_on_a_runtime(a: u64, b: u64) -> u64 {
    zokio::spawn(async move { a + b }).await.unwrap()
}

#[zokio::main(flavor = "current_thread")]
async fn fallible(input: &str) -> io::Result<u32> {
    let n = input
        .parse::<u32>()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    Ok(n * 2)
}

#[test]
fn main_attribute_builds_a_runtime() {
    assert_eq!(sum_on_a_runtime(20, 22), 42);
    assert_eq!(fallible("21").unwrap(), 42);
    assert_eq!(
        fallible("x").unwrap_err().kind(),
        io::ErrorKind::InvalidInput
    );
}
