//! A report's `manifest.json`, as AWS writes it, checked against its `manifest.checksum`
//! (the MD5 of the manifest's bytes, in hex).
//!
//! ```json
//! { "sourceBucket": "site", "destinationBucket": "arn:aws:s3:::inventories",
//!   "version": "2016-11-30", "creationTimestamp": "1798106400000", "fileFormat": "CSV",
//!   "fileSchema": "Bucket, Key, Size, LastModifiedDate, ETag, StorageClass",
//!   "files": [ { "key": "…/data/….csv.gz", "size": 2147483647, "MD5checksum": "f111…" } ] }
//! ```

use chrono::{DateTime, Utc};
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

/// The fields s3prune reads; AWS adds others (for the Hive manifest, encryption) that
/// are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub source_bucket: String,
    /// An ARN, `arn:aws:s3:::NAME`.
    pub destination_bucket: String,
    #[serde(default)]
    pub version: String,
    /// Milliseconds since the Unix epoch, as a string.
    pub creation_timestamp: String,
    pub file_format: String,
    pub file_schema: String,
    pub files: Vec<DataFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataFile {
    pub key: String,
    pub size: u64,
    #[serde(rename = "MD5checksum")]
    pub md5_checksum: String,
}

/// The data files' format, from `fileFormat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// gzip-compressed CSV, no header, URL-encoded keys.
    Csv,
    Parquet,
}

impl ReportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportFormat::Csv => "CSV",
            ReportFormat::Parquet => "Parquet",
        }
    }

    /// The data files' name ending.
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Csv => "csv.gz",
            ReportFormat::Parquet => "parquet",
        }
    }
}

impl Manifest {
    /// Parses `bytes` after checking them against `checksum` (the content of
    /// `manifest.checksum`). `place` names the manifest in messages.
    pub fn parse(bytes: &[u8], checksum: &[u8], place: &str) -> Result<Manifest, String> {
        let expected = String::from_utf8_lossy(checksum)
            .trim()
            .to_ascii_lowercase();
        let actual = hex::encode(Md5::digest(bytes));
        if expected != actual {
            return Err(format!(
                "{place} does not match its manifest.checksum (MD5 {actual}, the checksum file \
                 says {expected:?}): the manifest is damaged or was rewritten without its \
                 checksum. Nothing was deleted"
            ));
        }
        serde_json::from_slice(bytes).map_err(|e| {
            format!(
                "{place} is not an S3 Inventory manifest ({e}); it needs sourceBucket, \
                 destinationBucket, creationTimestamp, fileFormat, fileSchema and files. \
                 Nothing was deleted"
            )
        })
    }

    /// The bytes AWS would write, and their `manifest.checksum`.
    pub fn to_bytes(&self) -> (Vec<u8>, String) {
        let bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        let checksum = hex::encode(Md5::digest(&bytes));
        (bytes, checksum)
    }

    pub fn created(&self) -> Result<DateTime<Utc>, String> {
        self.creation_timestamp
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_millis)
            .ok_or_else(|| {
                format!(
                    "the manifest's creationTimestamp {:?} is not milliseconds since 1970 (AWS \
                     writes e.g. \"1798106400000\")",
                    self.creation_timestamp
                )
            })
    }

    pub fn format(&self) -> Result<ReportFormat, String> {
        match self.file_format.to_ascii_lowercase().as_str() {
            "csv" => Ok(ReportFormat::Csv),
            "parquet" => Ok(ReportFormat::Parquet),
            "orc" => Err(
                "the report is in ORC, which s3prune does not read; change the inventory \
                 configuration's output format to CSV or Parquet. Nothing was deleted"
                    .into(),
            ),
            _ => Err(format!(
                "the report's fileFormat {:?} is not one S3 Inventory writes (CSV, ORC, \
                 Parquet). Nothing was deleted",
                self.file_format
            )),
        }
    }

    /// The destination bucket's name, from its ARN (or as written, if not an ARN).
    pub fn destination_name(&self) -> &str {
        self.destination_bucket
            .strip_prefix("arn:aws:s3:::")
            .unwrap_or(&self.destination_bucket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AWS_EXAMPLE: &str = r#"{
    "sourceBucket": "example-source-bucket",
    "destinationBucket": "arn:aws:s3:::example-inventory-destination-bucket",
    "version": "2016-11-30",
    "creationTimestamp" : "1514944800000",
    "fileFormat": "CSV",
    "fileSchema": "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass, IsMultipartUploaded, ReplicationStatus, EncryptionStatus, ObjectLockRetainUntilDate, ObjectLockMode, ObjectLockLegalHoldStatus, IntelligentTieringAccessTier, BucketKeyStatus, ChecksumAlgorithm, ObjectAccessControlList, ObjectOwner",
    "files": [
        {
            "key": "Inventory/example-source-bucket/2016-11-06T21-32Z/files/939c6d46-85a9-4ba8-87bd-9db705a579ce.csv.gz",
            "size": 2147483647,
            "MD5checksum": "f11166069f1990abeb9c97ace9cdfabc"
        }
    ]
}"#;

    #[test]
    fn reads_the_aws_example() {
        let checksum = hex::encode(Md5::digest(AWS_EXAMPLE.as_bytes()));
        let manifest = Manifest::parse(AWS_EXAMPLE.as_bytes(), checksum.as_bytes(), "m").unwrap();
        assert_eq!(manifest.source_bucket, "example-source-bucket");
        assert_eq!(
            manifest.destination_name(),
            "example-inventory-destination-bucket"
        );
        assert_eq!(manifest.format(), Ok(ReportFormat::Csv));
        assert_eq!(
            manifest.created().unwrap().to_rfc3339(),
            "2018-01-03T02:00:00+00:00"
        );
        assert_eq!(manifest.files[0].size, 2147483647);
    }

    #[test]
    fn a_checksum_mismatch_is_refused() {
        let error = Manifest::parse(AWS_EXAMPLE.as_bytes(), b"00", "m").unwrap_err();
        assert!(
            error.contains("does not match its manifest.checksum"),
            "{error}"
        );
    }

    #[test]
    fn orc_and_unknown_formats_are_refused() {
        let mut manifest: Manifest = serde_json::from_str(AWS_EXAMPLE).unwrap();
        manifest.file_format = "ORC".into();
        assert!(manifest.format().unwrap_err().contains("ORC"));
        manifest.file_format = "JSON".into();
        assert!(manifest.format().unwrap_err().contains("JSON"));
    }

    #[test]
    fn written_manifests_carry_their_checksum() {
        let manifest: Manifest = serde_json::from_str(AWS_EXAMPLE).unwrap();
        let (bytes, checksum) = manifest.to_bytes();
        assert_eq!(
            Manifest::parse(&bytes, checksum.as_bytes(), "m").unwrap(),
            manifest
        );
    }
}
