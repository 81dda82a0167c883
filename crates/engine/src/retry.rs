//! The engine's own retries, on top of the SDK's attempts: how many rounds and how long
//! to pause between them. Deletion retries failed keys with it; every listing page and
//! every pointer read goes through [`retried`].

use std::future::Future;
use std::time::Duration;

use super::error::EngineError;

/// Rounds and the first pause of the engine's retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Attempts in all (the first included) before a retryable failure is given up on.
    pub max_rounds: u32,
    /// The pause after the first failed round; it doubles each round (see [`backoff`]).
    pub base_backoff: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            max_rounds: 6,
            base_backoff: Duration::from_millis(200),
        }
    }
}

/// Exponential backoff with jitter (between half and all of the ceiling), capped at 10 s.
pub fn backoff(base: Duration, round: u32) -> Duration {
    let ceiling = base
        .saturating_mul(1 << round.min(6))
        .min(Duration::from_secs(10));
    ceiling.mul_f64(0.5 + rand::random::<f64>() * 0.5)
}

/// Runs `attempt` until it succeeds, fails with an error that is not
/// [retryable](EngineError::is_retryable), or has failed `retry.max_rounds` times; the
/// last error is returned as it is.
pub async fn retried<T, F, Fut>(retry: &Retry, mut attempt: F) -> Result<T, EngineError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, EngineError>>,
{
    let mut round = 1;
    loop {
        match attempt().await {
            Err(error) if error.is_retryable() && round < retry.max_rounds => {
                tracing::debug!(%error, round, "retrying");
                tokio::time::sleep(backoff(retry.base_backoff, round)).await;
                round += 1;
            }
            result => return result,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let base = Duration::from_millis(100);
        assert!(backoff(base, 1) <= Duration::from_millis(200));
        assert!(backoff(base, 1) >= Duration::from_millis(100));
        assert!(backoff(base, 30) <= Duration::from_secs(10));
    }

    fn quick(max_rounds: u32) -> Retry {
        Retry {
            max_rounds,
            base_backoff: Duration::from_millis(1),
        }
    }

    fn dropped() -> EngineError {
        EngineError::Unreachable {
            endpoint: "http://127.0.0.1:1".into(),
            detail: "connection closed before message completed".into(),
        }
    }

    #[tokio::test]
    async fn retryable_failures_are_retried_until_one_gets_through() {
        let calls = AtomicU32::new(0);
        let result = retried(&quick(6), || async {
            match calls.fetch_add(1, Ordering::Relaxed) {
                0..=3 => Err(dropped()),
                n => Ok(n),
            }
        })
        .await;
        assert_eq!(result.unwrap(), 4);
    }

    #[tokio::test]
    async fn the_last_error_is_returned_after_max_rounds() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = retried(&quick(3), || async {
            calls.fetch_add(1, Ordering::Relaxed);
            Err(dropped())
        })
        .await;
        assert!(matches!(result, Err(EngineError::Unreachable { .. })));
        assert_eq!(calls.load(Ordering::Relaxed), 3);
    }

    #[tokio::test]
    async fn other_failures_are_not_retried() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = retried(&quick(6), || async {
            calls.fetch_add(1, Ordering::Relaxed);
            Err(EngineError::Other("bad key".into()))
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::Relaxed), 1);
    }
}
