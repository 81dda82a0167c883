//! Live deployments and ages from names, on every server: after a rollback the live
//! deployment is not the newest, and "keep the newest N" must still never delete it.

use std::collections::BTreeMap;

use chrono::Utc;
use serde_json::Value;

use s3prune::engine::deletion::DeleteOptions;
use s3prune::engine::listing::{list_deployments, ListingOptions};
use s3prune::engine::live::LiveOptions;
use s3prune::engine::plan::Plan;
use s3prune::engine::prune::{prune, PruneRequest, PruneSettings};
use s3prune::engine::rule::Rule;
use s3prune::engine::stop::StopSignal;

use super::scenarios::{put_aged, AgedDeployment};
use super::{text, S3Target};

#[macro_export]
macro_rules! live_scenario_tests {
    ($target:expr) => {
        $crate::live_scenario_tests!(@each $target;
            a_rollback_pointer_keeps_the_live_deployment,
            a_root_index_html_makes_its_deployment_live,
            no_live_detect_turns_auto_detection_off,
            a_missing_live_pointer_stops_plan_and_prune_and_changes_nothing,
            an_alias_folder_makes_its_copy_live,
            a_deployment_that_became_live_since_the_plan_is_not_deleted,
            a_resynced_bucket_is_pruned_by_the_ages_in_the_names,
        );
    };
    (@each $target:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let target = $target.await;
                $crate::common::live_scenarios::$name(&target).await;
            }
        )*
    };
}

const FILES: [(&str, usize); 3] = [
    ("index.html", 100),
    ("css/site.css", 20),
    ("js/app.js", 300),
];

/// Six deployments, `d1` (oldest) to `d6` (newest).
async fn six_deployments(target: &S3Target, tag: &str) -> String {
    let bucket = target.fresh_bucket(tag).await;
    let names: Vec<String> = (1..=6).map(|i| format!("d{i}/")).collect();
    let specs: Vec<AgedDeployment<'_>> = names
        .iter()
        .enumerate()
        .map(|(i, name)| (name.as_str(), FILES.to_vec(), 60 - 10 * i as i64))
        .collect();
    put_aged(target, &bucket, &specs).await;
    bucket
}

async fn run(target: &S3Target, args: &[&str]) -> std::process::Output {
    let mut command = target.cli();
    command.args(args);
    target.run(command).await
}

/// `plan --format json`'s rows by name: (action, reason, live, live_from).
async fn plan_rows(
    target: &S3Target,
    bucket: &str,
    extra: &[&str],
) -> BTreeMap<String, (String, String, bool, Vec<String>)> {
    let mut args = vec!["plan", "--format", "json", "--bucket", bucket];
    args.extend_from_slice(extra);
    let out = run(target, &args).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON plan");
    json["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let live_from = d["live_from"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect();
            (
                d["name"].as_str().unwrap().to_string(),
                (
                    d["action"].as_str().unwrap().to_string(),
                    d["reason"].as_str().unwrap().to_string(),
                    d["live"].as_bool().unwrap(),
                    live_from,
                ),
            )
        })
        .collect()
}

fn deployments_left(keys: &BTreeMap<String, i64>) -> Vec<String> {
    let mut names: Vec<String> = keys
        .keys()
        .filter_map(|k| k.split_once('/').map(|(d, _)| d.to_string()))
        .collect();
    names.dedup();
    names
}

pub async fn a_rollback_pointer_keeps_the_live_deployment(target: &S3Target) {
    let bucket = six_deployments(target, "rollback").await;
    // The team rolled back to d2: the newest three are d4..d6, so keep 3 would delete it.
    target.put_text(&bucket, "current.txt", "d2\n").await;

    let rows = plan_rows(target, &bucket, &["--keep", "3", "--live", "current.txt"]).await;
    assert_eq!(
        rows["d2"],
        (
            "keep".into(),
            "live".into(),
            true,
            vec!["current.txt".into()]
        )
    );
    assert_eq!(rows["d1"].0, "delete");
    assert_eq!(rows["d3"].0, "delete");
    assert_eq!(
        rows["d6"],
        ("keep".into(), "newest-n".into(), false, vec![])
    );

    let audit = tempfile::tempdir().unwrap();
    let audit_log = audit.path().join("audit.jsonl");
    let out = run(
        target,
        &[
            "prune",
            "--bucket",
            &bucket,
            "--keep",
            "3",
            "--live",
            "current.txt",
            "--yes",
            "--audit-log",
            audit_log.to_str().unwrap(),
        ],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("live ← current.txt"),
        "the plan printed by prune names the pointer:\n{}",
        text(&out.stdout)
    );
    let left = target.all_keys(&bucket).await;
    assert_eq!(deployments_left(&left), ["d2", "d4", "d5", "d6"]);
    assert!(
        left.contains_key("current.txt"),
        "root objects are never deleted"
    );
}

pub async fn a_root_index_html_makes_its_deployment_live(target: &S3Target) {
    let bucket = six_deployments(target, "autolive").await;
    target
        .put_text(
            &bucket,
            "index.html",
            r#"<!doctype html><link href="/d1/css/site.css" rel="stylesheet"><script src="/d1/js/app.js"></script>"#,
        )
        .await;
    // No flag at all: the root page is read and d1 is live.
    let rows = plan_rows(target, &bucket, &["--keep", "2"]).await;
    assert_eq!(
        rows["d1"],
        (
            "keep".into(),
            "live".into(),
            true,
            vec!["index.html".into()]
        )
    );
    assert_eq!(rows["d2"].0, "delete");

    let out = run(
        target,
        &["prune", "--bucket", &bucket, "--keep", "2", "--yes"],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let left = target.all_keys(&bucket).await;
    assert_eq!(deployments_left(&left), ["d1", "d5", "d6"]);
}

pub async fn no_live_detect_turns_auto_detection_off(target: &S3Target) {
    let bucket = six_deployments(target, "nodetect").await;
    target
        .put_text(
            &bucket,
            "index.html",
            r#"<script src="/d1/js/app.js"></script>"#,
        )
        .await;
    let rows = plan_rows(target, &bucket, &["--keep", "2", "--no-live-detect"]).await;
    assert_eq!(
        rows["d1"],
        ("delete".into(), "outside-keep".into(), false, vec![])
    );
    // A pointer named on the command line still counts.
    target.put_text(&bucket, "LIVE", "d3").await;
    let rows = plan_rows(
        target,
        &bucket,
        &["--keep", "2", "--no-live-detect", "--live", "LIVE"],
    )
    .await;
    assert_eq!(rows["d1"].0, "delete");
    assert_eq!(
        rows["d3"],
        ("keep".into(), "live".into(), true, vec!["LIVE".into()])
    );
}

pub async fn a_missing_live_pointer_stops_plan_and_prune_and_changes_nothing(target: &S3Target) {
    let bucket = six_deployments(target, "nopointer").await;
    let before = target.all_keys(&bucket).await;
    for command in ["plan", "prune"] {
        let mut args = vec![
            command,
            "--bucket",
            &bucket,
            "--keep",
            "1",
            "--live",
            "release.json",
        ];
        if command == "prune" {
            args.extend(["--yes", "--audit-log", "/dev/null"]);
        }
        let out = run(target, &args).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{command}: {stderr}");
        assert!(
            stderr.contains("release.json") && stderr.contains("does not exist"),
            "{command}: {stderr}"
        );
        assert!(!stderr.contains("Error {"), "no debug dump: {stderr}");
    }
    assert_eq!(target.all_keys(&bucket).await, before, "nothing changed");
}

pub async fn an_alias_folder_makes_its_copy_live(target: &S3Target) {
    // Each deployment's file has its own size; current/ is a synced copy of d2 (same
    // relative key, size and content, so the same ETag).
    let bucket2 = target.fresh_bucket("alias").await;
    let specs: Vec<AgedDeployment<'_>> = vec![
        ("d1/", vec![("index.html", 101)], 50),
        ("d2/", vec![("index.html", 102)], 40),
        ("d3/", vec![("index.html", 103)], 30),
        ("d4/", vec![("index.html", 104)], 20),
    ];
    put_aged(target, &bucket2, &specs).await;
    target
        .put_all(&bucket2, vec![("current/index.html".into(), 102, None)])
        .await;
    let rows = plan_rows(
        target,
        &bucket2,
        &["--keep", "1", "--no-live-detect", "--live-alias", "current"],
    )
    .await;
    assert_eq!(
        rows["d2"],
        (
            "keep".into(),
            "live".into(),
            true,
            vec!["alias current/".into()]
        )
    );
    assert_eq!(rows["d1"].0, "delete");
    assert_eq!(rows["d3"].0, "delete");
    assert_eq!(rows["d4"].1, "newest-n");
    assert_eq!(rows["current"].0, "keep");

    let out = run(
        target,
        &[
            "prune",
            "--bucket",
            &bucket2,
            "--keep",
            "1",
            "--no-live-detect",
            "--live-alias",
            "current",
            "--yes",
            "--audit-log",
            "/dev/null",
        ],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let left = target.all_keys(&bucket2).await;
    assert_eq!(deployments_left(&left), ["current", "d2", "d4"]);
}

pub async fn a_deployment_that_became_live_since_the_plan_is_not_deleted(target: &S3Target) {
    let bucket = six_deployments(target, "livedrift").await;
    target.put_text(&bucket, "current.txt", "d6").await;
    let engine_bucket = target.engine_bucket(&bucket).await;
    let listing = ListingOptions {
        live: LiveOptions {
            pointers: vec!["current.txt".into()],
            ..LiveOptions::default()
        },
        ..ListingOptions::new("")
    };
    let inventory = list_deployments(&engine_bucket, &listing, &|_| {})
        .await
        .unwrap();
    let rule = Rule::new(3, None, vec![], Default::default()).unwrap();
    let now = Utc::now();
    let plan = Plan::build_with_live(inventory.deployments.clone(), &rule, &inventory.live, now);
    let doomed: Vec<String> = plan
        .to_delete()
        .map(|e| e.deployment.name.clone())
        .collect();
    assert_eq!(doomed, ["d3", "d2", "d1"]);

    // Between plan and delete, someone rolls back to d2.
    target.put_text(&bucket, "current.txt", "d2").await;
    let dir = tempfile::tempdir().unwrap();
    let request = PruneRequest {
        targets: plan.to_delete().map(|e| e.deployment.clone()).collect(),
        by_hand: Default::default(),
        rule: Some(rule),
        planned: inventory.deployments,
        now,
        fingerprints: None,
    };
    let settings = PruneSettings {
        listing,
        delete: DeleteOptions::default(),
        audit_path: dir.path().join("audit.jsonl"),
    };
    let report = prune(
        &engine_bucket,
        &request,
        &settings,
        &StopSignal::new(),
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.skipped.len(), 1, "{:?}", report.skipped);
    assert_eq!(report.skipped[0].name, "d2");
    assert!(
        report.skipped[0].reason.contains("live now")
            && report.skipped[0].reason.contains("current.txt"),
        "{:?}",
        report.skipped[0]
    );
    let left = target.all_keys(&bucket).await;
    assert_eq!(deployments_left(&left), ["d2", "d4", "d5", "d6"]);
}

pub async fn a_resynced_bucket_is_pruned_by_the_ages_in_the_names(target: &S3Target) {
    let bucket = target.fresh_bucket("byname").await;
    // A re-sync wrote every object at once: LastModified says nothing. The names do.
    let names = [
        "release-2026-11-03T09-15-00Z",
        "release-20261101-1200",
        "release-2026-10-20",
        "1794268800000-serverless",
        "release-20261105T080000Z",
        "assets-shared",
    ];
    let objects = names
        .iter()
        .flat_map(|name| {
            FILES
                .iter()
                .map(move |(path, size)| (format!("{name}/{path}"), *size, None))
        })
        .collect();
    target.put_all(&bucket, objects).await;

    let rows = plan_rows(
        target,
        &bucket,
        &["--keep", "2", "--age-by", "name", "--no-live-detect"],
    )
    .await;
    let verdict = |name: &str| (rows[name].0.as_str(), rows[name].1.as_str());
    // 1794268800000 ms is 2026-11-10T00:00:00Z, the newest; then 2026-11-05.
    assert_eq!(verdict("1794268800000-serverless"), ("keep", "newest-n"));
    assert_eq!(verdict("release-20261105T080000Z"), ("keep", "newest-n"));
    assert_eq!(
        verdict("release-2026-11-03T09-15-00Z"),
        ("delete", "outside-keep")
    );
    assert_eq!(verdict("release-20261101-1200"), ("delete", "outside-keep"));
    assert_eq!(verdict("release-2026-10-20"), ("delete", "outside-keep"));
    assert_eq!(verdict("assets-shared"), ("keep", "undated"));

    let out = run(
        target,
        &[
            "prune",
            "--bucket",
            &bucket,
            "--keep",
            "2",
            "--age-by",
            "name",
            "--no-live-detect",
            "--yes",
            "--audit-log",
            "/dev/null",
        ],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let left = target.all_keys(&bucket).await;
    assert_eq!(
        deployments_left(&left),
        [
            "1794268800000-serverless",
            "assets-shared",
            "release-20261105T080000Z"
        ]
    );
}

pub async fn too_many_root_objects_to_read_stop_the_run_and_change_nothing(target: &S3Target) {
    let bucket = six_deployments(target, "manyroot").await;
    // 1001 small root objects: live detection reads at most 1000, and an unread one could
    // be the page that names the live deployment.
    let roots = (0..1001)
        .map(|i| (format!("page-{i:04}.html"), 10, None))
        .collect();
    target.put_all(&bucket, roots).await;
    let before = target.all_keys(&bucket).await;
    let out = run(
        target,
        &[
            "prune",
            "--bucket",
            &bucket,
            "--keep",
            "1",
            "--yes",
            "--audit-log",
            "/dev/null",
        ],
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--no-live-detect"), "{stderr}");
    assert_eq!(target.all_keys(&bucket).await, before, "nothing changed");
    // Told where the pointer is, and not to guess, it prunes.
    let out = run(
        target,
        &[
            "prune",
            "--bucket",
            &bucket,
            "--keep",
            "1",
            "--no-live-detect",
            "--yes",
            "--audit-log",
            "/dev/null",
        ],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(deployments_left(&target.all_keys(&bucket).await), ["d6"]);
}
