//! Interrupting a prune: Ctrl-C stops after the requests in flight and leaves an audit
//! log that matches the bucket exactly; after SIGKILL, running the same prune again
//! finishes the job and deletes nothing else.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use common::{text, S3Target};
use s3prune::server::FaultConfig;

const DEPLOYMENTS: i64 = 20;
const OBJECTS: usize = 400;
const KEEP: usize = 2;

/// deploy-00 is the newest; every deployment has 400 objects, so 18 × 400 keys make 8
/// DeleteObjects batches.
async fn seed(target: &S3Target, bucket: &str) -> BTreeMap<String, i64> {
    let mut objects = Vec::new();
    for d in 0..DEPLOYMENTS {
        let time = Some(Utc::now() - chrono::Duration::days(d + 1));
        for o in 0..OBJECTS {
            objects.push((format!("deploy-{d:02}/f{o:03}"), 2, time));
        }
    }
    objects.push(("robots.txt".into(), 1, None));
    target.put_all(bucket, objects).await;
    target.all_keys(bucket).await
}

fn kept(before: &BTreeMap<String, i64>) -> BTreeMap<String, i64> {
    before
        .iter()
        .filter(|(k, _)| {
            k.split_once('/').is_none_or(|(name, _)| {
                name.trim_start_matches("deploy-").parse::<usize>().unwrap() < KEEP
            })
        })
        .map(|(k, v)| (k.clone(), *v))
        .collect()
}

fn audit_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Starts `prune` with DeleteObjects slowed down, and waits until its first batch is in
/// the audit log (polling the file, with a deadline).
async fn start_slow_prune(target: &S3Target, bucket: &str, audit: &Path) -> Child {
    target.server().unwrap().set_faults(FaultConfig {
        latency: Duration::from_millis(250),
        operations: vec!["DeleteObjects".into()],
        ..FaultConfig::none()
    });
    let mut command = target.cli();
    command
        .args([
            "prune",
            "--bucket",
            bucket,
            "--keep",
            &KEEP.to_string(),
            "--yes",
            "--batches-in-flight",
            "1",
        ])
        .arg("--audit-log")
        .arg(audit)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().expect("start s3prune");
    let deadline = Instant::now() + Duration::from_secs(60);
    while audit_lines(audit).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the first batch never reached the audit log"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child
}

fn signal(child: &Child, name: &str) {
    let status = std::process::Command::new("kill")
        .args([name, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_after_requests_in_flight_and_the_audit_log_matches_the_bucket() {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("sigint").await;
    let before = seed(&target, &bucket).await;
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");

    let child = start_slow_prune(&target, &bucket, &audit).await;
    signal(&child, "-INT");
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    target.server().unwrap().set_faults(FaultConfig::none());

    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stderr.contains("Stopping after the requests in flight"),
        "{stderr}"
    );
    assert!(stderr.contains("stopped before the end"), "{stderr}");
    assert!(stdout.contains("Not deleted:"), "{stdout}");

    let after = target.all_keys(&bucket).await;
    let gone: BTreeSet<String> = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .cloned()
        .collect();
    let lines = audit_lines(&audit);
    let audited: BTreeSet<String> = lines
        .iter()
        .map(|l| l["key"].as_str().unwrap().to_string())
        .collect();
    assert!(lines.iter().all(|l| l["result"] == "deleted"));
    assert_eq!(
        audited, gone,
        "the audit log names exactly the keys that are gone"
    );
    assert!(
        !gone.is_empty() && gone.len() < before.len() - kept(&before).len(),
        "stopped part-way"
    );
    for (key, size) in kept(&before) {
        assert_eq!(after.get(&key), Some(&size), "{key} must be untouched");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_sigkill_the_same_prune_finishes_the_job_and_nothing_else() {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("sigkill").await;
    let before = seed(&target, &bucket).await;
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");

    let child = start_slow_prune(&target, &bucket, &audit).await;
    signal(&child, "-KILL");
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(!out.status.success());
    target.server().unwrap().set_faults(FaultConfig::none());
    let midway = target.all_keys(&bucket).await;
    assert!(
        midway.len() < before.len(),
        "the killed run had deleted something"
    );
    assert!(midway.len() > kept(&before).len(), "and had not finished");

    let mut again = target.cli();
    again
        .args([
            "prune",
            "--bucket",
            &bucket,
            "--keep",
            &KEEP.to_string(),
            "--yes",
        ])
        .arg("--audit-log")
        .arg(&audit);
    let out = target.run(again).await;
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(
        target.all_keys(&bucket).await,
        kept(&before),
        "exactly the newest 2 deployments and the root file remain"
    );
}
