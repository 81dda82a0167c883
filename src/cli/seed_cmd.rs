use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};

use super::args::{GlobalArgs, SeedArgs};
use super::failure::CommandResult;
use super::session::{connection_options, require_bucket};
use crate::engine::bucket::Bucket;
use crate::engine::connection::connect;
use crate::engine::listing::normalise_root;
use crate::format::{bytes, count};
use crate::sample::{generate, upload, SampleObject, SampleSpec};

pub async fn run(global: &GlobalArgs, args: &SeedArgs) -> CommandResult {
    let bucket_name = require_bucket(global)?;
    let root = normalise_root(global.prefix.as_deref());
    let connection = connect(&connection_options(global)).await;
    let bucket = Bucket::new(&connection, &bucket_name);
    if args.create_bucket {
        bucket.create_if_missing().await?;
    } else {
        bucket.check_access().await?;
    }
    let spec = SampleSpec {
        deployments: args.deployments,
        max_age: args.max_age,
        min_age: args.max_age.min(SampleSpec::default().min_age),
        max_object_bytes: args.max_object_bytes,
        seed: args.seed,
    };
    let sample = generate(&spec, Utc::now(), &root);
    let objects: u64 = sample.iter().map(|d| d.objects.len() as u64).sum();
    let total_bytes: u64 = sample.iter().flat_map(|d| &d.objects).map(|o| o.size).sum();

    let bar = std::io::stderr().is_terminal().then(|| {
        ProgressBar::new(objects).with_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} objects · {per_sec}")
                .expect("valid template"),
        )
    });
    let uploaded = AtomicU64::new(0);
    let on_object = |_: &SampleObject| {
        uploaded.fetch_add(1, Ordering::Relaxed);
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    };
    let result = upload(&bucket, &sample, args.concurrency, &on_object).await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    result?;
    println!(
        "Wrote {} deployments ({} objects, {}) to s3://{}/{}",
        sample.len(),
        count(objects),
        bytes(total_bytes),
        bucket_name,
        root
    );
    println!(
        "Their intended ages span up to {}; s3prune's own server honours them, other servers \
         stamp the upload time (see README: distinct ages on LocalStack).",
        crate::age_text::exact_duration(args.max_age)
    );
    Ok(())
}
