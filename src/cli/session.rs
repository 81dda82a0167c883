//! What `plan`, `prune` and the TUI share: checking the flags, connecting, listing.

use std::io::IsTerminal;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};

use super::args::GlobalArgs;
use super::plan_output::PlanView;
use crate::engine::bucket::{Bucket, Scope, Versioning};
use crate::engine::bucket_name::validate_bucket_name;
use crate::engine::connection::{connect, ConnectionOptions};
use crate::engine::cost::PriceTable;
use crate::engine::deployment::AgeBy;
use crate::engine::inventory::location::ReportUri;
use crate::engine::inventory::{list_deployments_from, ReportSummary};
use crate::engine::listing::{normalise_root, Inventory, ListingEvent, ListingOptions};
use crate::engine::live::LiveOptions;
use crate::engine::name_time::NameTime;
use crate::engine::plan::Plan;
use crate::engine::rule::Rule;
use crate::operations::failure::Failure;

/// The checked flags: a valid bucket name, a root prefix, a rule.
pub struct Target {
    pub bucket_name: String,
    pub root: String,
    pub rule: Rule,
    pub connection: ConnectionOptions,
    pub list_concurrency: usize,
    pub scope: Scope,
    pub live: LiveOptions,
    /// Digest every deployment while listing (`plan --out` records the digests).
    pub digests: bool,
    /// Storage prices per class, STANDARD at `--price-per-gb`.
    pub prices: PriceTable,
    /// `--inventory`: plan from this S3 Inventory report instead of a listing.
    pub inventory: Option<String>,
}

pub fn require_bucket(global: &GlobalArgs) -> Result<String, Failure> {
    let name = global.bucket.clone().ok_or_else(|| {
        Failure::Usage("no bucket given: use --bucket NAME (or set S3PRUNE_BUCKET)".into())
    })?;
    validate_bucket_name(&name).map_err(Failure::Usage)?;
    Ok(name)
}

pub fn require_rule(global: &GlobalArgs) -> Result<Rule, Failure> {
    let keep = global.keep.ok_or_else(|| {
        Failure::Usage(
            "no retention rule: give --keep N (the number of newest deployments to keep), \
             optionally with --older-than DUR and --protect GLOB"
                .into(),
        )
    })?;
    Ok(Rule::new(
        keep,
        global.older_than,
        global.protect.clone(),
        age_by(global)?,
    )?)
}

/// `--age-by`, with `--name-time-format` folded in.
pub fn age_by(global: &GlobalArgs) -> Result<AgeBy, Failure> {
    match (&global.age_by, &global.name_time_format) {
        (age_by, None) => Ok(age_by.clone().unwrap_or_default()),
        (Some(AgeBy::Name(_)), Some(format)) => NameTime::with_format(format)
            .map(AgeBy::Name)
            .map_err(|e| Failure::Usage(e.to_string())),
        (_, Some(_)) => Err(Failure::Usage(
            "--name-time-format reads times from deployment names; give --age-by name too".into(),
        )),
    }
}

/// `--live`, `--no-live-detect` and `--live-alias`.
pub fn live_options(global: &GlobalArgs) -> Result<LiveOptions, Failure> {
    for alias in &global.live_alias {
        check_live_alias(alias).map_err(Failure::Usage)?;
    }
    for key in &global.live {
        check_live_key(key).map_err(Failure::Usage)?;
    }
    Ok(LiveOptions {
        pointers: global.live.clone(),
        detect: !global.no_live_detect,
        aliases: global
            .live_alias
            .iter()
            .map(|a| a.trim_end_matches('/').to_string())
            .collect(),
    })
}

pub fn check_live_alias(alias: &str) -> Result<(), String> {
    let alias = alias.trim_end_matches('/');
    if alias.is_empty() || alias.contains('/') {
        return Err(format!(
            "--live-alias {alias:?}: give one folder name under the root, without slashes (e.g. current)"
        ));
    }
    Ok(())
}

pub fn check_live_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.ends_with('/') {
        return Err(format!(
            "--live {key:?}: give the key of one object whose content names the live deployment (e.g. current.txt)"
        ));
    }
    Ok(())
}

/// `--inventory`: an `s3://` URI (checked before any request).
pub fn check_inventory(uri: &str) -> Result<(), String> {
    ReportUri::parse(uri).map(|_| ())
}

pub fn inventory(global: &GlobalArgs) -> Result<Option<String>, Failure> {
    if let Some(uri) = &global.inventory {
        check_inventory(uri).map_err(Failure::Usage)?;
    }
    Ok(global.inventory.clone())
}

pub fn connection_options(global: &GlobalArgs) -> ConnectionOptions {
    ConnectionOptions {
        endpoint_url: global.endpoint_url.clone(),
        region: global.region.clone(),
        profile: global.profile.clone(),
        request_timeout: global.timeout,
        ..ConnectionOptions::default()
    }
}

/// `--all-versions` as the engine names it.
pub fn scope(global: &GlobalArgs) -> Scope {
    if global.all_versions {
        Scope::AllVersions
    } else {
        Scope::Current
    }
}

pub fn target(global: &GlobalArgs) -> Result<Target, Failure> {
    Ok(Target {
        bucket_name: require_bucket(global)?,
        rule: require_rule(global)?,
        root: normalise_root(global.prefix.as_deref()),
        connection: connection_options(global),
        list_concurrency: global.list_concurrency,
        scope: scope(global),
        live: live_options(global)?,
        digests: false,
        prices: PriceTable::us_east_1().with_standard(global.price_per_gb),
        inventory: inventory(global)?,
    })
}

impl Target {
    pub fn listing_options(&self) -> ListingOptions {
        ListingOptions {
            root: self.root.clone(),
            concurrency: self.list_concurrency,
            scope: self.scope,
            live: self.live.clone(),
            digests: self.digests,
        }
    }
}

/// A listed bucket, ready to plan.
pub struct Listed {
    pub bucket: Bucket,
    pub versioning: Versioning,
    pub inventory: Inventory,
    /// The S3 Inventory report the listing came from (`--inventory`).
    pub report: Option<ReportSummary>,
}

/// Connects, checks the bucket is there and readable, and lists every deployment, with a
/// spinner on stderr when it is a terminal.
pub async fn list_target(target: &Target) -> Result<Listed, Failure> {
    let connection = connect(&target.connection).await;
    let bucket = Bucket::new(&connection, &target.bucket_name);
    // One round trip for both; a missing or unreadable bucket is named by HeadBucket.
    let (access, versioning) = tokio::join!(bucket.check_access(), bucket.versioning());
    access?;
    let versioning = versioning?;

    let spinner = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner()
            .with_style(ProgressStyle::with_template("{spinner} {msg}").expect("valid template"));
        bar.set_message(match &target.inventory {
            Some(uri) => format!("reading the inventory report {uri}"),
            None => format!("listing s3://{}/{}", target.bucket_name, target.root),
        });
        bar.enable_steady_tick(std::time::Duration::from_millis(100));
        Some(bar)
    } else {
        None
    };
    let listed = std::sync::atomic::AtomicUsize::new(0);
    let on_event = |event: ListingEvent| {
        if let (Some(bar), ListingEvent::Listed(_)) = (&spinner, event) {
            let n = listed.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            bar.set_message(format!(
                "listing s3://{}/{}: {n} deployments",
                target.bucket_name, target.root
            ));
        }
    };
    let result = list_deployments_from(
        &bucket,
        &target.listing_options(),
        target.inventory.as_deref(),
        &on_event,
    )
    .await;
    if let Some(bar) = spinner {
        bar.finish_and_clear();
    }
    let (inventory, report) = result?;
    Ok(Listed {
        bucket,
        versioning,
        inventory,
        report,
    })
}

/// A listed bucket and the rule's plan for it, as `plan` and `prune` show it.
pub struct Planned {
    pub listed: Listed,
    pub plan: Plan,
    pub now: DateTime<Utc>,
}

pub async fn plan_target(target: &Target) -> Result<Planned, Failure> {
    let mut listed = list_target(target).await?;
    let now = Utc::now();
    let deployments = std::mem::take(&mut listed.inventory.deployments);
    let mut plan = Plan::build_with_live(deployments, &target.rule, &listed.inventory.live, now);
    plan.warnings
        .extend(listed.inventory.warnings.iter().cloned());
    Ok(Planned { listed, plan, now })
}

impl Planned {
    pub fn view<'a>(&'a self, target: &'a Target) -> PlanView<'a> {
        PlanView {
            bucket: &target.bucket_name,
            root: &target.root,
            endpoint: self.listed.bucket.endpoint_label(),
            versioning: self.listed.versioning,
            rule: &target.rule,
            plan: &self.plan,
            root_objects: &self.listed.inventory.root_objects,
            now: self.now,
            current: self.listed.inventory.current.as_ref(),
            prices: target.prices,
            uploads_outside: self.listed.inventory.uploads_outside,
            report: self.listed.report.as_ref(),
        }
    }
}

/// Where the audit log goes unless `--audit-log` says otherwise:
/// `$XDG_STATE_HOME/s3prune/audit.jsonl` (`~/.local/state/s3prune/audit.jsonl`).
pub fn default_audit_path() -> PathBuf {
    crate::operations::state_dir::state_dir().join("audit.jsonl")
}
