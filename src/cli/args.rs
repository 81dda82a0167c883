use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::engine::deployment::AgeBy;
use crate::operations::duration::parse_duration;
use crate::sample::NameStyle;

/// Clean old deployment folders out of an S3 bucket.
///
/// Each top-level folder under --prefix is a deployment. s3prune lists them with age,
/// size and object count, marks what the rule (--keep N, --older-than, --protect) would
/// delete, and deletes only what you confirm.
#[derive(Debug, Parser)]
#[command(
    name = "s3prune",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// The bucket to prune.
    #[arg(long, global = true, env = "S3PRUNE_BUCKET", value_name = "NAME")]
    pub bucket: Option<String>,
    /// The folder whose subfolders are the deployments (default: the bucket root).
    #[arg(long, global = true, value_name = "ROOT/")]
    pub prefix: Option<String>,
    /// An S3-compatible endpoint (LocalStack, MinIO, s3prune serve). Also read from
    /// AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL. Implies path-style addressing.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// AWS region (default: from the environment or profile, else us-east-1).
    #[arg(long, global = true, value_name = "R")]
    pub region: Option<String>,
    /// Named profile from ~/.aws/config.
    #[arg(long, global = true, value_name = "P")]
    pub profile: Option<String>,
    /// Keep the N newest deployments (protected ones do not count).
    #[arg(long, global = true, value_name = "N")]
    pub keep: Option<usize>,
    /// Delete only deployments older than this too (e.g. 30d, 12h, 2w).
    #[arg(long, global = true, value_name = "DUR", value_parser = parse_duration)]
    pub older_than: Option<Duration>,
    /// Never delete deployments whose name matches this glob (repeatable).
    #[arg(long, global = true, value_name = "GLOB")]
    pub protect: Vec<String>,
    /// What is a deployment's time: its newest or oldest object's LastModified, or the
    /// date-time in its name (name; a name without one is kept as undated)
    /// [default: newest; demo: name].
    #[arg(long, global = true, value_name = "newest|oldest|name", value_parser = age_by_parser())]
    pub age_by: Option<AgeBy>,
    /// A strftime format for the time in deployment names (with --age-by name), e.g.
    /// "%Y%m%d-%H%M"; found anywhere in the name. Without it the common forms are
    /// recognised (ISO 8601 dates and date-times, leading Unix epochs).
    #[arg(long, global = true, value_name = "FMT")]
    pub name_time_format: Option<String>,
    /// An object whose content names the live deployment(s): the whole content is a
    /// name, or names appear as path segments ("name/…", in text, HTML, URLs or JSON).
    /// Live deployments are never deleted. Repeatable; the full key, e.g. current.txt.
    /// A missing or unreadable pointer stops plan and prune with exit 1.
    #[arg(long, global = true, value_name = "KEY")]
    pub live: Vec<String>,
    /// Do not read the objects directly under the root (up to 64 KiB each) to find live
    /// deployments; only --live and --live-alias count.
    #[arg(long, global = true)]
    pub no_live_detect: bool,
    /// A folder under the root that is a synced copy of the live deployment (e.g.
    /// current): the deployment with the same keys, sizes and ETags is live, and so is
    /// the folder itself. Repeatable.
    #[arg(long, global = true, value_name = "NAME")]
    pub live_alias: Vec<String>,
    /// Bound on each S3 request attempt.
    #[arg(long, global = true, value_name = "DUR", value_parser = parse_duration, default_value = "30s")]
    pub timeout: Duration,
    /// Listing requests at once while pages are small; half as many while they are full.
    #[arg(long, global = true, value_name = "N", default_value_t = crate::engine::listing::DEFAULT_LISTING_CONCURRENCY)]
    pub list_concurrency: usize,
    /// Where `prune` and the explorer append the JSON-lines audit log of every deletion
    /// [default: ~/.local/state/s3prune/audit.jsonl]
    #[arg(long, global = true, value_name = "PATH")]
    pub audit_log: Option<PathBuf>,
    /// STANDARD's storage price in USD per GB-month (GB = 2^30 bytes, as AWS bills) for
    /// the monthly saving the plan and the explorer show; the other storage classes keep
    /// their us-east-1 list prices (README: Cost). The default is S3 Standard's first
    /// tier in us-east-1.
    #[arg(long, global = true, value_name = "USD", default_value_t = DEFAULT_PRICE_PER_GB, value_parser = parse_price)]
    pub price_per_gb: f64,
    /// Count and delete every object version and delete marker, not just current
    /// objects. In a versioned bucket a plain delete only adds delete markers and
    /// reclaims nothing; this removes the deployments' bytes for good.
    #[arg(long, global = true)]
    pub all_versions: bool,
    /// Plan from this S3 Inventory report of the bucket instead of listing it:
    /// s3://BUCKET/…/manifest.json, or a folder above reports (the newest is taken). CSV
    /// or Parquet, current or all versions. prune still lists each doomed deployment
    /// again before deleting it. See the README's "Very large buckets".
    #[arg(long, global = true, value_name = "URI")]
    pub inventory: Option<String>,
    /// A policy file of targets (buckets, prefixes, rules); see the README's "Policy
    /// file". Default: ./s3prune.toml when it exists.
    #[arg(long, global = true, env = "S3PRUNE_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Run only this [[target]] of the policy file (repeatable).
    #[arg(long = "target", global = true, value_name = "NAME")]
    pub targets: Vec<String>,
    /// The ids of the flags given on the command line or by environment variable: these
    /// override the policy file.
    #[arg(skip)]
    pub given: BTreeSet<String>,
}

impl Cli {
    /// Parses the command line, remembering which flags were given (see `GlobalArgs::given`).
    pub fn parse_with_sources() -> Cli {
        Cli::from_matches_with_sources(Cli::command().get_matches()).unwrap_or_else(|e| e.exit())
    }

    pub fn try_parse_from_with_sources<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        Cli::from_matches_with_sources(Cli::command().try_get_matches_from(args)?)
    }

    fn from_matches_with_sources(matches: ArgMatches) -> Result<Cli, clap::Error> {
        let mut cli = Cli::from_arg_matches(&matches)?;
        let mut level = Some(&matches);
        while let Some(m) = level {
            for id in m.ids() {
                if matches!(
                    m.value_source(id.as_str()),
                    Some(ValueSource::CommandLine | ValueSource::EnvVariable)
                ) {
                    cli.global.given.insert(id.to_string());
                }
            }
            level = m.subcommand().map(|(_, sub)| sub);
        }
        Ok(cli)
    }
}

fn age_by_parser() -> impl clap::builder::TypedValueParser<Value = AgeBy> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(AgeBy::NAMES).try_map(|text| text.parse::<AgeBy>())
}

fn parse_demo_deployments(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (2..=5000).contains(&n) => Ok(n),
        _ => Err(format!(
            "{text:?} is not a number from 2 to 5000 (a rollback needs two deployments at least)"
        )),
    }
}

/// S3 Standard, first 50 TB, us-east-1: $0.023 per GB-month.
pub const DEFAULT_PRICE_PER_GB: f64 = crate::engine::cost::STANDARD_PRICE_PER_GB;

pub(super) fn parse_price(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(price) if price.is_finite() && price >= 0.0 => Ok(price),
        _ => Err(format!(
            "{text:?} is not a price; give USD per GB-month, e.g. 0.023"
        )),
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The interactive explorer (the default when no command is given). Without --keep
    /// the rule starts at keep 10; `+`/`-` change it live. Nothing is deleted until you
    /// press `d` and confirm.
    Tui,
    /// Print the plan: every deployment with keep/delete and the reason. Never deletes.
    Plan(PlanArgs),
    /// Delete what the plan says, after confirmation.
    Prune(PruneArgs),
    /// In a versioned bucket, bring back what a plain prune deleted: remove exactly the
    /// delete markers the audit log (--audit-log, the same default as prune) recorded.
    /// Deletions made with --all-versions or in an unversioned bucket are permanent and
    /// cannot be undone.
    Undo(UndoArgs),
    /// Open the explorer on a sample bucket after a rollback (on the embedded S3 server,
    /// or in a fresh bucket on --endpoint-url).
    ///
    /// The sample's deployments carry their time in their names; the live one is the 7th
    /// newest, named by a root current.txt, loaded by a root index.html and copied into
    /// current/. The explorer opens with --keep 5 --age-by name --live current.txt
    /// --live-alias current unless the global flags say otherwise.
    ///
    /// Without --endpoint-url it runs on its own in-process S3 server, in the bucket
    /// `demo`, and removes everything on quit. With --endpoint-url URL (e.g. LocalStack
    /// on http://127.0.0.1:4566) it creates a fresh bucket s3prune-demo-<random> there,
    /// with the credentials from the environment, and leaves it behind: the last line
    /// names it and says how to remove it. --bucket and --prefix are ignored.
    Demo(DemoArgs),
    /// Run the embedded S3-compatible server on 127.0.0.1 (for demos and tests; its
    /// buckets are never versioned: it does not support versioning).
    Serve(ServeArgs),
    /// Write randomised sample deployments into a bucket (any endpoint).
    Seed(SeedArgs),
    /// List the lifecycle rules `prune --via lifecycle` wrote in --bucket (under --prefix)
    /// and whether S3 has finished with them (their prefix is empty); --tidy removes the
    /// finished ones. Other rules are never touched.
    Lifecycle(LifecycleArgs),
    /// Print the man page (roff), e.g. `s3prune man > ~/.local/share/man/man1/s3prune.1`.
    Man,
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum PlanFormat {
    #[default]
    Table,
    Json,
    Csv,
    /// A table for a pull-request comment.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum PruneFormat {
    /// The plan, progress and outcome as text.
    #[default]
    Text,
    /// One JSON report on stdout (the plan and the prose go to stderr).
    Json,
}

/// How `prune` removes the deployments it confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum PruneVia {
    /// Delete the objects now (DeleteObjects).
    #[default]
    Delete,
    /// Write one S3 lifecycle rule per deployment; S3 deletes the objects within a day or
    /// two, at no request cost (see `s3prune lifecycle`).
    Lifecycle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LifecycleFormat {
    #[default]
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct LifecycleArgs {
    /// Remove s3prune's rules whose prefixes are empty (S3 has deleted everything).
    #[arg(long)]
    pub tidy: bool,
    #[arg(long, value_enum, default_value_t = LifecycleFormat::Table)]
    pub format: LifecycleFormat,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
    pub format: PlanFormat,
    /// Also write the plan to FILE for review, with a fingerprint of every deployment;
    /// `prune --plan FILE` then deletes exactly what it marks delete, if unchanged.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// `json`: print a report of what was deleted, per deployment, on stdout (see the
    /// README's "Prune reports").
    #[arg(long, value_enum, default_value_t = PruneFormat::Text)]
    pub format: PruneFormat,
    /// Delete without asking (required when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// `lifecycle`: instead of deleting, add an S3 lifecycle rule per deployment that
    /// expires its objects; S3 deletes them asynchronously (see `s3prune lifecycle`).
    #[arg(long, value_enum, default_value_t = PruneVia::Delete)]
    pub via: PruneVia,
    /// Apply a reviewed plan written by `plan --out` (or the explorer's `w`): delete
    /// exactly the deployments it marks delete that still match their fingerprint; no
    /// rule is applied. Rule flags are refused with it.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Refuse a --plan file written longer ago than this.
    #[arg(long, value_name = "DUR", value_parser = parse_duration, default_value = "7d")]
    pub max_plan_age: Duration,
    /// Print the plan and stop.
    #[arg(long)]
    pub dry_run: bool,
    /// Refuse to delete more than N deployments.
    #[arg(long, value_name = "N")]
    pub max_delete: Option<usize>,
    /// Refuse to delete more than this fraction of all deployments unless --force.
    #[arg(long, value_name = "F", default_value_t = 0.9, value_parser = parse_fraction)]
    pub max_delete_fraction: f64,
    /// Allow a plan that deletes more than --max-delete-fraction of the deployments.
    #[arg(long)]
    pub force: bool,
    /// DeleteObjects requests in flight at most; half as many while deployments are large.
    #[arg(long, value_name = "N", default_value_t = crate::engine::deletion::DEFAULT_BATCHES_IN_FLIGHT)]
    pub batches_in_flight: usize,
    /// First pause before retrying failed keys and listing pages, and the SDK's first pause
    /// between attempts (doubles each round); for tests.
    #[arg(long, hide = true, value_name = "DUR", value_parser = parse_duration)]
    pub retry_backoff: Option<Duration>,
}

#[derive(Debug, Args)]
pub struct UndoArgs {
    /// Only deletions made at or after this time: RFC 3339 (2026-05-01T10:00:00Z) or a
    /// duration meaning "within the last" (2h, 1d).
    #[arg(long, value_name = "TIME", value_parser = crate::operations::duration::parse_since)]
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only this deployment (a folder name under --prefix); repeatable.
    #[arg(long, value_name = "NAME")]
    pub deployment: Vec<String>,
    /// Restore without asking (required when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// List what would be restored and stop.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of sample deployments (besides `current`).
    #[arg(long, default_value_t = 40, value_parser = parse_demo_deployments)]
    pub deployments: usize,
    /// Random seed: the same seed gives the same sample bucket.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 9090)]
    pub port: u16,
    /// Keep the server's contents in this directory (default: in memory only).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Create this bucket at start (repeatable).
    #[arg(long = "create-bucket", value_name = "NAME")]
    pub create_buckets: Vec<String>,
    /// Apply the buckets' lifecycle expiration rules as if a day lasted DUR (e.g. 10s):
    /// a lifecycle run every DUR deletes the objects that are at least Days × DUR old.
    /// Off by default: the rules are stored and never applied.
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub lifecycle_day: Option<Duration>,
    #[command(flatten)]
    pub faults: FaultArgs,
}

/// Fault injection, to see how clients cope with a misbehaving S3 (off by default).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Fault injection")]
pub struct FaultArgs {
    /// Fraction of requests answered 503 SlowDown.
    #[arg(long, value_name = "F", default_value_t = 0.0, value_parser = parse_fraction)]
    pub fault_slow_down: f64,
    /// Fraction of requests answered 500 InternalError.
    #[arg(long, value_name = "F", default_value_t = 0.0, value_parser = parse_fraction)]
    pub fault_internal_error: f64,
    /// Fraction of keys in each DeleteObjects batch reported as errors (and not deleted).
    #[arg(long, value_name = "F", default_value_t = 0.0, value_parser = parse_fraction)]
    pub fault_delete_key_error: f64,
    /// Fraction of replies (listings included) cut off mid-body after the request took effect.
    #[arg(long, value_name = "F", default_value_t = 0.0, value_parser = parse_fraction)]
    pub fault_drop_reply: f64,
    /// Fraction of requests whose connection is closed before any reply (never handled).
    #[arg(long, value_name = "F", default_value_t = 0.0, value_parser = parse_fraction)]
    pub fault_drop_before_reply: f64,
    /// Latency added to every request (e.g. 30ms).
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub fault_latency: Option<Duration>,
    /// Limit the request faults and latency to these operations (e.g. DeleteObjects); repeatable.
    #[arg(long, value_name = "OPERATION")]
    pub fault_operation: Vec<String>,
    /// Seed for the fault decisions: the same seed fails the same requests.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub fault_seed: u64,
}

impl FaultArgs {
    pub fn to_config(&self) -> crate::server::FaultConfig {
        crate::server::FaultConfig {
            slow_down: self.fault_slow_down,
            internal_error: self.fault_internal_error,
            delete_key_error: self.fault_delete_key_error,
            drop_reply: self.fault_drop_reply,
            drop_before_reply: self.fault_drop_before_reply,
            latency: self.fault_latency.unwrap_or_default(),
            seed: self.fault_seed,
            operations: self.fault_operation.clone(),
        }
    }
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// How many deployments to write.
    #[arg(long, default_value_t = 20)]
    pub deployments: usize,
    /// Create the bucket if it does not exist.
    #[arg(long)]
    pub create_bucket: bool,
    /// Spread the deployments' intended ages up to this (s3prune's own server honours them).
    #[arg(long, value_name = "DUR", value_parser = parse_duration, default_value = "120d")]
    pub max_age: Duration,
    /// Random seed: the same seed writes the same deployments.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Largest single object in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 4 << 20)]
    pub max_object_bytes: u64,
    /// Objects uploaded at once.
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub concurrency: usize,
    /// How deployments are named; list timestamped names with --age-by name.
    #[arg(long, value_enum, value_name = "STYLE", default_value_t = NameStyle::Hash)]
    pub names: NameStyle,
    /// Write the bucket as a rollback leaves it: the NTH newest deployment (default 4) is
    /// live, named by a root current.txt and loaded by a root index.html
    /// (<script src="/deploy-…/js/…">). Live detection finds it; a plain "keep N" would
    /// delete it.
    #[arg(long, value_name = "NTH", num_args = 0..=1, default_missing_value = "4")]
    pub rollback: Option<usize>,
    /// Also write a folder NAME/ (e.g. current) that is a byte-for-byte copy of the live
    /// deployment (the newest one without --rollback); see --live-alias.
    #[arg(long, value_name = "NAME")]
    pub alias: Option<String>,
    /// Put the large assets of older deployments in cheaper storage classes: GLACIER
    /// past 60 days, STANDARD_IA past 14 (as lifecycle transitions leave them).
    #[arg(long)]
    pub storage_classes: bool,
    /// Leave N multipart uploads unfinished under the oldest deployments (one 1 MiB part
    /// each): billed, but invisible to listings.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub abandoned_uploads: usize,
    #[command(flatten)]
    pub report: super::seed_inventory::InventoryReportArgs,
}

fn parse_fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(f),
        _ => Err(format!(
            "{text:?} is not a fraction between 0 and 1 (e.g. 0.9)"
        )),
    }
}
