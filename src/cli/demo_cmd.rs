//! `s3prune demo`: the explorer against a realistic sample bucket on s3prune's own
//! in-process S3 server. Zero set-up; everything is removed on quit.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::args::{DemoArgs, GlobalArgs};
use super::failure::{CommandResult, Failure};
use super::serve_cmd::client_options;
use super::tui_cmd::use_color;
use crate::engine::bucket::Bucket;
use crate::engine::connection::connect;
use crate::engine::deletion::DeleteOptions;
use crate::engine::error::EngineError;
use crate::engine::rule::Rule;
use crate::format::{bytes, count};
use crate::sample::{
    generate, upload, with_live, LiveSpec, NameStyle, SampleDeployment, SampleObject, SampleSpec,
};
use crate::server::{start, ServerConfig, BACKDATE_METADATA_KEY};
use crate::tui::{SessionInfo, TuiOptions};

pub const DEMO_BUCKET: &str = "demo";
pub const DEMO_KEEP: usize = 5;
pub const DEMO_PROTECT: &str = "current";

pub async fn run(global: &GlobalArgs, args: &DemoArgs) -> CommandResult {
    // Check the rule before doing any work.
    let protect = if global.protect.is_empty() {
        vec![DEMO_PROTECT.to_string()]
    } else {
        global.protect.clone()
    };
    let rule = Rule::new(
        global.keep.unwrap_or(DEMO_KEEP),
        global.older_than,
        protect,
        super::session::age_by(global)?,
    )?;

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

    let seeded = tokio::select! {
        seeded = seed(&connection, args) => seeded,
        _ = tokio::signal::ctrl_c() => Err(Failure::Runtime("interrupted while writing the sample bucket".into())),
    };
    let result = match seeded {
        Ok(()) => {
            let info = SessionInfo {
                bucket: DEMO_BUCKET.into(),
                root: String::new(),
                endpoint: server.endpoint(),
                region: Some(config.region.clone()),
                price_per_gb: global.price_per_gb,
                // The demo's audit log goes with its data unless asked otherwise.
                audit_path: global
                    .audit_log
                    .clone()
                    .unwrap_or_else(|| audit_dir.path().join("audit.jsonl")),
                log_path: None,
                color: use_color(),
            };
            let options = TuiOptions {
                info,
                rule,
                keep_is_default: false,
                connection,
                list_concurrency: global.list_concurrency,
                delete_options: DeleteOptions::default(),
                scope: super::session::scope(global),
                live: super::session::live_options(global)?,
            };
            crate::tui::run(options).await.map_err(Failure::Runtime)
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

/// The sample bucket: `deployments` web-like deployments aged 3 hours to 6 months and
/// sized a few KiB to tens of MiB, a `current/` deployment (protected in the demo) and
/// two root-level files (which belong to no deployment and are never deleted).
pub fn sample(deployments: usize, seed: u64, now: DateTime<Utc>) -> Vec<SampleDeployment> {
    let spec = SampleSpec {
        deployments,
        min_age: Duration::from_secs(3 * 3600),
        max_age: Duration::from_secs(180 * 86400),
        max_object_bytes: 24 << 20,
        seed,
        names: NameStyle::Hash,
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
    if let Some(newest) = sample.first() {
        let objects = newest
            .objects
            .iter()
            .map(|o| SampleObject {
                key: o.key.replacen(&newest.folder, DEMO_PROTECT, 1),
                size: o.size,
                content_type: o.content_type,
            })
            .collect();
        // `current` is a copy of a release from a while ago (pinned, so protected).
        let time = sample.get(sample.len() / 3).map_or(now, |d| d.time);
        sample.push(SampleDeployment {
            folder: DEMO_PROTECT.into(),
            time,
            objects,
        });
    }
    sample
}

async fn seed(
    connection: &crate::engine::connection::ConnectionOptions,
    args: &DemoArgs,
) -> CommandResult {
    let started = Instant::now();
    let bucket = Bucket::new(&connect(connection).await, DEMO_BUCKET);
    bucket.create_if_missing().await?;
    let now = Utc::now();
    let sample = sample(args.deployments, args.seed, now);
    let objects: u64 = sample.iter().map(|d| d.objects.len() as u64).sum();
    let total: u64 = sample.iter().flat_map(|d| &d.objects).map(|o| o.size).sum();
    let line = format!(
        "s3prune demo: writing {} sample deployments ({} objects, {}) to an in-process S3 server…",
        sample.len(),
        count(objects),
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
    let sample = with_live(sample, &LiveSpec::default(), now, "");
    upload(&bucket, &sample, 32, &on_object).await?;
    put_root_files(&bucket, now).await?;
    if live {
        eprint!("\r{line}");
    }
    eprintln!(" done in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

async fn put_root_files(bucket: &Bucket, now: DateTime<Utc>) -> Result<(), EngineError> {
    let stamp =
        (now - chrono::Duration::days(200)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let files: [(&str, &[u8], &str); 2] = [
        (
            "index.html",
            b"<meta http-equiv=\"refresh\" content=\"0; url=/current/\">\n",
            "text/html",
        ),
        (
            "robots.txt",
            b"User-agent: *\nAllow: /current/\n",
            "text/plain",
        ),
    ];
    for (key, body, content_type) in files {
        bucket
            .put_object(
                key,
                body.to_vec(),
                content_type,
                &[(BACKDATE_METADATA_KEY, stamp.clone())],
            )
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_spans_hours_to_months_and_kib_to_tens_of_mib() {
        let now = Utc::now();
        let sample = sample(40, 7, now);
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
}
