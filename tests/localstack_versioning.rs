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
