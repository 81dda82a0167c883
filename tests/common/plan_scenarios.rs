//! Reviewed plans on every server: `plan --out` writes what was reviewed, `prune --plan`
//! deletes exactly the deployments that are still what the plan saw.

use std::path::Path;

use serde_json::Value;

use super::scenarios::{put_aged, AgedDeployment};
use super::{text, S3Target};

#[macro_export]
macro_rules! plan_scenario_tests {
    ($target:expr) => {
        $crate::plan_scenario_tests!(@each $target;
            a_reviewed_plan_deletes_exactly_the_unchanged_deployments,
            a_plan_file_that_is_cut_edited_foreign_or_old_changes_nothing,
            a_plan_whose_deployments_are_all_gone_deletes_nothing,
        );
    };
    (@each $target:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let target = $target.await;
                $crate::common::plan_scenarios::$name(&target).await;
            }
        )*
    };
}

/// Five deployments, `d1` (oldest) to `d5`; keep 2 deletes d1, d2, d3.
async fn five_deployments(target: &S3Target, tag: &str) -> String {
    let bucket = target.fresh_bucket(tag).await;
    let names: Vec<String> = (1..=5).map(|i| format!("d{i}/")).collect();
    let specs: Vec<AgedDeployment<'_>> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            (
                name.as_str(),
                vec![("index.html", 100 + i), ("js/app.js", 300)],
                50 - 10 * i as i64,
            )
        })
        .collect();
    put_aged(target, &bucket, &specs).await;
    bucket
}

async fn run(target: &S3Target, args: &[&str]) -> std::process::Output {
    let mut command = target.cli();
    command.args(args);
    target.run(command).await
}

async fn write_plan(target: &S3Target, bucket: &str, file: &Path) {
    let out = run(
        target,
        &[
            "plan",
            "--bucket",
            bucket,
            "--keep",
            "2",
            "--out",
            file.to_str().unwrap(),
        ],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(plan["format"], "s3prune-plan/1");
    assert!(plan["checksum"].as_str().unwrap().starts_with("sha256:"));
    for row in plan["deployments"].as_array().unwrap() {
        let fingerprint = &row["fingerprint"];
        assert_eq!(fingerprint["objects"], row["objects"]);
        assert_eq!(fingerprint["digest"].as_str().unwrap().len(), 32, "{row}");
    }
}

async fn apply(target: &S3Target, file: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "prune",
        "--plan",
        file.to_str().unwrap(),
        "--yes",
        "--audit-log",
        "/dev/null",
    ];
    args.extend_from_slice(extra);
    run(target, &args).await
}

fn deployments_left(target_keys: &std::collections::BTreeMap<String, i64>) -> Vec<String> {
    let mut names: Vec<String> = target_keys
        .keys()
        .filter_map(|k| k.split_once('/').map(|(d, _)| d.to_string()))
        .collect();
    names.dedup();
    names
}

pub async fn a_reviewed_plan_deletes_exactly_the_unchanged_deployments(target: &S3Target) {
    let bucket = five_deployments(target, "reviewed").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.json");
    write_plan(target, &bucket, &file).await;

    // Between review and apply: d1 gets a new object, d2 is deleted by someone else.
    target
        .put_all(&bucket, vec![("d1/late.html".into(), 7, None)])
        .await;
    let engine_bucket = target.engine_bucket(&bucket).await;
    engine_bucket
        .delete_batch(&["d2/index.html".into(), "d2/js/app.js".into()])
        .await
        .unwrap();

    // A dry run says what would go, and deletes nothing.
    let before = target.all_keys(&bucket).await;
    let out = apply(target, &file, &["--dry-run"]).await;
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("1 of 3 would be deleted now: d3"),
        "{stdout}"
    );
    assert_eq!(target.all_keys(&bucket).await, before);

    let out = apply(target, &file, &[]).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(1),
        "changed ones make it exit 1: {stderr}"
    );
    assert!(stdout.contains("Deleted 1 of 1 deployments"), "{stdout}");
    assert!(
        stderr.contains("not deleting d1: it changed since the plan was written"),
        "{stderr}"
    );
    assert!(
        stderr.contains("not deleting d2: it no longer exists"),
        "{stderr}"
    );
    assert!(stderr.contains("2 of the 3 deployments"), "{stderr}");
    let left = target.all_keys(&bucket).await;
    assert_eq!(deployments_left(&left), ["d1", "d4", "d5"]);
    assert!(left.contains_key("d1/late.html"));
}

pub async fn a_plan_file_that_is_cut_edited_foreign_or_old_changes_nothing(target: &S3Target) {
    let bucket = five_deployments(target, "badplan").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.json");
    write_plan(target, &bucket, &file).await;
    let good = std::fs::read_to_string(&file).unwrap();
    let before = target.all_keys(&bucket).await;

    let other = target.fresh_bucket("otherbucket").await;
    let variants: Vec<(&str, String, Vec<&str>, &str)> = vec![
        (
            "truncated",
            good[..good.len() / 2].to_string(),
            vec![],
            "not a plan file",
        ),
        (
            "edited",
            good.replacen("\"keep\"", "\"delete\"", 1),
            vec![],
            "changed after it was written",
        ),
        ("foreign", "{\"hello\": 1}".into(), vec![], "no checksum"),
        (
            "another bucket",
            good.clone(),
            vec!["--bucket", &other],
            "is for bucket",
        ),
        (
            "another prefix",
            good.clone(),
            vec!["--prefix", "prod/"],
            "is for prefix",
        ),
        (
            "too old",
            good.clone(),
            vec!["--max-plan-age", "0s"],
            "--max-plan-age",
        ),
        (
            "with a rule flag",
            good.clone(),
            vec!["--keep", "1"],
            "cannot be used with --plan",
        ),
    ];
    for (case, content, extra, expected) in variants {
        let path = dir.path().join(format!("{}.json", case.replace(' ', "-")));
        std::fs::write(&path, content).unwrap();
        let out = apply(target, &path, &extra).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{case}: {stderr}");
        assert!(stderr.contains(expected), "{case}: {stderr}");
        assert!(
            !stderr.contains("Error {"),
            "{case}: no debug dump: {stderr}"
        );
        assert_eq!(
            target.all_keys(&bucket).await,
            before,
            "{case}: nothing changed"
        );
    }
}

pub async fn a_plan_whose_deployments_are_all_gone_deletes_nothing(target: &S3Target) {
    let bucket = five_deployments(target, "allgone").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.json");
    write_plan(target, &bucket, &file).await;
    let engine_bucket = target.engine_bucket(&bucket).await;
    let doomed: Vec<String> = ["d1", "d2", "d3"]
        .iter()
        .flat_map(|d| [format!("{d}/index.html"), format!("{d}/js/app.js")])
        .collect();
    engine_bucket.delete_batch(&doomed).await.unwrap();
    let before = target.all_keys(&bucket).await;

    let out = apply(target, &file, &[]).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("every deployment the plan deletes"),
        "{stderr}"
    );
    assert_eq!(target.all_keys(&bucket).await, before);
}
