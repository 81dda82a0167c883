//! The server's ceiling, measured with a raw concurrent request loop (AWS SDK for Rust,
//! no engine logic).
//!
//!   s3prune-bench ceiling --endpoint URL --bucket B list   --concurrency 8,16,32,64,128 --requests 600
//!       ListObjectsV2 (max 1000 keys) over the deployment prefixes, round-robin;
//!       one JSON line per concurrency: requests/s and objects/s.
//!   s3prune-bench ceiling --endpoint URL --bucket B delete --concurrency 64 --keep 10
//!       lists (untimed) every key of all but the last `keep` deployment prefixes, then
//!       times DeleteObjects of 1000-key batches, `concurrency` in flight; one JSON line.

use std::time::Instant;

use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use clap::Subcommand;
use futures::stream::{self, StreamExt, TryStreamExt};

use crate::Error;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    endpoint: String,
    #[arg(long)]
    bucket: String,
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    List {
        #[arg(long, value_delimiter = ',', default_value = "8,16,32,64,128")]
        concurrency: Vec<usize>,
        #[arg(long, default_value_t = 600)]
        requests: usize,
    },
    /// Counts deployments and objects (to verify a bucket state); prints one JSON line.
    Count,
    Delete {
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        #[arg(long, default_value_t = 10)]
        keep: usize,
    },
}

pub async fn run(args: Args) -> Result<(), Error> {
    let client = crate::server::client_for(&args.endpoint);
    if let Mode::Count = args.mode {
        let prefixes = discover_prefixes(&client, &args.bucket).await?;
        let keys: Vec<Vec<String>> = stream::iter(prefixes.iter())
            .map(|prefix| list_all(&client, &args.bucket, prefix))
            .buffer_unordered(64)
            .try_collect()
            .await?;
        let objects: usize = keys.iter().map(Vec::len).sum();
        println!(
            "{{\"deployments\":{},\"objects\":{objects}}}",
            prefixes.len()
        );
        return Ok(());
    }
    let prefixes = discover(&client, &args.bucket).await?;
    match args.mode {
        Mode::Count => unreachable!(),
        Mode::List {
            concurrency,
            requests,
        } => {
            for c in concurrency {
                let started = Instant::now();
                let objects: usize = stream::iter(0..requests)
                    .map(|i| {
                        let client = &client;
                        let prefix = &prefixes[i % prefixes.len()];
                        let bucket = &args.bucket;
                        async move {
                            let page = client
                                .list_objects_v2()
                                .bucket(bucket)
                                .prefix(prefix)
                                .send()
                                .await?;
                            Ok::<_, Error>(page.contents().len())
                        }
                    })
                    .buffer_unordered(c)
                    .try_fold(0, |acc, n| async move { Ok(acc + n) })
                    .await?;
                let secs = started.elapsed().as_secs_f64();
                println!(
                    "{{\"mode\":\"list\",\"concurrency\":{c},\"requests\":{requests},\"objects\":{objects},\"seconds\":{secs:.3},\"requests_per_s\":{:.1},\"objects_per_s\":{:.0}}}",
                    requests as f64 / secs,
                    objects as f64 / secs
                );
            }
        }
        Mode::Delete { concurrency, keep } => {
            let doomed = &prefixes[..prefixes.len().saturating_sub(keep)];
            let keys: Vec<Vec<String>> = stream::iter(doomed.iter())
                .map(|prefix| list_all(&client, &args.bucket, prefix))
                .buffer_unordered(64)
                .try_collect()
                .await?;
            let keys: Vec<String> = keys.into_iter().flatten().collect();
            let total = keys.len();
            let started = Instant::now();
            let requests = keys.len().div_ceil(1000);
            stream::iter(keys.chunks(1000))
                .map(|chunk| {
                    let client = &client;
                    let bucket = &args.bucket;
                    async move {
                        let objects: Vec<ObjectIdentifier> = chunk
                            .iter()
                            .map(|k| ObjectIdentifier::builder().key(k).build())
                            .collect::<Result<_, _>>()?;
                        let out = client
                            .delete_objects()
                            .bucket(bucket)
                            .delete(
                                Delete::builder()
                                    .set_objects(Some(objects))
                                    .quiet(true)
                                    .build()?,
                            )
                            .send()
                            .await?;
                        if !out.errors().is_empty() {
                            return Err::<(), Error>(
                                format!("{} keys not deleted", out.errors().len()).into(),
                            );
                        }
                        Ok(())
                    }
                })
                .buffer_unordered(concurrency.max(1))
                .try_collect::<()>()
                .await?;
            let secs = started.elapsed().as_secs_f64();
            println!(
                "{{\"mode\":\"delete\",\"concurrency\":{concurrency},\"requests\":{requests},\"objects\":{total},\"seconds\":{secs:.3},\"requests_per_s\":{:.1},\"objects_per_s\":{:.0}}}",
                requests as f64 / secs,
                total as f64 / secs
            );
        }
    }
    Ok(())
}

async fn discover(client: &aws_sdk_s3::Client, bucket: &str) -> Result<Vec<String>, Error> {
    let prefixes = discover_prefixes(client, bucket).await?;
    if prefixes.is_empty() {
        return Err("the bucket has no deployment prefixes".into());
    }
    Ok(prefixes)
}

async fn discover_prefixes(
    client: &aws_sdk_s3::Client,
    bucket: &str,
) -> Result<Vec<String>, Error> {
    let mut prefixes = Vec::new();
    let mut pages = client
        .list_objects_v2()
        .bucket(bucket)
        .delimiter("/")
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        prefixes.extend(
            page?
                .common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(str::to_string)),
        );
    }
    prefixes.sort();
    Ok(prefixes)
}

async fn list_all(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
) -> Result<Vec<String>, Error> {
    let mut keys = Vec::new();
    let mut pages = client
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        keys.extend(
            page?
                .contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_string)),
        );
    }
    Ok(keys)
}
