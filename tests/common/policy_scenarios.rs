//! The policy file on every server: two environments of one bucket pruned from one file.

use std::path::PathBuf;

use super::{text, S3Target};

/// Deployments named by date (`--age-by name`), so the order is the same on servers that
/// stamp the upload time.
pub const PROD: [&str; 5] = [
    "release-2026-01-01",
    "release-2026-02-01",
    "release-2026-03-01",
    "release-2026-04-01",
    "release-2026-05-01",
];
pub const STAGING: [&str; 3] = ["build-2026-05-01", "build-2026-05-02", "build-2026-05-03"];

/// A bucket with `prod/` (five deployments, the oldest live after a rollback) and
/// `staging/` (three, the newest live).
pub async fn two_environments(target: &S3Target, tag: &str) -> String {
    let bucket = target.fresh_bucket(tag).await;
    let mut objects = Vec::new();
    for (env, names) in [("prod", &PROD[..]), ("staging", &STAGING[..])] {
        for name in names {
            for file in ["index.html", "js/app.js"] {
                objects.push((format!("{env}/{name}/{file}"), 10, None));
            }
        }
    }
    target.put_all(&bucket, objects).await;
    target
        .put_text(&bucket, "prod/current.txt", "release-2026-01-01\n")
        .await;
    target
        .put_text(&bucket, "staging/current.txt", "build-2026-05-03\n")
        .await;
    bucket
}

/// The README's two-environment file for `bucket`.
pub fn two_environment_file(bucket: &str) -> String {
    format!(
        r#"[defaults]
age_by = "name"

[[target]]
name = "prod"
bucket = "{bucket}"
prefix = "prod/"
keep = 2
live = ["prod/current.txt"]

[[target]]
name = "staging"
bucket = "{bucket}"
prefix = "staging/"
keep = 1
live = ["staging/current.txt"]
"#
    )
}

/// Writes `content` to a new temporary directory's `s3prune.toml`.
pub fn write_file(content: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("s3prune.toml");
    std::fs::write(&path, content).expect("write the policy file");
    (dir, path)
}

/// The deployments left under `env/`.
pub async fn left(target: &S3Target, bucket: &str, env: &str) -> Vec<String> {
    let mut names: Vec<String> = target
        .all_keys(bucket)
        .await
        .into_keys()
        .filter_map(|k| {
            let rest = k.strip_prefix(&format!("{env}/"))?.to_string();
            Some(rest.split_once('/')?.0.to_string())
        })
        .collect();
    names.dedup();
    names
}

/// prod keeps its newest 2 and the live (rolled-back) oldest; staging keeps its newest,
/// which is live; the pointers stay.
pub async fn two_environments_are_pruned_from_one_file(target: &S3Target) {
    let bucket = two_environments(target, "policy").await;
    let (_dir, path) = write_file(&two_environment_file(&bucket));
    let mut command = target.cli();
    command.args(["prune", "--yes", "--config"]).arg(&path);
    let output = target.run(command).await;
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(stdout.contains("== target prod (1 of 2) =="), "{stdout}");
    assert!(stdout.contains("== target staging (2 of 2) =="), "{stdout}");
    assert!(
        stdout.contains("Targets: prod done, staging done."),
        "{stdout}"
    );
    assert_eq!(
        left(target, &bucket, "prod").await,
        [
            "release-2026-01-01",
            "release-2026-04-01",
            "release-2026-05-01"
        ]
    );
    assert_eq!(left(target, &bucket, "staging").await, ["build-2026-05-03"]);
    let keys = target.all_keys(&bucket).await;
    assert!(keys.contains_key("prod/current.txt") && keys.contains_key("staging/current.txt"));
}
