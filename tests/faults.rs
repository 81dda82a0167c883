//! Deletion against a misbehaving server: throttling, server errors and per-key
//! failures. Whatever happens, every confirmed key is either gone or reported as not
//! deleted, and every other key is still there, checked key by key.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use common::{text, S3Target};
use s3prune::server::FaultConfig;
use serde_json::Value;

/// 30 deployments of 40 objects, one day apart (deploy-00 newest), plus root files.
async fn seed(target: &S3Target, bucket: &str) -> BTreeMap<String, i64> {
    let mut objects = Vec::new();
    for d in 0..30 {
        let time = Some(Utc::now() - chrono::Duration::days(d + 1));
        for o in 0..40 {
            objects.push((format!("deploy-{d:02}/assets/file {o}.js"), 3, time));
        }
    }
    objects.push(("index.html".into(), 1, None));
    objects.push(("deploy-29".into(), 1, None));
    target.put_all(bucket, objects).await;
    target.all_keys(bucket).await
}

fn is_doomed(key: &str, keep: usize) -> bool {
    match key.split_once('/') {
        Some((name, _)) => name
            .trim_start_matches("deploy-")
            .parse::<usize>()
            .is_ok_and(|n| n >= keep),
        None => false,
    }
}

fn audit(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("audit lines are JSON"))
        .collect()
}

fn audited(lines: &[Value], result: &str) -> BTreeSet<String> {
    lines
        .iter()
        .filter(|l| l["result"] == result)
        .map(|l| l["key"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_per_key_errors_are_retried_until_exactly_the_plan_is_gone() {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("faults").await;
    let before = seed(&target, &bucket).await;
    let server = target.server().unwrap();
    server.set_faults(FaultConfig {
        slow_down: 0.10,
        delete_key_error: 0.05,
        seed: 7,
        ..FaultConfig::none()
    });
    let requests_before = server.request_count();

    let dir = tempfile::tempdir().unwrap();
    let audit_path = dir.path().join("audit.jsonl");
    let mut prune = target.cli();
    prune
        .args([
            "prune",
            "--bucket",
            &bucket,
            "--keep",
            "5",
            "--yes",
            "--batches-in-flight",
            "2",
            "--retry-backoff",
            "20ms",
        ])
        .arg("--audit-log")
        .arg(&audit_path);
    let out = target.run(prune).await;
    let stderr = text(&out.stderr);
    server.set_faults(FaultConfig::none());
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {stderr}",
        text(&out.stdout)
    );
    assert!(
        stderr.contains("retrying") && stderr.contains("after InternalError"),
        "per-key errors must have been retried: {stderr}"
    );
    // The same prune without faults sends 13 requests.
    assert!(
        server.request_count() > requests_before + 13,
        "the SDK retried the 503s too"
    );

    let after = target.all_keys(&bucket).await;
    let expected: BTreeMap<String, i64> = before
        .iter()
        .filter(|(k, _)| !is_doomed(k, 5))
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    assert_eq!(
        after, expected,
        "every confirmed key gone, every other key present"
    );
    let lines = audit(&audit_path);
    let doomed: BTreeSet<String> = before.keys().filter(|k| is_doomed(k, 5)).cloned().collect();
    assert_eq!(audited(&lines, "deleted"), doomed);
    assert!(audited(&lines, "failed").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_that_keep_failing_are_reported_and_left_in_place() {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("stuck").await;
    let before = seed(&target, &bucket).await;
    let server = target.server().unwrap();
    server.set_faults(FaultConfig {
        delete_key_error: 1.0,
        seed: 3,
        ..FaultConfig::none()
    });

    let dir = tempfile::tempdir().unwrap();
    let audit_path = dir.path().join("audit.jsonl");
    let mut prune = target.cli();
    prune
        .args([
            "prune",
            "--bucket",
            &bucket,
            "--keep",
            "28",
            "--yes",
            "--retry-backoff",
            "5ms",
        ])
        .arg("--audit-log")
        .arg(&audit_path);
    let out = target.run(prune).await;
    server.set_faults(FaultConfig::none());
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {stdout}\nstderr: {}",
        text(&out.stderr)
    );
    assert!(stdout.contains("Not deleted:"), "{stdout}");
    assert!(
        stdout.contains("NOT deleted deploy-28: 0 objects deleted, 40 failed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("NOT deleted deploy-29: 0 objects deleted, 40 failed"),
        "{stdout}"
    );
    assert!(
        text(&out.stderr).contains("2 deployments were not fully deleted"),
        "{}",
        text(&out.stderr)
    );

    assert_eq!(
        target.all_keys(&bucket).await,
        before,
        "nothing was deleted"
    );
    let lines = audit(&audit_path);
    let doomed: BTreeSet<String> = before
        .keys()
        .filter(|k| is_doomed(k, 28))
        .cloned()
        .collect();
    assert_eq!(
        audited(&lines, "failed"),
        doomed,
        "every failed key is in the audit log"
    );
    assert!(audited(&lines, "deleted").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_request_failures_beyond_retries_are_reported_not_hidden() {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("down").await;
    let before = seed(&target, &bucket).await;
    let server = target.server().unwrap();
    server.set_faults(FaultConfig {
        internal_error: 1.0,
        operations: vec!["DeleteObjects".into()],
        ..FaultConfig::none()
    });
    let mut prune = target.cli();
    prune.args([
        "prune",
        "--bucket",
        &bucket,
        "--keep",
        "29",
        "--yes",
        "--retry-backoff",
        "5ms",
    ]);
    prune
        .arg("--audit-log")
        .arg(tempfile::tempdir().unwrap().path().join("a.jsonl"));
    let started = std::time::Instant::now();
    let out = target.run(prune).await;
    server.set_faults(FaultConfig::none());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("NOT deleted deploy-29"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "retries are bounded"
    );
    assert_eq!(target.all_keys(&bucket).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_cut_off_mid_body_are_retried_without_losing_or_inventing_deletions() {
    let target = S3Target::embedded().await;
    let server = target.server().unwrap();
    // The same prune on an identical bucket without faults, to count its requests.
    let clean = target.fresh_bucket("clean").await;
    seed(&target, &clean).await;
    let mut baseline = target.cli();
    baseline.args([
        "prune",
        "--bucket",
        &clean,
        "--keep",
        "5",
        "--yes",
        "--audit-log",
        "/dev/null",
    ]);
    let start = server.request_count();
    assert!(target.run(baseline).await.status.success());
    let clean_requests = server.request_count() - start;

    let bucket = target.fresh_bucket("cut").await;
    let before = seed(&target, &bucket).await;
    let start = server.request_count();
    server.set_faults(FaultConfig {
        drop_reply: 0.5,
        operations: vec!["DeleteObjects".into()],
        seed: 11,
        ..FaultConfig::none()
    });
    let dir = tempfile::tempdir().unwrap();
    let audit_path = dir.path().join("audit.jsonl");
    let mut prune = target.cli();
    prune
        .args([
            "prune",
            "--bucket",
            &bucket,
            "--keep",
            "5",
            "--yes",
            "--retry-backoff",
            "5ms",
        ])
        .arg("--audit-log")
        .arg(&audit_path);
    let out = target.run(prune).await;
    server.set_faults(FaultConfig::none());
    let faulty_requests = server.request_count() - start;
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        faulty_requests > clean_requests,
        "a reply was cut and the delete sent again ({faulty_requests} vs {clean_requests})"
    );

    let after = target.all_keys(&bucket).await;
    let expected: BTreeMap<String, i64> = before
        .iter()
        .filter(|(k, _)| !is_doomed(k, 5))
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    assert_eq!(after, expected);
    let doomed: BTreeSet<String> = before.keys().filter(|k| is_doomed(k, 5)).cloned().collect();
    assert_eq!(audited(&audit(&audit_path), "deleted"), doomed);
}

/// `deployments` deployments of `objects` objects, one day apart (deploy-00 newest).
async fn seed_small(
    target: &S3Target,
    bucket: &str,
    deployments: i64,
    objects: usize,
) -> BTreeMap<String, i64> {
    let mut all = Vec::new();
    for d in 0..deployments {
        let time = Some(Utc::now() - chrono::Duration::days(d + 1));
        for o in 0..objects {
            all.push((format!("deploy-{d:02}/file-{o}.js"), 2, time));
        }
    }
    all.push(("index.html".into(), 1, None));
    target.put_all(bucket, all).await;
    target.all_keys(bucket).await
}

/// Throttling, server errors, connections closed before any reply and replies cut
/// mid-body, on every operation (listing included).
fn every_fault(seed: u64) -> FaultConfig {
    FaultConfig {
        slow_down: 0.10,
        internal_error: 0.03,
        drop_before_reply: 0.03,
        drop_reply: 0.03,
        seed,
        ..FaultConfig::none()
    }
}

fn quick_prune(target: &S3Target, bucket: &str, keep: &str) -> std::process::Command {
    let mut prune = target.cli();
    prune.args([
        "prune",
        "--bucket",
        bucket,
        "--keep",
        keep,
        "--yes",
        "--retry-backoff",
        "5ms",
        "--audit-log",
        "/dev/null",
    ]);
    prune
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_prunes_through_every_fault_delete_exactly_their_plans() {
    let target = S3Target::embedded().await;
    let server = target.server().unwrap();
    for run in 0..20u64 {
        server.set_faults(FaultConfig::none());
        let bucket = target.fresh_bucket(&format!("every-{run}")).await;
        let before = seed_small(&target, &bucket, 30, 20).await;

        server.set_faults(every_fault(1000 + run));
        let requests_before = server.request_count();
        let out = target.run(quick_prune(&target, &bucket, "5")).await;
        let requests = server.request_count() - requests_before;
        server.set_faults(FaultConfig::none());
        assert!(
            out.status.success(),
            "run {run}: stdout: {}\nstderr: {}",
            text(&out.stdout),
            text(&out.stderr)
        );

        let expected: BTreeMap<String, i64> = before
            .iter()
            .filter(|(k, _)| !is_doomed(k, 5))
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        assert_eq!(
            target.all_keys(&bucket).await,
            expected,
            "run {run} ({requests} requests): exactly the planned keys are gone"
        );
    }
}

/// A listing that cannot get through is one paragraph that names the endpoint: no
/// debug output of the SDK's errors.
async fn listing_failure_message(faults: FaultConfig) -> String {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("unlistable").await;
    let before = seed_small(&target, &bucket, 3, 2).await;
    let server = target.server().unwrap();
    server.set_faults(faults);
    let started = std::time::Instant::now();
    let out = target.run(quick_prune(&target, &bucket, "1")).await;
    server.set_faults(FaultConfig::none());
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "retries are bounded"
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(target.all_keys(&bucket).await, before, "nothing deleted");
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&target.endpoint), "{stderr}");
    for debug in ["DispatchFailure(", "ResponseError(", "Error {", "Some("] {
        assert!(!stderr.contains(debug), "{stderr}");
    }
    assert_eq!(stderr.trim().lines().count(), 1, "one paragraph: {stderr}");
    stderr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_whose_connections_always_close_fail_with_one_paragraph() {
    let stderr = listing_failure_message(FaultConfig {
        drop_before_reply: 1.0,
        operations: vec!["ListObjectsV2".into()],
        ..FaultConfig::none()
    })
    .await;
    assert!(stderr.contains("cannot reach the S3 endpoint"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_always_cut_mid_body_fail_with_one_paragraph() {
    let stderr = listing_failure_message(FaultConfig {
        drop_reply: 1.0,
        operations: vec!["ListObjectsV2".into()],
        ..FaultConfig::none()
    })
    .await;
    assert!(stderr.contains("broke off"), "{stderr}");
}
