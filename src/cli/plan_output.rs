//! The plan as a table for people, or JSON / CSV for scripts (the formats the README documents).

use std::io::Write;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::age_text::format_age;
use crate::engine::bucket::Versioning;
use crate::engine::cost::{CostTotals, PriceTable, StorageClass};
use crate::engine::deployment::{Deployment, RootObjects};
use crate::engine::inventory::ReportSummary;
use crate::engine::plan::{Action, Plan, PlanEntry, PlanSummary, Reason};
use crate::engine::rule::Rule;
use crate::engine::tally::CurrentStats;
use crate::format::{bytes, count, printable, usd};
use crate::operations::deletion_cost::{deletion_cost, reclaims_nothing};

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
    /// The S3 Inventory report the plan was made from; `None` for a bucket listing.
    pub report: Option<&'a ReportSummary>,
    /// Storage prices per class, STANDARD at `--price-per-gb`.
    pub prices: PriceTable,
    /// Incomplete multipart uploads under no listed deployment (never aborted).
    pub uploads_outside: u64,
}

impl PlanView<'_> {
    /// What the plan's deletions save per month, would charge early, and hold in
    /// incomplete uploads. A plain delete in a versioned bucket removes no bytes (it adds
    /// delete markers), so it saves and is charged nothing; its uploads still go.
    pub fn deletion_cost(&self) -> CostTotals {
        let cost = self
            .prices
            .totals(self.plan.to_delete().map(|e| &e.deployment));
        deletion_cost(cost, self.reclaims_nothing())
    }

    fn reclaims_nothing(&self) -> bool {
        reclaims_nothing(self.current.is_some(), self.versioning.keeps_old_versions())
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    /// The policy file's target name, when the plan is one of its `[[target]]`s.
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<&'a str>,
    bucket: &'a str,
    prefix: &'a str,
    versioning: &'a str,
    /// `listing`, or `inventory <creationTimestamp>` for a plan from an S3 Inventory
    /// report.
    source: String,
    rule: JsonRule<'a>,
    deployments: Vec<JsonDeployment<'a>>,
    summary: JsonSummary,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    warnings: &'a [String],
}

/// The plan's summary, with what its deletions cost: `monthly_usd` is the monthly
/// saving, `early_deletion_usd` the charge for deleting objects younger than their
/// storage class's minimum duration.
#[derive(Serialize)]
struct JsonSummary {
    #[serde(flatten)]
    plan: PlanSummary,
    incomplete_uploads: u64,
    monthly_usd: f64,
    early_deletion_usd: f64,
}

#[derive(Serialize)]
struct JsonRule<'a> {
    keep: usize,
    older_than_seconds: Option<u64>,
    protect: &'a [String],
    age_by: &'a str,
}

/// One deployment's row. `L` is how `live_from` is written and `C` how `by_class` is:
/// a list and a map in JSON, one `;`-separated cell each in CSV (which has neither).
#[derive(Serialize)]
struct JsonDeployment<'a, L = Vec<&'a str>, C = BTreeMap<&'static str, u64>> {
    /// CSV only, for plans of a policy file's targets: the target's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<&'a str>,
    name: &'a str,
    prefix: &'a str,
    objects: u64,
    bytes: u64,
    newest: String,
    oldest: String,
    action: &'a str,
    reason: &'a str,
    live: bool,
    live_from: L,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_objects: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_bytes: Option<u64>,
    by_class: C,
    incomplete_uploads: u64,
    monthly_usd: f64,
    early_deletion_usd: f64,
}

fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn json_deployments<'a, L, C>(
    view: &'a PlanView<'a>,
    live_from: impl Fn(&'a [String]) -> L,
    by_class: impl Fn(&'a Deployment) -> C,
) -> Vec<JsonDeployment<'a, L, C>> {
    view.plan
        .entries
        .iter()
        .map(|e| {
            let current = view
                .current
                .map(|c| c.get(&e.deployment.name).copied().unwrap_or_default());
            let cost = view.prices.deployment(&e.deployment);
            JsonDeployment {
                target: None,
                name: &e.deployment.name,
                prefix: &e.deployment.prefix,
                objects: e.deployment.objects,
                bytes: e.deployment.bytes,
                newest: timestamp(e.deployment.newest),
                oldest: timestamp(e.deployment.oldest),
                action: e.action.as_str(),
                reason: e.reason.as_str(),
                live: e.is_live(),
                live_from: live_from(&e.live_from),
                current_objects: current.map(|c| c.objects),
                current_bytes: current.map(|c| c.bytes),
                by_class: by_class(&e.deployment),
                incomplete_uploads: cost.incomplete_uploads,
                monthly_usd: cost.monthly_usd,
                early_deletion_usd: cost.early_deletion_usd,
            }
        })
        .collect()
}

/// The `plan --format json` document.
pub fn json_value(view: &PlanView<'_>) -> serde_json::Value {
    serde_json::to_value(json_report(view, None)).unwrap_or_default()
}

fn json_report<'a>(view: &'a PlanView<'a>, target: Option<&'a str>) -> JsonReport<'a> {
    JsonReport {
        target,
        bucket: view.bucket,
        prefix: view.root,
        versioning: view.versioning.as_str(),
        source: source_name(view),
        rule: JsonRule {
            keep: view.rule.keep(),
            older_than_seconds: view.rule.older_than().map(|d| d.as_secs()),
            protect: view.rule.protect(),
            age_by: view.rule.age_by().as_str(),
        },
        deployments: json_deployments(
            view,
            |sources| sources.iter().map(String::as_str).collect(),
            |d| d.storage.by_class().map(|(c, b)| (c.as_str(), b)).collect(),
        ),
        summary: {
            let cost = view.deletion_cost();
            JsonSummary {
                plan: view.plan.summary(),
                incomplete_uploads: cost.incomplete_uploads,
                monthly_usd: cost.monthly_usd,
                early_deletion_usd: cost.early_deletion_usd,
            }
        },
        warnings: &view.plan.warnings,
    }
}

/// What the plan was made from, as `plan --format json` names it.
fn source_name(view: &PlanView<'_>) -> String {
    view.report
        .map_or_else(|| "listing".to_string(), ReportSummary::source)
}

/// For people: the report, its age and size, when the plan comes from one.
fn source_line(view: &PlanView<'_>) -> Option<String> {
    let report = view.report?;
    Some(format!(
        "inventory report {} (taken {}, {}; {} data file{}, {} rows)",
        report.manifest,
        timestamp(report.created),
        match format_age(report.created, view.now) {
            age if age == "just now" => age,
            age => format!("{age} ago"),
        },
        report.files,
        if report.files == 1 { "" } else { "s" },
        count(report.rows)
    ))
}

pub fn write_json(out: &mut dyn Write, view: &PlanView<'_>) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &json_report(view, None))?;
    writeln!(out)
}

/// The plan of one of a policy file's targets, or why there is none.
pub struct TargetPlan<'a> {
    pub name: &'a str,
    pub plan: Result<PlanView<'a>, &'a str>,
}

/// `{"targets": [...]}`: each plan as `write_json` prints it, with `"target"`; a target
/// that could not be planned is `{"target": …, "error": …}`.
pub fn write_json_targets(out: &mut dyn Write, targets: &[TargetPlan<'_>]) -> std::io::Result<()> {
    #[derive(Serialize)]
    #[serde(untagged)]
    enum Entry<'a> {
        Plan(Box<JsonReport<'a>>),
        Failed { target: &'a str, error: &'a str },
    }
    #[derive(Serialize)]
    struct Targets<'a> {
        targets: Vec<Entry<'a>>,
    }
    let targets = targets
        .iter()
        .map(|t| match &t.plan {
            Ok(view) => Entry::Plan(Box::new(json_report(view, Some(t.name)))),
            Err(error) => Entry::Failed {
                target: t.name,
                error,
            },
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &Targets { targets })?;
    writeln!(out)
}

const CSV_HEADER: [&str; 14] = [
    "name",
    "prefix",
    "objects",
    "bytes",
    "newest",
    "oldest",
    "action",
    "reason",
    "live",
    "live_from",
    "by_class",
    "incomplete_uploads",
    "monthly_usd",
    "early_deletion_usd",
];

pub fn write_csv(out: &mut dyn Write, view: &PlanView<'_>) -> std::io::Result<()> {
    write_csv_targets(out, &[(None, view)])
}

/// One header, then every plan's rows; with a `target` column first when the plans are
/// a policy file's targets (`Some(name)`).
pub fn write_csv_targets(
    out: &mut dyn Write,
    plans: &[(Option<&str>, &PlanView<'_>)],
) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let mut rows = 0;
    for (target, view) in plans {
        let rows_of = json_deployments(
            view,
            |sources| sources.join(";"),
            |d| {
                d.storage
                    .by_class()
                    .map(|(c, b)| format!("{}={b}", c.as_str()))
                    .collect::<Vec<_>>()
                    .join(";")
            },
        );
        for mut row in rows_of {
            row.target = *target;
            writer.serialize(row)?;
            rows += 1;
        }
    }
    if rows == 0 {
        let named = plans.iter().any(|(target, _)| target.is_some());
        let header = named.then_some("target").into_iter().chain(CSV_HEADER);
        writer.write_record(header)?;
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
    if let Some(source) = source_line(view) {
        writeln!(out, "source      {}", printable(&source))?;
    }
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
            "$/MONTH",
        ]
    } else {
        [
            "ACTION", "REASON", "NAME", "AGE", "SIZE", "OBJECTS", "NEWEST", "$/MONTH",
        ]
    };
    let rows: Vec<[String; 8]> = view
        .plan
        .entries
        .iter()
        .map(|e| {
            let time = view.rule.age_by().time_of(&e.deployment);
            [
                e.action.as_str().to_uppercase(),
                reason_cell(e),
                printable(&e.deployment.name).into_owned(),
                format_age(time, view.now),
                bytes(e.deployment.bytes),
                count(e.deployment.objects),
                match view.current {
                    Some(current) => bytes(current.get(&e.deployment.name).map_or(0, |c| c.bytes)),
                    None => timestamp(e.deployment.newest),
                },
                cost_cell(view.prices.deployment(&e.deployment)),
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
            true,
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

    for warning in &view.plan.warnings {
        writeln!(out, "warning: {}", printable(warning))?;
    }
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
    writeln!(out, "{}", cost_line(view))?;
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

/// The plan as Markdown, for a pull-request comment: a header line, one table row per
/// deployment, a summary line. `heading` (a policy file's target) goes above it.
pub fn write_markdown(
    out: &mut dyn Write,
    view: &PlanView<'_>,
    heading: Option<&str>,
) -> std::io::Result<()> {
    if let Some(heading) = heading {
        writeln!(out, "### {}\n", markdown_text(heading))?;
    }
    writeln!(
        out,
        "**s3://{}/{}** · {} · versioning {}\n",
        markdown_text(view.bucket),
        markdown_text(view.root),
        markdown_text(&crate::format::describe_rule(view.rule)),
        view.versioning.as_str()
    )?;
    if let Some(source) = source_line(view) {
        writeln!(out, "From the {}.\n", markdown_text(&source))?;
    }
    let sizes = if view.current.is_some() {
        "all versions | versions"
    } else {
        "size | objects"
    };
    writeln!(out, "| action | reason | name | age | {sizes} | $/month |")?;
    writeln!(out, "|---|---|---|---:|---:|---:|---:|")?;
    for e in &view.plan.entries {
        let time = view.rule.age_by().time_of(&e.deployment);
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            e.action.as_str(),
            markdown_text(&reason_cell(e)),
            markdown_text(&e.deployment.name),
            format_age(time, view.now),
            bytes(e.deployment.bytes),
            count(e.deployment.objects),
            markdown_text(&cost_cell(view.prices.deployment(&e.deployment))),
        )?;
    }
    writeln!(out)?;
    for warning in &view.plan.warnings {
        writeln!(out, "> warning: {}\n", markdown_text(warning))?;
    }
    let s = view.plan.summary();
    writeln!(
        out,
        "{} deployments: keep {}, delete {} ({} {}, {}).",
        s.deployments,
        s.keep,
        s.delete,
        count(s.delete_objects),
        if view.current.is_some() {
            "versions and delete markers"
        } else {
            "objects"
        },
        bytes(s.delete_bytes)
    )?;
    writeln!(out, "\n{}", markdown_text(&cost_line(view)))?;
    if view.root_objects.objects > 0 {
        writeln!(
            out,
            "\n{} objects ({}) directly under the root belong to no deployment and are never deleted.",
            count(view.root_objects.objects),
            bytes(view.root_objects.bytes)
        )?;
    }
    Ok(())
}

/// A deployment's monthly cost, with what deleting it would charge early and its
/// incomplete uploads when it has any: `$1.20`, `$0.40, early $0.12 · 2 uploads`.
fn cost_cell(cost: CostTotals) -> String {
    let mut cell = usd(cost.monthly_usd);
    if cost.early_deletion_usd > 0.0 {
        cell.push_str(&format!(", early {}", usd(cost.early_deletion_usd)));
    }
    if cost.incomplete_uploads > 0 {
        let s = if cost.incomplete_uploads == 1 {
            ""
        } else {
            "s"
        };
        cell.push_str(&format!(" · {} upload{s}", count(cost.incomplete_uploads)));
    }
    cell
}

/// What the deletions save and cost, for the summary: the monthly saving priced per
/// storage class, any early-deletion charge, and the incomplete uploads aborted.
fn cost_line(view: &PlanView<'_>) -> String {
    let cost = view.deletion_cost();
    let mut line = if view.reclaims_nothing() {
        "Deleting saves nothing (versioning keeps the old versions)".to_string()
    } else {
        format!(
            "Deleting saves {}/month (each storage class at its price; STANDARD at ${}/GB-month)",
            usd(cost.monthly_usd),
            view.prices.price(StorageClass::Standard)
        )
    };
    if cost.early_deletion_usd > 0.0 {
        line.push_str(&format!(
            "; early-deletion charge {} (objects younger than their class's minimum duration)",
            usd(cost.early_deletion_usd)
        ));
    }
    if cost.incomplete_uploads > 0 {
        line.push_str(&format!(
            "; aborts {} incomplete multipart upload{}",
            count(cost.incomplete_uploads),
            if cost.incomplete_uploads == 1 {
                ""
            } else {
                "s"
            }
        ));
    }
    line.push('.');
    if view.uploads_outside > 0 {
        line.push_str(&format!(
            " {} incomplete multipart upload{} under no deployment {} never aborted.",
            count(view.uploads_outside),
            if view.uploads_outside == 1 { "" } else { "s" },
            if view.uploads_outside == 1 {
                "is"
            } else {
                "are"
            }
        ));
    }
    line
}

/// Text that Markdown shows as written, on one table row: control characters as
/// escapes (`\n`), and the characters that would end a cell, open a code span, a link,
/// emphasis or HTML backslash-escaped.
pub fn markdown_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in printable(text).chars() {
        if "\\`*_[]<>|~#!&(){}".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The reason, and for a live deployment where that comes from: `live ← current.txt`,
/// or `newest-n · live ← current.txt` when the rule kept it anyway.
fn reason_cell(entry: &PlanEntry) -> String {
    let reason = entry.reason.as_str();
    if !entry.is_live() {
        return reason.to_string();
    }
    let sources = printable(&entry.live_from.join(", ")).into_owned();
    if entry.reason == Reason::Live {
        format!("live ← {sources}")
    } else {
        format!("{reason} · live ← {sources}")
    }
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use chrono::TimeZone;

    use super::*;
    use crate::engine::deployment::{AgeBy, Deployment};
    use crate::engine::live::{LiveSet, PointerObject};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap()
    }

    fn dep(name: &str, days_ago: i64) -> Deployment {
        let time = now() - chrono::Duration::days(days_ago);
        Deployment {
            name: name.into(),
            prefix: format!("{name}/"),
            objects: 1,
            bytes: 10,
            newest: time,
            oldest: time,
            storage: Default::default(),
            incomplete_uploads: 0,
        }
    }

    /// d4 is live by current.txt (a rollback outside keep 2), d1 by index.html too, and
    /// an alias names a missing folder.
    fn plan() -> (Plan, Rule) {
        let deployments = vec![dep("d1", 1), dep("d2", 2), dep("d3", 3), dep("d4", 4)];
        let live = LiveSet::from_sources(
            &deployments,
            &HashMap::new(),
            &[
                PointerObject {
                    key: "current.txt",
                    content: b"d4\n",
                },
                PointerObject {
                    key: "index.html",
                    content: b"<script src=\"/d1/app.js\"></script><script src=\"/d4/x.js\">",
                },
            ],
            &["current".to_string()],
        );
        let rule = Rule::new(2, None, vec![], AgeBy::Newest).unwrap();
        (
            Plan::build_with_live(deployments, &rule, &live, now()),
            rule,
        )
    }

    fn render(
        write: fn(&mut dyn Write, &PlanView<'_>) -> std::io::Result<()>,
        plan: &Plan,
        rule: &Rule,
    ) -> String {
        let root_objects = RootObjects::default();
        let view = PlanView {
            bucket: "b",
            root: "",
            endpoint: "aws",
            versioning: Versioning::Disabled,
            rule,
            plan,
            root_objects: &root_objects,
            now: now(),
            current: None,
            prices: PriceTable::default(),
            uploads_outside: 0,
            report: None,
        };
        let mut out = Vec::new();
        write(&mut out, &view).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// d1 (kept) and d2 (deleted): d2 holds 1 GiB of 30-day-old GLACIER and an upload.
    fn priced_plan() -> (Plan, Rule) {
        let mut old = dep("d2", 30);
        old.storage.add(
            crate::engine::cost::StorageClass::Glacier,
            1 << 30,
            now() - chrono::Duration::days(30),
            now(),
        );
        old.incomplete_uploads = 2;
        let rule = Rule::new(1, None, vec![], AgeBy::Newest).unwrap();
        (Plan::build(vec![dep("d1", 1), old], &rule, now()), rule)
    }

    fn render_versioned(
        write: fn(&mut dyn Write, &PlanView<'_>) -> std::io::Result<()>,
        plan: &Plan,
        rule: &Rule,
        versioning: Versioning,
    ) -> String {
        let root_objects = RootObjects::default();
        let view = PlanView {
            bucket: "b",
            root: "",
            endpoint: "aws",
            versioning,
            rule,
            plan,
            root_objects: &root_objects,
            now: now(),
            current: None,
            report: None,
            prices: PriceTable::default(),
            uploads_outside: 1,
        };
        let mut out = Vec::new();
        write(&mut out, &view).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_plan_prices_classes_and_names_early_deletion_and_uploads() {
        let (plan, rule) = priced_plan();
        let json: serde_json::Value = serde_json::from_str(&render_versioned(
            write_json,
            &plan,
            &rule,
            Versioning::Disabled,
        ))
        .unwrap();
        let d2 = &json["deployments"][1];
        assert_eq!(d2["by_class"], serde_json::json!({"GLACIER": 1u64 << 30}));
        assert_eq!(d2["incomplete_uploads"], 2);
        // 60 of GLACIER's 90 days left: two months at 0.0036.
        let early = d2["early_deletion_usd"].as_f64().unwrap();
        assert!((early - 0.0072).abs() < 1e-12, "{early}");
        assert_eq!(json["summary"]["incomplete_uploads"], 2);
        assert!((json["summary"]["monthly_usd"].as_f64().unwrap() - 0.0036).abs() < 1e-12);

        let table = render_versioned(write_table, &plan, &rule, Versioning::Disabled);
        assert!(
            table.contains("< $0.01, early < $0.01 · 2 uploads"),
            "{table}"
        );
        assert!(
            table.contains("aborts 2 incomplete multipart uploads. 1 incomplete multipart upload under no deployment is never aborted."),
            "{table}"
        );

        // A plain delete in a versioned bucket removes no bytes: no saving, no charge.
        let json: serde_json::Value = serde_json::from_str(&render_versioned(
            write_json,
            &plan,
            &rule,
            Versioning::Enabled,
        ))
        .unwrap();
        assert_eq!(json["summary"]["monthly_usd"], 0.0);
        assert_eq!(json["summary"]["early_deletion_usd"], 0.0);
        assert_eq!(json["summary"]["incomplete_uploads"], 2);
        let table = render_versioned(write_table, &plan, &rule, Versioning::Enabled);
        assert!(
            table.contains("Deleting saves nothing (versioning keeps the old versions)"),
            "{table}"
        );
    }

    #[test]
    fn json_has_live_and_its_sources_on_every_deployment() {
        let (plan, rule) = plan();
        let json: serde_json::Value =
            serde_json::from_str(&render(write_json, &plan, &rule)).unwrap();
        let rows = json["deployments"].as_array().unwrap();
        let row = |name: &str| rows.iter().find(|r| r["name"] == name).unwrap().clone();
        assert_eq!(row("d4")["reason"], "live");
        assert_eq!(row("d4")["action"], "keep");
        assert_eq!(row("d4")["live"], true);
        assert_eq!(
            row("d4")["live_from"],
            serde_json::json!(["current.txt", "index.html"])
        );
        assert_eq!(row("d1")["reason"], "newest-n");
        assert_eq!(row("d1")["live_from"], serde_json::json!(["index.html"]));
        assert_eq!(row("d3")["live"], false);
        assert_eq!(row("d3")["live_from"], serde_json::json!([]));
        assert_eq!(row("d3")["action"], "delete");
        assert!(json["warnings"][0]
            .as_str()
            .unwrap()
            .contains("--live-alias current"));
    }

    #[test]
    fn json_without_warnings_has_no_warnings_key() {
        let rule = Rule::new(2, None, vec![], AgeBy::Newest).unwrap();
        let plan = Plan::build(vec![dep("d1", 1)], &rule, now());
        let json: serde_json::Value =
            serde_json::from_str(&render(write_json, &plan, &rule)).unwrap();
        assert!(json.get("warnings").is_none());
        assert_eq!(json["deployments"][0]["live"], false);
    }

    #[test]
    fn csv_has_live_columns_with_sources_in_one_cell() {
        let (plan, rule) = plan();
        let csv = render(write_csv, &plan, &rule);
        let mut lines = csv.lines();
        assert_eq!(
            lines.next().unwrap(),
            "name,prefix,objects,bytes,newest,oldest,action,reason,live,live_from,by_class,incomplete_uploads,monthly_usd,early_deletion_usd"
        );
        let d4 = csv.lines().find(|l| l.starts_with("d4,")).unwrap();
        assert!(
            d4.ends_with(",keep,live,true,current.txt;index.html,,0,0.0,0.0"),
            "{d4}"
        );
        let d3 = csv.lines().find(|l| l.starts_with("d3,")).unwrap();
        assert!(
            d3.ends_with(",delete,outside-keep,false,,,0,0.0,0.0"),
            "{d3}"
        );

        let empty = Plan::build(vec![], &rule, now());
        assert_eq!(
            render(write_csv, &empty, &rule).trim_end(),
            "name,prefix,objects,bytes,newest,oldest,action,reason,live,live_from,by_class,incomplete_uploads,monthly_usd,early_deletion_usd"
        );
    }

    #[test]
    fn the_table_marks_live_deployments_and_shows_warnings() {
        let (plan, rule) = plan();
        let table = render(write_table, &plan, &rule);
        let line = |name: &str| {
            table
                .lines()
                .find(|l| l.split_whitespace().any(|word| word == name))
                .unwrap()
                .to_string()
        };
        assert!(
            line("d4").contains("live ← current.txt, index.html"),
            "{table}"
        );
        assert!(
            line("d1").contains("newest-n · live ← index.html"),
            "{table}"
        );
        assert!(!line("d2").contains('←'), "{table}");
        assert!(table.contains("warning: --live-alias current:"), "{table}");
    }

    #[test]
    fn plans_of_targets_are_one_json_document_and_one_csv_with_a_target_column() {
        let (plan, rule) = plan();
        let root_objects = RootObjects::default();
        let view = || PlanView {
            bucket: "b",
            root: "prod/",
            endpoint: "aws",
            versioning: Versioning::Disabled,
            rule: &rule,
            plan: &plan,
            root_objects: &root_objects,
            now: now(),
            current: None,
            prices: PriceTable::default(),
            uploads_outside: 0,
            report: None,
        };
        let mut out = Vec::new();
        write_json_targets(
            &mut out,
            &[
                TargetPlan {
                    name: "prod",
                    plan: Ok(view()),
                },
                TargetPlan {
                    name: "qa",
                    plan: Err("the bucket does not exist"),
                },
            ],
        )
        .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let targets = json["targets"].as_array().unwrap();
        assert_eq!(targets[0]["target"], "prod");
        assert_eq!(targets[0]["prefix"], "prod/");
        assert_eq!(targets[0]["summary"]["delete"], 1);
        assert_eq!(
            targets[1],
            serde_json::json!({"target": "qa", "error": "the bucket does not exist"})
        );

        let view = view();
        let mut out = Vec::new();
        write_csv_targets(&mut out, &[(Some("prod"), &view), (Some("staging"), &view)]).unwrap();
        let csv = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "target,name,prefix,objects,bytes,newest,oldest,action,reason,live,live_from,by_class,incomplete_uploads,monthly_usd,early_deletion_usd"
        );
        assert_eq!(lines.len(), 1 + 2 * plan.entries.len());
        assert!(lines[1].starts_with("prod,"), "{csv}");
        assert!(lines.last().unwrap().starts_with("staging,"), "{csv}");
    }

    #[test]
    fn markdown_text_cannot_break_a_table_row() {
        assert_eq!(markdown_text("a|b`c"), "a\\|b\\`c");
        assert_eq!(markdown_text("x\ny"), "x\\\\ny");
        assert_eq!(markdown_text("<b>*_"), "\\<b\\>\\*\\_");
        assert_eq!(markdown_text("deploy-2026.1"), "deploy-2026.1");
    }
}
