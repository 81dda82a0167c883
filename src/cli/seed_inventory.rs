//! `seed --inventory-to`: an S3 Inventory report of the seeded bucket, laid out as AWS
//! writes it, so `--inventory` can be tried (and tested) without AWS.

use chrono::{DurationRound, TimeDelta, Utc};
use clap::{Args, ValueEnum};

use crate::engine::bucket::Bucket;
use crate::engine::inventory::location::ReportUri;
use crate::engine::inventory::{write_report_of, ReportFormat, ReportLayout};
use crate::format::count;
use crate::operations::failure::Failure;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFileFormat {
    /// gzip-compressed CSV, as AWS writes it
    Csv,
    /// Parquet (needs a build with --features parquet)
    Parquet,
}

#[derive(Debug, Clone, Args)]
pub struct InventoryReportArgs {
    /// Also write an S3 Inventory report of the bucket under this folder, laid out as AWS
    /// does (FOLDER/BUCKET/CONFIG-ID/YYYY-MM-DDTHH-MMZ/manifest.json, data/…); its bucket
    /// is created if missing. Plan from it with --inventory.
    #[arg(long, value_name = "s3://DEST/PREFIX/")]
    pub inventory_to: Option<String>,
    /// The report's data files.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ReportFileFormat::Csv, requires = "inventory_to")]
    pub inventory_format: ReportFileFormat,
    /// List every version and delete marker (the report --all-versions plans need).
    #[arg(long, requires = "inventory_to")]
    pub inventory_all_versions: bool,
    /// The inventory configuration's id: the folder under the bucket's name.
    #[arg(
        long,
        value_name = "ID",
        default_value = "s3prune",
        requires = "inventory_to"
    )]
    pub inventory_config_id: String,
    /// Rows per data file.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 100_000,
        requires = "inventory_to"
    )]
    pub inventory_rows_per_file: usize,
    /// Write only the report of the bucket as it is now; upload no deployments.
    #[arg(long, requires = "inventory_to")]
    pub inventory_only: bool,
}

impl InventoryReportArgs {
    /// The destination folder, checked before any request.
    pub fn destination(&self) -> Result<Option<ReportUri>, Failure> {
        let Some(uri) = &self.inventory_to else {
            return Ok(None);
        };
        let parsed = ReportUri::parse(uri)
            .map_err(|e| Failure::Usage(e.replace("--inventory ", "--inventory-to ")))?;
        if parsed.names_manifest() {
            return Err(Failure::Usage(format!(
                "--inventory-to {uri:?}: give the folder to write reports under (e.g. \
                 s3://inventories/), not a manifest"
            )));
        }
        if self.inventory_rows_per_file == 0 {
            return Err(Failure::Usage(
                "--inventory-rows-per-file must be at least 1".into(),
            ));
        }
        Ok(Some(parsed))
    }

    /// Writes the report of `source` into `destination` and says where it is.
    pub async fn write(&self, source: &Bucket, destination: &ReportUri) -> Result<(), Failure> {
        let reports = source.sibling(&destination.bucket);
        reports.create_if_missing().await?;
        let now = Utc::now();
        let layout = ReportLayout {
            prefix: destination.key.clone(),
            source_bucket: source.name().to_string(),
            config_id: self.inventory_config_id.clone(),
            format: match self.inventory_format {
                ReportFileFormat::Csv => ReportFormat::Csv,
                ReportFileFormat::Parquet => ReportFormat::Parquet,
            },
            all_versions: self.inventory_all_versions,
            created: now.duration_trunc(TimeDelta::minutes(1)).unwrap_or(now),
            rows_per_file: self.inventory_rows_per_file,
        };
        let written = write_report_of(source, &reports, layout).await?;
        println!(
            "Wrote an S3 Inventory report of s3://{}/ ({} rows in {} data file{}): plan from \
             it with --inventory s3://{}/{}",
            source.name(),
            count(written.rows),
            written.files,
            if written.files == 1 { "" } else { "s" },
            reports.name(),
            written.manifest_key
        );
        Ok(())
    }
}
