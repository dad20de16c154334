//! Spending the cooperative budget by hand.

use std::task::Poll;

/// Spends one unit of the task's cooperative budget, and yields to the
/// scheduler once the budget is spent, as Tokio's `consume_budget`: for a
/// loop that does work between awaits that are always ready (which would
/// otherwise hold its worker for as long as it runs).
///
/// ```
/// let rt = zokio::runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let mut sum = 0u64;
///     for i in 0..10_000 {
///         sum += i;
///         zokio::task::consume_budget().await;
///     }
///     assert_eq!(sum, 49_995_000);
/// });
/// ```
///
/// # Cancel safety
///
/// Cancel safe: it holds no resource.
pub async fn consume_budget() {
    std::future::poll_fn(|cx| {
        let spent = std::task::ready!(crate::runtime::coop::poll_proceed(cx));
        spent.made_progress();
        Poll::Ready(())
    })
    .await
}
