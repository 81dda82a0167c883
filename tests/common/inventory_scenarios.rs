//! Planning from an S3 Inventory report (`--inventory`), on every server: the report's
//! files are real objects in a destination bucket on the server, written by `s3prune
//! seed --inventory-to` or by an independent writer (Python's csv + gzip, pyarrow).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Duration, SecondsFormat, Utc};
use md5::{Digest, Md5};
use serde_json::Value;

use s3prune::engine::inventory::{write_report_of, ReportFormat, ReportLayout};

use super::scenarios::put_aged;
use super::{text, S3Target};

#[macro_export]
macro_rules! inventory_scenario_tests {
    ($target:expr) => {
        $crate::inventory_scenario_tests!(@each $target;
            plan_from_inventory_equals_plan_from_listing,
            the_newest_report_under_a_folder_is_taken,
            prune_from_a_stale_report_skips_what_was_written_since,
            a_reviewed_plan_from_a_report_applies_exactly,
            all_versions_report_feeds_all_versions_plans,
            a_report_written_by_python_csv_gzip_plans_like_the_listing,
            parquet_reports_plan_like_the_listing,
            a_report_of_another_bucket_is_refused,
            a_missing_data_file_is_refused,
            a_checksum_mismatch_is_refused,
            a_truncated_gzip_is_refused,
            an_unknown_format_or_column_set_is_refused,
        );
    };
    (@each $target:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let target = $target.await;
                $crate::common::inventory_scenarios::$name(&target).await;
            }
        )*
    };
}

/// Five deployments (a key with a space, a plus, a comma and a non-ASCII letter among
/// them) and two root objects, one naming `d-old2` as live.
async fn seed_site(target: &S3Target, bucket: &str) {
    put_aged(
        target,
        bucket,
        &[
            ("d-old1/", vec![("index.html", 100), ("css/a.css", 20)], 40),
            ("d-old2/", vec![("index.html", 110)], 30),
            (
                "d-mid/",
                vec![("index.html", 120), ("a b+c,é.txt", 7), ("", 0)],
                20,
            ),
            ("d-new/", vec![("index.html", 130), ("js/app.js", 50)], 10),
            ("d-newest/", vec![("index.html", 140)], 1),
        ],
    )
    .await;
    target.put_text(bucket, "current.txt", "d-old2\n").await;
    target
        .put_text(bucket, "robots.txt", "User-agent: *\n")
        .await;
}

/// `seed --inventory-only --inventory-to s3://DEST/inv/`: the manifest's URI.
async fn write_report(target: &S3Target, bucket: &str, dest: &str, extra: &[&str]) -> String {
    let mut command = target.cli();
    command.args([
        "seed",
        "--bucket",
        bucket,
        "--inventory-only",
        "--inventory-to",
        &format!("s3://{dest}/inv/"),
    ]);
    command.args(extra);
    let out = target.run(command).await;
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "seed --inventory-to failed: {}{stdout}",
        text(&out.stderr)
    );
    stdout
        .split("--inventory ")
        .nth(1)
        .map(|rest| rest.trim().to_string())
        .unwrap_or_else(|| panic!("no manifest named in {stdout:?}"))
}

/// A fresh bucket holding the site, and the manifest URI of a report of it written by
/// `seed --inventory-to` (with `extra` flags) to a fresh destination bucket:
/// `(bucket, destination, manifest)`.
async fn reported_site(target: &S3Target, tag: &str, extra: &[&str]) -> (String, String, String) {
    let bucket = target.fresh_bucket(tag).await;
    let dest = target.fresh_bucket("inv-dest").await;
    seed_site(target, &bucket).await;
    let manifest = write_report(target, &bucket, &dest, extra).await;
    (bucket, dest, manifest)
}

async fn plan_json(target: &S3Target, args: &[&str]) -> Value {
    let mut command = target.cli();
    command.args(["plan", "--format", "json"]).args(args);
    let out = target.run(command).await;
    assert!(
        out.status.success(),
        "plan {args:?} failed: {}",
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("plan JSON")
}

/// The plan without its `source`, which is all that should differ in kind.
fn without_source(mut plan: Value) -> Value {
    plan.as_object_mut()
        .expect("plan object")
        .remove("source")
        .expect("every plan names its source");
    plan
}

/// Two plans of the same bucket agree: equal but for their `source`, and for the
/// early-deletion charges, which shrink as the clock runs between the two plans (one
/// second of a 30-day minimum is a relative change of about 4e-7).
fn assert_same_plan(from_report: Value, listed: Value, context: &str) {
    let mut from_report = without_source(from_report);
    let mut listed = without_source(listed);
    let charges_of_report = take_early_deletion_charges(&mut from_report);
    let charges_of_listing = take_early_deletion_charges(&mut listed);
    assert_eq!(from_report, listed, "{context}");
    assert_eq!(
        charges_of_report.len(),
        charges_of_listing.len(),
        "{context}"
    );
    for (a, b) in charges_of_report.iter().zip(&charges_of_listing) {
        assert!(
            (a - b).abs() <= 1e-4 * a.abs().max(b.abs()),
            "early-deletion charges differ beyond the clock's drift: {a} vs {b} ({context})"
        );
    }
}

/// Every `early_deletion_usd` in the plan, in document order, removed from it.
fn take_early_deletion_charges(plan: &mut Value) -> Vec<f64> {
    let mut charges = Vec::new();
    let mut take = |object: &mut Value| {
        let charge = object
            .as_object_mut()
            .expect("a deployment or summary object")
            .remove("early_deletion_usd")
            .expect("every deployment and summary has early_deletion_usd");
        charges.push(charge.as_f64().expect("early_deletion_usd is a number"));
    };
    for deployment in plan["deployments"].as_array_mut().expect("deployments") {
        take(deployment);
    }
    take(&mut plan["summary"]);
    charges
}

fn names(plan: &Value, action: &str) -> Vec<String> {
    plan["deployments"]
        .as_array()
        .expect("deployments")
        .iter()
        .filter(|d| d["action"] == action)
        .map(|d| d["name"].as_str().unwrap().to_string())
        .collect()
}

pub async fn plan_from_inventory_equals_plan_from_listing(target: &S3Target) {
    let bucket = target.fresh_bucket("inv-eq").await;
    let dest = target.fresh_bucket("inv-dest").await;
    seed_site(target, &bucket).await;
    // One object in another storage class, in the newest deployment (written now, it
    // keeps that deployment the newest): a report carries StorageClass as a listing does,
    // so the plans' `by_class` and prices must agree too.
    target
        .client()
        .put_object()
        .bucket(&bucket)
        .key("d-newest/video.mp4")
        .body(vec![7u8; 300].into())
        .storage_class(aws_sdk_s3::types::StorageClass::StandardIa)
        .send()
        .await
        .expect("put a STANDARD_IA object");
    let manifest = write_report(target, &bucket, &dest, &["--inventory-rows-per-file", "4"]).await;

    for rule in [
        vec!["--keep", "2"],
        vec!["--keep", "1", "--protect", "d-mid"],
    ] {
        let mut args = vec!["--bucket", bucket.as_str()];
        args.extend(&rule);
        let listed = plan_json(target, &args).await;
        assert_eq!(listed["source"], "listing");
        args.extend(["--inventory", manifest.as_str()]);
        let from_report = plan_json(target, &args).await;
        let source = from_report["source"].as_str().unwrap().to_string();
        assert!(source.starts_with("inventory 20"), "{source}");
        let newest = listed["deployments"]
            .as_array()
            .expect("deployments")
            .iter()
            .find(|d| d["name"] == "d-newest")
            .expect("d-newest listed");
        assert_eq!(newest["by_class"]["STANDARD_IA"], 300, "{newest}");
        assert_same_plan(from_report, listed, &format!("{rule:?}"));
    }
    // The live deployment is found from the live bucket's pointer.
    let plan = plan_json(
        target,
        &["--bucket", &bucket, "--keep", "2", "--inventory", &manifest],
    )
    .await;
    assert_eq!(names(&plan, "delete"), ["d-mid", "d-old1"]);

    let mut command = target.cli();
    command.args([
        "plan",
        "--bucket",
        &bucket,
        "--keep",
        "2",
        "--inventory",
        &manifest,
    ]);
    let out = target.run(command).await;
    let table = text(&out.stdout);
    assert!(
        table.contains(&format!(
            "source      inventory report {manifest} (taken 20"
        )),
        "{table}"
    );
    let mut command = target.cli();
    command.args([
        "plan", "--format", "markdown", "--bucket", &bucket, "--keep", "2",
    ]);
    command.args(["--inventory", &format!("s3://{dest}/inv/")]);
    let out = target.run(command).await;
    assert!(
        text(&out.stdout).contains("From the inventory report"),
        "{}",
        text(&out.stdout)
    );
}

pub async fn the_newest_report_under_a_folder_is_taken(target: &S3Target) {
    let bucket = target.fresh_bucket("inv-new").await;
    let dest = target.fresh_bucket("inv-dest").await;
    put_aged(
        target,
        &bucket,
        &[("d1/", vec![("a", 1)], 9), ("d2/", vec![("a", 1)], 8)],
    )
    .await;
    let source = target.engine_bucket(&bucket).await;
    let reports = target.engine_bucket(&dest).await;
    let yesterday = Utc::now() - Duration::days(1);
    let layout = ReportLayout {
        prefix: "inv/".into(),
        source_bucket: bucket.clone(),
        config_id: "daily".into(),
        format: ReportFormat::Csv,
        all_versions: false,
        created: yesterday,
        rows_per_file: 100,
    };
    write_report_of(&source, &reports, layout)
        .await
        .expect("older report");
    put_aged(target, &bucket, &[("d3/", vec![("a", 1)], 0)]).await;
    let newest = write_report(target, &bucket, &dest, &["--inventory-config-id", "daily"]).await;

    for folder in [
        "inv/",
        &format!("inv/{bucket}/"),
        &format!("inv/{bucket}/daily"),
        // A report's own timestamp folder names its manifest.
        newest
            .strip_prefix(&format!("s3://{dest}/"))
            .unwrap()
            .trim_end_matches("manifest.json"),
    ] {
        let plan = plan_json(
            target,
            &[
                "--bucket",
                &bucket,
                "--keep",
                "5",
                "--inventory",
                &format!("s3://{dest}/{folder}"),
            ],
        )
        .await;
        assert_eq!(plan["summary"]["deployments"], 3, "from {folder}: {plan}");
    }
    let older = format!(
        "s3://{dest}/inv/{bucket}/daily/{}/manifest.json",
        yesterday.format("%Y-%m-%dT%H-%MZ")
    );
    assert!(newest != older);
    let plan = plan_json(
        target,
        &["--bucket", &bucket, "--keep", "5", "--inventory", &older],
    )
    .await;
    assert_eq!(plan["summary"]["deployments"], 2, "{plan}");

    // Two configurations' reports under one folder are not mixed.
    write_report(target, &bucket, &dest, &["--inventory-config-id", "weekly"]).await;
    let mut command = target.cli();
    command.args(["plan", "--bucket", &bucket, "--keep", "5"]);
    command.args(["--inventory", &format!("s3://{dest}/inv/")]);
    let out = target.run(command).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("reports of 2 inventory configurations"),
        "{}",
        text(&out.stderr)
    );
}

pub async fn prune_from_a_stale_report_skips_what_was_written_since(target: &S3Target) {
    let (bucket, _, manifest) = reported_site(target, "inv-stale", &[]).await;
    // After the report: d-old1 (doomed by it) gets a new object.
    target
        .put_all(&bucket, vec![("d-old1/hotfix.js".into(), 5, None)])
        .await;

    let mut command = target.cli();
    command.args(["prune", "--yes", "--format", "json", "--bucket", &bucket]);
    command.args(["--keep", "2", "--inventory", &manifest, "--audit-log"]);
    let log = tempfile::NamedTempFile::new().unwrap();
    command.arg(log.path());
    let out = target.run(command).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("prune report");
    let status = |name: &str| {
        report["deployments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == name)
            .map(|d| d["status"].as_str().unwrap().to_string())
    };
    assert_eq!(status("d-mid").as_deref(), Some("deleted"), "{report}");
    assert_eq!(status("d-old1").as_deref(), Some("skipped"), "{report}");

    let keys: Vec<String> = target.all_keys(&bucket).await.into_keys().collect();
    assert!(keys.iter().all(|k| !k.starts_with("d-mid/")), "{keys:?}");
    for kept in [
        "d-old1/index.html",
        "d-old1/css/a.css",
        "d-old1/hotfix.js",
        "d-old2/index.html",
        "d-new/js/app.js",
        "d-newest/index.html",
        "current.txt",
    ] {
        assert!(
            keys.iter().any(|k| k == kept),
            "{kept} was deleted: {keys:?}"
        );
    }

    // The same report again: the deployment pruned since is left out, not planned twice.
    let plan = plan_json(
        target,
        &["--bucket", &bucket, "--keep", "2", "--inventory", &manifest],
    )
    .await;
    let all: Vec<String> = ["keep", "delete"]
        .iter()
        .flat_map(|a| names(&plan, a))
        .collect();
    assert!(!all.iter().any(|n| n == "d-mid"), "{plan}");
    assert_eq!(plan["summary"]["deployments"], 4, "{plan}");
}

/// `plan --out` from a report records each deployment's fingerprint from the report's
/// rows; `prune --plan` compares it with the live bucket's listing, so it must agree
/// (ETags without quotes in the report, with them in listings).
pub async fn a_reviewed_plan_from_a_report_applies_exactly(target: &S3Target) {
    let (bucket, _, manifest) = reported_site(target, "inv-rev", &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.json");
    let mut command = target.cli();
    command.args([
        "plan",
        "--bucket",
        &bucket,
        "--keep",
        "2",
        "--inventory",
        &manifest,
        "--out",
    ]);
    command.arg(&file);
    let out = target.run(command).await;
    assert!(out.status.success(), "{}", text(&out.stderr));

    let mut command = target.cli();
    command.args([
        "prune",
        "--yes",
        "--format",
        "json",
        "--audit-log",
        "/dev/null",
        "--plan",
    ]);
    command.arg(&file);
    let out = target.run(command).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("prune report");
    let deleted: Vec<&str> = report["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["status"] == "deleted")
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(deleted, ["d-mid", "d-old1"], "{report}");
}

pub async fn all_versions_report_feeds_all_versions_plans(target: &S3Target) {
    let bucket = target.fresh_bucket("inv-versions").await;
    let dest = target.fresh_bucket("inv-dest").await;
    // s3prune's own server has no versioning; there the report's rows are all latest.
    let versioned = target.server().is_none();
    if versioned {
        target
            .client()
            .put_bucket_versioning()
            .bucket(&bucket)
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .expect("enable versioning");
    }
    seed_site(target, &bucket).await;
    // A noncurrent version in d-mid and a delete marker in d-new.
    target.put_text(&bucket, "d-mid/index.html", "v2").await;
    target
        .client()
        .delete_object()
        .bucket(&bucket)
        .key("d-new/js/app.js")
        .send()
        .await
        .expect("delete");

    let current_only = write_report(
        target,
        &bucket,
        &dest,
        &["--inventory-config-id", "current"],
    )
    .await;
    let all = write_report(
        target,
        &bucket,
        &dest,
        &["--inventory-config-id", "all", "--inventory-all-versions"],
    )
    .await;

    let base = ["--bucket", bucket.as_str(), "--keep", "2"];
    let with = |extra: &[&str]| {
        base.iter()
            .chain(extra)
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    };
    let run = |args: Vec<String>| async move {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        plan_json(target, &refs).await
    };
    let listed_all = run(with(&["--all-versions"])).await;
    let from_all = run(with(&["--all-versions", "--inventory", &all])).await;
    assert_same_plan(from_all, listed_all.clone(), "all versions");
    if versioned {
        let versions: u64 = listed_all["deployments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["objects"].as_u64().unwrap())
            .sum();
        let current: u64 = listed_all["deployments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["current_objects"].as_u64().unwrap())
            .sum();
        assert!(
            versions > current,
            "versions {versions} vs current {current}"
        );
    }
    // A plain plan from the all-versions report counts current objects only.
    let listed = run(with(&[])).await;
    let from_all = run(with(&["--inventory", &all])).await;
    assert_same_plan(
        from_all,
        listed.clone(),
        "current objects of an all-versions report",
    );
    let from_current = run(with(&["--inventory", &current_only])).await;
    assert_same_plan(from_current, listed, "a current-version report");

    // --all-versions needs an all-versions report.
    let mut command = target.cli();
    command.args(with(&["--all-versions", "--inventory", &current_only]));
    command.arg("plan");
    let out = target.run(command).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("lists current versions only"),
        "{}",
        text(&out.stderr)
    );
}

/// Python with pyarrow: `S3PRUNE_PYTHON`, else the project's `.venv`, else `python3`.
fn python() -> PathBuf {
    if let Some(path) = std::env::var_os("S3PRUNE_PYTHON") {
        return path.into();
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    if venv.exists() {
        venv
    } else {
        "python3".into()
    }
}

/// Writes a report of `bucket` with `tests/independent_inventory_writer.py` (rows listed
/// with the SDK, not s3prune) and uploads it into `dest`; returns the manifest's URI.
async fn python_report(target: &S3Target, bucket: &str, dest: &str, format: &str) -> String {
    let python = python();
    let needs = if format == "parquet" {
        "import pyarrow"
    } else {
        "import csv, gzip"
    };
    let check = std::process::Command::new(&python)
        .args(["-c", needs])
        .output();
    assert!(
        check.as_ref().is_ok_and(|o| o.status.success()),
        "this test writes a report with Python ({needs}) and cannot run without it: {:?}. \
         Install it with scripts/install-test-deps.sh (python3 and `pip install pyarrow` into \
         .venv), or point S3PRUNE_PYTHON at a Python that has pyarrow.",
        check.map(|o| text(&o.stderr))
    );
    let mut rows = Vec::new();
    let mut pages = target
        .client()
        .list_objects_v2()
        .bucket(bucket)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        for object in page.expect("list").contents() {
            let modified = object.last_modified().unwrap();
            let modified =
                chrono::DateTime::from_timestamp(modified.secs(), modified.subsec_nanos())
                    .unwrap()
                    .to_rfc3339_opts(SecondsFormat::Millis, true);
            rows.push(serde_json::json!({
                "key": object.key().unwrap(),
                "size": object.size().unwrap_or(0),
                "last_modified": modified,
                "etag": object.e_tag().unwrap_or("").trim_matches('"'),
            }));
        }
    }
    let out_dir = tempfile::tempdir().unwrap();
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/independent_inventory_writer.py");
    let mut child = std::process::Command::new(&python)
        .arg(&script)
        .arg(out_dir.path())
        .args([bucket, dest, format, "py"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run python");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&rows).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "python writer: {}", text(&out.stderr));
    let manifest = text(&out.stdout).trim().to_string();
    for file in walk(out_dir.path()) {
        let key = file
            .strip_prefix(out_dir.path())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        put_bytes(target, dest, &key, std::fs::read(&file).unwrap()).await;
    }
    format!("s3://{dest}/{manifest}")
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

async fn put_bytes(target: &S3Target, bucket: &str, key: &str, bytes: Vec<u8>) {
    target
        .client()
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(bytes.into())
        .send()
        .await
        .unwrap_or_else(|e| panic!("put {key}: {e:?}"));
}

async fn get_bytes(target: &S3Target, bucket: &str, key: &str) -> Vec<u8> {
    target
        .client()
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("get {key}: {e:?}"))
        .body
        .collect()
        .await
        .unwrap()
        .to_vec()
}

pub async fn a_report_written_by_python_csv_gzip_plans_like_the_listing(target: &S3Target) {
    let bucket = target.fresh_bucket("inv-py").await;
    let dest = target.fresh_bucket("inv-dest").await;
    seed_site(target, &bucket).await;
    let manifest = python_report(target, &bucket, &dest, "csv").await;
    let args = ["--bucket", bucket.as_str(), "--keep", "2"];
    let listed = plan_json(target, &args).await;
    let mut with_report = args.to_vec();
    with_report.extend(["--inventory", manifest.as_str()]);
    assert_same_plan(
        plan_json(target, &with_report).await,
        listed,
        "Python csv + gzip",
    );
}

#[cfg(feature = "parquet")]
pub async fn parquet_reports_plan_like_the_listing(target: &S3Target) {
    let bucket = target.fresh_bucket("inv-pq").await;
    let dest = target.fresh_bucket("inv-dest").await;
    seed_site(target, &bucket).await;
    let by_pyarrow = python_report(target, &bucket, &dest, "parquet").await;
    let by_s3prune = write_report(
        target,
        &bucket,
        &dest,
        &[
            "--inventory-format",
            "parquet",
            "--inventory-rows-per-file",
            "3",
        ],
    )
    .await;
    let args = ["--bucket", bucket.as_str(), "--keep", "2"];
    let listed = plan_json(target, &args).await;
    for manifest in [by_pyarrow, by_s3prune] {
        let mut with_report = args.to_vec();
        with_report.extend(["--inventory", manifest.as_str()]);
        assert_same_plan(
            plan_json(target, &with_report).await,
            listed.clone(),
            &manifest,
        );
    }
}

/// Without the `parquet` feature, a Parquet report is refused with how to rebuild.
#[cfg(not(feature = "parquet"))]
pub async fn parquet_reports_plan_like_the_listing(target: &S3Target) {
    let (bucket, dest, manifest) = reported_site(target, "inv-pq", &[]).await;
    let key = manifest_key(&manifest, &dest);
    rewrite_manifest(target, &dest, &key, |m| {
        m["fileFormat"] = "Parquet".into();
        m["fileSchema"] = "message s3.inventory { required binary bucket (UTF8); required binary key (UTF8); optional int64 size; optional int64 last_modified_date (TIMESTAMP_MILLIS); }".into();
    })
    .await;
    assert_refused(target, &bucket, &manifest, "--features parquet").await;
}

fn manifest_key(uri: &str, dest: &str) -> String {
    uri.strip_prefix(&format!("s3://{dest}/"))
        .unwrap()
        .to_string()
}

/// Rewrites the manifest (and its checksum, so only the change is wrong).
async fn rewrite_manifest(
    target: &S3Target,
    dest: &str,
    key: &str,
    change: impl FnOnce(&mut Value),
) {
    let mut manifest: Value = serde_json::from_slice(&get_bytes(target, dest, key).await).unwrap();
    change(&mut manifest);
    let bytes = serde_json::to_vec_pretty(&manifest).unwrap();
    let checksum = hex::encode(Md5::digest(&bytes));
    put_bytes(target, dest, key, bytes).await;
    put_bytes(
        target,
        dest,
        &key.replace("manifest.json", "manifest.checksum"),
        checksum.into_bytes(),
    )
    .await;
}

/// `prune --yes` from the report fails with exit 1 and one paragraph containing
/// `message`, and the bucket is unchanged.
async fn assert_refused(target: &S3Target, bucket: &str, manifest: &str, message: &str) {
    let before: BTreeMap<String, i64> = target.all_keys(bucket).await;
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut command = target.cli();
    command.args([
        "prune",
        "--yes",
        "--bucket",
        bucket,
        "--keep",
        "1",
        "--inventory",
    ]);
    command.args([manifest, "--audit-log"]).arg(log.path());
    let out = target.run(command).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}{}", text(&out.stdout));
    assert!(stderr.contains(message), "want {message:?} in: {stderr}");
    assert!(stderr.contains("Nothing was deleted"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one paragraph: {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains(" { "),
        "{stderr}"
    );
    assert_eq!(target.all_keys(bucket).await, before, "the bucket changed");
}

pub async fn a_report_of_another_bucket_is_refused(target: &S3Target) {
    let bucket = target.fresh_bucket("inv-a").await;
    let other = target.fresh_bucket("inv-b").await;
    let dest = target.fresh_bucket("inv-dest").await;
    seed_site(target, &bucket).await;
    put_aged(target, &other, &[("x1/", vec![("a", 1)], 3)]).await;
    let manifest = write_report(target, &other, &dest, &[]).await;
    assert_refused(
        target,
        &bucket,
        &manifest,
        &format!("is for bucket {other:?}, not {bucket:?}"),
    )
    .await;
}

/// The data files' keys, from the manifest.
async fn data_files(target: &S3Target, dest: &str, manifest: &str) -> Vec<String> {
    let manifest: Value =
        serde_json::from_slice(&get_bytes(target, dest, &manifest_key(manifest, dest)).await)
            .unwrap();
    manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap().to_string())
        .collect()
}

pub async fn a_missing_data_file_is_refused(target: &S3Target) {
    let (bucket, dest, manifest) =
        reported_site(target, "inv-gone", &["--inventory-rows-per-file", "5"]).await;
    let files = data_files(target, &dest, &manifest).await;
    assert!(files.len() > 1);
    target
        .client()
        .delete_object()
        .bucket(&dest)
        .key(&files[1])
        .send()
        .await
        .unwrap();
    assert_refused(
        target,
        &bucket,
        &manifest,
        "listed in the manifest, does not exist",
    )
    .await;
}

pub async fn a_checksum_mismatch_is_refused(target: &S3Target) {
    let (bucket, dest, manifest) = reported_site(target, "inv-sum", &[]).await;
    let key = manifest_key(&manifest, &dest);
    let checksum_key = key.replace("manifest.json", "manifest.checksum");

    // The manifest edited without its checksum.
    let original = get_bytes(target, &dest, &key).await;
    let mut edited = original.clone();
    edited.extend_from_slice(b"\n");
    put_bytes(target, &dest, &key, edited).await;
    assert_refused(
        target,
        &bucket,
        &manifest,
        "does not match its manifest.checksum",
    )
    .await;
    put_bytes(target, &dest, &key, original).await;
    assert_eq!(
        String::from_utf8(get_bytes(target, &dest, &checksum_key).await).unwrap(),
        hex::encode(Md5::digest(get_bytes(target, &dest, &key).await))
    );

    // A data file replaced by another gzip file.
    let file = data_files(target, &dest, &manifest).await.remove(0);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(
        &mut gz,
        format!("\"{bucket}\",\"d-new/x\",\"1\",\"2026-11-01T10:00:00.000Z\",\"e\",\"STANDARD\"\n")
            .as_bytes(),
    )
    .unwrap();
    put_bytes(target, &dest, &file, gz.finish().unwrap()).await;
    assert_refused(target, &bucket, &manifest, "(a damaged or replaced file)").await;
}

pub async fn a_truncated_gzip_is_refused(target: &S3Target) {
    let (bucket, dest, manifest) = reported_site(target, "inv-trunc", &[]).await;
    let key = manifest_key(&manifest, &dest);
    let file = data_files(target, &dest, &manifest).await.remove(0);
    let mut bytes = get_bytes(target, &dest, &file).await;
    bytes.truncate(bytes.len() / 2);
    let (size, md5) = (bytes.len(), hex::encode(Md5::digest(&bytes)));
    put_bytes(target, &dest, &file, bytes).await;
    // The manifest agrees with the truncated file: the gzip stream itself must be caught.
    rewrite_manifest(target, &dest, &key, |m| {
        m["files"][0]["size"] = size.into();
        m["files"][0]["MD5checksum"] = md5.into();
    })
    .await;
    assert_refused(
        target,
        &bucket,
        &manifest,
        "ends in the middle of its gzip stream",
    )
    .await;
}

pub async fn an_unknown_format_or_column_set_is_refused(target: &S3Target) {
    let (bucket, dest, manifest) = reported_site(target, "inv-shape", &[]).await;
    let key = manifest_key(&manifest, &dest);
    let original = get_bytes(target, &dest, &key).await;
    let cases: [(&str, &str, &str); 3] = [
        ("fileFormat", "ORC", "the report is in ORC"),
        (
            "fileFormat",
            "JSON",
            r#""JSON" is not one S3 Inventory writes"#,
        ),
        (
            "fileSchema",
            "Bucket, Key, StorageClass",
            "has no Size, LastModifiedDate column",
        ),
    ];
    for (field, value, message) in cases {
        put_bytes(target, &dest, &key, original.clone()).await;
        rewrite_manifest(target, &dest, &key, |m| m[field] = value.into()).await;
        assert_refused(target, &bucket, &manifest, message).await;
    }
}
