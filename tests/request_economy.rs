//! Requests are round trips (and billed): prune must not list a deployment more often than
//! safety needs, nor send a request per deployment where a flat listing of several would
//! do. Planning lists the deployments as a few key ranges of the root. At delete time,
//! every deployment is listed once, by the drift re-check, whose keys the deletion uses
//! (kept in memory, or spooled to a temporary file past a budget).
//!
//! The fewest requests that can list D deployments holding N objects are ceil(N / 1000)
//! flat pages plus the delimiter page(s) naming the deployments. Planning may send at
//! most 2× that when deployments are small, 1.2× when they fill pages; a prune at most
//! twice what planning may.

mod common;

use chrono::Utc;
use common::{text, S3Target};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_deployments_are_listed_once_at_delete_time() {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("economy").await;
    let objects = (0..10)
        .flat_map(|d| {
            let time = Some(Utc::now() - chrono::Duration::days(d + 1));
            (0..5).map(move |o| (format!("deploy-{d:02}/f{o}"), 1, time))
        })
        .collect();
    target.put_all(&bucket, objects).await;
    let server = target.server().unwrap();
    let start = server.request_count();
    let out = prune_keeping(&target, &bucket, "2").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let requests = server.request_count() - start;
    // HeadBucket + GetBucketVersioning + discovery + 1 range + ListMultipartUploads
    // (plan), discovery + 1 range (re-check), 1 DeleteObjects, ListMultipartUploads (to
    // abort those under the deleted): 9. Listing the 8 again would make 17.
    assert_eq!(requests, 9, "requests made by prune");
    let left: Vec<String> = target.all_keys(&bucket).await.into_keys().collect();
    assert_eq!(left.len(), 10);
    assert!(left
        .iter()
        .all(|k| k.starts_with("deploy-00/") || k.starts_with("deploy-01/")));
}

/// The engine counts every request it sends: the prune report's count is the server's,
/// operation by operation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_prune_report_counts_exactly_the_requests_the_server_received() {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("counted").await;
    let objects = (0..30)
        .flat_map(|d| {
            let time = Some(Utc::now() - chrono::Duration::days(d + 1));
            (0..70).map(move |o| (format!("deploy-{d:02}/f{o:02}"), 1, time))
        })
        .collect();
    target.put_all(&bucket, objects).await;
    let server = target.server().unwrap();
    let start = server.request_count();
    let mut prune = target.cli();
    prune.args([
        "prune",
        "--bucket",
        &bucket,
        "--keep",
        "3",
        "--yes",
        "--format",
        "json",
        "--audit-log",
        "/dev/null",
    ]);
    let out = target.run(prune).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let received = server.request_count() - start;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    let requests = &report["requests"];
    assert_eq!(requests["total"].as_u64(), Some(received), "{requests}");
    let by_operation = requests["by_operation"].as_object().expect("by_operation");
    let sum: u64 = by_operation.values().map(|n| n.as_u64().unwrap()).sum();
    assert_eq!(sum, received);
    // 27 × 70 = 1890 keys: two DeleteObjects batches of at most 1000.
    assert_eq!(by_operation["DeleteObjects"], 2);
    assert_eq!(by_operation["HeadBucket"], 1);
    assert!(
        by_operation["ListObjectsV2"].as_u64().unwrap() >= 4,
        "{requests}"
    );
    assert!(
        text(&out.stderr).contains(&format!("S3 requests: {received} (")),
        "{}",
        text(&out.stderr)
    );
}

/// Live auto-detection costs one GetObject per small root object when planning, and one
/// more at the re-check; a large root object is never read; `--no-live-detect` costs
/// nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_detection_reads_each_small_root_object_once_per_listing() {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("livecost").await;
    let objects = (0..10)
        .flat_map(|d| {
            let time = Some(Utc::now() - chrono::Duration::days(d + 1));
            (0..5).map(move |o| (format!("deploy-{d:02}/f{o}"), 1, time))
        })
        .chain([("big-root-file.bin".to_string(), 65 * 1024 + 1, None)])
        .collect();
    target.put_all(&bucket, objects).await;
    target
        .put_text(&bucket, "index.html", "<script src=\"/deploy-09/app.js\">")
        .await;
    target.put_text(&bucket, "current.txt", "deploy-00").await;
    let server = target.server().unwrap();

    let start = server.request_count();
    let out = prune_keeping(&target, &bucket, "2").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    // HeadBucket + GetBucketVersioning + discovery + 1 range + 2 reads +
    // ListMultipartUploads (plan); discovery + 1 range (deploy-09 is live now) + 2 reads
    // (re-check); 1 DeleteObjects; ListMultipartUploads (aborts).
    assert_eq!(server.request_count() - start, 13, "requests made by prune");
    let left: Vec<String> = target.all_keys(&bucket).await.into_keys().collect();
    assert!(
        left.iter().any(|k| k.starts_with("deploy-09/")),
        "index.html keeps it"
    );
    assert!(!left.iter().any(|k| k.starts_with("deploy-02/")));

    let start = server.request_count();
    let mut plan = target.cli();
    plan.args([
        "plan",
        "--bucket",
        &bucket,
        "--keep",
        "2",
        "--no-live-detect",
    ]);
    let out = target.run(plan).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    // HeadBucket + GetBucketVersioning + discovery + 1 range + ListMultipartUploads.
    assert_eq!(server.request_count() - start, 5, "requests made by plan");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_bigger_than_one_page_is_listed_once_at_delete_time_and_fully_deleted() {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("bigpage").await;
    let old = Some(Utc::now() - chrono::Duration::days(30));
    let mut objects: Vec<_> = (0..1500)
        .map(|i| (format!("big/f{i:04}"), 1, old))
        .collect();
    objects.push(("small/index.html".into(), 1, old));
    objects.push(("new/index.html".into(), 1, None));
    target.put_all(&bucket, objects).await;
    let server = target.server().unwrap();
    let start = server.request_count();
    let out = prune_keeping(&target, &bucket, "1").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    // HeadBucket + GetBucketVersioning + discovery + 2 pages + ListMultipartUploads
    // (plan); discovery, then big/ (2 pages) and small/ (1) listed on their own
    // (re-check); 2 DeleteObjects (1000 + 501 keys); ListMultipartUploads (aborts).
    // Listing big/ again would add 2.
    assert_eq!(server.request_count() - start, 13, "requests made by prune");
    assert!(
        text(&out.stdout).contains("Deleted 2 of 2 deployments: 1,501 objects"),
        "{}",
        text(&out.stdout)
    );
    let left: Vec<String> = target.all_keys(&bucket).await.into_keys().collect();
    assert_eq!(left, vec!["new/index.html"]);
}

/// 200 deployments of 100 objects: the fewest listing requests are the 20 full pages of
/// a flat listing plus the one delimiter page that names them. Planning may send twice
/// that, pruning (plan, re-check) twice as much again, plus one DeleteObjects per 1000
/// keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_small_deployments_are_listed_with_few_requests() {
    listing_economy("manysmall", 200, 100, 100, 2.0).await;
}

/// 24 deployments of 1000 objects (each one fills a page): planning may send 1.2× the
/// fewest listing requests (24 pages + 1), pruning 2.4×.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployments_that_fill_pages_are_listed_with_few_requests() {
    listing_economy("fullpages", 24, 1000, 4, 1.2).await;
}

/// Seeds `deployments` × `objects` (plus a root object between them), plans and prunes
/// keeping `keep`, and checks the listing requests against `factor` × the fewest.
async fn listing_economy(name: &str, deployments: u64, objects: u64, keep: u64, factor: f64) {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket(name).await;
    let seeded = (0..deployments)
        .flat_map(|d| {
            let time = Some(Utc::now() - chrono::Duration::days(d as i64 + 1));
            (0..objects).map(move |o| (format!("site-{d:03}/f{o:04}"), 1, time))
        })
        .chain([("site-001.txt".to_string(), 1, None)])
        .collect();
    target.put_all(&bucket, seeded).await;
    let server = target.server().unwrap();
    let least = (deployments * objects).div_ceil(1000) + 1;
    let plan_bound = (factor * least as f64).floor() as u64;

    let start = server.request_count();
    let entries_before = server.listed_entries();
    let json = plan_json(&target, &bucket, &[]).await;
    // Besides listing, a plan sends HeadBucket and GetBucketVersioning.
    let plan_listing = server.request_count() - start - 2;
    // Each range's last page asks for about the keys left, not a full page past its end.
    let plan_entries = server.listed_entries() - entries_before;
    let stored = deployments * objects + 1;
    assert!(
        plan_entries <= stored + stored / 20,
        "plan made the server read {plan_entries} entries for {stored} objects (more than 5% past)"
    );
    assert!(
        plan_listing <= plan_bound,
        "plan sent {plan_listing} listing requests, more than {plan_bound} ({factor} × {least})"
    );
    let counts = objects_by_name(&json);
    assert_eq!(counts.len() as u64, deployments);
    assert!(counts.values().all(|&n| n == objects), "{counts:?}");

    let start = server.request_count();
    let mut prune = target.cli();
    prune.args(["prune", "--bucket", &bucket, "--keep", &keep.to_string()]);
    prune.args(["--yes", "--format", "json", "--audit-log", "/dev/null"]);
    let out = target.run(prune).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let received = server.request_count() - start;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    let requests = &report["requests"];
    assert_eq!(requests["total"].as_u64(), Some(received), "{requests}");
    let sent = |operation: &str| requests["by_operation"][operation].as_u64().unwrap_or(0);
    let doomed = (deployments - keep) * objects;
    assert_eq!(sent("DeleteObjects"), doomed.div_ceil(1000), "{requests}");
    assert!(
        sent("ListObjectsV2") <= 2 * plan_bound,
        "prune sent {} listing requests, more than {} (2 × {factor} × {least}): {requests}",
        sent("ListObjectsV2"),
        2 * plan_bound
    );
    let left = target.all_keys(&bucket).await;
    assert_eq!(left.len() as u64, keep * objects + 1);
    eprintln!(
        "{name}: plan {plan_listing} listing requests (least {least}), {plan_entries} entries; \
         prune {requests}"
    );
}

/// `d4/` must not take `d4x/…` or `d4-x/…`, root objects sort between deployments, and a
/// deployment bigger than a page straddles pages: every count is exact, every deletion too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn neighbouring_names_and_root_objects_are_listed_and_deleted_exactly() {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("neighbours").await;
    let days = |d| Some(Utc::now() - chrono::Duration::days(d));
    let mut objects: Vec<_> = (0..1500)
        .map(|i| (format!("d4/f{i:04}"), 1, days(30)))
        .collect();
    objects.extend([
        ("d4x/a".to_string(), 1, days(20)),
        ("d4x/b".to_string(), 1, days(20)),
        ("d4-x/a".to_string(), 1, days(25)),
        ("d4".to_string(), 1, None),
        ("d4.txt".to_string(), 1, None),
        ("d4x.txt".to_string(), 1, None),
        ("e/index.html".to_string(), 1, None),
    ]);
    target.put_all(&bucket, objects).await;

    let counts = objects_by_name(&plan_json(&target, &bucket, &[]).await);
    let expected = [("d4", 1500), ("d4-x", 1), ("d4x", 2), ("e", 1)];
    assert_eq!(
        counts,
        expected.iter().map(|(n, c)| (n.to_string(), *c)).collect()
    );

    let out = prune_keeping(&target, &bucket, "1").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Deleted 3 of 3 deployments: 1,503 objects"),
        "{}",
        text(&out.stdout)
    );
    let left: Vec<String> = target.all_keys(&bucket).await.into_keys().collect();
    assert_eq!(left, vec!["d4", "d4.txt", "d4x.txt", "e/index.html"]);
}

/// A deployment of 30 000 objects in 30 sub-folders is not read one page at a time: once
/// a range has read 8 full pages of it, one delimiter listing names its sub-folders and
/// they are listed as ranges in parallel. Its count stays exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_deployment_is_split_at_its_sub_folders() {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("huge").await;
    let days = |d| Some(Utc::now() - chrono::Duration::days(d));
    let mut objects: Vec<_> = (0..30_000)
        .map(|i| {
            (
                format!("big/s{:02}/f{:03}", i / 1000, i % 1000),
                1,
                days(30),
            )
        })
        .collect();
    objects.extend((0..3).map(|i| (format!("a-small/f{i}"), 1, days(40))));
    objects.extend((0..3).map(|i| (format!("z-small/f{i}"), 1, None)));
    target.put_all(&bucket, objects).await;
    let server = target.server().unwrap();

    let start = server.request_count();
    let counts = objects_by_name(&plan_json(&target, &bucket, &[]).await);
    let requests = server.request_count() - start;
    let expected = [("a-small", 3), ("big", 30_000), ("z-small", 3)];
    assert_eq!(
        counts,
        expected.iter().map(|(n, c)| (n.to_string(), *c)).collect()
    );
    // HeadBucket + GetBucketVersioning + discovery; the first range's 9 pages (a-small
    // and big/s00 to s08); the delimiter listing of big/ that splits it; then three
    // ranges of 7 sub-folders each (the first is the first range going on, the last
    // takes z-small too): 8 + 8 + 8 pages; ListMultipartUploads. One range read page
    // after page would have sent 35; the split costs 3 more and lists the last 21
    // sub-folders three at a time.
    assert_eq!(requests, 38, "requests made by plan");

    let out = prune_keeping(&target, &bucket, "1").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Deleted 2 of 2 deployments: 30,003 objects"),
        "{}",
        text(&out.stdout)
    );
    let left: Vec<String> = target.all_keys(&bucket).await.into_keys().collect();
    assert_eq!(left, vec!["z-small/f0", "z-small/f1", "z-small/f2"]);
}

/// A range's last page asks for about the keys its deployments are expected to hold (at
/// the first page's keys per deployment). When the later deployments are larger than
/// that, the short page does not end the range: the rest is read on full pages, and every
/// count is exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployments_larger_than_the_estimate_are_still_counted_exactly() {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("outgrown").await;
    let days = |d| Some(Utc::now() - chrono::Duration::days(d));
    let sizes: Vec<u64> = (0..20).map(|d| if d < 12 { 90 } else { 300 }).collect();
    let objects = sizes
        .iter()
        .enumerate()
        .flat_map(|(d, &n)| (0..n).map(move |o| (format!("s{d:02}/f{o:03}"), 1, days(30))))
        .collect();
    target.put_all(&bucket, objects).await;
    let server = target.server().unwrap();

    let start = server.request_count();
    let entries_before = server.listed_entries();
    let counts = objects_by_name(&plan_json(&target, &bucket, &[]).await);
    let requests = server.request_count() - start;
    let expected: std::collections::BTreeMap<String, u64> = sizes
        .iter()
        .enumerate()
        .map(|(d, &n)| (format!("s{d:02}"), n))
        .collect();
    assert_eq!(counts, expected);
    // 3 480 objects: 4 full pages at least, plus the short page that fell short.
    let listings = requests - 3;
    assert!(
        (5..=7).contains(&listings),
        "{listings} listing requests for 4 pages of objects"
    );
    assert!(server.listed_entries() - entries_before <= 3_480 + 1_000);
}

async fn plan_json(target: &S3Target, bucket: &str, extra: &[&str]) -> serde_json::Value {
    let mut plan = target.cli();
    plan.args([
        "plan", "--format", "json", "--bucket", bucket, "--keep", "1",
    ]);
    plan.args(extra);
    let out = target.run(plan).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("plan --format json prints JSON")
}

fn objects_by_name(plan: &serde_json::Value) -> std::collections::BTreeMap<String, u64> {
    plan["deployments"]
        .as_array()
        .expect("deployments")
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().to_string(),
                d["objects"].as_u64().unwrap(),
            )
        })
        .collect()
}

async fn prune_keeping(target: &S3Target, bucket: &str, keep: &str) -> std::process::Output {
    let mut prune = target.cli();
    prune.args([
        "prune",
        "--bucket",
        bucket,
        "--keep",
        keep,
        "--yes",
        "--audit-log",
        "/dev/null",
    ]);
    target.run(prune).await
}
