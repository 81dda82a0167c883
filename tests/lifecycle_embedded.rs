//! The lifecycle hand-off on s3prune's own server: the shared scenarios, the server's
//! lifecycle operations (stored, validated, persisted, applied on request), and the bad
//! input of `prune --via lifecycle` and `s3prune lifecycle`.

mod common;

use std::time::Duration;

use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule,
    LifecycleRuleFilter, TransitionDefaultMinimumObjectSize,
};
use common::lifecycle_scenarios::{
    five_deployments, foreign_rules, read_rules, try_put_rules, DOOMED,
};
use common::{text, S3Target};
use s3prune::server::{self, FaultConfig, ServerConfig};

lifecycle_scenario_tests!(S3Target::embedded());

fn error_code<E, R>(error: &aws_sdk_s3::error::SdkError<E, R>) -> Option<String>
where
    E: aws_sdk_s3::error::ProvideErrorMetadata,
{
    error
        .as_service_error()
        .and_then(|e| e.code())
        .map(str::to_owned)
}

fn expire_rule(id: &str, prefix: &str, days: i32) -> LifecycleRule {
    LifecycleRule::builder()
        .id(id)
        .filter(LifecycleRuleFilter::builder().prefix(prefix).build())
        .status(ExpirationStatus::Enabled)
        .expiration(LifecycleExpiration::builder().days(days).build())
        .build()
        .unwrap()
}

async fn put_raw(
    target: &S3Target,
    bucket: &str,
    rules: Vec<LifecycleRule>,
) -> Result<(), Option<String>> {
    try_put_rules(target, bucket, rules)
        .await
        .map_err(|e| error_code(&e))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_stores_validates_and_removes_lifecycle_configurations() {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("lc-server").await;
    let client = target.client();

    let none = client
        .get_bucket_lifecycle_configuration()
        .bucket(&bucket)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_code(&none).as_deref(),
        Some("NoSuchLifecycleConfiguration")
    );

    client
        .put_bucket_lifecycle_configuration()
        .bucket(&bucket)
        .lifecycle_configuration(
            BucketLifecycleConfiguration::builder()
                .set_rules(Some(foreign_rules()))
                .build()
                .unwrap(),
        )
        .transition_default_minimum_object_size(
            TransitionDefaultMinimumObjectSize::VariesByStorageClass,
        )
        .send()
        .await
        .unwrap();
    let got = client
        .get_bucket_lifecycle_configuration()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(got.rules(), foreign_rules().as_slice());
    assert_eq!(
        got.transition_default_minimum_object_size(),
        Some(&TransitionDefaultMinimumObjectSize::VariesByStorageClass)
    );

    // What S3 refuses, this server refuses, and the stored configuration stays.
    let twice = vec![expire_rule("a", "x/", 1), expire_rule("a", "y/", 1)];
    assert_eq!(
        put_raw(&target, &bucket, twice)
            .await
            .unwrap_err()
            .as_deref(),
        Some("InvalidArgument")
    );
    let too_many: Vec<_> = (0..1001)
        .map(|i| expire_rule(&format!("r{i}"), "x/", 1))
        .collect();
    assert!(put_raw(&target, &bucket, too_many).await.is_err());
    let long_id = expire_rule(&"i".repeat(256), "x/", 1);
    assert_eq!(
        put_raw(&target, &bucket, vec![long_id])
            .await
            .unwrap_err()
            .as_deref(),
        Some("InvalidArgument")
    );
    let zero_days = expire_rule("z", "x/", 0);
    assert!(put_raw(&target, &bucket, vec![zero_days]).await.is_err());
    assert_eq!(read_rules(&target, &bucket).await, foreign_rules());

    client
        .delete_bucket_lifecycle()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert!(read_rules(&target, &bucket).await.is_empty());

    let missing = client
        .get_bucket_lifecycle_configuration()
        .bucket("no-such-bucket-here")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&missing).as_deref(), Some("NoSuchBucket"));
}

/// A raw SDK client for a server started here.
fn client_for(server: &server::RunningServer, config: &ServerConfig) -> aws_sdk_s3::Client {
    let sdk = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .endpoint_url(server.endpoint())
        .force_path_style(true)
        .region(aws_sdk_s3::config::Region::new(config.region.clone()))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            &config.access_key,
            &config.secret_key,
            None,
            None,
            "test",
        ))
        .build();
    aws_sdk_s3::Client::from_conf(sdk)
}

async fn rules_of(client: &aws_sdk_s3::Client, bucket: &str) -> Option<Vec<LifecycleRule>> {
    match client
        .get_bucket_lifecycle_configuration()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(reply) => Some(reply.rules().to_vec()),
        Err(e) => {
            assert_eq!(
                error_code(&e).as_deref(),
                Some("NoSuchLifecycleConfiguration")
            );
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_configurations_survive_a_restart_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        data_dir: Some(dir.path().to_path_buf()),
        ..ServerConfig::default()
    };
    let rules = foreign_rules();
    let server = server::start(config.clone()).await.unwrap();
    let client = client_for(&server, &config);
    client.create_bucket().bucket("kept").send().await.unwrap();
    client
        .put_bucket_lifecycle_configuration()
        .bucket("kept")
        .lifecycle_configuration(
            BucketLifecycleConfiguration::builder()
                .set_rules(Some(rules.clone()))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    // Journalled before it was acknowledged: a kill now would keep it too.
    let journal = std::fs::read_to_string(dir.path().join("journal.jsonl")).unwrap();
    assert!(journal.contains("set_lifecycle"), "{journal}");
    server.shutdown().await;

    let server = server::start(config.clone()).await.unwrap();
    let client = client_for(&server, &config);
    assert_eq!(rules_of(&client, "kept").await, Some(rules));
    client
        .delete_bucket_lifecycle()
        .bucket("kept")
        .send()
        .await
        .unwrap();
    server.shutdown().await;

    let server = server::start(config.clone()).await.unwrap();
    let client = client_for(&server, &config);
    assert_eq!(rules_of(&client, "kept").await, None);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_server_applies_expiration_on_its_accelerated_clock() {
    let target = S3Target::embedded().await;
    let bucket = five_deployments(&target, "lc-clock").await;
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let mut command = target.cli();
    command.args([
        "prune",
        "--bucket",
        &bucket,
        "--keep",
        "2",
        "--age-by",
        "name",
        "--via",
        "lifecycle",
        "--yes",
        "--audit-log",
        audit.to_str().unwrap(),
    ]);
    let out = target.run(command).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Written after the hand-off, so younger than a lifecycle day of an hour.
    target
        .put_text(&bucket, "rel-20260101/late.txt", "late")
        .await;
    let server = target.server().unwrap();

    let expired = server
        .run_lifecycle(Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(expired, 6, "the 30-day-old objects of three deployments");
    let left: Vec<String> = target.all_keys(&bucket).await.into_keys().collect();
    assert!(left.contains(&"rel-20260101/late.txt".to_string()));
    for prefix in &DOOMED[1..] {
        assert!(!left.iter().any(|k| k.starts_with(prefix)), "{left:?}");
    }
    assert!(left.iter().any(|k| k.starts_with("rel-20260104/")));
    assert!(left.contains(&"index.html".to_string()));

    // A lifecycle day of zero expires the late one too; then tidy removes every rule.
    assert_eq!(server.run_lifecycle(Duration::ZERO).await.unwrap(), 1);
    let mut command = target.cli();
    command.args(["lifecycle", "--bucket", &bucket, "--tidy"]);
    let out = target.run(command).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(read_rules(&target, &bucket).await.is_empty());
    assert_eq!(target.all_keys(&bucket).await.len(), 5);
}

struct Case {
    name: &'static str,
    args: Vec<String>,
    exit: i32,
    message: &'static str,
}

fn case(name: &'static str, args: &[&str], exit: i32, message: &'static str) -> Case {
    Case {
        name,
        args: args.iter().map(|s| s.to_string()).collect(),
        exit,
        message,
    }
}

/// One paragraph, the documented exit code, no debug output, nothing changed.
async fn check_cases(target: &S3Target, bucket: &str, cases: Vec<Case>) {
    let keys = target.all_keys(bucket).await;
    let rules = read_rules(target, bucket).await;
    for case in cases {
        let mut command = target.cli();
        command.args(&case.args);
        let out = target.run(command).await;
        let stderr = text(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(case.exit),
            "{}: {stderr}",
            case.name
        );
        assert!(
            stderr.contains(case.message),
            "{}: expected {:?} in {stderr}",
            case.name,
            case.message
        );
        let message: Vec<&str> = stderr
            .lines()
            .filter(|l| {
                !l.trim().is_empty() && (l.starts_with("s3prune:") || l.starts_with("error:"))
            })
            .collect();
        assert_eq!(message.len(), 1, "{}: one paragraph: {stderr}", case.name);
        assert!(
            !stderr.contains("{ "),
            "{}: debug output: {stderr}",
            case.name
        );
        assert_eq!(target.all_keys(bucket).await, keys, "{}", case.name);
        assert_eq!(read_rules(target, bucket).await, rules, "{}", case.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_lifecycle_input_is_refused_clearly_and_changes_nothing() {
    let target = S3Target::embedded().await;
    let bucket = five_deployments(&target, "lc-bad").await;
    let long_name = format!("rel-20251231-{}", "x".repeat(240));
    target
        .put_all(&bucket, vec![(format!("{long_name}/index.html"), 10, None)])
        .await;
    let b = bucket.as_str();
    let prune = |extra: &[&str]| -> Vec<String> {
        let mut args = vec![
            "prune",
            "--bucket",
            b,
            "--age-by",
            "name",
            "--yes",
            "--audit-log",
            "/dev/null",
        ];
        args.extend_from_slice(extra);
        args.into_iter().map(str::to_owned).collect()
    };
    let mut cases = vec![
        case(
            "--via something else",
            &[
                "prune", "--bucket", b, "--keep", "2", "--via", "sideways", "--yes",
            ],
            2,
            "invalid value 'sideways' for '--via",
        ),
        case(
            "--via lifecycle with --format json",
            &[
                "prune",
                "--bucket",
                b,
                "--keep",
                "2",
                "--via",
                "lifecycle",
                "--format",
                "json",
                "--yes",
            ],
            2,
            "writes no --format json report",
        ),
        case(
            "lifecycle without a bucket",
            &["lifecycle"],
            2,
            "no bucket given",
        ),
        case(
            "lifecycle --format yaml",
            &["lifecycle", "--bucket", b, "--format", "yaml"],
            2,
            "invalid value 'yaml'",
        ),
    ];
    let mut id_too_long = case(
        "a prefix too long for a rule ID",
        &[],
        1,
        "more than the 255 S3 allows; nothing was written",
    );
    id_too_long.args = prune(&["--keep", "3", "--via", "lifecycle"]);
    cases.push(id_too_long);
    check_cases(&target, &bucket, cases).await;

    // A server without lifecycle support: refused, nothing written or deleted (the
    // rules are read back with the switch on again, after the cases).
    target.server().unwrap().set_lifecycle_supported(false);
    let mut unsupported = case(
        "prune --via lifecycle on a server without lifecycle support",
        &[],
        1,
        "does not support bucket lifecycle configurations (NotImplemented); nothing was written",
    );
    unsupported.args = prune(&[
        "--keep",
        "2",
        "--protect",
        "rel-20251231-*",
        "--via",
        "lifecycle",
    ]);
    let cases = vec![
        unsupported,
        case(
            "lifecycle on a server without lifecycle support",
            &["lifecycle", "--bucket", b],
            1,
            "does not support bucket lifecycle configurations",
        ),
        case(
            "lifecycle --tidy on a server without lifecycle support",
            &["lifecycle", "--bucket", b, "--tidy"],
            1,
            "does not support bucket lifecycle configurations",
        ),
    ];
    let keys = target.all_keys(&bucket).await;
    for case in cases {
        let mut command = target.cli();
        command.args(&case.args);
        let out = target.run(command).await;
        let stderr = text(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(case.exit),
            "{}: {stderr}",
            case.name
        );
        assert!(stderr.contains(case.message), "{}: {stderr}", case.name);
        assert_eq!(
            stderr.lines().filter(|l| l.starts_with("s3prune:")).count(),
            1,
            "{}: {stderr}",
            case.name
        );
        assert_eq!(target.all_keys(&bucket).await, keys, "{}", case.name);
    }
    target.server().unwrap().set_lifecycle_supported(true);
    assert!(read_rules(&target, &bucket).await.is_empty());
}

/// A configuration is written whole, so a lifecycle request that failed with a 5xx is
/// simply sent again: the hand-off ends with exactly the specified rules.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_requests_are_retried_through_server_errors() {
    let target = S3Target::embedded().await;
    let server = target.server().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let hand_off = |bucket: &str| {
        let mut command = target.cli();
        command.args([
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
            "--retry-backoff",
            "5ms",
            "--audit-log",
            dir.path().join("a.jsonl").to_str().unwrap(),
        ]);
        command
    };
    // The same hand-off without faults, for its request count.
    let clean = five_deployments(&target, "lc-clean").await;
    let before = server.request_count();
    let out = target.run(hand_off(&clean)).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let clean_requests = server.request_count() - before;

    let bucket = five_deployments(&target, "lc-faults").await;
    server.set_faults(FaultConfig {
        internal_error: 0.5,
        slow_down: 0.2,
        seed: 13,
        operations: vec![
            "GetBucketLifecycleConfiguration".into(),
            "PutBucketLifecycleConfiguration".into(),
        ],
        ..FaultConfig::none()
    });
    let before = server.request_count();
    let out = target.run(hand_off(&bucket)).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let faulty_requests = server.request_count() - before;
    server.set_faults(FaultConfig::none());
    assert!(
        faulty_requests > clean_requests,
        "the faults fired and were retried: {faulty_requests} vs {clean_requests} requests"
    );
    let rules = read_rules(&target, &bucket).await;
    let mut ids: Vec<&str> = rules.iter().filter_map(|r| r.id()).collect();
    ids.sort_unstable();
    let expected: Vec<String> = DOOMED.iter().map(|p| format!("s3prune:{p}")).collect();
    assert_eq!(ids, expected);
    assert_eq!(rules, read_rules(&target, &clean).await);
}
