use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{SecondsFormat, Utc};
use serde::Serialize;

/// Append-only JSON-lines record of every delete request's outcome, one line per key.
/// Flushed after every batch, so it matches the bucket even if the process is killed.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    writer: Mutex<BufWriter<File>>,
}

#[derive(Debug, Serialize)]
struct AuditRecord<'a> {
    time: String,
    bucket: &'a str,
    key: &'a str,
    version: Option<&'a str>,
    result: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    marker_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    upload_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<&'a str>,
}

pub enum AuditResult<'a> {
    Deleted,
    /// A plain delete in a versioned bucket: it created this delete marker.
    DeletedWithMarker {
        marker_version: &'a str,
    },
    Failed {
        code: &'a str,
        message: &'a str,
    },
    /// `undo` removed this delete marker, which restored the previous version.
    Restored {
        marker_version: &'a str,
    },
    /// `prune --via lifecycle` wrote this lifecycle rule for the prefix in `key`; S3
    /// deletes the objects later.
    LifecycleRule {
        rule_id: &'a str,
    },
    /// `undo` could not remove this delete marker.
    RestoreFailed {
        marker_version: &'a str,
        code: &'a str,
        message: &'a str,
    },
    /// An incomplete multipart upload under a deleted deployment was aborted.
    Aborted {
        upload_id: &'a str,
    },
    /// Aborting that upload failed.
    AbortFailed {
        upload_id: &'a str,
        code: &'a str,
        message: &'a str,
    },
}

impl AuditLog {
    /// Opens (creating with owner-only permissions) the log for appending.
    pub fn open(path: &Path) -> std::io::Result<AuditLog> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(path)?;
        Ok(AuditLog {
            path: path.to_path_buf(),
            writer: Mutex::new(BufWriter::new(file)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one line per key and flushes.
    pub fn record<'k>(
        &self,
        bucket: &str,
        entries: impl IntoIterator<Item = (&'k str, Option<&'k str>, AuditResult<'k>)>,
    ) -> std::io::Result<()> {
        let time = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        for (key, version, result) in entries {
            let rule = match result {
                AuditResult::LifecycleRule { rule_id } => Some(rule_id),
                _ => None,
            };
            let mut upload_id = None;
            let (result, marker_version, error) = match result {
                AuditResult::Deleted => ("deleted", None, None),
                AuditResult::LifecycleRule { .. } => ("lifecycle-rule", None, None),
                AuditResult::DeletedWithMarker { marker_version } => {
                    ("deleted", Some(marker_version), None)
                }
                AuditResult::Failed { code, message } => {
                    ("failed", None, Some(format!("{code}: {message}")))
                }
                AuditResult::Restored { marker_version } => {
                    ("restored", Some(marker_version), None)
                }
                AuditResult::RestoreFailed {
                    marker_version,
                    code,
                    message,
                } => (
                    "restore-failed",
                    Some(marker_version),
                    Some(format!("{code}: {message}")),
                ),
                AuditResult::Aborted { upload_id: id } => {
                    upload_id = Some(id);
                    ("aborted", None, None)
                }
                AuditResult::AbortFailed {
                    upload_id: id,
                    code,
                    message,
                } => {
                    upload_id = Some(id);
                    ("abort-failed", None, Some(format!("{code}: {message}")))
                }
            };
            let record = AuditRecord {
                time: time.clone(),
                bucket,
                key,
                version,
                result,
                marker_version,
                upload_id,
                error,
                rule,
            };
            serde_json::to_writer(&mut *writer, &record)?;
            writer.write_all(b"\n")?;
        }
        writer.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_one_json_line_per_key_with_private_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("audit.jsonl");
        let log = AuditLog::open(&path).unwrap();
        log.record(
            "b",
            [
                ("d/a b.txt", None, AuditResult::Deleted),
                (
                    "d/x",
                    Some("v1"),
                    AuditResult::Failed {
                        code: "AccessDenied",
                        message: "no",
                    },
                ),
            ],
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["key"], "d/a b.txt");
        assert_eq!(lines[0]["result"], "deleted");
        assert!(lines[0]["version"].is_null());
        assert_eq!(lines[1]["version"], "v1");
        assert_eq!(lines[1]["error"], "AccessDenied: no");
        assert!(lines[0].get("marker_version").is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn marker_versions_are_recorded_for_deletes_and_restores() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::open(&path).unwrap();
        log.record(
            "b",
            [(
                "d/a",
                None,
                AuditResult::DeletedWithMarker {
                    marker_version: "m1",
                },
            )],
        )
        .unwrap();
        log.record(
            "b",
            [(
                "d/a",
                None,
                AuditResult::Restored {
                    marker_version: "m1",
                },
            )],
        )
        .unwrap();
        let lines: Vec<serde_json::Value> = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines[0]["result"], "deleted");
        assert_eq!(lines[0]["marker_version"], "m1");
        assert!(lines[0]["version"].is_null());
        assert_eq!(lines[1]["result"], "restored");
        assert_eq!(lines[1]["marker_version"], "m1");
    }

    #[test]
    fn a_lifecycle_rule_is_recorded_with_its_prefix_and_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::open(&path).unwrap();
        log.record(
            "b",
            [(
                "d1/",
                None,
                AuditResult::LifecycleRule {
                    rule_id: "s3prune:d1/",
                },
            )],
        )
        .unwrap();
        let line: serde_json::Value =
            serde_json::from_str(std::fs::read_to_string(&path).unwrap().trim()).unwrap();
        assert_eq!(line["result"], "lifecycle-rule");
        assert_eq!(line["key"], "d1/");
        assert_eq!(line["rule"], "s3prune:d1/");
        assert!(line.get("error").is_none());
    }
}
