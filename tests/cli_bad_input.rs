//! Every bad input gets a one-paragraph message, the documented exit code (2 usage,
//! 1 runtime), and changes nothing in the bucket.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::{text, S3Target};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

struct Case {
    name: &'static str,
    args: Vec<String>,
    env_remove: &'static [&'static str],
    env_set: Vec<(&'static str, String)>,
    exit: i32,
    message: &'static str,
}

fn case(name: &'static str, args: &[&str], exit: i32, message: &'static str) -> Case {
    Case {
        name,
        args: args.iter().map(|s| s.to_string()).collect(),
        env_remove: &[],
        env_set: vec![],
        exit,
        message,
    }
}

/// A port with nothing listening on it.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server that answers every request with an HTML page, like a web server or a
/// captive portal mistaken for an S3 endpoint.
async fn html_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16384];
                while let Ok(n) = socket.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    let body = "<html><body><h1>Welcome to nginx!</h1></body></html>";
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if socket.write_all(reply.as_bytes()).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

/// A server that accepts connections and never answers.
async fn hanging_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_clearly_and_changes_nothing() {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("bad").await;
    let old = Some(Utc::now() - chrono::Duration::days(90));
    target
        .put_all(
            &bucket,
            vec![
                ("a/index.html".into(), 10, old),
                ("b/index.html".into(), 10, old),
                ("c/index.html".into(), 10, None),
                ("root.txt".into(), 1, old),
            ],
        )
        .await;
    let before = target.all_keys(&bucket).await;
    let b = bucket.as_str();
    let html = html_server().await;
    let hanging = hanging_server().await;
    let closed = format!("http://127.0.0.1:{}", closed_port());
    let logs = tempfile::tempdir().unwrap();
    let missing_log = logs.path().join("missing.jsonl").display().to_string();
    let not_a_log = logs.path().join("notes.txt");
    std::fs::write(&not_a_log, "these are notes\nnot an audit log\n").unwrap();
    let not_a_log = not_a_log.display().to_string();
    // What a prune of this (unversioned) bucket writes: deletions without delete markers.
    let unversioned_log = logs.path().join("unversioned.jsonl");
    std::fs::write(
        &unversioned_log,
        format!(
            "{{\"time\":\"{}\",\"bucket\":\"{b}\",\"key\":\"a/index.html\",\"version\":null,\"result\":\"deleted\"}}\n",
            Utc::now().to_rfc3339()
        ),
    )
    .unwrap();
    let unversioned_log = unversioned_log.display().to_string();

    let cases = vec![
        case("no bucket", &["plan", "--keep", "3"], 2, "no bucket given"),
        case(
            "uppercase bucket",
            &["plan", "--bucket", "MyBucket", "--keep", "3"],
            2,
            "must not contain uppercase",
        ),
        case(
            "bucket with bad characters",
            &["prune", "--bucket", "my_bucket", "--keep", "1", "--yes"],
            2,
            "invalid bucket name",
        ),
        case(
            "bucket label next to a hyphen",
            &["prune", "--bucket", "foo.-bar", "--keep", "1", "--yes"],
            2,
            "hyphen next to a dot",
        ),
        case(
            "unknown age-by",
            &[
                "plan",
                "--bucket",
                b,
                "--keep",
                "1",
                "--age-by",
                "sometimes",
            ],
            2,
            "sometimes",
        ),
        case(
            "name time format without age-by name",
            &[
                "plan",
                "--bucket",
                b,
                "--keep",
                "1",
                "--name-time-format",
                "%Y%m%d",
            ],
            2,
            "give --age-by name too",
        ),
        case(
            "name time format without a date",
            &[
                "prune",
                "--bucket",
                b,
                "--keep",
                "1",
                "--age-by",
                "name",
                "--name-time-format",
                "%H%M",
                "--yes",
            ],
            2,
            "--name-time-format",
        ),
        case(
            "live alias with a slash",
            &[
                "prune",
                "--bucket",
                b,
                "--keep",
                "1",
                "--live-alias",
                "a/b",
                "--yes",
            ],
            2,
            "one folder name under the root",
        ),
        case(
            "missing live pointer",
            &[
                "prune", "--bucket", b, "--keep", "1", "--live", "nope.txt", "--yes",
            ],
            1,
            "does not exist",
        ),
        case(
            "missing bucket",
            &[
                "prune",
                "--bucket",
                "no-such-bucket-here",
                "--keep",
                "1",
                "--yes",
            ],
            1,
            "does not exist",
        ),
        case(
            "keep missing",
            &["prune", "--bucket", b, "--yes"],
            2,
            "no retention rule",
        ),
        case(
            "keep 0 without age",
            &["prune", "--bucket", b, "--keep", "0", "--yes"],
            2,
            "--keep 0 would delete every deployment",
        ),
        case(
            "keep not a number",
            &["plan", "--bucket", b, "--keep", "many"],
            2,
            "invalid value 'many'",
        ),
        case(
            "bad duration",
            &[
                "prune",
                "--bucket",
                b,
                "--keep",
                "1",
                "--older-than",
                "soon",
                "--yes",
            ],
            2,
            "is not a duration",
        ),
        case(
            "duration without unit",
            &["plan", "--bucket", b, "--keep", "1", "--older-than", "30"],
            2,
            "is not a duration",
        ),
        case(
            "bad glob",
            &[
                "prune",
                "--bucket",
                b,
                "--keep",
                "1",
                "--protect",
                "release-[",
                "--yes",
            ],
            2,
            "is not a valid glob",
        ),
        case(
            "no tty, no --yes",
            &["prune", "--bucket", b, "--keep", "1"],
            2,
            "refusing to delete without confirmation",
        ),
        case(
            "over --max-delete",
            &[
                "prune",
                "--bucket",
                b,
                "--keep",
                "1",
                "--max-delete",
                "1",
                "--yes",
            ],
            1,
            "more than --max-delete 1",
        ),
        case(
            "over --max-delete-fraction",
            &[
                "prune",
                "--bucket",
                b,
                "--keep",
                "1",
                "--max-delete-fraction",
                "0.5",
                "--yes",
            ],
            1,
            "more than --max-delete-fraction 0.5 allows",
        ),
        case(
            "fraction out of range",
            &[
                "prune",
                "--bucket",
                b,
                "--keep",
                "1",
                "--max-delete-fraction",
                "1.5",
                "--yes",
            ],
            2,
            "not a fraction between 0 and 1",
        ),
        case(
            "unknown command",
            &["purge", "--bucket", b],
            2,
            "unrecognized subcommand",
        ),
        case(
            "unreachable endpoint",
            &[
                "prune",
                "--bucket",
                b,
                "--keep",
                "1",
                "--yes",
                "--endpoint-url",
                &closed,
            ],
            1,
            "cannot reach the S3 endpoint",
        ),
        case(
            "endpoint serving HTML",
            &[
                "prune",
                "--bucket",
                b,
                "--keep",
                "1",
                "--yes",
                "--endpoint-url",
                &html,
            ],
            1,
            "not an S3 reply",
        ),
        case(
            "hanging endpoint",
            &[
                "prune",
                "--bucket",
                b,
                "--keep",
                "1",
                "--yes",
                "--timeout",
                "300ms",
                "--endpoint-url",
                &hanging,
            ],
            1,
            "did not answer in time",
        ),
        Case {
            env_set: vec![("AWS_SECRET_ACCESS_KEY", "wrong-secret".into())],
            ..case(
                "wrong secret key",
                &["prune", "--bucket", b, "--keep", "1", "--yes"],
                1,
                "access denied",
            )
        },
        Case {
            env_remove: &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
            env_set: vec![(
                "HOME",
                std::env::temp_dir()
                    .join("s3prune-no-home")
                    .display()
                    .to_string(),
            )],
            ..case(
                "no credentials",
                &["prune", "--bucket", b, "--keep", "1", "--yes"],
                1,
                "no AWS credentials found",
            )
        },
        case(
            "seed: abandoned uploads not a number",
            &["seed", "--bucket", b, "--abandoned-uploads", "many"],
            2,
            "--abandoned-uploads",
        ),
        case(
            "undo: missing audit log",
            &["undo", "--bucket", b, "--audit-log", &missing_log, "--yes"],
            2,
            "cannot read the audit log",
        ),
        case(
            "undo: not an audit log",
            &["undo", "--bucket", b, "--audit-log", &not_a_log, "--yes"],
            2,
            "is not an s3prune audit log",
        ),
        case(
            "undo: bad --since",
            &["undo", "--bucket", b, "--since", "yesterday-ish", "--yes"],
            2,
            "is neither a time nor a duration",
        ),
        case(
            "undo: deletions in an unversioned bucket",
            &[
                "undo",
                "--bucket",
                b,
                "--audit-log",
                &unversioned_log,
                "--yes",
            ],
            1,
            "permanent and cannot be undone",
        ),
    ];

    let mut failures = Vec::new();
    for case in cases {
        let mut command = target.cli();
        command.args(&case.args);
        for name in case.env_remove {
            command.env_remove(name);
        }
        for (name, value) in &case.env_set {
            command.env(name, value);
        }
        let started = std::time::Instant::now();
        let out = target.run(command).await;
        let stderr = text(&out.stderr);
        let code = out.status.code();
        let one_paragraph =
            !stderr.trim().contains("\n\n") || stderr.contains("For more information");
        if code != Some(case.exit)
            || !stderr.contains(case.message)
            || !one_paragraph
            || stderr.contains("panicked")
        {
            failures.push(format!(
                "{}: exit {:?} (want {}), stderr: {stderr}\nstdout: {}",
                case.name,
                code,
                case.exit,
                text(&out.stdout)
            ));
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{} took {:?}",
            case.name,
            started.elapsed()
        );
        assert_eq!(
            target.all_keys(&bucket).await,
            before,
            "{} changed the bucket",
            case.name
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_and_empty_plans_delete_nothing() {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("dry").await;
    let old = Some(Utc::now() - chrono::Duration::days(90));
    target
        .put_all(
            &bucket,
            vec![("a/x".into(), 1, old), ("b/x".into(), 1, None)],
        )
        .await;
    let before = target.all_keys(&bucket).await;

    let mut dry = target.cli();
    dry.args(["prune", "--bucket", &bucket, "--keep", "1", "--dry-run"]);
    let out = target.run(dry).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Dry run: nothing was deleted."));

    let mut guarded = target.cli();
    guarded.args([
        "prune",
        "--bucket",
        &bucket,
        "--keep",
        "1",
        "--max-delete-fraction",
        "0.1",
        "--dry-run",
    ]);
    let out = target.run(guarded).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "a dry run reports that the guard would refuse"
    );
    assert!(
        text(&out.stderr).contains("--max-delete-fraction"),
        "{}",
        text(&out.stderr)
    );

    let mut forced = target.cli();
    forced.args([
        "prune",
        "--bucket",
        &bucket,
        "--keep",
        "1",
        "--max-delete-fraction",
        "0.1",
        "--force",
        "--dry-run",
    ]);
    let out = target.run(forced).await;
    assert!(
        out.status.success(),
        "--force lifts the fraction guard: {}",
        text(&out.stderr)
    );

    let mut keep_all = target.cli();
    keep_all.args(["prune", "--bucket", &bucket, "--keep", "5", "--yes"]);
    let out = target.run(keep_all).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Nothing to delete."));
    assert_eq!(target.all_keys(&bucket).await, before);
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_s3prune"))
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success());
        let script = text(&out.stdout);
        assert!(
            script.contains("s3prune") && script.contains("older-than"),
            "{shell}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_appear_in_output_or_the_audit_log() {
    let target = S3Target::embedded().await;
    let bucket = target.fresh_bucket("creds").await;
    let old = Some(Utc::now() - chrono::Duration::days(9));
    target
        .put_all(
            &bucket,
            vec![("a/x".into(), 1, old), ("b/x".into(), 1, None)],
        )
        .await;
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");

    let wrong_secret = "wrong-Secret-Value-4242";
    let mut denied = target.cli();
    denied
        .env("AWS_SECRET_ACCESS_KEY", wrong_secret)
        .env("RUST_BACKTRACE", "1");
    denied.args(["prune", "--bucket", &bucket, "--keep", "1", "--yes"]);
    let out = target.run(denied).await;
    assert_eq!(out.status.code(), Some(1));
    let printed = text(&out.stdout) + &text(&out.stderr);
    assert!(!printed.contains(wrong_secret), "{printed}");

    let mut prune = target.cli();
    prune
        .args([
            "prune",
            "--bucket",
            &bucket,
            "--keep",
            "1",
            "--yes",
            "--audit-log",
        ])
        .arg(&audit);
    let out = target.run(prune).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed =
        text(&out.stdout) + &text(&out.stderr) + &std::fs::read_to_string(&audit).unwrap();
    assert!(printed.contains("a/x"), "the audit log was written");
    assert!(!printed.contains(&target.secret_key), "{printed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prefix_without_slash_means_that_folder_and_dotted_bucket_names_work() {
    let target = S3Target::embedded().await;
    let bucket = format!("dotted.bucket.{:08x}", rand::random::<u32>());
    target
        .client()
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let old = Some(Utc::now() - chrono::Duration::days(9));
    target
        .put_all(
            &bucket,
            vec![
                ("sites/prod/v1/index.html".into(), 1, old),
                ("sites/prod/v2/index.html".into(), 1, None),
                ("sites/production/v0/index.html".into(), 1, old),
            ],
        )
        .await;
    let mut plan = target.cli();
    plan.args([
        "plan",
        "--bucket",
        &bucket,
        "--prefix",
        "sites/prod",
        "--keep",
        "1",
        "--format",
        "json",
    ]);
    let out = target.run(plan).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["prefix"], "sites/prod/");
    let names: Vec<&str> = json["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec!["v2", "v1"],
        "sites/production/ is not under sites/prod/"
    );
}
