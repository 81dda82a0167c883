//! Fault injection for the embedded server: added latency, whole-request
//! `SlowDown` / `InternalError` failures, per-key `DeleteObjects` errors, and
//! connections dropped before or in the middle of a reply.
//!
//! Decisions come from a seeded `StdRng` so a run is reproducible by seed.

use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

/// Faults the server injects into S3 requests. The default injects nothing.
///
/// Fractions are probabilities in `0.0..=1.0` (values outside are clamped by
/// the comparison: `<= 0` never fires, `>= 1` always fires).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultConfig {
    /// Fraction of requests answered with `503 SlowDown`.
    pub slow_down: f64,
    /// Fraction of requests answered with `500 InternalError`.
    pub internal_error: f64,
    /// Fraction of keys in a `DeleteObjects` batch that are not deleted and are
    /// reported in `Errors` with code `InternalError`.
    pub delete_key_error: f64,
    /// Fraction of replies cut off mid-body after the request was fully handled (the
    /// connection drops; the client cannot tell whether it took effect). Listing replies
    /// too: the client gets part of the XML.
    pub drop_reply: f64,
    /// Fraction of requests whose connection is closed without any reply: the request is
    /// read, never handled, and nothing is written back.
    pub drop_before_reply: f64,
    /// Delay added before every request is handled.
    pub latency: Duration,
    /// Seed of the PRNG that decides which requests / keys fail.
    pub seed: u64,
    /// S3 operation names (e.g. `"DeleteObjects"`, `"ListObjectsV2"`) the
    /// request-level faults and latency apply to; empty means every operation.
    pub operations: Vec<String>,
}

impl FaultConfig {
    /// A configuration that injects nothing (same as `Default`).
    #[must_use]
    pub fn none() -> Self {
        Self::default()
    }

    /// The faults this configuration injects, in words (e.g. `5% of requests answered
    /// 503 SlowDown`); empty when it injects nothing, whatever its seed.
    #[must_use]
    pub fn active(&self) -> Vec<String> {
        let only = if self.operations.is_empty() {
            String::new()
        } else {
            format!(" ({} only)", self.operations.join(", "))
        };
        let mut active = Vec::new();
        let mut rate = |p: f64, what: &str, scoped: bool| {
            if p > 0.0 {
                let scope = if scoped { only.as_str() } else { "" };
                active.push(format!("{} of {what}{scope}", percent(p)));
            }
        };
        rate(self.slow_down, "requests answered 503 SlowDown", true);
        rate(
            self.internal_error,
            "requests answered 500 InternalError",
            true,
        );
        rate(
            self.delete_key_error,
            "DeleteObjects keys reported as errors",
            false,
        );
        rate(self.drop_reply, "replies cut off mid-body", true);
        rate(
            self.drop_before_reply,
            "connections closed before any reply",
            true,
        );
        if !self.latency.is_zero() {
            active.push(format!("{:?} latency on each request{only}", self.latency));
        }
        active
    }

    fn applies_to(&self, operation: &str) -> bool {
        self.operations.is_empty() || self.operations.iter().any(|op| op == operation)
    }
}

/// `0.05` as `5%`, `0.001` as `0.1%`.
fn percent(p: f64) -> String {
    let text = format!("{:.3}", p.min(1.0) * 100.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}%")
}

/// What the gate decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestFault {
    SlowDown,
    InternalError,
}

/// Draws only for a positive probability so that disabled faults do not shift the
/// sequence seen by enabled ones.
fn roll(rng: &mut StdRng, probability: f64) -> bool {
    probability > 0.0 && rng.random::<f64>() < probability
}

#[derive(Debug)]
struct State {
    config: FaultConfig,
    rng: StdRng,
}

/// Shared, runtime-adjustable fault state.
#[derive(Debug)]
pub(crate) struct FaultInjector {
    state: Mutex<State>,
}

impl Default for FaultInjector {
    fn default() -> Self {
        Self::new(FaultConfig::default())
    }
}

impl FaultInjector {
    pub(crate) fn new(config: FaultConfig) -> Self {
        let rng = StdRng::seed_from_u64(config.seed);
        Self {
            state: Mutex::new(State { config, rng }),
        }
    }

    /// Replaces the configuration and reseeds the PRNG.
    pub(crate) fn set(&self, config: FaultConfig) {
        let mut state = self.lock();
        state.rng = StdRng::seed_from_u64(config.seed);
        state.config = config;
    }

    pub(crate) fn config(&self) -> FaultConfig {
        self.lock().config.clone()
    }

    /// Latency to add and the fault (if any) for one request of `operation`.
    pub(crate) fn on_request(&self, operation: &str) -> (Duration, Option<RequestFault>) {
        let mut state = self.lock();
        if !state.config.applies_to(operation) {
            return (Duration::ZERO, None);
        }
        let latency = state.config.latency;
        let (slow_down, internal_error) = (state.config.slow_down, state.config.internal_error);
        let fault = if roll(&mut state.rng, slow_down) {
            Some(RequestFault::SlowDown)
        } else if roll(&mut state.rng, internal_error) {
            Some(RequestFault::InternalError)
        } else {
            None
        };
        (latency, fault)
    }

    /// Whether to cut off the reply to a request of `operation`.
    pub(crate) fn drop_reply(&self, operation: &str) -> bool {
        let mut state = self.lock();
        if !state.config.applies_to(operation) {
            return false;
        }
        let p = state.config.drop_reply;
        roll(&mut state.rng, p)
    }

    /// Whether to close the connection of a request of `operation` without handling it
    /// or replying.
    pub(crate) fn drop_before_reply(&self, operation: &str) -> bool {
        let mut state = self.lock();
        if !state.config.applies_to(operation) {
            return false;
        }
        let p = state.config.drop_before_reply;
        roll(&mut state.rng, p)
    }

    /// Whether one key of a `DeleteObjects` batch should fail.
    pub(crate) fn delete_key_fails(&self) -> bool {
        let mut state = self.lock();
        let p = state.config.delete_key_error;
        roll(&mut state.rng, p)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the state inconsistent.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_injects_nothing() {
        let f = FaultInjector::default();
        for _ in 0..1000 {
            assert_eq!(f.on_request("GetObject"), (Duration::ZERO, None));
            assert!(!f.delete_key_fails());
        }
    }

    #[test]
    fn full_fractions_always_fire() {
        let f = FaultInjector::new(FaultConfig {
            slow_down: 1.0,
            delete_key_error: 1.0,
            latency: Duration::from_millis(3),
            ..FaultConfig::default()
        });
        for _ in 0..100 {
            assert_eq!(
                f.on_request("ListObjectsV2"),
                (Duration::from_millis(3), Some(RequestFault::SlowDown))
            );
            assert!(f.delete_key_fails());
        }
    }

    #[test]
    fn same_seed_same_decisions_and_fraction_is_respected() {
        let config = FaultConfig {
            internal_error: 0.3,
            seed: 42,
            ..FaultConfig::default()
        };
        let a = FaultInjector::new(config.clone());
        let b = FaultInjector::new(config.clone());
        let run = |f: &FaultInjector| {
            (0..10_000)
                .map(|_| f.on_request("X").1.is_some())
                .collect::<Vec<_>>()
        };
        let ra = run(&a);
        assert_eq!(ra, run(&b));
        let hits = ra.iter().filter(|x| **x).count();
        assert!((2_700..3_300).contains(&hits), "hits = {hits}");
        // set() reseeds: the sequence starts over.
        a.set(config);
        assert_eq!(ra, run(&a));
    }

    #[test]
    fn active_lists_only_the_faults_that_fire() {
        assert!(FaultConfig::none().active().is_empty());
        let seeded = FaultConfig {
            seed: 1,
            operations: vec!["DeleteObjects".into()],
            ..FaultConfig::default()
        };
        assert!(seeded.active().is_empty());
        let config = FaultConfig {
            slow_down: 0.05,
            delete_key_error: 0.001,
            latency: Duration::from_millis(30),
            ..seeded
        };
        assert_eq!(
            config.active(),
            [
                "5% of requests answered 503 SlowDown (DeleteObjects only)",
                "0.1% of DeleteObjects keys reported as errors",
                "30ms latency on each request (DeleteObjects only)",
            ]
        );
    }

    #[test]
    fn connection_faults_are_listed_and_fire() {
        let config = FaultConfig {
            drop_reply: 0.03,
            drop_before_reply: 1.0,
            ..FaultConfig::default()
        };
        assert_eq!(
            config.active(),
            [
                "3% of replies cut off mid-body",
                "100% of connections closed before any reply",
            ]
        );
        let f = FaultInjector::new(config);
        assert!(f.drop_before_reply("ListObjectsV2"));
        assert!(!FaultInjector::default().drop_before_reply("ListObjectsV2"));
    }

    #[test]
    fn operation_filter() {
        let f = FaultInjector::new(FaultConfig {
            slow_down: 1.0,
            operations: vec!["DeleteObjects".into()],
            ..FaultConfig::default()
        });
        assert_eq!(f.on_request("ListObjectsV2").1, None);
        assert_eq!(
            f.on_request("DeleteObjects").1,
            Some(RequestFault::SlowDown)
        );
    }
}
