//! The lifecycle hand-off on every server that stores lifecycle configurations:
//! `prune --via lifecycle` writes exactly the specified rules and nothing else,
//! `s3prune lifecycle` shows what S3 has left, `--tidy` removes only finished rules.
//! Every configuration is read back with the raw SDK client, not through s3prune.
//! S3 finishing is simulated by deleting the objects with the raw client.

use std::path::Path;

use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule,
    LifecycleRuleAndOperator, LifecycleRuleFilter, NoncurrentVersionExpiration, Tag, Transition,
    TransitionStorageClass,
};
use serde_json::Value;

use super::{text, S3Target};

#[macro_export]
macro_rules! lifecycle_scenario_tests {
    ($target:expr) => {
        $crate::lifecycle_scenario_tests!(@each $target;
            handing_off_keeps_other_rules_and_writes_exactly_the_specified_ones,
            lifecycle_lists_what_is_left_and_tidy_removes_only_finished_rules,
            more_than_1000_rules_is_refused_before_writing,
            all_versions_adds_noncurrent_expiry_and_a_delete_marker_rule,
            a_rule_id_someone_else_uses_is_refused_and_changes_nothing,
            tidy_of_the_last_rule_removes_the_configuration,
            a_reviewed_plan_is_handed_off_exactly_where_unchanged,
        );
    };
    (@each $target:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let target = $target.await;
                $crate::common::lifecycle_scenarios::$name(&target).await;
            }
        )*
    };
}

/// Five deployments dated by their names, oldest first: `--keep 2 --age-by name`
/// dooms `rel-20260101/`, `rel-20260102/`, `rel-20260103/` on every server.
pub const NAMES: [&str; 5] = [
    "rel-20260101",
    "rel-20260102",
    "rel-20260103",
    "rel-20260104",
    "rel-20260105",
];
pub const DOOMED: [&str; 3] = ["rel-20260101/", "rel-20260102/", "rel-20260103/"];

pub async fn five_deployments(target: &S3Target, tag: &str) -> String {
    let bucket = target.fresh_bucket(tag).await;
    let old = Some(chrono::Utc::now() - chrono::Duration::days(30));
    let objects = NAMES
        .iter()
        .flat_map(|name| {
            [
                (format!("{name}/index.html"), 100, old),
                (format!("{name}/js/app.js"), 300, old),
            ]
        })
        .chain([("index.html".to_string(), 10, old)])
        .collect();
    target.put_all(&bucket, objects).await;
    bucket
}

/// Rules someone else wrote, in the shapes S3 allows: a prefix filter with a
/// transition, an `And` filter with a tag and a size bound, a disabled rule.
pub fn foreign_rules() -> Vec<LifecycleRule> {
    vec![
        LifecycleRule::builder()
            .id("archive-logs")
            .filter(LifecycleRuleFilter::builder().prefix("logs/").build())
            .status(ExpirationStatus::Enabled)
            .transitions(
                Transition::builder()
                    .days(30)
                    .storage_class(TransitionStorageClass::StandardIa)
                    .build(),
            )
            .expiration(LifecycleExpiration::builder().days(365).build())
            .build()
            .unwrap(),
        LifecycleRule::builder()
            .id("tmp-big-files")
            .filter(
                LifecycleRuleFilter::builder()
                    .and(
                        LifecycleRuleAndOperator::builder()
                            .prefix("tmp/")
                            .tags(Tag::builder().key("kind").value("scratch").build().unwrap())
                            .object_size_greater_than(1024)
                            .build(),
                    )
                    .build(),
            )
            .status(ExpirationStatus::Enabled)
            .expiration(LifecycleExpiration::builder().days(7).build())
            .noncurrent_version_expiration(
                NoncurrentVersionExpiration::builder()
                    .noncurrent_days(14)
                    .build(),
            )
            .build()
            .unwrap(),
        LifecycleRule::builder()
            .id("paused")
            .filter(LifecycleRuleFilter::builder().prefix("old/").build())
            .status(ExpirationStatus::Disabled)
            .expiration(LifecycleExpiration::builder().days(90).build())
            .build()
            .unwrap(),
    ]
}

/// Puts a lifecycle configuration with the raw SDK, as another tool would.
pub async fn try_put_rules(
    target: &S3Target,
    bucket: &str,
    rules: Vec<LifecycleRule>,
) -> Result<(), PutRulesError> {
    target
        .client()
        .put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(
            BucketLifecycleConfiguration::builder()
                .set_rules(Some(rules))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .map(|_| ())
}

pub type PutRulesError = aws_sdk_s3::error::SdkError<
    aws_sdk_s3::operation::put_bucket_lifecycle_configuration::PutBucketLifecycleConfigurationError,
    aws_sdk_s3::config::http::HttpResponse,
>;

pub async fn put_rules(target: &S3Target, bucket: &str, rules: Vec<LifecycleRule>) {
    try_put_rules(target, bucket, rules)
        .await
        .expect("put lifecycle configuration");
}

/// The bucket's rules as the raw SDK reads them; none when it has no configuration.
pub async fn read_rules(target: &S3Target, bucket: &str) -> Vec<LifecycleRule> {
    match target
        .client()
        .get_bucket_lifecycle_configuration()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(reply) => reply.rules().to_vec(),
        Err(e) => {
            let code = e.as_service_error().and_then(|s| s.meta().code());
            assert_eq!(
                code,
                Some("NoSuchLifecycleConfiguration"),
                "get lifecycle: {e:?}"
            );
            Vec::new()
        }
    }
}

fn rule<'a>(rules: &'a [LifecycleRule], id: &str) -> &'a LifecycleRule {
    rules
        .iter()
        .find(|r| r.id() == Some(id))
        .unwrap_or_else(|| panic!("no rule {id:?} in {rules:#?}"))
}

async fn run(target: &S3Target, args: &[&str]) -> std::process::Output {
    let mut command = target.cli();
    command.args(args);
    target.run(command).await
}

async fn hand_off(
    target: &S3Target,
    bucket: &str,
    audit: &Path,
    extra: &[&str],
) -> std::process::Output {
    let mut args = vec![
        "prune",
        "--bucket",
        bucket,
        "--keep",
        "2",
        "--age-by",
        "name",
        "--via",
        "lifecycle",
        "--yes",
        "--audit-log",
        audit.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(target, &args).await
}

fn audit_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

async fn lifecycle_json(target: &S3Target, bucket: &str, extra: &[&str]) -> Value {
    let mut args = vec!["lifecycle", "--bucket", bucket, "--format", "json"];
    args.extend_from_slice(extra);
    let out = run(target, &args).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("lifecycle --format json")
}

/// Deletes every object under `prefix` with the raw client: what S3 does once the rule
/// has run.
pub async fn expire_by_hand(target: &S3Target, bucket: &str, prefix: &str) {
    let keys: Vec<String> = target
        .all_keys(bucket)
        .await
        .into_keys()
        .filter(|k| k.starts_with(prefix))
        .collect();
    assert!(!keys.is_empty(), "nothing under {prefix}");
    for key in keys {
        target
            .client()
            .delete_object()
            .bucket(bucket)
            .key(&key)
            .send()
            .await
            .expect("delete object");
    }
}

pub async fn handing_off_keeps_other_rules_and_writes_exactly_the_specified_ones(
    target: &S3Target,
) {
    let bucket = five_deployments(target, "lc-handoff").await;
    put_rules(target, &bucket, foreign_rules()).await;
    let foreign_before = read_rules(target, &bucket).await;
    assert_eq!(foreign_before.len(), 3);
    let keys_before = target.all_keys(&bucket).await;
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");

    let out = hand_off(target, &bucket, &audit, &[]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Handed 3 deployments") && stdout.contains("asynchronously"),
        "{stdout}"
    );
    assert!(stdout.contains("s3prune lifecycle --bucket"), "{stdout}");

    // Nothing was deleted by s3prune itself.
    assert_eq!(target.all_keys(&bucket).await, keys_before);

    let after = read_rules(target, &bucket).await;
    assert_eq!(after.len(), 6, "{after:#?}");
    for old in &foreign_before {
        assert_eq!(
            rule(&after, old.id().unwrap()),
            old,
            "a foreign rule changed"
        );
    }
    for prefix in DOOMED {
        let id = format!("s3prune:{prefix}");
        let r = rule(&after, &id);
        assert_eq!(r.filter().and_then(|f| f.prefix()), Some(prefix));
        assert_eq!(r.status(), &ExpirationStatus::Enabled);
        assert_eq!(r.expiration().and_then(|e| e.days()), Some(1));
        assert_eq!(
            r.abort_incomplete_multipart_upload()
                .and_then(|a| a.days_after_initiation()),
            Some(1)
        );
        assert!(r.noncurrent_version_expiration().is_none());
    }
    for kept in ["rel-20260104/", "rel-20260105/"] {
        assert!(!after
            .iter()
            .any(|r| r.id() == Some(&format!("s3prune:{kept}"))));
    }

    // One audit line per rule written.
    let mut lines = audit_lines(&audit);
    lines.sort_by_key(|l| l["key"].as_str().unwrap_or_default().to_owned());
    assert_eq!(lines.len(), 3, "{lines:?}");
    for (line, prefix) in lines.iter().zip(DOOMED) {
        assert_eq!(line["result"], "lifecycle-rule");
        assert_eq!(line["bucket"], bucket.as_str());
        assert_eq!(line["key"], prefix);
        assert_eq!(line["rule"], format!("s3prune:{prefix}"));
    }

    // The same prune again writes nothing new and audits nothing.
    let out = hand_off(target, &bucket, &audit, &[]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("3 already in place"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(read_rules(target, &bucket).await, after);
    assert_eq!(audit_lines(&audit).len(), 3);
}

pub async fn lifecycle_lists_what_is_left_and_tidy_removes_only_finished_rules(target: &S3Target) {
    let bucket = five_deployments(target, "lc-tidy").await;
    put_rules(target, &bucket, foreign_rules()).await;
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let out = hand_off(target, &bucket, &audit, &[]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));

    let listed = lifecycle_json(target, &bucket, &[]).await;
    assert_eq!(listed["rules_total"], 6);
    let mut rules = listed["rules"].as_array().unwrap().clone();
    rules.sort_by_key(|r| r["prefix"].as_str().unwrap_or_default().to_owned());
    assert_eq!(rules.len(), 3, "{listed}");
    for (row, prefix) in rules.iter().zip(DOOMED) {
        assert_eq!(row["prefix"], prefix);
        assert_eq!(row["left"], 2);
        assert_eq!(row["done"], false);
        assert_eq!(row["kind"], "expire");
    }

    // Tidy before S3 has done anything removes nothing.
    let before = read_rules(target, &bucket).await;
    let tidied = lifecycle_json(target, &bucket, &["--tidy"]).await;
    assert_eq!(tidied["removed"].as_array().unwrap().len(), 0, "{tidied}");
    assert_eq!(read_rules(target, &bucket).await, before);

    // S3 finishes two of the three.
    expire_by_hand(target, &bucket, DOOMED[0]).await;
    expire_by_hand(target, &bucket, DOOMED[1]).await;
    let out = run(target, &["lifecycle", "--bucket", &bucket]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.contains("empty: finished"), "{table}");
    assert!(table.contains("2 objects left"), "{table}");
    assert!(table.contains("2 finished"), "{table}");

    // Under another --prefix, s3prune's rules here are not touched.
    let elsewhere = lifecycle_json(target, &bucket, &["--prefix", "staging/", "--tidy"]).await;
    assert_eq!(elsewhere["removed"].as_array().unwrap().len(), 0);
    assert_eq!(read_rules(target, &bucket).await, before);

    let out = run(target, &["lifecycle", "--bucket", &bucket, "--tidy"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("Removed 2 s3prune rules"), "{said}");
    let after = read_rules(target, &bucket).await;
    let ids: Vec<&str> = after.iter().filter_map(|r| r.id()).collect();
    assert_eq!(
        ids.len(),
        4,
        "three foreign rules and s3prune:{}: {ids:?}",
        DOOMED[2]
    );
    for old in foreign_rules() {
        let id = old.id().unwrap();
        assert_eq!(rule(&after, id), rule(&before, id));
    }
    rule(&after, &format!("s3prune:{}", DOOMED[2]));

    // The last one finishes: tidy leaves only the foreign rules.
    expire_by_hand(target, &bucket, DOOMED[2]).await;
    let tidied = lifecycle_json(target, &bucket, &["--tidy"]).await;
    assert_eq!(tidied["removed"][0], format!("s3prune:{}", DOOMED[2]));
    assert_eq!(tidied["remaining_rules"], 3);
    assert_eq!(read_rules(target, &bucket).await.len(), 3);
}

/// Without other rules, removing the last of s3prune's removes the configuration.
pub async fn tidy_of_the_last_rule_removes_the_configuration(target: &S3Target) {
    let bucket = five_deployments(target, "lc-last").await;
    let dir = tempfile::tempdir().unwrap();
    let out = hand_off(target, &bucket, &dir.path().join("a.jsonl"), &[]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    for prefix in DOOMED {
        expire_by_hand(target, &bucket, prefix).await;
    }
    let tidied = lifecycle_json(target, &bucket, &["--tidy"]).await;
    assert_eq!(tidied["removed"].as_array().unwrap().len(), 3, "{tidied}");
    assert!(read_rules(target, &bucket).await.is_empty());
}

pub async fn more_than_1000_rules_is_refused_before_writing(target: &S3Target) {
    let bucket = five_deployments(target, "lc-limit").await;
    let many: Vec<LifecycleRule> = (0..999)
        .map(|i| {
            LifecycleRule::builder()
                .id(format!("team-rule-{i:04}"))
                .filter(
                    LifecycleRuleFilter::builder()
                        .prefix(format!("scratch/{i:04}/"))
                        .build(),
                )
                .status(ExpirationStatus::Enabled)
                .expiration(LifecycleExpiration::builder().days(30).build())
                .build()
                .unwrap()
        })
        .collect();
    put_rules(target, &bucket, many).await;
    let rules_before = read_rules(target, &bucket).await;
    assert_eq!(rules_before.len(), 999);
    let keys_before = target.all_keys(&bucket).await;
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");

    let out = hand_off(target, &bucket, &audit, &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("1002 lifecycle rules"), "{stderr}");
    assert!(stderr.contains("1000"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one paragraph: {stderr}");
    assert_eq!(read_rules(target, &bucket).await, rules_before);
    assert_eq!(target.all_keys(&bucket).await, keys_before);
    assert!(audit_lines(&audit).is_empty());
}

pub async fn all_versions_adds_noncurrent_expiry_and_a_delete_marker_rule(target: &S3Target) {
    let bucket = five_deployments(target, "lc-versions").await;
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let out = hand_off(target, &bucket, &audit, &["--all-versions"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));

    let rules = read_rules(target, &bucket).await;
    assert_eq!(rules.len(), 6, "{rules:#?}");
    for prefix in DOOMED {
        let expire = rule(&rules, &format!("s3prune:{prefix}"));
        assert_eq!(expire.filter().and_then(|f| f.prefix()), Some(prefix));
        assert_eq!(expire.expiration().and_then(|e| e.days()), Some(1));
        assert_eq!(
            expire
                .noncurrent_version_expiration()
                .and_then(|n| n.noncurrent_days()),
            Some(1)
        );
        assert_eq!(
            expire
                .abort_incomplete_multipart_upload()
                .and_then(|a| a.days_after_initiation()),
            Some(1)
        );
        let markers = rule(&rules, &format!("s3prune:{prefix}:delete-markers"));
        assert_eq!(markers.filter().and_then(|f| f.prefix()), Some(prefix));
        assert_eq!(markers.status(), &ExpirationStatus::Enabled);
        let expiration = markers.expiration().unwrap();
        assert_eq!(expiration.expired_object_delete_marker(), Some(true));
        assert_eq!(expiration.days(), None);
    }
    assert_eq!(audit_lines(&audit).len(), 6);

    let listed = lifecycle_json(target, &bucket, &[]).await;
    let rows = listed["rules"].as_array().unwrap();
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|r| r["all_versions"] == true), "{listed}");
    assert_eq!(
        rows.iter()
            .filter(|r| r["kind"] == "delete-markers")
            .count(),
        3
    );

    // The same hand-off again changes nothing.
    let again = hand_off(target, &bucket, &audit, &["--all-versions"]).await;
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(read_rules(target, &bucket).await, rules);
}

pub async fn a_rule_id_someone_else_uses_is_refused_and_changes_nothing(target: &S3Target) {
    let bucket = five_deployments(target, "lc-squat").await;
    let squatter = LifecycleRule::builder()
        .id(format!("s3prune:{}", DOOMED[0]))
        .filter(LifecycleRuleFilter::builder().prefix("elsewhere/").build())
        .status(ExpirationStatus::Enabled)
        .expiration(LifecycleExpiration::builder().days(10).build())
        .build()
        .unwrap();
    put_rules(target, &bucket, vec![squatter]).await;
    let before = read_rules(target, &bucket).await;
    let dir = tempfile::tempdir().unwrap();
    let out = hand_off(target, &bucket, &dir.path().join("a.jsonl"), &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("did not write"), "{stderr}");
    assert_eq!(read_rules(target, &bucket).await, before);
}

pub async fn a_reviewed_plan_is_handed_off_exactly_where_unchanged(target: &S3Target) {
    let bucket = five_deployments(target, "lc-reviewed").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.json");
    let out = run(
        target,
        &[
            "plan",
            "--bucket",
            &bucket,
            "--keep",
            "2",
            "--age-by",
            "name",
            "--out",
            file.to_str().unwrap(),
        ],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    // After review, someone adds a file to the oldest deployment.
    target
        .put_text(&bucket, &format!("{}hotfix.js", DOOMED[0]), "fix")
        .await;
    let audit = dir.path().join("audit.jsonl");
    let out = run(
        target,
        &[
            "prune",
            "--plan",
            file.to_str().unwrap(),
            "--via",
            "lifecycle",
            "--yes",
            "--audit-log",
            audit.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("changed since the plan"), "{stderr}");
    let mut ids: Vec<String> = read_rules(target, &bucket)
        .await
        .iter()
        .filter_map(|r| r.id().map(str::to_owned))
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            format!("s3prune:{}", DOOMED[1]),
            format!("s3prune:{}", DOOMED[2])
        ]
    );
    assert_eq!(audit_lines(&audit).len(), 2);
}
