//! Versioned buckets, on real LocalStack (s3prune's own server does not version):
//! a plain prune only adds delete markers and says so; `--all-versions` removes every
//! version and delete marker of the deleted deployments, and nothing else.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
use common::{text, S3Target};
use serde_json::Value;

/// (key, version id, is delete marker) of every version under the bucket.
async fn versions(target: &S3Target, bucket: &str) -> Vec<(String, String, bool)> {
    let mut all = Vec::new();
    let (mut key_marker, mut version_marker) = (None, None);
    loop {
        let page = target
            .client()
            .list_object_versions()
            .bucket(bucket)
            .set_key_marker(key_marker.take())
            .set_version_id_marker(version_marker.take())
            .send()
            .await
            .expect("list versions");
        for v in page.versions() {
            all.push((
                v.key().unwrap().to_string(),
                v.version_id().unwrap_or("").to_string(),
                false,
            ));
        }
        for m in page.delete_markers() {
            all.push((
                m.key().unwrap().to_string(),
                m.version_id().unwrap_or("").to_string(),
                true,
            ));
        }
        if !page.is_truncated().unwrap_or(false) {
            break;
        }
        key_marker = page.next_key_marker().map(str::to_string);
        version_marker = page.next_version_id_marker().map(str::to_string);
    }
    all.sort();
    all
}

fn count_under(versions: &[(String, String, bool)], prefix: &str) -> (usize, usize) {
    let under: Vec<_> = versions
        .iter()
        .filter(|(k, _, _)| k.starts_with(prefix))
        .collect();
    (
        under.iter().filter(|(_, _, m)| !m).count(),
        under.iter().filter(|(_, _, m)| *m).count(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_prune_adds_markers_and_all_versions_reclaims_everything() {
    let target = S3Target::localstack().await;
    let bucket = target.fresh_bucket("versioned").await;
    target
        .client()
        .put_bucket_versioning()
        .bucket(&bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("enable versioning");

    // old1 has two versions of index.html; deployments are written a second apart.
    target
        .put_all(&bucket, vec![("old1/index.html".into(), 10, None)])
        .await;
    target
        .put_all(
            &bucket,
            vec![
                ("old1/index.html".into(), 20, None),
                ("old1/app.js".into(), 5, None),
            ],
        )
        .await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    target
        .put_all(&bucket, vec![("old2/index.html".into(), 7, None)])
        .await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    target
        .put_all(
            &bucket,
            vec![
                ("new/index.html".into(), 3, None),
                ("readme.txt".into(), 1, None),
            ],
        )
        .await;

    let run = |args: Vec<String>| {
        let mut c = target.cli();
        c.args(&args);
        target.run(c)
    };
    let args = |extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        a.extend([
            "--bucket".to_string(),
            bucket.clone(),
            "--keep".into(),
            "1".into(),
        ]);
        a
    };

    let plan = run(args(&["plan"])).await;
    let stdout = text(&plan.stdout);
    assert!(stdout.contains("versioning  Enabled"), "{stdout}");
    assert!(stdout.contains("nothing is reclaimed"), "{stdout}");

    let plain = run(args(&["prune", "--yes", "--audit-log", "/dev/null"])).await;
    assert!(plain.status.success(), "{}", text(&plain.stderr));
    assert!(text(&plain.stdout).contains("nothing is reclaimed"));
    let after_plain = versions(&target, &bucket).await;
    assert_eq!(
        count_under(&after_plain, "old1/"),
        (3, 2),
        "versions stay, markers added"
    );
    assert_eq!(count_under(&after_plain, "old2/"), (1, 1));
    let current: Vec<String> = target.all_keys(&bucket).await.into_keys().collect();
    assert_eq!(current, vec!["new/index.html", "readme.txt"]);

    // The deleted deployments still hold bytes; --all-versions sees them.
    let json = run(args(&["plan", "--all-versions", "--format", "json"])).await;
    assert!(json.status.success(), "{}", text(&json.stderr));
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    let rows: BTreeMap<String, &Value> = json["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["name"].as_str().unwrap().to_string(), d))
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows["new"]["action"], "keep");
    for (name, versions, bytes) in [("old1", 5, 35), ("old2", 2, 7)] {
        let row = rows[name];
        assert_eq!(row["action"], "delete", "{name}");
        assert_eq!(row["objects"], versions, "{name}: versions and markers");
        assert_eq!(row["bytes"], bytes, "{name}: all versions");
        assert_eq!(row["current_objects"], 0, "{name}");
    }

    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let audit_arg = audit.display().to_string();
    let purge = run(args(&[
        "prune",
        "--all-versions",
        "--yes",
        "--audit-log",
        &audit_arg,
    ]))
    .await;
    assert!(
        purge.status.success(),
        "{}\n{}",
        text(&purge.stdout),
        text(&purge.stderr)
    );
    let final_versions = versions(&target, &bucket).await;
    assert_eq!(count_under(&final_versions, "old1/"), (0, 0));
    assert_eq!(count_under(&final_versions, "old2/"), (0, 0));
    assert_eq!(
        count_under(&final_versions, "new/"),
        (1, 0),
        "the kept deployment is untouched"
    );
    assert_eq!(count_under(&final_versions, "readme.txt"), (1, 0));

    let lines: Vec<Value> = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 7, "every version and marker is audited");
    assert!(
        lines
            .iter()
            .all(|l| l["version"].as_str().is_some_and(|v| !v.is_empty())),
        "with its version id"
    );
}

async fn versioned_bucket(target: &S3Target, tag: &str) -> String {
    let bucket = target.fresh_bucket(tag).await;
    target
        .client()
        .put_bucket_versioning()
        .bucket(&bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("enable versioning");
    bucket
}

async fn put(target: &S3Target, bucket: &str, key: &str, body: &str) {
    target
        .client()
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(body.as_bytes().to_vec().into())
        .send()
        .await
        .expect("put object");
}

/// ETag and content of every current object, read with the test's own client.
async fn contents(target: &S3Target, bucket: &str) -> BTreeMap<String, (String, Vec<u8>)> {
    let mut all = BTreeMap::new();
    for key in target.all_keys(bucket).await.into_keys() {
        let object = target
            .client()
            .get_object()
            .bucket(bucket)
            .key(&key)
            .send()
            .await
            .expect("get object");
        let etag = object.e_tag().unwrap_or_default().to_string();
        let body = object.body.collect().await.expect("read body").to_vec();
        all.insert(key, (etag, body));
    }
    all
}

/// old1 (three keys, one with two versions, one with a space and a plus), old2, then
/// new, a second apart, so `--keep 1` deletes old1 and old2.
async fn three_deployments(target: &S3Target, bucket: &str) {
    put(
        target,
        bucket,
        "old1/index.html",
        "old1 index, first version",
    )
    .await;
    put(
        target,
        bucket,
        "old1/index.html",
        "old1 index, second version",
    )
    .await;
    put(target, bucket, "old1/app.js", "console.log('old1')").await;
    put(target, bucket, "old1/a b+c ü.css", "body { color: red }").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    put(target, bucket, "old2/index.html", "old2 index").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    put(target, bucket, "new/index.html", "new index").await;
}

async fn run_cli(target: &S3Target, args: &[&str]) -> std::process::Output {
    let mut command = target.cli();
    command.args(args);
    target.run(command).await
}

fn audit_lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_restores_every_key_byte_for_byte_and_a_second_undo_restores_nothing() {
    let target = S3Target::localstack().await;
    let bucket = versioned_bucket(&target, "undo").await;
    three_deployments(&target, &bucket).await;
    let before = contents(&target, &bucket).await;
    assert_eq!(before.len(), 5);

    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let log = audit.display().to_string();
    let prune = run_cli(
        &target,
        &[
            "prune",
            "--bucket",
            &bucket,
            "--keep",
            "1",
            "--yes",
            "--audit-log",
            &log,
        ],
    )
    .await;
    assert!(prune.status.success(), "{}", text(&prune.stderr));
    let current: Vec<String> = target.all_keys(&bucket).await.into_keys().collect();
    assert_eq!(current, vec!["new/index.html"]);
    let deleted = audit_lines(&audit);
    assert_eq!(deleted.len(), 4);
    assert!(
        deleted
            .iter()
            .all(|l| l["result"] == "deleted" && l["marker_version"].as_str().is_some()),
        "every plain delete records its delete marker: {deleted:?}"
    );

    let dry = run_cli(
        &target,
        &[
            "undo",
            "--bucket",
            &bucket,
            "--audit-log",
            &log,
            "--dry-run",
        ],
    )
    .await;
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    let stdout = text(&dry.stdout);
    assert!(
        stdout.contains("to restore: 4 keys in 2 deployments: old1 (3), old2 (1)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Dry run: nothing was restored."),
        "{stdout}"
    );
    assert_eq!(
        target.all_keys(&bucket).await.len(),
        1,
        "a dry run restores nothing"
    );

    let undo = run_cli(&target, &["undo", "--bucket", &bucket, "--audit-log", &log]).await;
    assert_eq!(undo.status.code(), Some(2), "no terminal and no --yes");
    assert!(text(&undo.stderr).contains("pass --yes"));

    let undo = run_cli(
        &target,
        &["undo", "--bucket", &bucket, "--audit-log", &log, "--yes"],
    )
    .await;
    assert!(
        undo.status.success(),
        "{}\n{}",
        text(&undo.stdout),
        text(&undo.stderr)
    );
    let stdout = text(&undo.stdout);
    assert!(
        stdout.contains("Restored 4 keys in 2 deployments"),
        "{stdout}"
    );
    assert_eq!(
        contents(&target, &bucket).await,
        before,
        "every key is back with the same ETag and content"
    );
    let after = versions(&target, &bucket).await;
    assert!(after.iter().all(|(_, _, marker)| !marker), "{after:?}");
    assert_eq!(
        count_under(&after, "old1/"),
        (4, 0),
        "no version was deleted"
    );

    let lines = audit_lines(&audit);
    let restored: Vec<&Value> = lines.iter().filter(|l| l["result"] == "restored").collect();
    assert_eq!(restored.len(), 4);
    for line in &restored {
        let deletion = deleted
            .iter()
            .find(|d| d["key"] == line["key"])
            .expect("a restored key was deleted");
        assert_eq!(line["marker_version"], deletion["marker_version"]);
        assert_eq!(line["bucket"], bucket.as_str());
    }

    let again = run_cli(
        &target,
        &["undo", "--bucket", &bucket, "--audit-log", &log, "--yes"],
    )
    .await;
    assert!(again.status.success(), "{}", text(&again.stderr));
    let stdout = text(&again.stdout);
    assert!(
        stdout.contains("already restored (their delete markers are gone): 4 keys"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Nothing to restore: every delete marker selected from the audit log was already removed."),
        "{stdout}"
    );
    assert_eq!(
        versions(&target, &bucket).await,
        after,
        "the second undo changes nothing"
    );
    assert_eq!(audit_lines(&audit).len(), lines.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_skips_and_names_a_key_written_again_since_the_prune() {
    let target = S3Target::localstack().await;
    let bucket = versioned_bucket(&target, "undo-rewritten").await;
    three_deployments(&target, &bucket).await;
    let before = contents(&target, &bucket).await;

    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl").display().to_string();
    let prune = run_cli(
        &target,
        &[
            "prune",
            "--bucket",
            &bucket,
            "--keep",
            "1",
            "--yes",
            "--audit-log",
            &log,
        ],
    )
    .await;
    assert!(prune.status.success(), "{}", text(&prune.stderr));
    put(
        &target,
        &bucket,
        "old1/index.html",
        "written again after the prune",
    )
    .await;

    let undo = run_cli(
        &target,
        &["undo", "--bucket", &bucket, "--audit-log", &log, "--yes"],
    )
    .await;
    assert!(undo.status.success(), "{}", text(&undo.stderr));
    let stdout = text(&undo.stdout);
    assert!(
        stdout.contains(
            "skipped, written again since the deletion (left as they are): 1 key: old1/index.html"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("Restored 3 keys in 2 deployments"),
        "{stdout}"
    );

    let after = contents(&target, &bucket).await;
    assert_eq!(after["old1/index.html"].1, b"written again after the prune");
    for key in [
        "old1/app.js",
        "old1/a b+c ü.css",
        "old2/index.html",
        "new/index.html",
    ] {
        assert_eq!(after[key], before[key], "{key}");
    }
    let markers: Vec<String> = versions(&target, &bucket)
        .await
        .into_iter()
        .filter(|(_, _, marker)| *marker)
        .map(|(key, _, _)| key)
        .collect();
    assert_eq!(
        markers,
        vec!["old1/index.html"],
        "the rewritten key's marker is left alone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_refuses_another_buckets_log_and_permanent_deletions() {
    let target = S3Target::localstack().await;
    let bucket = versioned_bucket(&target, "undo-refused").await;
    let other = versioned_bucket(&target, "undo-other").await;
    three_deployments(&target, &bucket).await;
    put(&target, &other, "old1/index.html", "another bucket's old1").await;

    let dir = tempfile::tempdir().unwrap();
    let plain_log = dir.path().join("plain.jsonl").display().to_string();
    let prune = run_cli(
        &target,
        &[
            "prune",
            "--bucket",
            &bucket,
            "--keep",
            "1",
            "--yes",
            "--audit-log",
            &plain_log,
        ],
    )
    .await;
    assert!(prune.status.success(), "{}", text(&prune.stderr));

    let versions_before = (
        versions(&target, &bucket).await,
        versions(&target, &other).await,
    );
    let wrong = run_cli(
        &target,
        &[
            "undo",
            "--bucket",
            &other,
            "--audit-log",
            &plain_log,
            "--yes",
        ],
    )
    .await;
    assert_eq!(wrong.status.code(), Some(1), "{}", text(&wrong.stderr));
    let stderr = text(&wrong.stderr);
    assert!(
        stderr.contains(&format!("records no deletions in bucket \"{other}\"")),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one paragraph: {stderr}");
    assert_eq!(
        (
            versions(&target, &bucket).await,
            versions(&target, &other).await
        ),
        versions_before
    );

    let purge_log = dir.path().join("purge.jsonl").display().to_string();
    let purge = run_cli(
        &target,
        &[
            "prune",
            "--bucket",
            &bucket,
            "--keep",
            "1",
            "--all-versions",
            "--yes",
            "--audit-log",
            &purge_log,
        ],
    )
    .await;
    assert!(purge.status.success(), "{}", text(&purge.stderr));
    let purged = versions(&target, &bucket).await;
    let permanent = run_cli(
        &target,
        &[
            "undo",
            "--bucket",
            &bucket,
            "--audit-log",
            &purge_log,
            "--yes",
        ],
    )
    .await;
    assert_eq!(
        permanent.status.code(),
        Some(1),
        "{}",
        text(&permanent.stderr)
    );
    let stderr = text(&permanent.stderr);
    assert!(
        stderr.contains("permanent and cannot be undone"),
        "{stderr}"
    );
    assert!(stderr.contains("(--all-versions)"), "{stderr}");
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    assert_eq!(versions(&target, &bucket).await, purged);
}
