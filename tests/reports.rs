//! The reports scripts and reviewers read: `prune --format json`, `plan --format
//! markdown` and `man`, each parsed rather than grepped. Real HTTP to the embedded server.

mod common;

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use serde_json::Value;

use common::policy_scenarios::{two_environment_file, two_environments, write_file};
use common::{text, S3Target};

/// Five deployments of 2–4 objects, one a day older than the next; keep 2 deletes
/// `d1`, `d2` and `d3`.
async fn five_deployments(target: &S3Target, tag: &str) -> String {
    let bucket = target.fresh_bucket(tag).await;
    let mut objects = Vec::new();
    for (i, name) in ["d1", "d2", "d3", "d4", "d5"].iter().enumerate() {
        let time = Utc::now() - Duration::days(10 - i as i64);
        for file in 0..(2 + i % 3) {
            objects.push((format!("{name}/f{file}.js"), 100 * (file + 1), Some(time)));
        }
    }
    target.put_all(&bucket, objects).await;
    bucket
}

/// Objects and bytes per deployment in `before` that are gone from `after`.
fn gone(
    before: &BTreeMap<String, i64>,
    after: &BTreeMap<String, i64>,
) -> BTreeMap<String, (u64, u64)> {
    let mut gone = BTreeMap::new();
    for (key, size) in before.iter().filter(|(k, _)| !after.contains_key(*k)) {
        let name = key.split('/').next().unwrap().to_string();
        let entry = gone.entry(name).or_insert((0, 0));
        entry.0 += 1;
        entry.1 += *size as u64;
    }
    gone
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
            text(&output.stdout),
            text(&output.stderr)
        )
    })
}

fn rows(report: &Value) -> BTreeMap<String, &Value> {
    report["deployments"]
        .as_array()
        .expect("deployments")
        .iter()
        .map(|d| (d["name"].as_str().unwrap().to_string(), d))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_json_reports_exactly_what_was_deleted() {
    let target = S3Target::embedded().await;
    let bucket = five_deployments(&target, "report").await;
    let before = target.all_keys(&bucket).await;
    let audit = tempfile::tempdir().unwrap();
    let mut command = target.cli();
    command
        .args([
            "prune", "--bucket", &bucket, "--keep", "2", "--yes", "--format", "json",
        ])
        .arg("--audit-log")
        .arg(audit.path().join("audit.jsonl"));
    let output = target.run(command).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let report = json(&output);
    // The plan table went to stderr, not into the report.
    assert!(
        text(&output.stderr).contains("ACTION"),
        "{}",
        text(&output.stderr)
    );

    let gone = gone(&before, &target.all_keys(&bucket).await);
    assert_eq!(gone.keys().collect::<Vec<_>>(), ["d1", "d2", "d3"]);
    let rows = rows(&report);
    assert_eq!(rows.len(), 3, "{report:#}");
    for (name, (objects, bytes)) in &gone {
        let row = rows[name];
        assert_eq!(row["status"], "deleted", "{row}");
        assert_eq!(row["objects"], *objects, "{row}");
        assert_eq!(row["bytes"], *bytes, "{row}");
        assert_eq!(row["errors"].as_array().unwrap().len(), 0);
        assert_eq!(row["errors_more"], 0);
    }
    let (objects, bytes) = gone
        .values()
        .fold((0, 0), |(o, b), (o2, b2)| (o + o2, b + b2));
    assert_eq!(report["totals"]["deleted"], 3);
    assert_eq!(report["totals"]["objects"], objects);
    assert_eq!(report["totals"]["bytes"], bytes);
    assert_eq!(report["bucket"], bucket.as_str());
    assert_eq!(report["prefix"], "");
    assert_eq!(report["endpoint"], target.endpoint.as_str());
    assert_eq!(report["plan"]["deployments"], 5);
    assert_eq!(report["plan"]["delete"], 3);
    assert_eq!(report["plan"]["delete_objects"], objects);
    assert_eq!(report["error"], Value::Null);
    for time in ["started", "finished"] {
        let time = report[time].as_str().expect(time);
        chrono::DateTime::parse_from_rfc3339(time).expect("RFC 3339");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_changed_since_the_reviewed_plan_is_reported_skipped_with_exit_1() {
    let target = S3Target::embedded().await;
    let bucket = five_deployments(&target, "report-drift").await;
    let dir = tempfile::tempdir().unwrap();
    let plan_file = dir.path().join("plan.json");
    let mut command = target.cli();
    command
        .args(["plan", "--bucket", &bucket, "--keep", "2", "--out"])
        .arg(&plan_file);
    let output = target.run(command).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    // Someone deploys into d2 after the review.
    target
        .put_all(&bucket, vec![("d2/late.js".into(), 7, None)])
        .await;
    let before = target.all_keys(&bucket).await;

    let mut command = target.cli();
    command
        .args(["prune", "--yes", "--format", "json", "--plan"])
        .arg(&plan_file)
        .arg("--audit-log")
        .arg(dir.path().join("audit.jsonl"));
    let output = target.run(command).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let report = json(&output);
    let rows = rows(&report);
    assert_eq!(rows["d2"]["status"], "skipped", "{report:#}");
    assert!(rows["d2"]["reason"].as_str().unwrap().contains("changed"));
    assert_eq!(rows["d2"]["objects"], 0);
    let gone = gone(&before, &target.all_keys(&bucket).await);
    assert_eq!(gone.keys().collect::<Vec<_>>(), ["d1", "d3"]);
    for name in ["d1", "d3"] {
        assert_eq!(rows[name]["status"], "deleted");
        assert_eq!(rows[name]["objects"], gone[name].0);
    }
    assert_eq!(report["totals"]["skipped"], 1);
    assert!(report["error"].as_str().unwrap().contains("changed since"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_file_prune_is_one_json_document_and_bad_input_prints_none() {
    let target = S3Target::embedded().await;
    let bucket = two_environments(&target, "report-policy").await;
    let (dir, path) = write_file(&two_environment_file(&bucket));
    let mut command = target.cli();
    command
        .args(["prune", "--yes", "--format", "json", "--config"])
        .arg(&path)
        .arg("--audit-log")
        .arg(dir.path().join("audit.jsonl"));
    let output = target.run(command).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let report = json(&output);
    let targets = report["targets"].as_array().expect("targets");
    let names: Vec<&str> = targets
        .iter()
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["prod", "staging"]);
    assert_eq!(targets[0]["totals"]["deleted"], 2);
    assert_eq!(targets[1]["totals"]["deleted"], 2);
    assert!(text(&output.stderr).contains("Targets: prod done, staging done."));

    // No --keep: a usage error, exit 2, one paragraph on stderr and no report.
    let mut command = target.cli();
    command.args(["prune", "--bucket", &bucket, "--yes", "--format", "json"]);
    let output = target.run(command).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "{}", text(&output.stdout));
}

/// The cells of a Markdown table row, split at `|` not preceded by a backslash.
fn cells(row: &str) -> Vec<String> {
    let inner = row.trim().trim_start_matches('|');
    let mut cells = vec![String::new()];
    let mut escaped = false;
    for c in inner.chars() {
        if c == '|' && !escaped {
            cells.push(String::new());
        } else {
            cells.last_mut().unwrap().push(c);
        }
        escaped = c == '\\' && !escaped;
    }
    cells.pop();
    cells.iter().map(|c| c.trim().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_markdown_is_a_table_with_a_row_per_deployment_and_escaped_names() {
    let target = S3Target::embedded().await;
    let bucket = five_deployments(&target, "markdown").await;
    let old = Some(Utc::now() - Duration::days(30));
    target
        .put_all(
            &bucket,
            vec![
                ("evil|na`me/x.js".into(), 1, old),
                ("live-one/x.js".into(), 1, old),
            ],
        )
        .await;
    target.put_text(&bucket, "current.txt", "live-one").await;
    let mut command = target.cli();
    command.args([
        "plan", "--bucket", &bucket, "--keep", "2", "--format", "markdown",
    ]);
    let output = target.run(command).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let markdown = text(&output.stdout);
    assert!(
        markdown.starts_with(&format!("**s3://{bucket}/**")),
        "{markdown}"
    );
    let table: Vec<&str> = markdown.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(
        cells(table[0]),
        ["action", "reason", "name", "age", "size", "objects", "$/month"]
    );
    assert!(cells(table[1])
        .iter()
        .all(|c| c.trim_matches(':').chars().all(|c| c == '-')));
    let rows: BTreeMap<String, Vec<String>> = table[2..]
        .iter()
        .map(|row| {
            let cells = cells(row);
            assert_eq!(cells.len(), 7, "{row}");
            (cells[2].clone(), cells)
        })
        .collect();
    assert_eq!(rows.len(), 7, "{markdown}");
    for name in ["d1", "d2", "d3", "evil\\|na\\`me"] {
        assert_eq!(rows[name][0], "delete", "{markdown}");
    }
    for name in ["d4", "d5"] {
        assert_eq!(rows[name][0], "keep");
    }
    assert_eq!(rows["live-one"][0], "keep");
    assert_eq!(rows["live-one"][1], "live ← current.txt");
    assert!(
        markdown.contains("7 deployments: keep 3, delete 4"),
        "{markdown}"
    );
    assert_eq!(rows["d1"][6], "\\< $0.01", "{markdown}");
    assert!(
        markdown.contains("Deleting saves \\< $0.01/month"),
        "{markdown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn man_prints_a_man_page() {
    let target = S3Target::embedded().await;
    let mut command = target.cli();
    command.arg("man");
    let output = target.run(command).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let page = text(&output.stdout);
    assert!(page.starts_with(".TH s3prune 1"), "{page}");
    assert!(page.contains("prune"));
}
