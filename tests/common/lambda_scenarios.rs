//! The Lambda function on every server, under cargo-lambda's emulator: a dry run
//! returns the plan and deletes nothing, a real run deletes exactly what the policy
//! says, and bad events and policies are refused with one paragraph, changing nothing.

use serde_json::{json, Value};

use super::lambda_emulator::Emulator;
use super::policy_scenarios::{left, two_environment_file, two_environments, PROD, STAGING};
use super::S3Target;

/// What the README's two-environment policy deletes: prod keeps its newest two and the
/// live (rolled-back) oldest; staging keeps its newest, which is live.
const PROD_DELETED: [&str; 2] = ["release-2026-02-01", "release-2026-03-01"];
const STAGING_DELETED: [&str; 2] = ["build-2026-05-01", "build-2026-05-02"];

/// The names and statuses of one target's deployments in the report, by name.
fn deployments(report: &Value, target: &str) -> Vec<(String, String)> {
    let target = report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .find(|t| t["target"] == target)
        .unwrap_or_else(|| panic!("no target {target} in {report:#}"));
    target["deployments"]
        .as_array()
        .expect("deployments")
        .iter()
        .map(|d| {
            (
                d["name"].as_str().expect("name").to_string(),
                d["status"].as_str().expect("status").to_string(),
            )
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn with_status(names: &[&str], status: &str) -> Vec<(String, String)> {
    names
        .iter()
        .map(|n| (n.to_string(), status.to_string()))
        .collect()
}

pub async fn a_dry_run_returns_the_plan_and_deletes_nothing(target: &S3Target) {
    let bucket = two_environments(target, "lambda-dry").await;
    let before = target.all_keys(&bucket).await;
    let function = Emulator::start(target, &[]);
    let reply = function
        .invoke(json!({"config": two_environment_file(&bucket), "dry_run": true}))
        .await;
    assert_eq!(reply.status, 200, "{:#}\n{}", reply.body, function.log());
    let report = &reply.body;
    assert_eq!(report["dry_run"], true, "{report:#}");
    assert_eq!(report["policy"], "the event's config (inline TOML)");
    assert_eq!(
        deployments(report, "prod"),
        with_status(&PROD_DELETED, "not-started")
    );
    assert_eq!(
        deployments(report, "staging"),
        with_status(&STAGING_DELETED, "not-started")
    );
    for plan in report["targets"].as_array().unwrap() {
        assert_eq!(plan["plan"]["delete"], 2, "{plan:#}");
        assert_eq!(plan["totals"]["objects"], 0, "{plan:#}");
    }
    assert_eq!(
        target.all_keys(&bucket).await,
        before,
        "a dry run deleted something"
    );
}

pub async fn a_real_run_deletes_exactly_what_the_policy_says(target: &S3Target) {
    let bucket = two_environments(target, "lambda-run").await;
    // The policy in S3, named by the function's S3PRUNE_CONFIG; the event says only go.
    let policies = target.fresh_bucket("lambda-policies").await;
    target
        .put_text(&policies, "s3prune.toml", &two_environment_file(&bucket))
        .await;
    let uri = format!("s3://{policies}/s3prune.toml");
    let function = Emulator::start(target, &[("S3PRUNE_CONFIG", &uri)]);
    let reply = function.invoke(json!({"dry_run": false})).await;
    assert_eq!(reply.status, 200, "{:#}\n{}", reply.body, function.log());
    let report = &reply.body;
    assert_eq!(report["dry_run"], false);
    assert_eq!(report["policy"], uri.as_str());
    assert_eq!(
        deployments(report, "prod"),
        with_status(&PROD_DELETED, "deleted")
    );
    assert_eq!(
        deployments(report, "staging"),
        with_status(&STAGING_DELETED, "deleted")
    );
    for plan in report["targets"].as_array().unwrap() {
        // Two deployments of two 10-byte objects each.
        assert_eq!(plan["totals"]["deleted"], 2, "{plan:#}");
        assert_eq!(plan["totals"]["objects"], 4, "{plan:#}");
        assert_eq!(plan["totals"]["bytes"], 40, "{plan:#}");
        assert_eq!(plan["error"], Value::Null, "{plan:#}");
    }
    let kept_prod: Vec<&str> = PROD
        .into_iter()
        .filter(|n| !PROD_DELETED.contains(n))
        .collect();
    let kept_staging: Vec<&str> = STAGING
        .into_iter()
        .filter(|n| !STAGING_DELETED.contains(n))
        .collect();
    assert_eq!(left(target, &bucket, "prod").await, kept_prod);
    assert_eq!(left(target, &bucket, "staging").await, kept_staging);
    let keys = target.all_keys(&bucket).await;
    assert!(keys.contains_key("prod/current.txt") && keys.contains_key("staging/current.txt"));
    assert_eq!(
        target.all_keys(&policies).await.len(),
        1,
        "the policy stays"
    );

    // The audit lines outlive the sandbox in the function's log: one per deleted key.
    let log = function.stdout();
    let audited: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["result"] == "deleted" && l["bucket"] == bucket.as_str())
        .collect();
    assert_eq!(audited.len(), 8, "{log}");
    for line in &audited {
        let key = line["key"].as_str().unwrap();
        let deployment = key.split('/').nth(1).unwrap();
        assert!(
            PROD_DELETED.contains(&deployment) || STAGING_DELETED.contains(&deployment),
            "{key}"
        );
    }

    // Run again: nothing left to delete, the same answer.
    let again = function.invoke(json!({"dry_run": false})).await;
    assert_eq!(again.status, 200, "{:#}", again.body);
    assert!(
        deployments(&again.body, "prod").is_empty(),
        "{:#}",
        again.body
    );
}

pub async fn bad_events_and_policies_are_refused_and_change_nothing(target: &S3Target) {
    let bucket = two_environments(target, "lambda-bad").await;
    let before = target.all_keys(&bucket).await;
    let policy = two_environment_file(&bucket);
    let missing = format!("s3://{bucket}/no-such-policy.toml");
    let function = Emulator::start(target, &[]);
    let cases = [
        (
            json!({"dryrun": false, "config": policy}),
            "unknown field `dryrun`",
        ),
        (json!({"config": policy}), "does not say \"dry_run\""),
        (json!("prune everything"), "is a string"),
        (json!({"dry_run": false}), "no policy file"),
        (
            json!({"dry_run": false, "config": policy.replace("keep = 2", "keep = \"two\"")}),
            "the event's config (inline TOML) line 8, key keep",
        ),
        (
            json!({"dry_run": false, "config": policy.replace("keep = 2", "kept = 2")}),
            "key kept: unknown key",
        ),
        (
            json!({"dry_run": false, "config": missing}),
            "does not exist",
        ),
        (
            json!({"dry_run": false, "config": policy, "targets": ["qa"]}),
            "has no such target",
        ),
        (
            json!({"dry_run": false, "config": policy, "max_delete": 1}),
            "2 of 2 targets failed: target \"prod\" (the event's config (inline TOML) line 5): \
             the plan deletes 2 deployments, more than --max-delete 1; nothing was deleted; \
             target \"staging\"",
        ),
    ];
    for (event, says) in cases {
        let reply = function.invoke(event.clone()).await;
        let (kind, message) = reply.error();
        assert!(
            message.contains(says),
            "{event}: expected {says:?} in {message:?}\n{}",
            function.log()
        );
        assert!(!message.contains('\n'), "{event}: {message}");
        assert!(!message.contains("Error {"), "{event}: {message}");
        let expected_kind = if says.contains("max-delete") {
            // A guard on the plan: refused while working, before any deletion.
            "S3pruneFailed"
        } else {
            "S3pruneRefused"
        };
        assert_eq!(kind, expected_kind, "{event}: {message}");
    }
    assert_eq!(
        target.all_keys(&bucket).await,
        before,
        "a refusal changed the bucket"
    );
}
