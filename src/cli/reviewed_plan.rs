//! Reviewed plans on the command line: `plan --out FILE` writes one, `prune --plan FILE`
//! applies it exactly (the file format and the fingerprint check are the engine's,
//! `engine::plan_file`).

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::args::{GlobalArgs, PruneArgs, PruneFormat, PruneVia};
use super::plan_output::PlanView;
use super::prune_cmd::{check_limits, confirm, delete_with_progress, report_outcome, settings};
use super::prune_report::{requests_line, write_reports, Prose, TargetReport};
use super::session::connection_options;
use crate::age_text::exact_duration;
use crate::engine::bucket::{Bucket, Scope};
use crate::engine::connection::connect;
use crate::engine::cost::PriceTable;
use crate::engine::listing::{normalise_root, ListingOptions};
use crate::engine::live::LiveOptions;
use crate::engine::plan::PlanSummary;
use crate::engine::plan_file::{self, Fingerprint, PlannedTarget, PLAN_FORMAT};
use crate::engine::prune::PruneRequest;
use crate::format::{bytes, count, printable};
use crate::operations::failure::{CommandResult, Failure};

/// What a plan file says beyond the plan itself: where and when it was made, and how
/// to find what is live when it is applied.
pub struct PlanFileMeta<'a> {
    pub created: DateTime<Utc>,
    pub endpoint: &'a str,
    pub region: &'a str,
    pub scope: Scope,
    pub live_sources: &'a LiveOptions,
    /// The policy file's target name, when there is one.
    pub target: Option<&'a str>,
}

/// The `plan --format json` document with what `prune --plan` needs: the format, the
/// time, the endpoint, and a fingerprint for every deployment.
pub fn plan_document(
    view: &PlanView<'_>,
    meta: &PlanFileMeta<'_>,
    digests: &HashMap<String, String>,
) -> Value {
    let mut document = super::plan_output::json_value(view);
    document["format"] = json!(PLAN_FORMAT);
    document["created"] = json!(meta.created.to_rfc3339_opts(SecondsFormat::Secs, true));
    document["endpoint"] = json!(meta.endpoint);
    document["region"] = json!(meta.region);
    document["scope"] = json!(meta.scope);
    document["live_sources"] = json!(meta.live_sources);
    if let Some(target) = meta.target {
        document["target"] = json!(target);
    }
    if let Some(rows) = document["deployments"].as_array_mut() {
        for (row, entry) in rows.iter_mut().zip(&view.plan.entries) {
            let deployment = &entry.deployment;
            let digest = digests.get(&deployment.name).map_or("", String::as_str);
            row["fingerprint"] = json!(Fingerprint::of(deployment, digest));
        }
    }
    document
}

/// Seals the plans and writes them to `path` (one plan, or `{"targets": [...]}`).
pub fn write_plan_file(path: &Path, mut plans: Vec<Value>) -> Result<(), Failure> {
    let mut document = if plans.len() == 1 {
        plans.remove(0)
    } else {
        json!({ "targets": plans })
    };
    plan_file::seal(&mut document);
    let text = serde_json::to_string_pretty(&document).map_err(|e| {
        Failure::Runtime(format!(
            "cannot write the plan file {}: {e}",
            path.display()
        ))
    })? + "\n";
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let written = tempfile::NamedTempFile::new_in(dir).and_then(|mut file| {
        std::io::Write::write_all(&mut file, text.as_bytes())?;
        file.persist(path).map_err(|e| e.error)?;
        Ok(())
    });
    written.map_err(|e| {
        Failure::Runtime(format!(
            "cannot write the plan file {}: {e}",
            path.display()
        ))
    })
}

/// `prune --plan FILE`.
pub async fn apply(global: &GlobalArgs, args: &PruneArgs, path: &Path) -> CommandResult {
    super::prune_cmd::check_prune_args(args)?;
    refuse_rule_flags(global)?;
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::Usage(format!("cannot read the plan file {}: {e}", path.display()))
    })?;
    let plans = plan_file::read(&text)
        .map_err(|e| Failure::Usage(format!("refusing the plan file {}: {e}", path.display())))?;
    // Every plan in the file is checked before anything is deleted.
    let mut connected = Vec::new();
    for plan in &plans {
        connected.push(check_plan(global, args, path, plan).await?);
    }
    let started = Utc::now();
    let prose = Prose::for_args(args);
    let mut failures = Vec::new();
    let mut reports = Vec::with_capacity(plans.len());
    for (plan, bucket) in plans.iter().zip(connected) {
        if plans.len() > 1 {
            prose.line(format_args!(
                "== {} (s3://{}/{})",
                plan.target.as_deref().unwrap_or(&plan.bucket),
                plan.bucket,
                plan.prefix
            ));
        }
        let mut report = TargetReport::start(plan.target.as_deref(), &plan.bucket, &plan.prefix);
        report.endpoint = Some(plan.endpoint.clone());
        let result = apply_one(global, args, plan, &bucket, prose, &mut report).await;
        report.finish(result.as_ref().err().map(Failure::message));
        reports.push(report);
        if let Err(failure) = result {
            if plans.len() > 1 {
                eprintln!("s3prune: {}", failure.message());
            }
            failures.push(failure);
        }
    }
    if args.format == PruneFormat::Json {
        write_reports(&reports, plans.len() > 1, started);
    }
    match failures.into_iter().next() {
        None => Ok(()),
        Some(first) => Err(first),
    }
}

fn refuse_rule_flags(global: &GlobalArgs) -> Result<(), Failure> {
    let given: Vec<&str> = [
        (global.keep.is_some(), "--keep"),
        (global.older_than.is_some(), "--older-than"),
        (!global.protect.is_empty(), "--protect"),
        (global.age_by.is_some(), "--age-by"),
        (global.name_time_format.is_some(), "--name-time-format"),
        (!global.live.is_empty(), "--live"),
        (!global.live_alias.is_empty(), "--live-alias"),
        (global.no_live_detect, "--no-live-detect"),
        (global.all_versions, "--all-versions"),
    ]
    .into_iter()
    .filter_map(|(given, flag)| given.then_some(flag))
    .collect();
    if given.is_empty() {
        return Ok(());
    }
    Err(Failure::Usage(format!(
        "{} cannot be used with --plan: a reviewed plan is applied exactly as written, \
         without applying any rule (the file says what to delete, and how live deployments \
         were found); drop {}, or make a new plan with them",
        given.join(", "),
        if given.len() == 1 { "it" } else { "them" }
    )))
}

/// Refuses a plan for another bucket, prefix or endpoint, or one that is too old, and
/// connects to its bucket.
async fn check_plan(
    global: &GlobalArgs,
    args: &PruneArgs,
    path: &Path,
    plan: &PlannedTarget,
) -> Result<Bucket, Failure> {
    let refuse = |why: String| {
        Failure::Usage(format!(
            "refusing the plan file {}: {why}; nothing was deleted",
            path.display()
        ))
    };
    if let Some(bucket) = &global.bucket {
        if bucket != &plan.bucket {
            return Err(refuse(format!(
                "it is for bucket {:?}, not {bucket:?}",
                plan.bucket
            )));
        }
    }
    if let Some(prefix) = &global.prefix {
        let root = normalise_root(Some(prefix));
        if root != plan.prefix {
            return Err(refuse(format!(
                "it is for prefix {:?}, not {root:?}",
                plan.prefix
            )));
        }
    }
    let age = Utc::now() - plan.created;
    if age.to_std().is_ok_and(|age| age > args.max_plan_age) {
        return Err(refuse(format!(
            "it was written at {}, more than --max-plan-age {} ago; make a new plan",
            plan.created.to_rfc3339_opts(SecondsFormat::Secs, true),
            exact_duration(args.max_plan_age)
        )));
    }
    let mut options = connection_options(global);
    if let Some(pause) = args.retry_backoff {
        options.retry.base_backoff = pause;
        options.sdk_initial_backoff = Some(pause);
    }
    let connection = connect(&options).await;
    if connection.endpoint_label != plan.endpoint {
        return Err(refuse(format!(
            "it was made against {}, and this run would talk to {} (give the same \
             --endpoint-url and --region)",
            plan.endpoint, connection.endpoint_label
        )));
    }
    let bucket = Bucket::new(&connection, &plan.bucket);
    bucket.check_access().await?;
    Ok(bucket)
}

async fn apply_one(
    global: &GlobalArgs,
    args: &PruneArgs,
    plan: &PlannedTarget,
    bucket: &Bucket,
    prose: Prose,
    record: &mut TargetReport,
) -> CommandResult {
    record.count_requests(bucket.request_counter());
    let doomed: Vec<_> = plan.to_delete().map(|d| d.deployment()).collect();
    let objects: u64 = doomed.iter().map(|d| d.objects).sum();
    let size: u64 = doomed.iter().map(|d| d.bytes).sum();
    let names = name_list(doomed.iter().map(|d| d.name.as_str()));
    let summary = PlanSummary {
        deployments: plan.deployments.len() as u64,
        keep: (plan.deployments.len() - doomed.len()) as u64,
        delete: doomed.len() as u64,
        delete_objects: objects,
        delete_bytes: size,
    };
    let prices = PriceTable::us_east_1().with_standard(global.price_per_gb);
    record.planned(summary, &doomed, &prices);
    prose.line(format_args!(
        "The plan written {} deletes {} of {} deployments ({} objects, {}): {names}",
        plan.created.to_rfc3339_opts(SecondsFormat::Secs, true),
        doomed.len(),
        plan.deployments.len(),
        count(objects),
        bytes(size),
    ));
    if doomed.is_empty() {
        prose.line("Nothing to delete.");
        return Ok(());
    }
    check_limits(args, doomed.len() as u64, plan.deployments.len() as u64)?;
    let listing = ListingOptions {
        root: plan.prefix.clone(),
        concurrency: global.list_concurrency,
        scope: plan.scope,
        live: plan.live_sources.clone(),
        digests: false,
    };
    let request = PruneRequest {
        targets: doomed.clone(),
        by_hand: Default::default(),
        rule: None,
        planned: plan.deployments.iter().map(|d| d.deployment()).collect(),
        now: plan.created,
        fingerprints: Some(plan.fingerprints()),
    };
    let settings = settings(global, args, listing);
    if args.dry_run {
        record.dry_run = true;
        let checked = crate::engine::prune::check(bucket, &request, &settings).await?;
        let names = name_list(checked.confirmed.iter().map(|d| d.name.as_str()));
        prose.line(format_args!(
            "Dry run: {} of {} would be deleted now: {names}",
            checked.confirmed.len(),
            doomed.len()
        ));
        for skipped in &checked.skipped {
            prose.line(format_args!(
                "  would not delete {}: {}",
                printable(&skipped.name),
                skipped.reason
            ));
        }
        prose.line("Dry run: nothing was deleted.");
        return if checked.skipped.is_empty() {
            Ok(())
        } else {
            Err(changed_since(checked.skipped.len(), doomed.len()))
        };
    }
    if !args.yes && !confirm(doomed.len() as u64, objects, size, &names)? {
        prose.line("Not confirmed: nothing was deleted.");
        return Err(Failure::Runtime("deletion not confirmed".into()));
    }
    if args.via == PruneVia::Lifecycle {
        let report = super::lifecycle_cmd::hand_off(bucket, &request, &settings, prose).await?;
        if report.skipped.is_empty() {
            return Ok(());
        }
        return Err(changed_since(report.skipped.len(), doomed.len()));
    }
    // The progress names each skipped deployment, and why, as the re-check finds it.
    let report = delete_with_progress(bucket, &request, &settings, objects).await?;
    record.pruned(&report);
    let deleted = if report.deletion.outcomes.is_empty() {
        Ok(())
    } else {
        report_outcome(&report.deletion, &settings.audit_path, prose)
    };
    prose.line(requests_line(&bucket.requests()));
    if report.skipped.is_empty() {
        return deleted;
    }
    deleted.and(Err(changed_since(report.skipped.len(), doomed.len())))
}

fn changed_since(skipped: usize, planned: usize) -> Failure {
    let which = if skipped == planned {
        "every deployment the plan deletes".to_string()
    } else {
        format!("{skipped} of the {planned} deployments the plan deletes")
    };
    Failure::Runtime(format!(
        "{which} changed since the plan was written (or became live) and was not deleted \
         (named above, each with why); review a new plan for them"
    ))
}

fn name_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.map(|n| printable(n).into_owned()).collect();
    if names.len() > 5 {
        format!("{}, … and {} more", names[..5].join(", "), names.len() - 5)
    } else {
        names.join(", ")
    }
}
