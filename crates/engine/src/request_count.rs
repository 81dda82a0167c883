//! Every S3 request a run sends, counted on the client as it goes out: each attempt is
//! one HTTP request (a retried page counts twice), by S3 operation name. On AWS every
//! LIST request is billed, so this is also what a run costs.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aws_sdk_s3::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_s3::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use serde::Serialize;

/// Shared by every clone of a connection's client; [`RequestCounter::counts`] reads it.
#[derive(Debug, Clone, Default)]
pub struct RequestCounter {
    inner: Arc<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    total: AtomicU64,
    by_operation: Mutex<BTreeMap<String, u64>>,
}

/// The requests sent so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RequestCounts {
    pub total: u64,
    /// By S3 operation name (`ListObjectsV2`, `DeleteObjects`, …).
    pub by_operation: BTreeMap<String, u64>,
}

impl RequestCounts {
    /// The requests sent since `earlier` (a snapshot of the same counter).
    pub fn since(&self, earlier: &RequestCounts) -> RequestCounts {
        RequestCounts {
            total: self.total - earlier.total,
            by_operation: self
                .by_operation
                .iter()
                .map(|(name, n)| {
                    (
                        name.clone(),
                        n - earlier.by_operation.get(name).unwrap_or(&0),
                    )
                })
                .filter(|(_, n)| *n > 0)
                .collect(),
        }
    }
}

impl RequestCounter {
    pub fn counts(&self) -> RequestCounts {
        let by_operation = self
            .inner
            .by_operation
            .lock()
            .expect("request counter lock")
            .clone();
        RequestCounts {
            total: by_operation.values().sum(),
            by_operation,
        }
    }

    pub fn total(&self) -> u64 {
        self.inner.total.load(Ordering::Relaxed)
    }

    fn record(&self, operation: &str) {
        self.inner.total.fetch_add(1, Ordering::Relaxed);
        let mut by_operation = self
            .inner
            .by_operation
            .lock()
            .expect("request counter lock");
        match by_operation.get_mut(operation) {
            Some(n) => *n += 1,
            None => {
                by_operation.insert(operation.to_string(), 1);
            }
        }
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "s3prune-request-counter"
    }

    // Runs once per attempt, just before the request is handed to the HTTP client.
    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg.load::<Metadata>().map_or("unknown", Metadata::name);
        self.record(operation);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_kept_by_operation_and_subtract() {
        let counter = RequestCounter::default();
        counter.record("ListObjectsV2");
        let before = counter.counts();
        counter.record("ListObjectsV2");
        counter.record("DeleteObjects");
        let now = counter.counts();
        assert_eq!(now.total, 3);
        assert_eq!(counter.total(), 3);
        let since = now.since(&before);
        assert_eq!(since.total, 2);
        assert_eq!(
            since.by_operation,
            BTreeMap::from([("DeleteObjects".into(), 1), ("ListObjectsV2".into(), 1)])
        );
    }
}
