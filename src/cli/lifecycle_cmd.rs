//! `prune --via lifecycle` (the hand-off's report) and `s3prune lifecycle [--tidy]`.

use serde_json::json;

use super::args::{GlobalArgs, LifecycleArgs, LifecycleFormat, PruneArgs, PruneFormat, PruneVia};
use super::prune_report::Prose;
use super::session::{connection_options, require_bucket};
use crate::engine::bucket::Bucket;
use crate::engine::connection::connect;
use crate::engine::lifecycle::{rule_statuses, tidy, RuleKind, RuleStatus, MAX_RULES};
use crate::engine::listing::normalise_root;
use crate::engine::prune::{prune_via, PruneEvent, PruneReport, PruneRequest, PruneSettings, Via};
use crate::engine::stop::StopSignal;
use crate::format::{count, printable};
use crate::operations::failure::{CommandResult, Failure};

/// The `prune` flags `--via lifecycle` does not combine with, refused before any request.
pub(super) fn check_prune_args(args: &PruneArgs) -> Result<(), Failure> {
    if args.via != PruneVia::Lifecycle {
        return Ok(());
    }
    if args.format == PruneFormat::Json {
        return Err(Failure::Usage(
            "--via lifecycle writes no --format json report yet (its deployments are not \
             deleted when prune ends): leave out --format json, and read the rules it wrote \
             with `s3prune lifecycle --format json`"
                .into(),
        ));
    }
    Ok(())
}

/// The pipeline with the lifecycle step instead of the deletion; prints what was handed
/// over and returns the pipeline's report (which deployments the re-check skipped).
pub(super) async fn hand_off(
    bucket: &Bucket,
    request: &PruneRequest,
    settings: &PruneSettings,
    prose: Prose,
) -> Result<PruneReport, Failure> {
    let stop = StopSignal::new();
    let on_event = |event: PruneEvent| {
        if let PruneEvent::Rechecked { skipped, .. } = event {
            for s in skipped {
                eprintln!(
                    "warning: not handing over {}: {}",
                    printable(&s.name),
                    s.reason
                );
            }
        }
    };
    let report = prune_via(Via::Lifecycle, bucket, request, settings, &stop, &on_event)
        .await
        .map_err(|e| Failure::Runtime(e.to_string()))?;
    let handoff = report.handoff.clone().unwrap_or_default();
    if handoff.deployments() == 0 {
        prose.line("Nothing left to hand over: every planned deployment changed since the plan.");
        return Ok(report);
    }
    let objects: u64 = request
        .targets
        .iter()
        .filter(|d| {
            handoff
                .written
                .iter()
                .chain(&handoff.unchanged)
                .any(|r| r.deployment == d.name)
        })
        .map(|d| d.objects)
        .sum();
    let mut already = String::new();
    if !handoff.unchanged.is_empty() {
        already = format!(", {} already in place", handoff.unchanged.len());
    }
    let name = bucket.name();
    prose.line(format_args!(
        "Handed {} deployments ({} objects) to S3: {} lifecycle rules written{already}; the \
         bucket has {} of the {MAX_RULES} rules S3 allows. S3 deletes the objects \
         asynchronously, usually within a day or two, at no request cost. Watch it with \
         `s3prune lifecycle --bucket {name}`; once the prefixes are empty, `s3prune lifecycle \
         --bucket {name} --tidy` removes the rules. Audit log: {}",
        handoff.deployments(),
        count(objects),
        handoff.written.len(),
        handoff.total_rules,
        settings.audit_path.display()
    ));
    Ok(report)
}

/// `s3prune lifecycle`: s3prune's rules and what is left under them; `--tidy` removes the
/// finished ones.
pub async fn run(global: &GlobalArgs, args: &LifecycleArgs) -> CommandResult {
    let name = require_bucket(global)?;
    let root = normalise_root(global.prefix.as_deref());
    let bucket = Bucket::new(&connect(&connection_options(global)).await, &name);
    let failure = |e: crate::engine::lifecycle::LifecycleError| Failure::Runtime(e.to_string());
    if args.tidy {
        let report = tidy(&bucket, &root).await.map_err(failure)?;
        if args.format == LifecycleFormat::Json {
            let document = json!({
                "bucket": name,
                "removed": report.removed.iter().map(|r| &r.id).collect::<Vec<_>>(),
                "waiting": report.waiting.iter().map(status_json).collect::<Vec<_>>(),
                "remaining_rules": report.remaining_rules,
            });
            println!("{document:#}");
            return Ok(());
        }
        match report.removed.len() {
            0 => println!("No s3prune rule is finished yet: nothing removed."),
            n => println!(
                "Removed {n} s3prune rules whose prefixes are empty: {}.",
                report
                    .removed
                    .iter()
                    .map(|r| printable(&r.id).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
        if !report.waiting.is_empty() {
            println!("Still waiting for S3 ({} rules):", report.waiting.len());
            for status in &report.waiting {
                println!("  {}  {}", printable(&status.rule.id), left_text(status));
            }
        }
        println!(
            "Bucket {name} has {} lifecycle rules now.",
            report.remaining_rules
        );
        return Ok(());
    }
    let (configuration, statuses) = rule_statuses(&bucket, &root).await.map_err(failure)?;
    let total = configuration.rules.len();
    if args.format == LifecycleFormat::Json {
        let document = json!({
            "bucket": name,
            "rules_total": total,
            "rules": statuses.iter().map(status_json).collect::<Vec<_>>(),
        });
        println!("{document:#}");
        return Ok(());
    }
    if statuses.is_empty() {
        println!(
            "Bucket {name} has no s3prune lifecycle rules ({total} other rules). \
             `s3prune prune --via lifecycle` writes them."
        );
        return Ok(());
    }
    let width = statuses
        .iter()
        .map(|s| printable(&s.rule.id).chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    println!("{:width$}  left", "rule");
    for status in &statuses {
        println!(
            "{:width$}  {}",
            printable(&status.rule.id),
            left_text(status)
        );
    }
    let done = statuses.iter().filter(|s| s.is_done()).count();
    let mut summary = format!(
        "{} s3prune rules of {total} in bucket {name}; {done} finished (prefix empty)",
        statuses.len()
    );
    if done > 0 {
        summary.push_str(&format!(
            ": `s3prune lifecycle --bucket {name} --tidy` removes them"
        ));
    }
    println!("{summary}.");
    Ok(())
}

fn left_text(status: &RuleStatus) -> String {
    let what = if status.rule.all_versions {
        "versions and delete markers"
    } else {
        "objects"
    };
    match (status.left, status.more) {
        (0, false) => "empty: finished".into(),
        (n, true) => format!("{}+ {what} left", count(n)),
        (n, false) => format!("{} {what} left", count(n)),
    }
}

fn status_json(status: &RuleStatus) -> serde_json::Value {
    json!({
        "id": status.rule.id,
        "prefix": status.rule.prefix,
        "kind": match status.rule.kind {
            RuleKind::Expire => "expire",
            RuleKind::DeleteMarkers => "delete-markers",
        },
        "all_versions": status.rule.all_versions,
        "left": status.left,
        "more": status.more,
        "done": status.is_done(),
    })
}
