//! A synthetic S3 Inventory report of a bucket too large to seed, for timing
//! `s3prune plan --inventory`:
//!
//!   s3prune-bench inventory --endpoint URL --bucket B --report-bucket R \
//!       --deployments 10000 --objects 1000 --format csv|parquet
//!
//! creates B with one object per deployment (`d00000/index.html` …: a plan from a report
//! keeps only the deployments the live bucket's root listing still shows) and R, and
//! writes into R the report AWS would write for B holding `--deployments` deployments of
//! `--objects` objects each, through the engine's report writer (the same files `s3prune
//! seed --inventory-to` writes). Prints the manifest's URI.

use std::time::Instant;

use chrono::{Duration, DurationRound, TimeDelta, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};
use s3prune::engine::bucket::{Bucket, Entry};
use s3prune::engine::connection::{connect, ConnectionOptions, StaticCredentials};
use s3prune::engine::cost::StorageClass;
use s3prune::engine::inventory::{ReportFormat, ReportLayout, ReportWriter};
use s3prune::server::{DEFAULT_ACCESS_KEY, DEFAULT_REGION, DEFAULT_SECRET_KEY};

use crate::Error;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    endpoint: String,
    #[arg(long)]
    bucket: String,
    #[arg(long)]
    report_bucket: String,
    #[arg(long)]
    deployments: usize,
    #[arg(long)]
    objects: usize,
    /// csv or parquet
    #[arg(long, default_value = "csv")]
    format: String,
    #[arg(long, default_value_t = 500_000)]
    rows_per_file: usize,
}

pub async fn run(args: Args) -> Result<(), Error> {
    let connection = connect(&ConnectionOptions {
        endpoint_url: Some(args.endpoint.clone()),
        region: Some(DEFAULT_REGION.into()),
        static_credentials: Some(StaticCredentials {
            access_key_id: DEFAULT_ACCESS_KEY.into(),
            secret_access_key: DEFAULT_SECRET_KEY.into(),
        }),
        ..ConnectionOptions::default()
    })
    .await;
    let source = Bucket::new(&connection, &args.bucket);
    let reports = Bucket::new(&connection, &args.report_bucket);
    source.create_if_missing().await?;
    reports.create_if_missing().await?;
    let format = match args.format.as_str() {
        "csv" => ReportFormat::Csv,
        "parquet" => ReportFormat::Parquet,
        other => return Err(format!("--format {other}: csv or parquet").into()),
    };
    let now = Utc::now();
    let layout = ReportLayout {
        prefix: String::new(),
        source_bucket: args.bucket.clone(),
        config_id: format!("bench-{}", args.format),
        format,
        all_versions: false,
        created: now.duration_trunc(TimeDelta::minutes(1))?,
        rows_per_file: args.rows_per_file,
    };
    let started = Instant::now();
    stream::iter(0..args.deployments)
        .map(|d| {
            let source = &source;
            async move {
                source
                    .put_object(
                        &format!("d{d:05}/index.html"),
                        b"<html>".to_vec(),
                        "text/html",
                        &[],
                        None,
                    )
                    .await
            }
        })
        .buffer_unordered(64)
        .try_collect::<()>()
        .await?;
    let mut writer = ReportWriter::new(&reports, layout)?;
    for d in 0..args.deployments {
        let time = now - Duration::minutes(d as i64 * 7);
        for o in 0..args.objects {
            writer
                .add(Entry {
                    key: format!("d{d:05}/assets/{:02}/file-{o:04}.js", o % 16),
                    size: 1000 + (d * 31 + o * 17) as u64 % 50_000,
                    last_modified: time - Duration::seconds(o as i64),
                    etag: Some(format!("{:032x}", (d as u128) << 64 | o as u128)),
                    version_id: None,
                    is_latest: true,
                    is_delete_marker: false,
                    storage_class: StorageClass::Standard,
                })
                .await?;
        }
    }
    let written = writer.finish().await?;
    eprintln!(
        "bench_inventory: {} rows in {} files written in {:.1?}",
        written.rows,
        written.files,
        started.elapsed()
    );
    println!("s3://{}/{}", args.report_bucket, written.manifest_key);
    Ok(())
}
