//! Cost truth, on every server: bytes per storage class, the saving priced per class,
//! early-deletion charges, and incomplete multipart uploads (counted, aborted under
//! deleted deployments only). Instantiated through `scenario_tests!`.

use std::collections::BTreeSet;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::StorageClass as SdkStorageClass;
use chrono::{DateTime, Utc};
use serde_json::Value;

use s3prune::engine::deletion::DeleteOptions;
use s3prune::engine::deployment::AgeBy;
use s3prune::engine::listing::{list_deployments, ListingOptions};
use s3prune::engine::plan::Plan;
use s3prune::engine::prune::{prune, PruneRequest, PruneSettings};
use s3prune::engine::rule::Rule;
use s3prune::engine::stop::StopSignal;
use s3prune::server::BACKDATE_METADATA_KEY;

use super::scenarios::days_ago;
use super::{text, S3Target};

#[macro_export]
macro_rules! cost_scenario_tests {
    ($target:expr) => {
        $crate::cost_scenario_tests!(@each $target;
            plan_prices_each_storage_class_and_counts_incomplete_uploads,
            prune_aborts_uploads_under_deleted_deployments_only,
            an_upload_under_a_deployment_the_recheck_keeps_survives,
        );
    };
    (@each $target:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let target = $target.await;
                $crate::common::cost_scenarios::$name(&target).await;
            }
        )*
    };
}

// Ages come from the names, so no server needs to backdate for the plan's order.
const OLD: &str = "deploy-20260101-0000/";
const NEW: &str = "deploy-20261101-0000/";

const GB: f64 = (1u64 << 30) as f64;
const MONTH_SECONDS: f64 = 30.0 * 86_400.0;

/// One object in a storage class, backdated where the server honours it.
async fn put_classed(
    target: &S3Target,
    bucket: &str,
    key: &str,
    size: usize,
    class: &str,
    time: DateTime<Utc>,
) {
    let mut request = target
        .client()
        .put_object()
        .bucket(bucket)
        .key(key)
        .storage_class(SdkStorageClass::from(class))
        .body(ByteStream::from(vec![b'c'; size]));
    if target.backdates {
        request = request.metadata(BACKDATE_METADATA_KEY, time.to_rfc3339());
    }
    request
        .send()
        .await
        .unwrap_or_else(|e| panic!("put {key:?} in {class}: {e:?}"));
}

/// Starts a multipart upload, uploads one part and leaves it: billed, never listed.
async fn abandon_upload(target: &S3Target, bucket: &str, key: &str) -> String {
    let created = target
        .client()
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create upload {key:?}: {e:?}"));
    let upload_id = created.upload_id().expect("an upload id").to_string();
    target
        .client()
        .upload_part()
        .bucket(bucket)
        .key(key)
        .upload_id(&upload_id)
        .part_number(1)
        .body(ByteStream::from(vec![b'p'; 1024]))
        .send()
        .await
        .unwrap_or_else(|e| panic!("upload a part of {key:?}: {e:?}"));
    upload_id
}

/// The incomplete uploads, listed with the raw SDK, page by page.
async fn uploads_left(target: &S3Target, bucket: &str) -> BTreeSet<(String, String)> {
    let mut left = BTreeSet::new();
    let mut marker: Option<(String, String)> = None;
    loop {
        let (key_marker, id_marker) = marker.clone().unzip();
        let page = target
            .client()
            .list_multipart_uploads()
            .bucket(bucket)
            .set_key_marker(key_marker)
            .set_upload_id_marker(id_marker)
            .max_uploads(2)
            .send()
            .await
            .expect("list multipart uploads");
        for upload in page.uploads() {
            left.insert((
                upload.key().unwrap().to_string(),
                upload.upload_id().unwrap().to_string(),
            ));
        }
        if !page.is_truncated().unwrap_or(false) {
            return left;
        }
        marker = Some((
            page.next_key_marker().unwrap().to_string(),
            page.next_upload_id_marker().unwrap().to_string(),
        ));
    }
}

struct CostBucket {
    name: String,
    /// (key, upload id)
    doomed_upload: (String, String),
    kept_upload: (String, String),
    root_upload: (String, String),
}

/// OLD holds STANDARD, STANDARD_IA (10 days old where backdated) and GLACIER (30 days)
/// objects and an abandoned upload; NEW one STANDARD object and an upload; one upload
/// sits directly under the root. `--keep 1 --age-by name` deletes OLD.
async fn cost_bucket(target: &S3Target, tag: &str) -> CostBucket {
    let name = target.fresh_bucket(tag).await;
    put_classed(
        target,
        &name,
        &format!("{OLD}index.html"),
        3_000,
        "STANDARD",
        days_ago(400),
    )
    .await;
    put_classed(
        target,
        &name,
        &format!("{OLD}media/a.mp4"),
        200_000,
        "STANDARD_IA",
        days_ago(10),
    )
    .await;
    put_classed(
        target,
        &name,
        &format!("{OLD}media/b.mp4"),
        500_000,
        "GLACIER",
        days_ago(30),
    )
    .await;
    put_classed(
        target,
        &name,
        &format!("{NEW}index.html"),
        1_000,
        "STANDARD",
        days_ago(1),
    )
    .await;
    let doomed_key = format!("{OLD}media/c.mp4");
    let kept_key = format!("{NEW}media/big.bin");
    let doomed_upload = (
        doomed_key.clone(),
        abandon_upload(target, &name, &doomed_key).await,
    );
    let kept_upload = (
        kept_key.clone(),
        abandon_upload(target, &name, &kept_key).await,
    );
    let root_upload = (
        "loose.bin".to_string(),
        abandon_upload(target, &name, "loose.bin").await,
    );
    CostBucket {
        name,
        doomed_upload,
        kept_upload,
        root_upload,
    }
}

/// The early-deletion charge of OLD's young objects if deleted at `now`, from their
/// LastModified as the server lists it.
async fn expected_early_charge(target: &S3Target, bucket: &str, now: DateTime<Utc>) -> f64 {
    let listed = target
        .client()
        .list_objects_v2()
        .bucket(bucket)
        .prefix(OLD)
        .send()
        .await
        .expect("list");
    let mut charge = 0.0;
    for object in listed.contents() {
        let (minimum_days, price) = match object.storage_class().map(|c| c.as_str()) {
            Some("STANDARD_IA") => (30.0, 0.0125),
            Some("GLACIER") => (90.0, 0.0036),
            _ => continue,
        };
        let modified = object.last_modified().unwrap();
        let age = (now.timestamp() - modified.secs()).max(0) as f64;
        let left = (minimum_days * 86_400.0 - age).max(0.0);
        charge += object.size().unwrap() as f64 * left / MONTH_SECONDS / GB * price;
    }
    charge
}

fn number(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {value}"))
}

pub async fn plan_prices_each_storage_class_and_counts_incomplete_uploads(target: &S3Target) {
    let bucket = cost_bucket(target, "cost-plan").await;
    let before = Utc::now();
    let mut command = target.cli();
    command.args([
        "plan",
        "--bucket",
        &bucket.name,
        "--keep",
        "1",
        "--age-by",
        "name",
        "--format",
        "json",
    ]);
    let out = target.run(command).await;
    let after = Utc::now();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let plan: Value = serde_json::from_slice(&out.stdout).expect("plan JSON");

    let row = |name: &str| {
        plan["deployments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["prefix"] == name)
            .unwrap_or_else(|| panic!("{name} in {plan}"))
            .clone()
    };
    let old = row(OLD);
    assert_eq!(old["action"], "delete");
    assert_eq!(
        old["by_class"],
        serde_json::json!({"STANDARD": 3_000, "STANDARD_IA": 200_000, "GLACIER": 500_000}),
        "{old}"
    );
    assert_eq!(old["incomplete_uploads"], 1, "{old}");
    let monthly = (3_000.0 * 0.023 + 200_000.0 * 0.0125 + 500_000.0 * 0.0036) / GB;
    assert!(
        (number(&old["monthly_usd"]) - monthly).abs() < 1e-12,
        "{} ≠ {monthly}",
        old["monthly_usd"]
    );
    // The charge counts from the moment of listing, somewhere between these two.
    // (LastModified is listed to the second.)
    let second = chrono::Duration::seconds(1);
    let most = expected_early_charge(target, &bucket.name, before - second).await;
    let least = expected_early_charge(target, &bucket.name, after + second).await;
    let early = number(&old["early_deletion_usd"]);
    assert!(least > 0.0, "the young objects must carry a charge");
    assert!(
        early >= least - 1e-12 && early <= most + 1e-12,
        "early-deletion charge {early} not within [{least}, {most}]"
    );

    let new = row(NEW);
    assert_eq!(new["action"], "keep");
    assert_eq!(new["by_class"], serde_json::json!({"STANDARD": 1_000}));
    assert_eq!(new["incomplete_uploads"], 1);
    assert_eq!(number(&new["early_deletion_usd"]), 0.0);

    // The summary counts what the plan deletes: OLD only.
    let summary = &plan["summary"];
    assert_eq!(summary["incomplete_uploads"], 1, "{summary}");
    assert!((number(&summary["monthly_usd"]) - monthly).abs() < 1e-12);
    assert_eq!(number(&summary["early_deletion_usd"]), early);

    // --price-per-gb changes STANDARD only.
    let mut command = target.cli();
    command.args([
        "plan",
        "--bucket",
        &bucket.name,
        "--keep",
        "1",
        "--age-by",
        "name",
        "--format",
        "json",
        "--price-per-gb",
        "1",
    ]);
    let out = target.run(command).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let repriced = (3_000.0 * 1.0 + 200_000.0 * 0.0125 + 500_000.0 * 0.0036) / GB;
    assert!((number(&plan["summary"]["monthly_usd"]) - repriced).abs() < 1e-12);

    // The table says what the deletion saves, charges and aborts; the uploads outside
    // every deployment are named as never aborted.
    let mut command = target.cli();
    command.args([
        "plan",
        "--bucket",
        &bucket.name,
        "--keep",
        "1",
        "--age-by",
        "name",
    ]);
    let out = target.run(command).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.contains("$/MONTH"), "{table}");
    assert!(table.contains("Deleting saves < $0.01/month"), "{table}");
    assert!(table.contains("early-deletion charge < $0.01"), "{table}");
    assert!(
        table.contains("aborts 1 incomplete multipart upload."),
        "{table}"
    );
    assert!(
        table.contains("1 incomplete multipart upload under no deployment is never aborted"),
        "{table}"
    );
    // Planning changed nothing.
    assert_eq!(uploads_left(target, &bucket.name).await.len(), 3);
}

pub async fn prune_aborts_uploads_under_deleted_deployments_only(target: &S3Target) {
    let bucket = cost_bucket(target, "cost-prune").await;
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let mut command = target.cli();
    command.args([
        "prune",
        "--bucket",
        &bucket.name,
        "--keep",
        "1",
        "--age-by",
        "name",
        "--yes",
    ]);
    command
        .args(["--format", "json"])
        .arg("--audit-log")
        .arg(&audit);
    let out = target.run(command).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr)
            .contains("Aborted 1 incomplete multipart upload under the deleted deployments."),
        "{}",
        text(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("prune report JSON");
    let rows = report["deployments"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{report}");
    assert_eq!(rows[0]["status"], "deleted");
    assert_eq!(rows[0]["aborted_uploads"], 1);
    let monthly = (3_000.0 * 0.023 + 200_000.0 * 0.0125 + 500_000.0 * 0.0036) / GB;
    assert!(
        (number(&rows[0]["monthly_usd"]) - monthly).abs() < 1e-12,
        "{report}"
    );
    assert!(number(&rows[0]["early_deletion_usd"]) > 0.0, "{report}");
    assert_eq!(report["totals"]["aborted_uploads"], 1);
    assert_eq!(
        report["totals"]["monthly_usd"], rows[0]["monthly_usd"],
        "{report}"
    );

    let keys: Vec<String> = target.all_keys(&bucket.name).await.into_keys().collect();
    assert_eq!(keys, vec![format!("{NEW}index.html")]);
    let left = uploads_left(target, &bucket.name).await;
    assert_eq!(
        left,
        BTreeSet::from([bucket.kept_upload.clone(), bucket.root_upload.clone()]),
        "only the deleted deployment's upload may go"
    );

    let log = std::fs::read_to_string(&audit).unwrap();
    let aborted: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["result"] == "aborted")
        .collect();
    assert_eq!(aborted.len(), 1, "{log}");
    assert_eq!(aborted[0]["key"], bucket.doomed_upload.0.as_str());
    assert_eq!(aborted[0]["upload_id"], bucket.doomed_upload.1.as_str());
    assert_eq!(aborted[0]["bucket"], bucket.name.as_str());
}

/// The plan deletes OLD; before the prune, NEW's objects go (by another hand), so the
/// re-check finds OLD among the newest 1 again and keeps it: its upload must survive.
pub async fn an_upload_under_a_deployment_the_recheck_keeps_survives(target: &S3Target) {
    let bucket = cost_bucket(target, "cost-recheck").await;
    let engine_bucket = target.engine_bucket(&bucket.name).await;
    let options = ListingOptions::new("");
    let inventory = list_deployments(&engine_bucket, &options, &|_| {})
        .await
        .expect("list");
    let rule = Rule::new(1, None, vec![], "name".parse::<AgeBy>().unwrap()).unwrap();
    let now = Utc::now();
    let plan = Plan::build(inventory.deployments.clone(), &rule, now);
    let doomed: Vec<_> = plan.to_delete().map(|e| e.deployment.clone()).collect();
    assert_eq!(doomed.len(), 1);
    assert_eq!(doomed[0].prefix, OLD);
    assert_eq!(doomed[0].incomplete_uploads, 1);

    target
        .client()
        .delete_object()
        .bucket(&bucket.name)
        .key(format!("{NEW}index.html"))
        .send()
        .await
        .expect("delete NEW's only object");

    let dir = tempfile::tempdir().unwrap();
    let request = PruneRequest {
        targets: doomed,
        by_hand: Default::default(),
        rule: Some(rule),
        planned: plan.entries.iter().map(|e| e.deployment.clone()).collect(),
        now,
        fingerprints: None,
    };
    let settings = PruneSettings {
        listing: options,
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
    .expect("prune");
    assert_eq!(report.skipped.len(), 1, "{:?}", report.skipped);
    assert!(report.deletion.outcomes.is_empty());
    assert_eq!(report.uploads.aborted(), 0);
    assert_eq!(uploads_left(target, &bucket.name).await.len(), 3);
}
