//! Bounded concurrency for fan-out reads.

use std::future::Future;

use futures_util::stream::{self, StreamExt as _};

/// Runs `task` for every item with at most `limit` (at least 1) futures in flight, and
/// returns the outputs in the order of `items`.
pub async fn map_bounded<I, T, F, Fut, R>(items: I, limit: usize, task: F) -> Vec<R>
where
    I: IntoIterator<Item = T>,
    F: FnMut(T) -> Fut,
    Fut: Future<Output = R>,
{
    stream::iter(items)
        .map(task)
        .buffered(limit.max(1))
        .collect()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn never_exceeds_the_limit_and_keeps_order() {
        let in_flight = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let outputs = map_bounded(0..20u64, 3, |index| {
            let in_flight = Arc::clone(&in_flight);
            let peak = Arc::clone(&peak);
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5 + (20 - index) % 4)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                index * 2
            }
        })
        .await;
        assert_eq!(
            outputs,
            (0..20u64).map(|index| index * 2).collect::<Vec<_>>()
        );
        assert_eq!(peak.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn zero_limit_means_one() {
        let outputs = map_bounded(vec![1, 2], 0, |value| async move { value + 1 }).await;
        assert_eq!(outputs, vec![2, 3]);
    }
}
