//! The embedded S3 server as a separate process with an injected per-request latency,
//! plus a seeding mode.
//!
//!   s3prune-bench serve --port 9400 --data-dir D --latency-ms 30
//!       serves D on 127.0.0.1:9400, every request delayed by 30 ms (a network round trip);
//!       prints `READY http://127.0.0.1:9400` once listening; exits on SIGTERM / Ctrl-C
//!       (without flushing: the journal already holds every acknowledged mutation).
//!   s3prune-bench seed --data-dir D --bucket B --deployments 200 --objects 100
//!       writes B with deployments `d0000/` … each holding `--objects` keys, through the
//!       server's real PUT path with latency off, then flushes a compact snapshot to D.
//!   s3prune-bench seed --endpoint URL --bucket B --deployments 200 --objects 100
//!       the same into another server (LocalStack): creates or empties B, then fills it,
//!       oldest deployment first (that server dates objects by upload time).
//!
//! Used by `scripts/bench.sh` (bench/bench.py).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_s3::config::{Credentials, Region};
use aws_sdk_s3::primitives::ByteStream;
use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};
use s3prune::server::{
    start, FaultConfig, ServerConfig, BACKDATE_METADATA_KEY, DEFAULT_ACCESS_KEY, DEFAULT_REGION,
    DEFAULT_SECRET_KEY,
};

use crate::Error;

#[derive(clap::Args)]
pub struct ServeArgs {
    #[arg(long)]
    port: u16,
    #[arg(long)]
    data_dir: Option<PathBuf>,
    #[arg(long, default_value_t = 30)]
    latency_ms: u64,
    /// Answer connections to this port with the number of requests received so far.
    #[arg(long)]
    stats_port: Option<u16>,
}

#[derive(clap::Args)]
pub struct SeedArgs {
    #[arg(
        long,
        required_unless_present = "endpoint",
        conflicts_with = "endpoint"
    )]
    data_dir: Option<PathBuf>,
    #[arg(long)]
    endpoint: Option<String>,
    #[arg(long)]
    bucket: String,
    #[arg(long)]
    deployments: usize,
    #[arg(long)]
    objects: usize,
    /// Spread each deployment's objects over this many sub-folders (`d0000/part-000/…`)
    /// instead of the static-site layout.
    #[arg(long)]
    folders: Option<usize>,
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
}

pub async fn serve(args: ServeArgs) -> Result<(), Error> {
    let ServeArgs {
        port,
        data_dir,
        latency_ms,
        stats_port,
    } = args;
    let loaded = Instant::now();
    let server = start(ServerConfig {
        port,
        data_dir,
        ..ServerConfig::default()
    })
    .await?;
    server.set_faults(FaultConfig {
        latency: Duration::from_millis(latency_ms),
        ..FaultConfig::none()
    });
    let server = std::sync::Arc::new(server);
    if let Some(port) = stats_port {
        let counted = server.clone();
        crate::request_tally::serve_stats(port, move || counted.request_count()).await?;
    }
    eprintln!("bench_server: store loaded in {:.1?}", loaded.elapsed());
    println!("READY {}", server.endpoint());
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    eprintln!("bench_server: {} requests served", server.request_count());
    // Deliberately no flush: benchmark data dirs are throw-away copies.
    std::process::exit(0);
}

/// Deterministic key layout of a static site: an index, then assets in three folders;
/// with `folders`, the objects spread evenly over that many sub-folders.
pub fn object_key(deployment: usize, object: usize, folders: Option<usize>) -> String {
    if let Some(folders) = folders {
        let folder = object % folders.max(1);
        return format!("d{deployment:04}/part-{folder:03}/asset-{object:06}.js");
    }
    match object {
        0 => format!("d{deployment:04}/index.html"),
        j => {
            let (dir, ext) = match j % 3 {
                0 => ("js", "js"),
                1 => ("css", "css"),
                _ => ("media", "png"),
            };
            format!("d{deployment:04}/static/{dir}/asset-{j:05}.{ext}")
        }
    }
}

pub async fn seed(args: SeedArgs) -> Result<(), Error> {
    let SeedArgs {
        data_dir,
        endpoint,
        bucket,
        deployments,
        objects,
        folders,
        concurrency,
    } = args;
    let (server, endpoint, into) = match (data_dir, endpoint) {
        (Some(dir), _) => {
            let server = start(ServerConfig {
                port: 0,
                data_dir: Some(dir.clone()),
                ..ServerConfig::default()
            })
            .await?;
            let endpoint = server.endpoint();
            (Some(server), endpoint, dir.display().to_string())
        }
        (None, Some(endpoint)) => (None, endpoint.clone(), endpoint),
        (None, None) => return Err("seed needs --data-dir or --endpoint".into()),
    };
    let client = client_for(&endpoint);
    if client.head_bucket().bucket(&bucket).send().await.is_err() {
        client.create_bucket().bucket(&bucket).send().await?;
    } else if server.is_none() {
        empty_bucket(&client, &bucket).await?;
    }
    let total = (deployments * objects) as u64;
    let started = Instant::now();
    fill(&client, &bucket, deployments, objects, folders, concurrency).await?;
    let secs = started.elapsed().as_secs_f64();
    if let Some(server) = server {
        server.shutdown().await;
    }
    println!(
        "seeded {bucket}: {deployments} deployments x {objects} objects = {total} in {secs:.1} s ({:.0}/s) into {into}",
        total as f64 / secs,
    );
    Ok(())
}

pub fn client_for(endpoint: &str) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version_latest()
        .endpoint_url(endpoint)
        .force_path_style(true)
        .region(Region::new(DEFAULT_REGION))
        .credentials_provider(Credentials::new(
            DEFAULT_ACCESS_KEY,
            DEFAULT_SECRET_KEY,
            None,
            None,
            "bench",
        ))
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

async fn empty_bucket(client: &aws_sdk_s3::Client, bucket: &str) -> Result<(), Error> {
    use aws_sdk_s3::types::{Delete, ObjectIdentifier};
    loop {
        let page = client.list_objects_v2().bucket(bucket).send().await?;
        let ids = page
            .contents()
            .iter()
            .filter_map(|o| o.key())
            .map(|k| ObjectIdentifier::builder().key(k).build())
            .collect::<Result<Vec<_>, _>>()?;
        if ids.is_empty() {
            return Ok(());
        }
        let delete = Delete::builder()
            .set_objects(Some(ids))
            .quiet(true)
            .build()?;
        client
            .delete_objects()
            .bucket(bucket)
            .delete(delete)
            .send()
            .await?;
    }
}

async fn fill(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    deployments: usize,
    objects: usize,
    folders: Option<usize>,
    concurrency: usize,
) -> Result<(), Error> {
    // A handful of distinct small bodies: the store keeps bytes in memory and dedups
    // blobs on disk; sizes only matter for the aggregated totals.
    let bodies: Vec<bytes::Bytes> = (0..8)
        .map(|i| bytes::Bytes::from(vec![b'a' + i as u8; 64 + 97 * i]))
        .collect();
    // Deployment i was written i hours after the oldest one; its objects a second apart.
    let now: DateTime<Utc> = Utc::now();
    let oldest = now - chrono::Duration::hours(deployments as i64 + 1);
    let total = (deployments * objects) as u64;
    let done = AtomicU64::new(0);
    let started = Instant::now();
    stream::iter((0..deployments).flat_map(|d| (0..objects).map(move |o| (d, o))))
        .map(|(d, o)| {
            let client = &client;
            let body = bodies[(d + o) % bodies.len()].clone();
            let modified = oldest
                + chrono::Duration::hours(d as i64)
                + chrono::Duration::seconds((o % 3000) as i64);
            let done = &done;
            async move {
                client
                    .put_object()
                    .bucket(bucket)
                    .key(object_key(d, o, folders))
                    .metadata(BACKDATE_METADATA_KEY, modified.to_rfc3339())
                    .body(ByteStream::from(body))
                    .send()
                    .await?;
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if n.is_multiple_of(100_000) {
                    eprintln!(
                        "bench_server: {n}/{total} objects, {:.0?}",
                        started.elapsed()
                    );
                }
                Ok::<_, Error>(())
            }
        })
        .buffer_unordered(concurrency.max(1))
        .try_collect::<()>()
        .await
}
