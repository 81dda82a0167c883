//! Writing an S3 Inventory report as AWS lays it out, so that tests and benchmarks read
//! real files: `<prefix><source>/<config-id>/data/<uuid>.csv.gz` (or `.parquet`), then
//! `<prefix><source>/<config-id>/YYYY-MM-DDTHH-MMZ/manifest.json` and `manifest.checksum`.
//! CSV rows are quoted and their keys URL-encoded as AWS writes them.

use std::io::Write;

use chrono::SecondsFormat;
use flate2::write::GzEncoder;
use md5::{Digest, Md5};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::columns::schema_text;
use super::manifest::{DataFile, Manifest, ReportFormat};
use super::report_layout::ReportLayout;
use futures::stream::TryStreamExt;

use crate::bucket::{Bucket, Entry, Scope};
use crate::error::EngineError;
use crate::pages::{entries, PageRequest};

/// What was written.
#[derive(Debug, Clone)]
pub struct WrittenReport {
    pub manifest_key: String,
    pub files: usize,
    pub rows: u64,
}

/// Writes rows into data files as they fill, then the manifest.
pub struct ReportWriter<'a> {
    destination: &'a Bucket,
    layout: ReportLayout,
    pending: Vec<Entry>,
    files: Vec<DataFile>,
    rows: u64,
}

impl<'a> ReportWriter<'a> {
    pub fn new(destination: &'a Bucket, layout: ReportLayout) -> Result<Self, EngineError> {
        if layout.format == ReportFormat::Parquet && !cfg!(feature = "parquet") {
            return Err(EngineError::Other(super::PARQUET_NOT_BUILT.into()));
        }
        Ok(ReportWriter {
            destination,
            pending: Vec::with_capacity(layout.rows_per_file.min(100_000)),
            layout,
            files: Vec::new(),
            rows: 0,
        })
    }

    /// One row: an object (or, in an all-versions report, a version or delete marker).
    pub async fn add(&mut self, entry: Entry) -> Result<(), EngineError> {
        self.pending.push(entry);
        self.rows += 1;
        if self.pending.len() >= self.layout.rows_per_file.max(1) {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), EngineError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.pending);
        let layout = self.layout.clone();
        let body = tokio::task::spawn_blocking(move || encode(&layout, &rows))
            .await
            .map_err(|e| EngineError::Other(format!("encoding a report file stopped: {e}")))??;
        let key = format!(
            "{}data/{}.{}",
            self.layout.config_folder(),
            file_id(),
            self.layout.format.extension()
        );
        let file = DataFile {
            key: key.clone(),
            size: body.len() as u64,
            md5_checksum: hex::encode(Md5::digest(&body)),
        };
        let content_type = match self.layout.format {
            ReportFormat::Csv => "application/gzip",
            ReportFormat::Parquet => "application/octet-stream",
        };
        self.destination
            .put_object(&key, body, content_type, &[], None)
            .await?;
        self.files.push(file);
        Ok(())
    }

    /// Writes the last data file, then `manifest.json` and `manifest.checksum`.
    pub async fn finish(mut self) -> Result<WrittenReport, EngineError> {
        self.flush().await?;
        let layout = &self.layout;
        let manifest = Manifest {
            source_bucket: layout.source_bucket.clone(),
            destination_bucket: format!("arn:aws:s3:::{}", self.destination.name()),
            version: "2016-11-30".into(),
            creation_timestamp: layout.created.timestamp_millis().to_string(),
            file_format: layout.format.as_str().into(),
            file_schema: schema_text(layout.format == ReportFormat::Parquet, layout.all_versions),
            files: self.files.clone(),
        };
        let (bytes, checksum) = manifest.to_bytes();
        let manifest_key = layout.manifest_key();
        let checksum_key = manifest_key.replace("manifest.json", "manifest.checksum");
        self.destination
            .put_object(&manifest_key, bytes, "application/json", &[], None)
            .await?;
        self.destination
            .put_object(
                &checksum_key,
                checksum.into_bytes(),
                "text/plain",
                &[],
                None,
            )
            .await?;
        Ok(WrittenReport {
            manifest_key,
            files: self.files.len(),
            rows: self.rows,
        })
    }
}

/// Writes a report of `source` as it is now into `destination`: every current object,
/// or with `layout.all_versions` every version and delete marker.
pub async fn write_report_of(
    source: &Bucket,
    destination: &Bucket,
    layout: ReportLayout,
) -> Result<WrittenReport, EngineError> {
    let scope = if layout.all_versions {
        Scope::AllVersions
    } else {
        Scope::Current
    };
    let mut writer = ReportWriter::new(destination, layout)?;
    let listing = entries(source, PageRequest::flat(scope, ""), None);
    futures::pin_mut!(listing);
    while let Some(page) = listing.try_next().await? {
        for entry in page {
            writer.add(entry).await?;
        }
    }
    writer.finish().await
}

/// A data file's name: 32 random hex digits in the 8-4-4-4-12 form AWS uses.
fn file_id() -> String {
    let hex = format!("{:032x}", rand::random::<u128>());
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn encode(layout: &ReportLayout, rows: &[Entry]) -> Result<Vec<u8>, EngineError> {
    match layout.format {
        ReportFormat::Csv => Ok(encode_csv(layout, rows)),
        ReportFormat::Parquet => encode_parquet(layout, rows),
    }
}

/// Everything but letters, digits, `-_.~*` and `/` is escaped; a space becomes `+`.
const KEY_ESCAPES: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'*')
    .remove(b'/');

/// A key as a CSV report writes it (form URL encoding).
pub fn encode_key(key: &str) -> String {
    key.split(' ')
        .map(|part| utf8_percent_encode(part, KEY_ESCAPES).to_string())
        .collect::<Vec<_>>()
        .join("+")
}

fn encode_csv(layout: &ReportLayout, rows: &[Entry]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut line = String::new();
    for entry in rows {
        line.clear();
        let time = entry
            .last_modified
            .to_rfc3339_opts(SecondsFormat::Millis, true);
        let etag = entry.etag.as_deref().unwrap_or("").trim_matches('"');
        let mut fields: Vec<String> = vec![layout.source_bucket.clone(), encode_key(&entry.key)];
        if layout.all_versions {
            fields.push(entry.version_id.clone().unwrap_or_else(|| "null".into()));
            fields.push(entry.is_latest.to_string());
            fields.push(entry.is_delete_marker.to_string());
        }
        let marker = entry.is_delete_marker;
        fields.push(if marker {
            String::new()
        } else {
            entry.size.to_string()
        });
        fields.push(time);
        fields.push(if marker {
            String::new()
        } else {
            etag.to_string()
        });
        fields.push(if marker {
            String::new()
        } else {
            entry.storage_class.as_str().into()
        });
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            line.push('"');
            line.push_str(&field.replace('"', "\"\""));
            line.push('"');
        }
        line.push('\n');
        // Writing into memory cannot fail.
        let _ = gz.write_all(line.as_bytes());
    }
    gz.finish().unwrap_or_default()
}

#[cfg(feature = "parquet")]
fn encode_parquet(layout: &ReportLayout, rows: &[Entry]) -> Result<Vec<u8>, EngineError> {
    super::parquet_writer::encode(layout, rows)
        .map_err(|e| EngineError::Other(format!("cannot write a Parquet report file: {e}")))
}

#[cfg(not(feature = "parquet"))]
fn encode_parquet(_: &ReportLayout, _: &[Entry]) -> Result<Vec<u8>, EngineError> {
    Err(EngineError::Other(super::PARQUET_NOT_BUILT.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_form_encoded() {
        assert_eq!(encode_key("d1/a b+c,é.txt"), "d1/a+b%2Bc%2C%C3%A9.txt");
        assert_eq!(
            super::super::row_values::decode_key(&encode_key("d1/a b+c,é.txt")).as_deref(),
            Some("d1/a b+c,é.txt")
        );
    }

    #[test]
    fn manifests_sit_in_a_timestamp_folder() {
        let layout = ReportLayout {
            prefix: "inv/".into(),
            source_bucket: "site".into(),
            config_id: "daily".into(),
            format: ReportFormat::Csv,
            all_versions: false,
            created: chrono::DateTime::from_timestamp(1_798_106_400, 0).unwrap(),
            rows_per_file: 10,
        };
        assert_eq!(
            layout.manifest_key(),
            "inv/site/daily/2026-12-24T10-00Z/manifest.json"
        );
    }
}
