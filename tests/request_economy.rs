//! Requests are round trips: prune must not list a deployment more often than safety
//! needs. At delete time, a deployment of one small page (under 500 keys) is listed once
//! (by the drift re-check, whose listing the deletion reuses); a bigger one is listed again.

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
    // HeadBucket + GetBucketVersioning + discovery + 10 tallies (plan), discovery +
    // 8 tallies (re-check), 1 DeleteObjects: 23. Listing the 8 again would make 31.
    assert_eq!(requests, 23, "requests made by prune");
    let left: Vec<String> = target.all_keys(&bucket).await.into_keys().collect();
    assert_eq!(left.len(), 10);
    assert!(left
        .iter()
        .all(|k| k.starts_with("deploy-00/") || k.starts_with("deploy-01/")));
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
    // HeadBucket + GetBucketVersioning + discovery + 10 tallies + 2 reads (plan);
    // discovery + 7 tallies (deploy-09 is live now) + 2 reads (re-check); 1 DeleteObjects.
    assert_eq!(server.request_count() - start, 26, "requests made by prune");
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
    // HeadBucket + GetBucketVersioning + discovery + 3 tallies.
    assert_eq!(server.request_count() - start, 6, "requests made by plan");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_bigger_than_one_page_is_listed_again_and_fully_deleted() {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("bigpage").await;
    let old = Some(Utc::now() - chrono::Duration::days(30));
    let mut objects: Vec<_> = (0..1500)
        .map(|i| (format!("big/f{i:04}"), 1, old))
        .collect();
    objects.push(("small/index.html".into(), 1, old));
    objects.push(("new/index.html".into(), 1, None));
    target.put_all(&bucket, objects).await;
    let out = prune_keeping(&target, &bucket, "1").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Deleted 2 of 2 deployments: 1,501 objects"),
        "{}",
        text(&out.stdout)
    );
    let left: Vec<String> = target.all_keys(&bucket).await.into_keys().collect();
    assert_eq!(left, vec!["new/index.html"]);
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
