use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::engine::deployment::AgeBy;
use crate::engine::rule::parse_duration;

/// Clean old deployment folders out of an S3 bucket.
///
/// Each top-level folder under --prefix is a deployment. s3prune lists them with age,
/// size and object count, marks what the rule (--keep N, --older-than, --protect) would
/// delete, and deletes only what you confirm.
#[derive(Debug, Parser)]
#[command(name = "s3prune", version, propagate_version = true, max_term_width = 100)]
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
    /// Which object's LastModified is a deployment's time.
    #[arg(long, global = true, value_enum, default_value_t = AgeBy::Newest)]
    pub age_by: AgeBy,
    /// Bound on each S3 request attempt.
    #[arg(long, global = true, value_name = "DUR", value_parser = parse_duration, default_value = "30s")]
    pub timeout: Duration,
    /// Deployments listed at once.
    #[arg(long, global = true, value_name = "N", default_value_t = crate::engine::listing::DEFAULT_LISTING_CONCURRENCY)]
    pub list_concurrency: usize,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The interactive explorer (the default when no command is given).
    Tui,
    /// Print the plan: every deployment with keep/delete and the reason. Never deletes.
    Plan(PlanArgs),
    /// Delete what the plan says, after confirmation.
    Prune(PruneArgs),
    /// Start the embedded S3 server with sample deployments and open the explorer.
    Demo(DemoArgs),
    /// Run the embedded S3-compatible server on 127.0.0.1.
    Serve(ServeArgs),
    /// Write randomised sample deployments into a bucket (any endpoint).
    Seed(SeedArgs),
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
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
    pub format: PlanFormat,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Delete without asking (required when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Print the plan and stop.
    #[arg(long)]
    pub dry_run: bool,
    /// Refuse to delete more than N deployments.
    #[arg(long, value_name = "N")]
    pub max_delete: Option<usize>,
    /// Where to append the JSON-lines audit log [default: ~/.local/state/s3prune/audit.jsonl]
    #[arg(long, value_name = "PATH")]
    pub audit_log: Option<PathBuf>,
    /// DeleteObjects requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub batches_in_flight: usize,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of sample deployments.
    #[arg(long, default_value_t = 40)]
    pub deployments: usize,
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
}
