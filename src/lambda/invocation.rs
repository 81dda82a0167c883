use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

use chrono::{SecondsFormat, Utc};
use serde_json::{json, Value};

use super::{Event, FunctionError, PolicySource};
use crate::cli::args::{Cli, Command, GlobalArgs, PruneArgs};
use crate::cli::config::Selection;
use crate::cli::prune_cmd::prune_targets;
use crate::cli::prune_report::{Prose, TargetReport};
use crate::operations::failure::Failure;

/// Where the audit log goes unless the policy file says `audit_log`: `/tmp`, the only
/// writable folder in a Lambda sandbox (`$TMPDIR` when set). Its lines are also copied to
/// the function's log, which outlives the sandbox.
pub fn lambda_audit_log() -> PathBuf {
    std::env::temp_dir().join("s3prune").join("audit.jsonl")
}

/// One invocation: the event checked, the policy read, every selected target pruned (or
/// planned, on a dry run) as `s3prune prune --yes --format json` does, and the report.
/// The plan tables and progress lines go to stderr, the report and the audit lines of
/// this run to stdout: both end up in the function's log.
pub async fn invoke(payload: Value, request_id: &str) -> Result<Value, FunctionError> {
    let event = Event::parse(payload)?;
    let source = PolicySource::from_event(event.config.as_deref())?;
    let (mut global, mut args) = prune_flags()?;
    global.targets = event.targets.clone();
    if global.audit_log.is_none() {
        global.audit_log = Some(lambda_audit_log());
    }
    args.dry_run = event.dry_run();
    args.max_delete = event.max_delete;
    if let Some(fraction) = event.max_delete_fraction {
        args.max_delete_fraction = fraction;
    }
    args.force = event.force;

    eprintln!(
        "s3prune: invocation {request_id}: {} by the policy in {}",
        if args.dry_run { "dry run" } else { "prune" },
        source.label()
    );
    let selection = source.select(&global).await?;
    let audit = AuditTail::mark(&selection);
    let started = Utc::now();
    let pruned = prune_targets(&selection, &args, Prose::for_args(&args)).await?;
    audit.echo();
    let report = json!({
        "policy": source.label(),
        "dry_run": args.dry_run,
        "started": started.to_rfc3339_opts(SecondsFormat::Millis, true),
        "finished": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        "targets": pruned.reports,
    });
    println!("{report}");
    match pruned.result {
        Ok(()) => Ok(report),
        Err(failure) => Err(failed_targets(failure, &pruned.reports)),
    }
}

/// The failure as one paragraph naming every failed target and why (the command line
/// printed each reason above its summary; a Lambda error has only its message).
fn failed_targets(failure: Failure, reports: &[TargetReport]) -> FunctionError {
    let errors: Vec<&str> = reports.iter().filter_map(|r| r.error.as_deref()).collect();
    if reports.len() < 2 || errors.is_empty() {
        return failure.into();
    }
    let message = format!(
        "{} of {} targets failed: {}",
        errors.len(),
        reports.len(),
        errors.join("; ")
    );
    match failure {
        Failure::Usage(_) => FunctionError::Refused(message),
        Failure::Runtime(_) => FunctionError::Failed(message),
    }
}

/// The flags of `s3prune prune --yes --format json`, with the defaults and environment
/// variables the command line would give them.
fn prune_flags() -> Result<(GlobalArgs, PruneArgs), FunctionError> {
    let cli = Cli::try_parse_from_with_sources(["s3prune", "prune", "--yes", "--format", "json"])
        .map_err(|e| {
        let first = e.to_string();
        FunctionError::Refused(format!(
            "the function's environment is not usable: {}",
            first.lines().next().unwrap_or_default()
        ))
    })?;
    match cli.command {
        Some(Command::Prune(args)) => Ok((cli.global, args)),
        _ => unreachable!("parsed as the prune command"),
    }
}

/// The audit logs the selected targets append to, and how long each was before the
/// run: the lines after that are this run's.
struct AuditTail {
    lengths: BTreeMap<PathBuf, u64>,
}

impl AuditTail {
    fn mark(selection: &Selection) -> AuditTail {
        let lengths = selection
            .targets
            .iter()
            .filter_map(|t| t.global.audit_log.clone())
            .map(|path| {
                let length = std::fs::metadata(&path).map_or(0, |m| m.len());
                (path, length)
            })
            .collect();
        AuditTail { lengths }
    }

    /// Copies this run's audit lines to stdout: the sandbox's /tmp does not outlive it,
    /// the function's log does.
    fn echo(&self) {
        for (path, from) in &self.lengths {
            let Ok(mut file) = std::fs::File::open(path) else {
                continue;
            };
            let mut lines = String::new();
            if file.seek(SeekFrom::Start(*from)).is_ok() && file.read_to_string(&mut lines).is_ok()
            {
                print!("{lines}");
            }
        }
    }
}
