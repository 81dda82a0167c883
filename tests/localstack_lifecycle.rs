//! The lifecycle hand-off scenarios against a real LocalStack on 127.0.0.1:4566, which
//! stores lifecycle configurations. Built only with `--features localstack`.

mod common;

use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
use common::lifecycle_scenarios::{five_deployments, read_rules, DOOMED};
use common::{text, S3Target};

lifecycle_scenario_tests!(S3Target::localstack());

/// In a versioned bucket (LocalStack keeps versions; s3prune's own server does not), an
/// `--all-versions` rule is finished only when no version and no delete marker is left:
/// deleting the current objects is not enough.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_versioned_bucket_a_rule_is_finished_only_when_every_version_is_gone() {
    let target = S3Target::localstack().await;
    let bucket = five_deployments(&target, "lc-versioned").await;
    let client = target.client();
    client
        .put_bucket_versioning()
        .bucket(&bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut command = target.cli();
    command.args([
        "prune",
        "--bucket",
        &bucket,
        "--keep",
        "2",
        "--age-by",
        "name",
        "--all-versions",
        "--via",
        "lifecycle",
        "--yes",
        "--audit-log",
        dir.path().join("a.jsonl").to_str().unwrap(),
    ]);
    let out = target.run(command).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(read_rules(&target, &bucket).await.len(), 6);

    // S3's first day: the current objects expire, leaving versions and delete markers.
    let prefix = DOOMED[0];
    for key in ["index.html", "js/app.js"] {
        client
            .delete_object()
            .bucket(&bucket)
            .key(format!("{prefix}{key}"))
            .send()
            .await
            .unwrap();
    }
    let status = |out: &std::process::Output| -> serde_json::Value {
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let mut command = target.cli();
    command.args(["lifecycle", "--bucket", &bucket, "--format", "json"]);
    let listed = status(&target.run(command).await);
    let row = listed["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["prefix"] == prefix)
        .cloned()
        .unwrap();
    assert_eq!(row["done"], false, "{listed}");
    assert_eq!(
        row["left"], 4,
        "two versions and two delete markers: {listed}"
    );

    // The next days: every version and marker goes.
    let versions = client
        .list_object_versions()
        .bucket(&bucket)
        .prefix(prefix)
        .send()
        .await
        .unwrap();
    let ids: Vec<(String, String)> = versions
        .versions()
        .iter()
        .map(|v| {
            (
                v.key().unwrap().to_owned(),
                v.version_id().unwrap().to_owned(),
            )
        })
        .chain(versions.delete_markers().iter().map(|m| {
            (
                m.key().unwrap().to_owned(),
                m.version_id().unwrap().to_owned(),
            )
        }))
        .collect();
    for (key, version) in ids {
        client
            .delete_object()
            .bucket(&bucket)
            .key(key)
            .version_id(version)
            .send()
            .await
            .unwrap();
    }
    let mut command = target.cli();
    command.args([
        "lifecycle",
        "--bucket",
        &bucket,
        "--tidy",
        "--format",
        "json",
    ]);
    let tidied = status(&target.run(command).await);
    let mut removed: Vec<String> = tidied["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    removed.sort();
    assert_eq!(
        removed,
        [
            format!("s3prune:{prefix}"),
            format!("s3prune:{prefix}:delete-markers")
        ]
    );
    assert_eq!(read_rules(&target, &bucket).await.len(), 4);
}
