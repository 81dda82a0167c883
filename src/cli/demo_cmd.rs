//! `s3prune demo`: the explorer against a sample bucket after a rollback: the live
//! deployment is older than the newest five, and s3prune keeps it anyway because
//! `current.txt`, `index.html` and `current/` point at it.
//!
//! By default on s3prune's own in-process S3 server (zero set-up, removed on quit); with
//! `--endpoint-url` in a fresh bucket on that server, which is left there.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::args::{DemoArgs, GlobalArgs};
use super::serve_cmd::client_options;
use super::session::{age_by, connection_options, default_audit_path, live_options, scope};
use super::tui_cmd::use_color;
use crate::engine::bucket::Bucket;
use crate::engine::connection::{connect, resolve_endpoint, ConnectionOptions};
use crate::engine::deletion::DeleteOptions;
use crate::engine::deployment::AgeBy;
use crate::engine::error::EngineError;
use crate::engine::name_time::NameTime;
use crate::engine::rule::Rule;
use crate::format::{bytes, count};
use crate::operations::failure::{CommandResult, Failure};
use crate::sample::{
    generate, upload, with_live, LiveSpec, NameStyle, Sample, SampleObject, SampleSpec,
};
use crate::sample_storage::{abandoned_uploads, assign_storage_classes, start_abandoned};
use crate::server::{start, ServerConfig};
use crate::tui::{SessionInfo, TuiOptions};

pub const DEMO_BUCKET: &str = "demo";
pub const DEMO_KEEP: usize = 5;
/// The live deployment after the demo's rollback: the 7th newest, outside keep 5.
pub const DEMO_ROLLBACK: usize = 7;
pub const DEMO_POINTER: &str = "current.txt";
pub const DEMO_ALIAS: &str = "current";

pub async fn run(global: &GlobalArgs, args: &DemoArgs) -> CommandResult {
    // Check the flags before doing any work.
    let global = with_demo_defaults(global);
    let rule = Rule::new(
        global.keep.unwrap_or(DEMO_KEEP),
        global.older_than,
        global.protect.clone(),
        age_by(&global)?,
    )?;
    let session = Session {
        rule,
        live: live_options(&global)?,
        global: &global,
    };
    match global.endpoint_url.clone() {
        None => embedded(session, args).await,
        Some(endpoint) => on_endpoint(session, args, &endpoint).await,
    }
}

/// The global flags with the demo's own defaults where none were given: ages read
/// from the names, `current.txt` as the pointer and `current/` as the alias folder.
fn with_demo_defaults(global: &GlobalArgs) -> GlobalArgs {
    let mut global = global.clone();
    global
        .age_by
        .get_or_insert_with(|| AgeBy::Name(NameTime::auto()));
    if global.live.is_empty() {
        global.live.push(DEMO_POINTER.into());
    }
    if global.live_alias.is_empty() {
        global.live_alias.push(DEMO_ALIAS.into());
    }
    global
}

struct Session<'a> {
    rule: Rule,
    live: crate::engine::live::LiveOptions,
    global: &'a GlobalArgs,
}

impl Session<'_> {
    async fn explore(
        self,
        bucket: &str,
        endpoint: String,
        region: Option<String>,
        connection: ConnectionOptions,
        audit_path: PathBuf,
    ) -> CommandResult {
        let info = SessionInfo {
            bucket: bucket.into(),
            root: String::new(),
            endpoint,
            region,
            price_per_gb: self.global.price_per_gb,
            audit_path,
            log_path: None,
            color: use_color(),
        };
        let options = TuiOptions {
            info,
            rule: self.rule,
            keep_is_default: false,
            connection,
            list_concurrency: self.global.list_concurrency,
            delete_options: DeleteOptions::default(),
            scope: scope(self.global),
            live: self.live,
            inventory: None,
        };
        crate::tui::run(options).await.map_err(Failure::Runtime)
    }
}

async fn embedded(session: Session<'_>, args: &DemoArgs) -> CommandResult {
    // Only the audit log (written when something is deleted) needs a place on disk;
    // the sample bucket stays in the server's memory.
    let audit_dir = tempfile::Builder::new()
        .prefix("s3prune-demo-")
        .tempdir()
        .map_err(|e| {
            Failure::Runtime(format!(
                "cannot create a temporary directory for the demo's audit log: {e}"
            ))
        })?;
    let config = ServerConfig {
        port: 0,
        data_dir: None,
        ..ServerConfig::default()
    };
    let server = start(config.clone())
        .await
        .map_err(|e| Failure::Runtime(format!("cannot start the demo S3 server: {e}")))?;
    let connection = client_options(&server, &config);
    let bucket = Bucket::new(&connect(&connection).await, DEMO_BUCKET);

    let seeded = match bucket.create_if_missing().await {
        Ok(()) => seed(&bucket, args, "an in-process S3 server").await,
        Err(e) => Err(e.into()),
    };
    let result = match seeded {
        Ok(()) => {
            // The demo's audit log goes with its data unless asked otherwise.
            let audit_path = session
                .global
                .audit_log
                .clone()
                .unwrap_or_else(|| audit_dir.path().join("audit.jsonl"));
            let region = Some(config.region.clone());
            session
                .explore(
                    DEMO_BUCKET,
                    server.endpoint(),
                    region,
                    connection,
                    audit_path,
                )
                .await
        }
        Err(failure) => Err(failure),
    };
    server.shutdown().await;
    match audit_dir.close() {
        Ok(()) => eprintln!("s3prune demo: server stopped, sample bucket removed."),
        Err(e) => eprintln!(
            "s3prune demo: server stopped, sample bucket removed, but its audit log could not be: {e}"
        ),
    }
    result
}

/// The demo in a fresh bucket on another server (LocalStack, MinIO, AWS). The bucket is
/// left there, and the last line says so and how to remove it.
async fn on_endpoint(session: Session<'_>, args: &DemoArgs, endpoint: &str) -> CommandResult {
    let connection = connection_options(session.global);
    let client = connect(&connection).await;
    let bucket = fresh_bucket(&client).await?;
    let name = bucket.name().to_string();
    let place = format!("s3://{name} on {endpoint}");
    let seeded = seed(&bucket, args, &place).await;
    let result = match seeded {
        Ok(()) => {
            let audit_path = session
                .global
                .audit_log
                .clone()
                .unwrap_or_else(default_audit_path);
            let label = resolve_endpoint(Some(endpoint)).unwrap_or_else(|| endpoint.into());
            let region = connection.region.clone();
            session
                .explore(&name, label, region, connection, audit_path)
                .await
        }
        Err(failure) => Err(failure),
    };
    eprintln!(
        "s3prune demo: the sample bucket {name} is left on {endpoint}. Look at it again with\n  \
         s3prune --endpoint-url {endpoint} --bucket {name} --age-by name --live-alias {DEMO_ALIAS} --keep {DEMO_KEEP}\n\
         and remove it with\n  \
         aws --endpoint-url {endpoint} s3 rb s3://{name} --force"
    );
    result
}

/// Creates a bucket no one has used yet, `s3prune-demo-<8 hex digits>`.
async fn fresh_bucket(client: &crate::engine::connection::Connection) -> Result<Bucket, Failure> {
    for _ in 0..3 {
        let bucket = Bucket::new(
            client,
            format!("s3prune-demo-{:08x}", rand::random::<u32>()),
        );
        match bucket.check_access().await {
            Ok(()) => continue,
            Err(EngineError::NoSuchBucket { .. }) => {
                bucket.create_if_missing().await?;
                return Ok(bucket);
            }
            Err(other) => {
                return Err(Failure::Runtime(format!(
                    "cannot create the demo bucket: {other}"
                )))
            }
        }
    }
    Err(Failure::Runtime(
        "cannot find an unused bucket name for the demo (three random names were taken)".into(),
    ))
}

/// The sample bucket: `deployments` web-like deployments aged 3 hours to 6 months,
/// named by their time, and sized a few KiB to tens of MiB; after a rollback to the
/// 7th newest (or the oldest, if there are fewer), which a root `current.txt` names, a
/// root `index.html` loads, and `current/` copies.
pub fn sample(deployments: usize, seed: u64, now: DateTime<Utc>) -> Sample {
    let spec = SampleSpec {
        deployments,
        names: NameStyle::Timestamped,
        min_age: Duration::from_secs(3 * 3600),
        max_age: Duration::from_secs(180 * 86400),
        max_object_bytes: 24 << 20,
        seed,
    };
    let mut sample = generate(&spec, now, "");
    // Some hotfix-sized deployments: a few KiB.
    for (i, deployment) in sample.iter_mut().enumerate() {
        if i % 7 == 3 {
            deployment
                .objects
                .retain(|o| o.key.ends_with("/index.html") || o.key.ends_with("/css/font.css"));
        }
    }
    let live = LiveSpec {
        rollback: Some(DEMO_ROLLBACK.min(deployments)).filter(|&nth| nth >= 2),
        alias: Some(DEMO_ALIAS.into()),
    };
    let mut sample = with_live(sample, &live, now, "");
    assign_storage_classes(&mut sample.deployments, now);
    sample
}

async fn seed(bucket: &Bucket, args: &DemoArgs, place: &str) -> CommandResult {
    tokio::select! {
        seeded = write_sample(bucket, args, place) => seeded,
        _ = tokio::signal::ctrl_c() => Err(Failure::Runtime("interrupted while writing the sample bucket".into())),
    }
}

async fn write_sample(bucket: &Bucket, args: &DemoArgs, place: &str) -> CommandResult {
    let started = Instant::now();
    let sample = sample(args.deployments, args.seed, Utc::now());
    let total = sample.bytes();
    let line = format!(
        "s3prune demo: writing {} sample deployments ({} objects, {}) to {place}…",
        sample.deployments.len(),
        count(sample.objects()),
        bytes(total)
    );
    eprint!("{line}");
    let _ = std::io::stderr().flush();
    // A running count on a terminal (unoptimised builds take a few seconds here).
    let live = std::io::stderr().is_terminal();
    let written = AtomicU64::new(0);
    let on_object = |object: &SampleObject| {
        let done = written.fetch_add(object.size, Ordering::Relaxed) + object.size;
        if live {
            eprint!("\r{line} {:>3}%", done * 100 / total.max(1));
        }
    };
    let uploaded = match upload(bucket, &sample, 32, &on_object).await {
        // A deploy that died mid-upload under the oldest deployment: billed, unlisted.
        Ok(()) => start_abandoned(bucket, &abandoned_uploads(&sample.deployments, 1)).await,
        failed => failed,
    };
    if live {
        eprint!("\r{line}");
    }
    match uploaded {
        Ok(()) => {
            eprintln!(" done in {:.1}s", started.elapsed().as_secs_f64());
            Ok(())
        }
        Err(e) => {
            eprintln!();
            Err(e.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_spans_hours_to_months_and_kib_to_tens_of_mib() {
        let now = Utc::now();
        let sample = sample(40, 7, now).deployments;
        assert_eq!(sample.len(), 41);
        assert!(sample.iter().any(|d| d.folder == "current"));
        let ages: Vec<i64> = sample.iter().map(|d| (now - d.time).num_hours()).collect();
        assert!(
            ages.iter().any(|&h| h < 24),
            "some deployments are hours old"
        );
        assert!(ages.iter().any(|&h| h > 90 * 24), "some are months old");
        let sizes: Vec<u64> = sample
            .iter()
            .map(|d| d.objects.iter().map(|o| o.size).sum())
            .collect();
        assert!(
            sizes.iter().any(|&s| s < 64 << 10),
            "some are a few KiB: {sizes:?}"
        );
        assert!(
            sizes.iter().any(|&s| s > 10 << 20),
            "some are tens of MiB: {sizes:?}"
        );
    }

    #[test]
    fn the_sample_tells_the_rollback_story() {
        let now = Utc::now();
        let sample = sample(40, 7, now);
        let live = sample.live.as_deref().expect("a live deployment");
        assert_eq!(live, sample.deployments[DEMO_ROLLBACK - 1].folder);
        let names = NameTime::auto();
        for d in &sample.deployments[..40] {
            assert_eq!(names.parse(&d.folder), Some(d.time), "{}", d.folder);
        }
        let keys: Vec<&str> = sample.root_objects.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(keys, [DEMO_POINTER, "index.html"]);
        let alias = sample.deployments.last().unwrap();
        assert_eq!(alias.folder, DEMO_ALIAS);
        assert_eq!(
            alias.objects.len(),
            sample.deployments[DEMO_ROLLBACK - 1].objects.len()
        );
    }

    #[test]
    fn the_demo_reads_ages_from_names_unless_told_otherwise() {
        use clap::Parser;
        let parse = |args: &[&str]| {
            let cli = crate::cli::args::Cli::parse_from(args);
            with_demo_defaults(&cli.global)
        };
        let defaults = parse(&["s3prune", "demo"]);
        assert_eq!(defaults.age_by.as_ref().map(AgeBy::as_str), Some("name"));
        assert_eq!(defaults.live, [DEMO_POINTER]);
        assert_eq!(defaults.live_alias, [DEMO_ALIAS]);
        let chosen = parse(&["s3prune", "demo", "--age-by", "newest", "--live", "x.json"]);
        assert_eq!(chosen.age_by.as_ref().map(AgeBy::as_str), Some("newest"));
        assert_eq!(chosen.live, ["x.json"]);
    }
}
