//! Where and how a written S3 Inventory report is laid out.

use chrono::{DateTime, Utc};

use super::manifest::ReportFormat;

/// Where and how to write a report.
#[derive(Debug, Clone)]
pub struct ReportLayout {
    /// The destination prefix (empty, or ending in `/`).
    pub prefix: String,
    /// The bucket the report describes.
    pub source_bucket: String,
    /// The inventory configuration's id.
    pub config_id: String,
    pub format: ReportFormat,
    /// Every version and delete marker (`IncludedObjectVersions: All`), or current
    /// objects only.
    pub all_versions: bool,
    /// When the scan "started": the timestamp folder and `creationTimestamp`.
    pub created: DateTime<Utc>,
    /// Rows per data file.
    pub rows_per_file: usize,
}

impl ReportLayout {
    /// The configuration's folder, `<prefix><source>/<config-id>/`.
    pub fn config_folder(&self) -> String {
        format!("{}{}/{}/", self.prefix, self.source_bucket, self.config_id)
    }

    /// The manifest's key.
    pub fn manifest_key(&self) -> String {
        format!(
            "{}{}/manifest.json",
            self.config_folder(),
            self.created.format("%Y-%m-%dT%H-%MZ")
        )
    }
}
