//! Behaviour scenarios that must hold on every S3-compatible server s3prune supports.
//! Each suite (embedded server, LocalStack) instantiates all of them with
//! `scenario_tests!(constructor)`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use s3prune::engine::deletion::DeleteOptions;
use s3prune::engine::deployment::{AgeBy, Deployment};
use s3prune::engine::drift::recheck;
use s3prune::engine::listing::{list_deployments, ListingOptions};
use s3prune::engine::plan::{Action, Plan};
use s3prune::engine::prune::{prune, PruneRequest, PruneSettings};
use s3prune::engine::rule::Rule;
use s3prune::engine::stop::StopSignal;

use super::{text, S3Target};

#[macro_export]
macro_rules! scenario_tests {
    ($target:expr) => {
        $crate::scenario_tests!(@each $target;
            odd_keys_round_trip_and_prune_byte_exactly,
            folder_markers_and_root_objects,
            more_than_1000_objects_in_one_deployment,
            more_than_1000_deployments,
            nested_prefix_only_touches_its_own_deployments,
            newest_and_oldest_object_ages,
            prune_leaves_exactly_the_newest_n,
            plan_json_follows_the_contract,
            plan_never_deletes,
            drift_between_plan_and_delete_is_caught,
            hostile_names_are_shown_escaped_and_deleted_exactly,
            all_versions_on_an_unversioned_bucket_prunes_like_plain,
        );
        $crate::live_scenario_tests!($target);
        $crate::plan_scenario_tests!($target);
        $crate::cost_scenario_tests!($target);
    };
    (@each $target:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let target = $target.await;
                $crate::common::scenarios::$name(&target).await;
            }
        )*
    };
}

pub(super) fn days_ago(days: i64) -> DateTime<Utc> {
    Utc::now() - chrono::Duration::days(days)
}

/// A deployment to write: folder (with `/`), files (path, size), age in days.
pub(super) type AgedDeployment<'a> = (&'a str, Vec<(&'a str, usize)>, i64);

/// Writes deployments in order from oldest to newest so their ages differ on every
/// server: backdated where the server honours it, else separated by real time
/// (LastModified has one-second resolution on some servers).
pub(super) async fn put_aged(target: &S3Target, bucket: &str, deployments: &[AgedDeployment<'_>]) {
    let mut ordered: Vec<_> = deployments.iter().collect();
    ordered.sort_by_key(|(_, _, days)| std::cmp::Reverse(*days));
    for (i, (name, files, days)) in ordered.iter().enumerate() {
        if !target.backdates && i > 0 {
            tokio::time::sleep(Duration::from_millis(1100)).await;
        }
        let time = Some(days_ago(*days));
        let objects = files
            .iter()
            .map(|(path, size)| (format!("{name}{path}"), *size, time))
            .collect();
        target.put_all(bucket, objects).await;
    }
}

async fn list(target: &S3Target, bucket: &str, root: &str) -> (BTreeMap<String, Deployment>, u64) {
    let engine_bucket = target.engine_bucket(bucket).await;
    let inventory = list_deployments(&engine_bucket, &ListingOptions::new(root), &|_| {})
        .await
        .expect("list deployments");
    let by_name = inventory
        .deployments
        .into_iter()
        .map(|d| (d.name.clone(), d))
        .collect();
    (by_name, inventory.root_objects.objects)
}

/// Deletes `targets` through the prune pipeline, as `prune` and the explorer do (with no
/// rule: the targets were chosen by hand, so they are only checked for changes).
async fn delete(
    target: &S3Target,
    bucket: &str,
    targets: &[Deployment],
) -> s3prune::engine::deletion::DeletionReport {
    let engine_bucket = target.engine_bucket(bucket).await;
    let dir = tempfile::tempdir().unwrap();
    let request = PruneRequest {
        targets: targets.to_vec(),
        by_hand: targets.iter().map(|d| d.name.clone()).collect(),
        rule: None,
        planned: targets.to_vec(),
        now: Utc::now(),
        fingerprints: None,
    };
    let settings = PruneSettings {
        listing: ListingOptions::new(""),
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
    .expect("delete");
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    report.deletion
}

const ODD_NAMES: [&str; 9] = [
    "a file with spaces.html",
    "unicodé/naïve-日本.txt",
    "plus+sign.css",
    "percent%20encoded%2F.js",
    "hash#fragment.html",
    "question?mark=1.json",
    "tilde~and'quote\".txt",
    "amp&semi;colon:.txt",
    "trailing space ",
];

pub async fn odd_keys_round_trip_and_prune_byte_exactly(target: &S3Target) {
    let bucket = target.fresh_bucket("odd").await;
    let mut objects: Vec<(String, usize, Option<DateTime<Utc>>)> = ODD_NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| (format!("old deploy/{n}"), i + 1, Some(days_ago(30))))
        .collect();
    objects.extend(
        ODD_NAMES
            .iter()
            .map(|n| (format!("keep+me/{n}"), 7, Some(days_ago(1)))),
    );
    objects.push(("sim/x".into(), 1, Some(days_ago(60))));
    objects.push(("simß/x".into(), 1, Some(days_ago(60))));
    if !target.backdates {
        // Order the uploads so "keep+me" is the newest without backdating.
        let (late, early): (Vec<_>, Vec<_>) = objects
            .into_iter()
            .partition(|(k, _, _)| k.starts_with("keep+me/"));
        target.put_all(&bucket, early).await;
        tokio::time::sleep(Duration::from_millis(1100)).await;
        target.put_all(&bucket, late).await;
    } else {
        target.put_all(&bucket, objects).await;
    }
    let before = target.all_keys(&bucket).await;
    assert_eq!(before.len(), 2 * ODD_NAMES.len() + 2);

    let (deployments, _) = list(target, &bucket, "").await;
    let odd = &deployments["old deploy"];
    assert_eq!(odd.objects, ODD_NAMES.len() as u64);
    assert_eq!(odd.bytes, (1..=ODD_NAMES.len() as u64).sum::<u64>());
    assert_eq!(deployments.len(), 4, "{:?}", deployments.keys());

    let rule = Rule::new(1, None, vec![], AgeBy::Newest).unwrap();
    let plan = Plan::build(deployments.into_values().collect(), &rule, Utc::now());
    assert_eq!(plan.entries[0].deployment.name, "keep+me");
    let doomed: Vec<Deployment> = plan.to_delete().map(|e| e.deployment.clone()).collect();
    assert_eq!(doomed.len(), 3);
    let report = delete(target, &bucket, &doomed).await;
    assert!(report.all_deleted(), "{report:?}");

    let after = target.all_keys(&bucket).await;
    let expected: BTreeMap<String, i64> = before
        .into_iter()
        .filter(|(k, _)| k.starts_with("keep+me/"))
        .collect();
    assert_eq!(
        after, expected,
        "exactly the odd keys of the kept deployment remain, byte-exact"
    );
}

pub async fn folder_markers_and_root_objects(target: &S3Target) {
    let bucket = target.fresh_bucket("markers").await;
    target
        .put_all(
            &bucket,
            vec![
                ("d/".into(), 0, Some(days_ago(50))),
                ("d/x".into(), 10, Some(days_ago(50))),
                ("d".into(), 3, Some(days_ago(50))),
                ("README.md".into(), 5, Some(days_ago(50))),
                ("empty-folder/".into(), 0, Some(days_ago(50))),
            ],
        )
        .await;
    if !target.backdates {
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    target
        .put_all(
            &bucket,
            vec![("live/index.html".into(), 4, Some(days_ago(1)))],
        )
        .await;

    let (deployments, root_objects) = list(target, &bucket, "").await;
    assert_eq!(root_objects, 2, "`d` and README.md sit at the root");
    assert_eq!(
        (deployments["d"].objects, deployments["d"].bytes),
        (2, 10),
        "the marker belongs to its deployment"
    );
    assert_eq!(deployments["empty-folder"].objects, 1);

    let rule = Rule::new(1, None, vec![], AgeBy::Newest).unwrap();
    let plan = Plan::build(deployments.into_values().collect(), &rule, Utc::now());
    let doomed: Vec<Deployment> = plan.to_delete().map(|e| e.deployment.clone()).collect();
    assert_eq!(
        doomed
            .iter()
            .map(|d| d.name.as_str())
            .collect::<BTreeSet<_>>(),
        BTreeSet::from(["d", "empty-folder"])
    );
    let report = delete(target, &bucket, &doomed).await;
    assert!(report.all_deleted(), "{report:?}");
    let after: Vec<String> = target.all_keys(&bucket).await.into_keys().collect();
    assert_eq!(after, vec!["README.md", "d", "live/index.html"]);
}

pub async fn more_than_1000_objects_in_one_deployment(target: &S3Target) {
    let bucket = target.fresh_bucket("big").await;
    let mut objects: Vec<_> = (0..1234)
        .map(|i| (format!("big/asset-{i:05}.js"), 2, Some(days_ago(40))))
        .collect();
    objects.push(("small/index.html".into(), 1, Some(days_ago(40))));
    target.put_all(&bucket, objects).await;
    if !target.backdates {
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    target
        .put_all(
            &bucket,
            vec![("new/index.html".into(), 1, Some(days_ago(1)))],
        )
        .await;

    let (deployments, _) = list(target, &bucket, "").await;
    assert_eq!(
        (deployments["big"].objects, deployments["big"].bytes),
        (1234, 2468)
    );
    let report = delete(target, &bucket, &[deployments["big"].clone()]).await;
    assert!(report.all_deleted(), "{report:?}");
    assert_eq!(report.deleted_objects(), 1234);
    let after: Vec<String> = target.all_keys(&bucket).await.into_keys().collect();
    assert_eq!(after, vec!["new/index.html", "small/index.html"]);
}

pub async fn more_than_1000_deployments(target: &S3Target) {
    let bucket = target.fresh_bucket("many").await;
    let objects: Vec<_> = (0..1003)
        .map(|i| {
            (
                format!("deploy-{i:04}/index.html"),
                1,
                Some(days_ago(10 + i)),
            )
        })
        .collect();
    target.put_all(&bucket, objects).await;
    let (deployments, _) = list(target, &bucket, "").await;
    assert_eq!(
        deployments.len(),
        1003,
        "the delimiter listing must page past 1000 prefixes"
    );
    assert!(deployments.contains_key("deploy-0000") && deployments.contains_key("deploy-1002"));
}

pub async fn nested_prefix_only_touches_its_own_deployments(target: &S3Target) {
    let bucket = target.fresh_bucket("nested").await;
    put_aged(
        target,
        &bucket,
        &[
            (
                "sites/prod/v1/",
                vec![("index.html", 1), ("css/a.css", 2)],
                90,
            ),
            ("sites/prod/v2/", vec![("index.html", 1)], 60),
            ("sites/prod/v3/", vec![("index.html", 1)], 2),
            ("sites/other/v0/", vec![("index.html", 1)], 400),
            ("sites/production/v0/", vec![("index.html", 1)], 400),
        ],
    )
    .await;
    target
        .put_all(
            &bucket,
            vec![("sites/prod/index.html".into(), 1, Some(days_ago(500)))],
        )
        .await;

    let out = target
        .run({
            let mut c = target.cli();
            c.args([
                "prune",
                "--bucket",
                &bucket,
                "--prefix",
                "sites/prod/",
                "--keep",
                "1",
                "--yes",
            ]);
            c.arg("--audit-log")
                .arg(std::env::temp_dir().join(format!("{bucket}.jsonl")));
            c
        })
        .await;
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let after: Vec<String> = target.all_keys(&bucket).await.into_keys().collect();
    assert_eq!(
        after,
        vec![
            "sites/other/v0/index.html",
            "sites/prod/index.html",
            "sites/prod/v3/index.html",
            "sites/production/v0/index.html"
        ]
    );
}

pub async fn newest_and_oldest_object_ages(target: &S3Target) {
    let bucket = target.fresh_bucket("ages").await;
    // "mixed" has an old object and a recent one; "steady" sits in between.
    target
        .put_all(
            &bucket,
            vec![("mixed/old.html".into(), 1, Some(days_ago(100)))],
        )
        .await;
    if !target.backdates {
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    target
        .put_all(
            &bucket,
            vec![("steady/index.html".into(), 1, Some(days_ago(50)))],
        )
        .await;
    if !target.backdates {
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    target
        .put_all(
            &bucket,
            vec![("mixed/new.html".into(), 1, Some(days_ago(1)))],
        )
        .await;

    let (deployments, _) = list(target, &bucket, "").await;
    let mixed = &deployments["mixed"];
    assert!(mixed.newest > mixed.oldest);
    assert!(mixed.newest > deployments["steady"].newest);
    assert!(mixed.oldest < deployments["steady"].oldest);

    let verdict = |age_by| {
        let rule = Rule::new(1, None, vec![], age_by).unwrap();
        let plan = Plan::build(deployments.values().cloned().collect(), &rule, Utc::now());
        plan.entries
            .iter()
            .map(|e| (e.deployment.name.clone(), e.action))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(
        verdict(AgeBy::Newest)["mixed"],
        Action::Keep,
        "newest object decides by default"
    );
    assert_eq!(verdict(AgeBy::Oldest)["mixed"], Action::Delete);
}

pub async fn prune_leaves_exactly_the_newest_n(target: &S3Target) {
    let bucket = target.fresh_bucket("prune").await;
    let layout: Vec<(String, i64)> = (0..7)
        .map(|i| (format!("deployhash{i}/"), 5 + i * 10))
        .collect();
    let specs: Vec<AgedDeployment<'_>> = layout
        .iter()
        .map(|(name, days)| {
            (
                name.as_str(),
                vec![
                    ("index.html", 100),
                    ("css/font.css", 20),
                    ("js/app.js", 300),
                ],
                *days,
            )
        })
        .collect();
    put_aged(target, &bucket, &specs).await;
    target
        .put_all(
            &bucket,
            vec![
                ("robots.txt".into(), 9, None),
                ("deployhash9".into(), 1, None),
            ],
        )
        .await;
    let before = target.all_keys(&bucket).await;

    let audit = tempfile::tempdir().unwrap();
    let audit_path = audit.path().join("audit.jsonl");
    let out = target
        .run({
            let mut c = target.cli();
            c.args([
                "prune",
                "--bucket",
                &bucket,
                "--keep",
                "3",
                "--yes",
                "--audit-log",
            ])
            .arg(&audit_path);
            c
        })
        .await;
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("Deleted 4 of 4 deployments: 12 objects"),
        "{}",
        text(&out.stdout)
    );

    let after = target.all_keys(&bucket).await;
    let kept = ["deployhash0/", "deployhash1/", "deployhash2/"];
    let expected: BTreeMap<String, i64> = before
        .iter()
        .filter(|(k, _)| {
            !k.starts_with("deployhash")
                || kept.iter().any(|p| k.starts_with(p))
                || !k.contains('/')
        })
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    assert_eq!(
        after, expected,
        "key by key: the 3 newest deployments and every root object remain"
    );

    let audit_lines: Vec<Value> = std::fs::read_to_string(&audit_path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let audited: BTreeSet<String> = audit_lines
        .iter()
        .map(|l| l["key"].as_str().unwrap().to_string())
        .collect();
    let deleted: BTreeSet<String> = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .cloned()
        .collect();
    assert_eq!(
        audited, deleted,
        "the audit log names exactly the deleted keys"
    );
    assert!(audit_lines
        .iter()
        .all(|l| l["result"] == "deleted" && l["bucket"] == bucket.as_str()));
}

pub async fn plan_json_follows_the_contract(target: &S3Target) {
    let bucket = target.fresh_bucket("json").await;
    put_aged(
        target,
        &bucket,
        &[
            ("current/", vec![("index.html", 10)], 200),
            ("a/", vec![("index.html", 10), ("x.css", 5)], 40),
            ("b/", vec![("index.html", 10)], 3),
            ("c/", vec![("index.html", 10)], 1),
        ],
    )
    .await;
    // Without backdating every object is seconds old, and b is at least 1.1 s older than c.
    let (older_than, older_than_seconds) = if target.backdates {
        ("2d", 172800)
    } else {
        ("1s", 1)
    };
    let out = target
        .run({
            let mut c = target.cli();
            c.args([
                "plan",
                "--format",
                "json",
                "--bucket",
                &bucket,
                "--keep",
                "1",
                "--older-than",
                older_than,
                "--protect",
                "current",
            ]);
            c
        })
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("plan --format json prints JSON");
    assert_eq!(json["bucket"], bucket.as_str());
    assert_eq!(json["prefix"], "");
    assert_eq!(json["versioning"], "Disabled");
    assert_eq!(
        json["rule"],
        serde_json::json!({"keep": 1, "older_than_seconds": older_than_seconds, "protect": ["current"], "age_by": "newest"})
    );
    let rows: Vec<(String, String, String)> = json["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().into(),
                d["action"].as_str().unwrap().into(),
                d["reason"].as_str().unwrap().into(),
            )
        })
        .collect();
    let row = |n: &str, a: &str, r: &str| (n.to_string(), a.to_string(), r.to_string());
    assert_eq!(
        rows,
        vec![
            row("c", "keep", "newest-n"),
            row("b", "delete", "outside-keep"),
            row("a", "delete", "outside-keep"),
            row("current", "keep", "protected")
        ]
    );
    // Nothing names a deployment here, so none is live.
    for d in json["deployments"].as_array().unwrap() {
        assert_eq!(
            (&d["live"], &d["live_from"]),
            (&Value::Bool(false), &serde_json::json!([]))
        );
    }
    let a = &json["deployments"][2];
    assert_eq!(
        (
            a["prefix"].as_str(),
            a["objects"].as_u64(),
            a["bytes"].as_u64()
        ),
        (Some("a/"), Some(2), Some(15))
    );
    assert!(DateTime::parse_from_rfc3339(a["newest"].as_str().unwrap()).is_ok());
    assert!(DateTime::parse_from_rfc3339(a["oldest"].as_str().unwrap()).is_ok());
    let mut summary = json["summary"].clone();
    let monthly_usd = summary["monthly_usd"].take().as_f64().unwrap();
    assert!((monthly_usd - 25.0 / (1u64 << 30) as f64 * 0.023).abs() < 1e-15);
    assert_eq!(
        summary,
        serde_json::json!({"deployments": 4, "keep": 2, "delete": 2, "delete_objects": 3, "delete_bytes": 25,
                           "incomplete_uploads": 0, "monthly_usd": null, "early_deletion_usd": 0.0})
    );

    let csv = target
        .run({
            let mut c = target.cli();
            c.args([
                "plan",
                "--format",
                "csv",
                "--bucket",
                &bucket,
                "--keep",
                "1",
                "--older-than",
                older_than,
                "--protect",
                "current",
            ]);
            c
        })
        .await;
    let csv = text(&csv.stdout);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("name,prefix,objects,bytes,newest,oldest,action,reason,live,live_from,by_class,incomplete_uploads,monthly_usd,early_deletion_usd")
    );
    assert_eq!(lines.count(), 4);
}

pub async fn plan_never_deletes(target: &S3Target) {
    let bucket = target.fresh_bucket("plan").await;
    put_aged(
        target,
        &bucket,
        &[("old/", vec![("a", 1)], 300), ("new/", vec![("a", 1)], 1)],
    )
    .await;
    let before = target.all_keys(&bucket).await;
    let out = target
        .run({
            let mut c = target.cli();
            c.args(["plan", "--bucket", &bucket, "--keep", "1"]);
            c
        })
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("DELETE  outside-keep  old"), "{stdout}");
    assert!(stdout.contains("KEEP    newest-n      new"), "{stdout}");
    assert!(
        stdout.contains("2 deployments: keep 1, delete 1"),
        "{stdout}"
    );
    assert_eq!(target.all_keys(&bucket).await, before);
}

pub async fn drift_between_plan_and_delete_is_caught(target: &S3Target) {
    let bucket = target.fresh_bucket("drift").await;
    put_aged(
        target,
        &bucket,
        &[
            ("gone/", vec![("index.html", 1)], 90),
            ("touched/", vec![("index.html", 1)], 80),
            ("ranked/", vec![("index.html", 1)], 70),
            ("stale/", vec![("index.html", 1)], 60),
            ("kept/", vec![("index.html", 1)], 5),
            ("newest/", vec![("index.html", 1)], 1),
        ],
    )
    .await;
    let (listed, _) = list(target, &bucket, "").await;
    let rule = Rule::new(2, None, vec![], AgeBy::Newest).unwrap();
    let planned: Vec<Deployment> = listed.values().cloned().collect();
    let plan = Plan::build(planned.clone(), &rule, Utc::now());
    // The operator confirms four; two-of-N are kept.
    let confirmed: Vec<Deployment> = plan.to_delete().map(|e| e.deployment.clone()).collect();
    assert_eq!(
        confirmed
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>(),
        vec!["stale", "ranked", "touched", "gone"]
    );

    // Meanwhile: "gone" is deleted by someone else, "touched" gets a fresh object, and
    // the kept "kept" disappears, so "stale" moves into the newest 2.
    let engine_bucket = target.engine_bucket(&bucket).await;
    let doomed: Vec<String> = vec!["gone/index.html".into(), "kept/index.html".into()];
    engine_bucket.delete_batch(&doomed).await.unwrap();
    if !target.backdates {
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    target
        .put_all(
            &bucket,
            vec![("touched/new.html".into(), 1, Some(Utc::now()))],
        )
        .await;

    let checked = recheck(
        &engine_bucket,
        &ListingOptions::new(""),
        Some(&rule),
        &planned,
        &confirmed,
        Utc::now(),
    )
    .await
    .expect("recheck");
    assert_eq!(
        checked
            .confirmed
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>(),
        vec!["ranked"]
    );
    let skipped: BTreeMap<&str, &str> = checked
        .skipped
        .iter()
        .map(|s| (s.name.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(skipped.len(), 3, "{skipped:?}");
    assert!(skipped["gone"].contains("no longer exists"));
    assert!(skipped["touched"].contains("changed since the plan"));
    assert!(skipped["stale"].contains("would now keep it (newest-n)"));

    // Without a rule (manual selection), only changes to the deployments themselves count.
    let manual = recheck(
        &engine_bucket,
        &ListingOptions::new(""),
        None,
        &planned,
        &confirmed,
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(
        manual
            .confirmed
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>(),
        vec!["stale", "ranked"]
    );
}

pub async fn hostile_names_are_shown_escaped_and_deleted_exactly(target: &S3Target) {
    let bucket = target.fresh_bucket("hostile").await;
    let long_key = format!("long/{}", "k".repeat(1024 - "long/".len()));
    assert_eq!(long_key.len(), 1024);
    let old = Some(days_ago(90));
    target
        .put_all(
            &bucket,
            vec![
                ("../index.html".into(), 1, old),
                ("evil\u{1b}[2J\u{7}name/index.html".into(), 2, old),
                ("cr\rlf\n/x".into(), 3, old),
                (long_key.clone(), 4, old),
            ],
        )
        .await;
    if !target.backdates {
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    target
        .put_all(
            &bucket,
            vec![("safe/index.html".into(), 5, Some(days_ago(1)))],
        )
        .await;

    let plan = target
        .run({
            let mut c = target.cli();
            c.args(["plan", "--bucket", &bucket, "--keep", "1"]);
            c
        })
        .await;
    let stdout = text(&plan.stdout);
    assert!(plan.status.success(), "{}", text(&plan.stderr));
    assert!(
        !stdout.bytes().any(|b| b == 0x1b || b == 0x07 || b == b'\r'),
        "raw control bytes reached the terminal: {stdout:?}"
    );
    assert!(stdout.contains("evil\\u{1b}[2J\\u{7}name"), "{stdout}");
    assert!(stdout.contains("cr\\rlf\\n"), "{stdout}");
    assert!(stdout.contains("DELETE  outside-keep  .."), "{stdout}");
    assert!(
        stdout.contains("5 deployments: keep 1, delete 4"),
        "{stdout}"
    );

    let audit = tempfile::tempdir().unwrap();
    let out = target
        .run({
            let mut c = target.cli();
            c.args([
                "prune",
                "--bucket",
                &bucket,
                "--keep",
                "1",
                "--yes",
                "--audit-log",
            ])
            .arg(audit.path().join("a.jsonl"));
            c
        })
        .await;
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let after: Vec<String> = target.all_keys(&bucket).await.into_keys().collect();
    assert_eq!(after, vec!["safe/index.html"]);
}

pub async fn all_versions_on_an_unversioned_bucket_prunes_like_plain(target: &S3Target) {
    let bucket = target.fresh_bucket("nullver").await;
    put_aged(
        target,
        &bucket,
        &[
            ("old/", vec![("index.html", 4), ("a b+c.js", 6)], 30),
            ("new/", vec![("index.html", 1)], 1),
        ],
    )
    .await;
    target
        .put_all(&bucket, vec![("root.txt".into(), 1, None)])
        .await;
    let out = target
        .run({
            let mut c = target.cli();
            c.args([
                "prune",
                "--all-versions",
                "--bucket",
                &bucket,
                "--keep",
                "1",
                "--yes",
                "--audit-log",
            ])
            .arg(std::env::temp_dir().join(format!("{bucket}.jsonl")));
            c
        })
        .await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.contains("delete 1 (2 versions and delete markers, 10 B)"),
        "{stdout}"
    );
    let after: Vec<String> = target.all_keys(&bucket).await.into_keys().collect();
    assert_eq!(after, vec!["new/index.html", "root.txt"]);
}
