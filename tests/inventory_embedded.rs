//! Planning and pruning from S3 Inventory reports against s3prune's own S3 server,
//! started in-process on a random 127.0.0.1 port. With `--features parquet` the Parquet
//! scenario reads pyarrow's and s3prune's Parquet files; without it, it checks the
//! refusal that says how to rebuild.

mod common;

use common::S3Target;

inventory_scenario_tests!(S3Target::embedded());

/// `--inventory` and the policy file's `inventory` are checked before any request: not
/// an `s3://` URI is a usage error (exit 2), one paragraph, and nothing is listed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inventory_that_is_not_an_s3_uri_is_a_usage_error() {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("inv-usage").await;
    target.put_text(&bucket, "d1/a", "a").await;
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("s3prune.toml");
    std::fs::write(
        &policy,
        format!("[[target]]\nname = \"site\"\nbucket = \"{bucket}\"\nkeep = 1\ninventory = \"inventories/site\"\n"),
    )
    .unwrap();
    let cases: [(Vec<&str>, &str); 3] = [
        (
            vec![
                "prune",
                "--yes",
                "--bucket",
                &bucket,
                "--keep",
                "1",
                "--inventory",
                "inventories/site/",
            ],
            "is not an s3:// URI",
        ),
        (
            vec![
                "plan",
                "--bucket",
                &bucket,
                "--keep",
                "1",
                "--inventory",
                "s3:///x",
            ],
            "names no bucket",
        ),
        (
            vec!["prune", "--yes", "--config", policy.to_str().unwrap()],
            "line 5, key inventory",
        ),
    ];
    for (args, message) in cases {
        let mut command = target.cli();
        command.args(&args);
        let out = target.run(command).await;
        let stderr = common::text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }
    assert_eq!(target.all_keys(&bucket).await.len(), 1);
}
