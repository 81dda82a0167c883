//! The policy file (`--config`, `S3PRUNE_CONFIG`, `./s3prune.toml`): many targets in one
//! run, selection, the command line over the file, one JSON document, and bad files
//! refused before any request. Real HTTP to the embedded server.

mod common;

use common::policy_scenarios::{
    left, two_environment_file, two_environments, write_file, PROD, STAGING,
};
use common::{text, S3Target};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_environments_are_pruned_from_one_file() {
    let target = S3Target::embedded().await;
    common::policy_scenarios::two_environments_are_pruned_from_one_file(&target).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn target_selects_and_the_command_line_wins_over_the_file() {
    let target = S3Target::embedded().await;
    let bucket = two_environments(&target, "select").await;
    let (_dir, path) = write_file(&two_environment_file(&bucket));
    // The file says keep 1 for staging; --keep 2 on the command line wins.
    let mut command = target.cli();
    command
        .args([
            "prune", "--yes", "--target", "staging", "--keep", "2", "--config",
        ])
        .arg(&path);
    let output = target.run(command).await;
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(stdout.contains("== target staging (1 of 1) =="), "{stdout}");
    assert!(!stdout.contains("target prod"), "{stdout}");
    assert_eq!(left(&target, &bucket, "prod").await, PROD);
    assert_eq!(
        left(&target, &bucket, "staging").await,
        ["build-2026-05-02", "build-2026-05-03"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_json_is_one_document_with_every_target() {
    let target = S3Target::embedded().await;
    let bucket = two_environments(&target, "json").await;
    let (_dir, path) = write_file(&two_environment_file(&bucket));
    let mut command = target.cli();
    command
        .args(["plan", "--format", "json", "--config"])
        .arg(&path);
    let output = target.run(command).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("one JSON document");
    let targets = json["targets"].as_array().expect("targets");
    assert_eq!(targets.len(), 2);
    assert_eq!(targets[0]["target"], "prod");
    assert_eq!(targets[0]["prefix"], "prod/");
    assert_eq!(targets[0]["rule"]["keep"], 2);
    assert_eq!(targets[0]["summary"]["delete"], 2);
    assert_eq!(targets[1]["target"], "staging");
    assert_eq!(targets[1]["summary"]["delete"], 2);
    // A plan never deletes.
    assert_eq!(left(&target, &bucket, "prod").await, PROD);

    let mut command = target.cli();
    command
        .args(["plan", "--format", "csv", "--config"])
        .arg(&path);
    let output = target.run(command).await;
    let csv = text(&output.stdout);
    assert!(csv.starts_with("target,name,prefix,"), "{csv}");
    assert_eq!(csv.lines().filter(|l| l.starts_with("staging,")).count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targets_on_two_buckets_and_two_endpoints_in_one_run() {
    let first = S3Target::embedded().await;
    let second = S3Target::embedded().await;
    let a = two_environments(&first, "ep-a").await;
    let b = two_environments(&second, "ep-b").await;
    let file = format!(
        r#"[defaults]
age_by = "name"
no_live_detect = true

[[target]]
name = "first"
bucket = "{a}"
prefix = "staging/"
keep = 1
live = ["staging/current.txt"]
endpoint_url = "{}"

[[target]]
name = "second"
bucket = "{b}"
prefix = "prod/"
keep = 4
endpoint_url = "{}"
"#,
        first.endpoint, second.endpoint
    );
    let (_dir, path) = write_file(&file);
    // The environment names the first server; the file sends each target to its own.
    let mut command = first.cli();
    command.args(["prune", "--yes", "--config"]).arg(&path);
    let output = first.run(command).await;
    assert!(
        output.status.success(),
        "{}\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    assert_eq!(left(&first, &a, "staging").await, ["build-2026-05-03"]);
    assert_eq!(left(&first, &a, "prod").await, PROD);
    assert_eq!(left(&second, &b, "prod").await, PROD[1..]);
    assert_eq!(left(&second, &b, "staging").await, STAGING);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_is_found_by_s3prune_config_and_in_the_current_directory() {
    let target = S3Target::embedded().await;
    let bucket = two_environments(&target, "find").await;
    let (dir, path) = write_file(&two_environment_file(&bucket));

    let mut command = target.cli();
    command
        .args(["plan", "--format", "json"])
        .env("S3PRUNE_CONFIG", &path);
    let output = target.run(command).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["targets"][1]["target"], "staging");

    let mut command = target.cli();
    command
        .args(["plan", "--format", "json", "--target", "prod"])
        .current_dir(dir.path());
    let output = target.run(command).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["targets"].as_array().unwrap().len(), 1);
    assert_eq!(json["targets"][0]["target"], "prod");

    // Without any file, --target is a usage error.
    let empty = tempfile::tempdir().unwrap();
    let mut command = target.cli();
    command
        .args(["plan", "--target", "prod"])
        .current_dir(empty.path());
    let output = target.run(command).await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("needs a policy file"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_files_are_refused_naming_file_line_and_key_and_change_nothing() {
    let target = S3Target::embedded().await;
    let bucket = two_environments(&target, "bad").await;
    let before = target.all_keys(&bucket).await;
    let good = two_environment_file(&bucket);
    let cases: [(&str, String, &str); 6] = [
        (
            "unknown key",
            good.replace("keep = 2", "kep = 2"),
            "line 8, key kep: unknown key",
        ),
        (
            "duplicate target",
            good.replace("name = \"staging\"", "name = \"prod\""),
            "line 12, key name: a second target named \"prod\"",
        ),
        (
            "bad duration",
            good.replace(
                "age_by = \"name\"",
                "age_by = \"name\"\nolder_than = \"30 parsecs\"",
            ),
            "line 3, key older_than: \"30 parsecs\" is not a duration",
        ),
        (
            "bad glob",
            good.replace("keep = 1", "keep = 1\nprotect = [\"release-[\"]"),
            "line 16, key protect: \"release-[\" is not a valid glob",
        ),
        (
            "missing bucket",
            good.replace(
                &format!("bucket = \"{bucket}\"\nprefix = \"staging/\""),
                "prefix = \"staging/\"",
            ),
            "line 12): key bucket is missing",
        ),
        (
            "wrong type",
            good.replace("keep = 2", "keep = \"two\""),
            "line 8, key keep: invalid type: string \"two\", expected a whole number",
        ),
    ];
    for (case, content, expected) in cases {
        let (_dir, path) = write_file(&content);
        let mut command = target.cli();
        command.args(["prune", "--yes", "--config"]).arg(&path);
        let output = target.run(command).await;
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{case}: {stderr}");
        assert!(
            stderr.contains(&path.display().to_string()),
            "{case}: names the file: {stderr}"
        );
        assert!(
            stderr.contains(expected),
            "{case}: {stderr}\nwant: {expected}"
        );
        assert_eq!(
            stderr.trim().lines().count(),
            1,
            "{case}: one paragraph: {stderr}"
        );
        assert!(text(&output.stdout).is_empty(), "{case}: nothing done");
        assert_eq!(
            target.all_keys(&bucket).await,
            before,
            "{case}: the bucket changed"
        );
    }
}

/// A policy-file run writes one plan file holding every target; `prune --plan` applies
/// each target's plan to its own prefix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_plan_file_holds_every_target_and_prune_plan_applies_them() {
    let target = S3Target::embedded().await;
    let bucket = two_environments(&target, "planfile").await;
    let (dir, path) = write_file(&two_environment_file(&bucket));
    let plan_path = dir.path().join("plan.json");
    let mut command = target.cli();
    command
        .args(["plan", "--config"])
        .arg(&path)
        .arg("--out")
        .arg(&plan_path);
    let output = target.run(command).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan_path).unwrap()).unwrap();
    let targets: Vec<&str> = plan["targets"]
        .as_array()
        .expect("one file, every target")
        .iter()
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["prod", "staging"]);

    let mut prune = target.cli();
    prune
        .args(["prune", "--yes", "--audit-log", "/dev/null", "--plan"])
        .arg(&plan_path);
    let output = target.run(prune).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        left(&target, &bucket, "prod").await,
        [
            "release-2026-01-01",
            "release-2026-04-01",
            "release-2026-05-01"
        ]
    );
    assert_eq!(
        left(&target, &bucket, "staging").await,
        ["build-2026-05-03"]
    );
}
