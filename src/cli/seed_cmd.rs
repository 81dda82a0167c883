use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};

use super::args::{GlobalArgs, SeedArgs};
use super::session::{connection_options, require_bucket};
use crate::engine::bucket::Bucket;
use crate::engine::connection::connect;
use crate::engine::listing::normalise_root;
use crate::format::{bytes, count};
use crate::operations::failure::{CommandResult, Failure};
use crate::sample::{
    generate, ordinal, upload, with_live, LiveSpec, NameStyle, SampleObject, SampleSpec,
};
use crate::sample_storage::{abandoned_uploads, assign_storage_classes, start_abandoned};

pub async fn run(global: &GlobalArgs, args: &SeedArgs) -> CommandResult {
    let bucket_name = require_bucket(global)?;
    let root = normalise_root(global.prefix.as_deref());
    let live = LiveSpec {
        rollback: args.rollback,
        alias: args
            .alias
            .as_deref()
            .map(|a| a.strip_suffix('/').unwrap_or(a).to_string()),
    };
    live.check(args.deployments).map_err(Failure::Usage)?;
    let report_to = args.report.destination()?;

    let connection = connect(&connection_options(global)).await;
    let bucket = Bucket::new(&connection, &bucket_name);
    if args.create_bucket {
        bucket.create_if_missing().await?;
    } else {
        bucket.check_access().await?;
    }
    if let (Some(destination), true) = (&report_to, args.report.inventory_only) {
        return args.report.write(&bucket, destination).await;
    }
    let spec = SampleSpec {
        deployments: args.deployments,
        names: args.names,
        max_age: args.max_age,
        min_age: args.max_age.min(SampleSpec::default().min_age),
        max_object_bytes: args.max_object_bytes,
        seed: args.seed,
    };
    let now = Utc::now();
    let mut sample = with_live(generate(&spec, now, &root), &live, now, &root);
    if args.storage_classes {
        assign_storage_classes(&mut sample.deployments, now);
    }
    let uploads = abandoned_uploads(&sample.deployments, args.abandoned_uploads);
    let objects = sample.objects();

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
    start_abandoned(&bucket, &uploads).await?;
    println!(
        "Wrote {} deployments ({} objects, {}) to s3://{}/{}",
        args.deployments,
        count(objects),
        bytes(sample.bytes()),
        bucket_name,
        root
    );
    if let (Some(nth), Some(name)) = (live.rollback, &sample.live) {
        println!(
            "Rolled back: {name} (the {} newest) is live. {root}current.txt names it and \
             {root}index.html loads its assets; live detection finds it from both.",
            ordinal(nth)
        );
    }
    if let (Some(alias), Some(name)) = (&live.alias, &sample.live) {
        println!(
            "{root}{alias}/ is a byte-for-byte copy of {name}: pass --live-alias {alias} to \
             keep both as live."
        );
    }
    if args.storage_classes {
        let moved = sample
            .deployments
            .iter()
            .flat_map(|d| &d.objects)
            .filter(|o| o.storage_class.is_some())
            .count();
        println!(
            "{} large assets of older deployments are in STANDARD_IA or GLACIER; plan shows their cost per class.",
            count(moved as u64)
        );
    }
    if !uploads.is_empty() {
        println!(
            "Left {} multipart upload{} unfinished under the oldest deployments; plan counts them, prune aborts them with their deployment.",
            uploads.len(),
            if uploads.len() == 1 { "" } else { "s" }
        );
    }
    if let Some(destination) = &report_to {
        args.report.write(&bucket, destination).await?;
    }
    match args.names {
        NameStyle::Timestamped => println!(
            "Names carry their intended times (UTC): --age-by name reads them on any server."
        ),
        NameStyle::Hash => println!(
            "Their intended ages span up to {}; s3prune's own server honours them, other \
             servers stamp the upload time (see README: distinct ages on LocalStack; or seed \
             with --names timestamped and list with --age-by name).",
            crate::age_text::exact_duration(args.max_age)
        ),
    }
    Ok(())
}
