//! Planning from an S3 Inventory report (`--inventory URI`) instead of listing the
//! bucket: a billion keys are a million LIST requests, while S3 writes a daily or weekly
//! report of every object for a fraction of that. The report is only where the plan
//! comes from: the live deployments are found in the live bucket, and `prune` lists each
//! doomed deployment again before deleting it (`crate::drift`), so a stale report never
//! deletes what was written since.
//!
//! - `location`: the URI, and the newest report under a folder
//! - `manifest`: `manifest.json` and its checksum
//! - `columns`: which column holds what, from the manifest's `fileSchema`
//! - `data_file`: one data file downloaded, checked and decoded
//! - `csv_rows`, `parquet_rows`: the two formats' rows
//! - `aggregate`: rows folded into per-deployment tallies
//! - `report_listing`: all of it as the listing a plan is made from
//! - `writer` (and `parquet_writer`): writing reports, for tests and benchmarks

pub mod aggregate;
pub mod columns;
pub mod csv_rows;
pub mod data_file;
pub mod location;
pub mod manifest;
#[cfg(feature = "parquet")]
pub mod parquet_rows;
#[cfg(feature = "parquet")]
mod parquet_writer;
pub mod report_layout;
pub mod report_listing;
pub mod row_values;
pub mod writer;

pub use manifest::ReportFormat;
pub use report_layout::ReportLayout;
pub use report_listing::{list_deployments_from, list_from_report, ReportSummary};
pub use writer::{write_report_of, ReportWriter, WrittenReport};

/// The refusal for a Parquet report in a build without the `parquet` feature.
pub const PARQUET_NOT_BUILT: &str = "the inventory report is in Parquet, and this s3prune \
     was built without Parquet support (it is optional: it adds about 26 s to a clean \
     build). Rebuild with `cargo install s3prune --features parquet` (or `cargo build \
     --features parquet`), or set the inventory configuration's output format to CSV. \
     Nothing was deleted";
