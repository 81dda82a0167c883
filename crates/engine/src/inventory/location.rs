//! Where a report is: `--inventory s3://BUCKET/…/manifest.json`, or a folder under which
//! the newest report's `manifest.json` is taken. AWS writes each report's manifest to
//! `<destination-prefix>/<source-bucket>/<config-id>/YYYY-MM-DDTHH-MMZ/manifest.json`, so
//! the newest is the one in the greatest timestamp folder.

use futures::stream::TryStreamExt;

use crate::bucket::{Bucket, Scope};
use crate::error::EngineError;
use crate::pages::{pages, PageRequest};

pub const MANIFEST_NAME: &str = "manifest.json";
pub const CHECKSUM_NAME: &str = "manifest.checksum";

/// A parsed `s3://BUCKET/KEY` inventory URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportUri {
    pub bucket: String,
    /// A manifest's key, or a folder (empty for the bucket's root, else ending in `/`).
    pub key: String,
}

impl ReportUri {
    pub fn parse(uri: &str) -> Result<ReportUri, String> {
        let rest = uri.strip_prefix("s3://").ok_or_else(|| {
            format!(
                "--inventory {uri:?} is not an s3:// URI; give the report's manifest, \
                 s3://BUCKET/PREFIX/SOURCE-BUCKET/CONFIG-ID/YYYY-MM-DDTHH-MMZ/manifest.json, or \
                 a folder above it to take the newest report"
            )
        })?;
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!(
                "--inventory {uri:?} names no bucket: write s3://BUCKET/…"
            ));
        }
        let key = if key.is_empty() || key.ends_with('/') || names_manifest(key) {
            key.to_string()
        } else {
            format!("{key}/")
        };
        Ok(ReportUri {
            bucket: bucket.to_string(),
            key,
        })
    }

    pub fn names_manifest(&self) -> bool {
        names_manifest(&self.key)
    }
}

fn names_manifest(key: &str) -> bool {
    key == MANIFEST_NAME || key.ends_with(&format!("/{MANIFEST_NAME}"))
}

/// Whether a folder name is a report's `YYYY-MM-DDTHH-MMZ`.
pub fn is_report_folder(name: &str) -> bool {
    let b = name.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    b.len() == 17
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b'-'
        && digits(14..16)
        && b[16] == b'Z'
}

/// How deep under the folder given the report folders are looked for: the folder may be
/// the destination prefix, the source bucket's folder or a configuration's.
const MAX_DEPTH: usize = 3;

/// The key of the newest `manifest.json` under `folder` in `reports`. Timestamp folders
/// of reports for another source bucket than `source` are passed over when reports for
/// `source` are there too. Several configurations' reports under the folder are refused
/// rather than mixed: their rows could differ in scope.
pub async fn newest_manifest(
    reports: &Bucket,
    folder: &str,
    source: &str,
) -> Result<String, EngineError> {
    let own_name = folder
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    if is_report_folder(own_name) {
        return Ok(format!("{folder}{MANIFEST_NAME}"));
    }
    let mut found: Vec<String> = Vec::new();
    let mut level = vec![folder.to_string()];
    for depth in 0..=MAX_DEPTH {
        let mut next = Vec::new();
        for prefix in &level {
            let listing = pages(
                reports,
                PageRequest {
                    scope: Scope::Current,
                    prefix,
                    delimiter: Some("/"),
                    start_after: None,
                    page_size: None,
                },
                None,
            );
            futures::pin_mut!(listing);
            while let Some(page) = listing.try_next().await? {
                for sub in page.common_prefixes {
                    let name = sub[prefix.len()..].trim_end_matches('/');
                    if is_report_folder(name) {
                        found.push(sub);
                    } else if depth < MAX_DEPTH && name != "data" && name != "hive" {
                        next.push(sub);
                    }
                }
            }
        }
        if !found.is_empty() {
            break;
        }
        level = next;
    }
    let place = format!("s3://{}/{folder}", reports.name());
    if found.is_empty() {
        return Err(EngineError::Other(format!(
            "no inventory report under {place}: expected folders named YYYY-MM-DDTHH-MMZ \
             holding a manifest.json (AWS writes them to \
             PREFIX/SOURCE-BUCKET/CONFIG-ID/YYYY-MM-DDTHH-MMZ/). Check --inventory; nothing \
             was deleted"
        )));
    }
    // The folder above a timestamp folder is the configuration's, above it the source
    // bucket's.
    let config_of = |ts: &str| parent(ts).to_string();
    let source_of = |ts: &str| {
        let config = parent(ts);
        let bucket = parent(config);
        bucket[parent(bucket).len()..]
            .trim_end_matches('/')
            .to_string()
    };
    if found.iter().any(|ts| source_of(ts) == source) {
        found.retain(|ts| source_of(ts) == source);
    }
    let mut configs: Vec<String> = found.iter().map(|ts| config_of(ts)).collect();
    configs.sort();
    configs.dedup();
    if configs.len() > 1 {
        let names: Vec<String> = configs
            .iter()
            .map(|c| format!("s3://{}/{c}", reports.name()))
            .collect();
        return Err(EngineError::Other(format!(
            "{place} holds the reports of {} inventory configurations ({}); pass the one to \
             plan from with --inventory. Nothing was deleted",
            configs.len(),
            names.join(", ")
        )));
    }
    found.sort();
    let newest = found.pop().expect("at least one report folder");
    Ok(format!("{newest}{MANIFEST_NAME}"))
}

/// `a/b/c/` → `a/b/`; `a/` → ``.
fn parent(folder: &str) -> &str {
    let trimmed = folder.strip_suffix('/').unwrap_or(folder);
    match trimmed.rfind('/') {
        Some(i) => &trimmed[..=i],
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_name_a_manifest_or_a_folder() {
        let uri =
            ReportUri::parse("s3://inv/p/site/daily/2026-11-01T00-00Z/manifest.json").unwrap();
        assert_eq!(uri.bucket, "inv");
        assert!(uri.names_manifest());
        let uri = ReportUri::parse("s3://inv/p/site").unwrap();
        assert_eq!(uri.key, "p/site/");
        assert!(!uri.names_manifest());
        assert_eq!(ReportUri::parse("s3://inv").unwrap().key, "");
        assert!(ReportUri::parse("inv/p").is_err());
        assert!(ReportUri::parse("s3:///p").is_err());
    }

    #[test]
    fn report_folders_are_timestamps() {
        assert!(is_report_folder("2026-11-01T10-00Z"));
        assert!(!is_report_folder("2026-11-01T10:00Z"));
        assert!(!is_report_folder("data"));
        assert!(!is_report_folder("2026-11-01T10-00"));
    }

    #[test]
    fn parents_are_folders() {
        assert_eq!(parent("a/b/c/"), "a/b/");
        assert_eq!(parent("a/"), "");
    }
}
