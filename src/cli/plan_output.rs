//! The plan as a table for people, or JSON / CSV for scripts (the formats the README documents).

use std::io::Write;

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::age_text::format_age;
use crate::engine::bucket::Versioning;
use crate::engine::deployment::RootObjects;
use crate::engine::plan::{Action, Plan, PlanSummary};
use crate::engine::rule::Rule;
use crate::engine::tally::CurrentStats;
use crate::format::{bytes, count, printable};

/// Everything a plan report shows.
pub struct PlanView<'a> {
    pub bucket: &'a str,
    pub root: &'a str,
    pub endpoint: &'a str,
    pub versioning: Versioning,
    pub rule: &'a Rule,
    pub plan: &'a Plan,
    pub root_objects: &'a RootObjects,
    pub now: DateTime<Utc>,
    /// With `--all-versions`: current objects per deployment, whose `objects`/`bytes`
    /// then count every version and delete marker.
    pub current: Option<&'a HashMap<String, CurrentStats>>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    bucket: &'a str,
    prefix: &'a str,
    versioning: &'a str,
    rule: JsonRule<'a>,
    deployments: Vec<JsonDeployment<'a>>,
    summary: PlanSummary,
}

#[derive(Serialize)]
struct JsonRule<'a> {
    keep: usize,
    older_than_seconds: Option<u64>,
    protect: &'a [String],
    age_by: &'a str,
}

#[derive(Serialize)]
struct JsonDeployment<'a> {
    name: &'a str,
    prefix: &'a str,
    objects: u64,
    bytes: u64,
    newest: String,
    oldest: String,
    action: &'a str,
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_objects: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_bytes: Option<u64>,
}

fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn json_deployments<'a>(view: &'a PlanView<'a>) -> Vec<JsonDeployment<'a>> {
    view.plan
        .entries
        .iter()
        .map(|e| {
            let current = view
                .current
                .map(|c| c.get(&e.deployment.name).copied().unwrap_or_default());
            JsonDeployment {
                name: &e.deployment.name,
                prefix: &e.deployment.prefix,
                objects: e.deployment.objects,
                bytes: e.deployment.bytes,
                newest: timestamp(e.deployment.newest),
                oldest: timestamp(e.deployment.oldest),
                action: e.action.as_str(),
                reason: e.reason.as_str(),
                current_objects: current.map(|c| c.objects),
                current_bytes: current.map(|c| c.bytes),
            }
        })
        .collect()
}

pub fn write_json(out: &mut dyn Write, view: &PlanView<'_>) -> std::io::Result<()> {
    let report = JsonReport {
        bucket: view.bucket,
        prefix: view.root,
        versioning: view.versioning.as_str(),
        rule: JsonRule {
            keep: view.rule.keep(),
            older_than_seconds: view.rule.older_than().map(|d| d.as_secs()),
            protect: view.rule.protect(),
            age_by: view.rule.age_by().as_str(),
        },
        deployments: json_deployments(view),
        summary: view.plan.summary(),
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

pub fn write_csv(out: &mut dyn Write, view: &PlanView<'_>) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    for row in json_deployments(view) {
        writer.serialize(row)?;
    }
    if view.plan.entries.is_empty() {
        writer.write_record([
            "name", "prefix", "objects", "bytes", "newest", "oldest", "action", "reason",
        ])?;
    }
    writer.flush()
}

pub fn write_table(out: &mut dyn Write, view: &PlanView<'_>) -> std::io::Result<()> {
    writeln!(
        out,
        "bucket      s3://{}/{}  ({})",
        view.bucket, view.root, view.endpoint
    )?;
    writeln!(out, "versioning  {}", view.versioning.as_str())?;
    if view.current.is_some() {
        writeln!(
            out,
            "counting    every version and delete marker (--all-versions)"
        )?;
    }
    writeln!(
        out,
        "rule        {}",
        crate::format::describe_rule(view.rule)
    )?;
    writeln!(out)?;

    let headers = if view.current.is_some() {
        [
            "ACTION",
            "REASON",
            "NAME",
            "AGE",
            "ALL VERSIONS",
            "VERSIONS",
            "CURRENT",
        ]
    } else {
        [
            "ACTION", "REASON", "NAME", "AGE", "SIZE", "OBJECTS", "NEWEST",
        ]
    };
    let rows: Vec<[String; 7]> = view
        .plan
        .entries
        .iter()
        .map(|e| {
            let time = view.rule.age_by().time_of(&e.deployment);
            [
                e.action.as_str().to_uppercase(),
                e.reason.as_str().to_string(),
                printable(&e.deployment.name).into_owned(),
                format_age(time, view.now),
                bytes(e.deployment.bytes),
                count(e.deployment.objects),
                match view.current {
                    Some(current) => bytes(current.get(&e.deployment.name).map_or(0, |c| c.bytes)),
                    None => timestamp(e.deployment.newest),
                },
            ]
        })
        .collect();
    if rows.is_empty() {
        writeln!(
            out,
            "No deployments under s3://{}/{}.",
            view.bucket, view.root
        )?;
    } else {
        let mut widths = headers.map(|h| h.chars().count());
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        // Numbers right-aligned, text left-aligned.
        let right = [
            false,
            false,
            false,
            true,
            true,
            true,
            view.current.is_some(),
        ];
        let line = |cells: &[String]| {
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if right[i] {
                        format!("{c:>w$}", w = widths[i])
                    } else {
                        format!("{c:<w$}", w = widths[i])
                    }
                })
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        };
        writeln!(out, "{}", line(&headers.map(String::from)))?;
        for row in &rows {
            writeln!(out, "{}", line(row))?;
        }
    }
    writeln!(out)?;

    let s = view.plan.summary();
    let things = if view.current.is_some() {
        "versions and delete markers"
    } else {
        "objects"
    };
    writeln!(
        out,
        "{} deployments: keep {}, delete {} ({} {things}, {}).",
        s.deployments,
        s.keep,
        s.delete,
        count(s.delete_objects),
        bytes(s.delete_bytes)
    )?;
    if view.root_objects.objects > 0 {
        writeln!(
            out,
            "{} objects ({}) sit directly under the root and belong to no deployment; they are never deleted.",
            count(view.root_objects.objects),
            bytes(view.root_objects.bytes)
        )?;
    }
    if s.delete > 0 && view.current.is_some() {
        writeln!(
            out,
            "--all-versions: every version and delete marker of the deleted deployments is removed for good."
        )?;
    } else if s.delete > 0 && view.versioning.keeps_old_versions() {
        writeln!(out, "{}", versioning_warning(view.versioning))?;
    }
    Ok(())
}

pub fn versioning_warning(versioning: Versioning) -> String {
    format!(
        "Note: versioning is {} on this bucket: deleting only adds delete markers; the old \
         versions stay and nothing is reclaimed. Use --all-versions to delete every version.",
        versioning.as_str()
    )
}

/// Names of the deployments to delete, for confirmation prompts and messages.
pub fn delete_names(plan: &Plan, limit: usize) -> String {
    let names: Vec<String> = plan
        .entries
        .iter()
        .filter(|e| e.action == Action::Delete)
        .map(|e| printable(&e.deployment.name).into_owned())
        .collect();
    if names.len() > limit {
        format!(
            "{}, … and {} more",
            names[..limit].join(", "),
            names.len() - limit
        )
    } else {
        names.join(", ")
    }
}
