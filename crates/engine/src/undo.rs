//! `undo`: in a versioned bucket a plain delete only adds delete markers, and the audit
//! log records each marker's version id. Removing exactly those markers brings the
//! previous versions back. Undo never deletes an object version: it only sends version
//! ids that the log recorded as markers *and* that the bucket still lists as the key's
//! newest entry, a delete marker.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use serde::Deserialize;

use super::audit::{AuditLog, AuditResult};
use super::bucket::{is_xml_safe, Bucket, KeyError, ObjectRef, DELETE_BATCH_LIMIT};
use super::error::{is_retryable_code, EngineError};

/// One line of the audit log, as far as undo needs it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AuditLine {
    pub time: DateTime<Utc>,
    pub bucket: String,
    pub key: String,
    #[serde(default)]
    pub version: Option<String>,
    pub result: String,
    #[serde(default)]
    pub marker_version: Option<String>,
}

/// An audit log read for undo. Lines that are not audit records (a line cut short when
/// s3prune was killed, a hand edit) are skipped and counted, not fatal.
#[derive(Debug, Clone)]
pub struct AuditFile {
    pub path: PathBuf,
    pub lines: Vec<AuditLine>,
    /// 1-based numbers of the lines that could not be read.
    pub malformed: Vec<usize>,
}

/// Which deletions to undo.
#[derive(Debug, Clone)]
pub struct Selection {
    pub bucket: String,
    /// `--prefix`, normalised (empty or ending in `/`).
    pub root: String,
    /// Only deletions at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only these deployments (first path segment under the root); empty means all.
    pub deployments: Vec<String>,
}

/// A deleted key whose delete marker the log names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restorable {
    pub key: String,
    pub deployment: String,
    pub marker_version: String,
    pub deleted_at: DateTime<Utc>,
}

/// Why undo refused before changing anything. `is_usage` ones are a wrong `--audit-log`
/// (exit 2); the others are a log that holds nothing undo may do for this selection (exit 1).
#[derive(Debug, Clone, thiserror::Error)]
pub enum UndoError {
    #[error("cannot read the audit log {path}: {detail}. Give the file that prune wrote with --audit-log PATH; nothing was changed")]
    Unreadable { path: String, detail: String },
    #[error("{path} is not an s3prune audit log: none of its lines is a JSON audit record (line {line}: {detail}); nothing was changed")]
    NotAnAuditLog {
        path: String,
        line: usize,
        detail: String,
    },
    #[error("the audit log {path} records no deletions in bucket {bucket:?} (its lines are for {others}); check --bucket and --audit-log; nothing was changed")]
    OtherBucket {
        path: String,
        bucket: String,
        others: String,
    },
    #[error("nothing to undo in bucket {bucket:?}: {why}; nothing was changed")]
    NothingSelected { bucket: String, why: String },
    #[error("{0}")]
    Permanent(String),
}

impl UndoError {
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            UndoError::Unreadable { .. } | UndoError::NotAnAuditLog { .. }
        )
    }
}

pub fn read_audit_log(path: &Path) -> Result<AuditFile, UndoError> {
    let text = std::fs::read(path).map_err(|e| UndoError::Unreadable {
        path: path.display().to_string(),
        detail: match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            _ => e.to_string(),
        },
    })?;
    parse_audit_log(path, &String::from_utf8_lossy(&text))
}

pub fn parse_audit_log(path: &Path, text: &str) -> Result<AuditFile, UndoError> {
    let mut lines = Vec::new();
    let mut malformed = Vec::new();
    let mut first_error = None;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<AuditLine>(line) {
            Ok(parsed) => lines.push(parsed),
            Err(e) => {
                first_error.get_or_insert_with(|| e.to_string());
                malformed.push(i + 1);
            }
        }
    }
    if lines.is_empty() && !malformed.is_empty() {
        return Err(UndoError::NotAnAuditLog {
            path: path.display().to_string(),
            line: malformed[0],
            detail: first_error.unwrap_or_default(),
        });
    }
    Ok(AuditFile {
        path: path.to_path_buf(),
        lines,
        malformed,
    })
}

/// The deployment a key belongs to: its first path segment under the root. `None` for
/// keys outside the root and for objects directly under it (never deleted by s3prune).
pub fn deployment_of<'k>(key: &'k str, root: &str) -> Option<&'k str> {
    let (name, _) = key.strip_prefix(root)?.split_once('/')?;
    Some(name)
}

/// The keys to restore: for each key in the selection, its latest recorded deletion.
/// Refuses (changing nothing) when the log has nothing for the bucket, when the filters
/// select nothing, and when any selected deletion is permanent: an `--all-versions`
/// deletion (the line names a version) or one without a delete marker (an unversioned
/// bucket). Undoing only part of a selection would look like success while keys stay
/// gone, so a mixed selection is refused as a whole, naming what to narrow it to.
pub fn select(file: &AuditFile, selection: &Selection) -> Result<Vec<Restorable>, UndoError> {
    let bucket = &selection.bucket;
    let in_bucket: Vec<&AuditLine> = file.lines.iter().filter(|l| &l.bucket == bucket).collect();
    if in_bucket.is_empty() {
        if file.lines.is_empty() {
            return Err(UndoError::NothingSelected {
                bucket: bucket.clone(),
                why: format!("the audit log {} is empty", file.path.display()),
            });
        }
        let others: BTreeSet<&str> = file.lines.iter().map(|l| l.bucket.as_str()).collect();
        return Err(UndoError::OtherBucket {
            path: file.path.display().to_string(),
            bucket: bucket.clone(),
            others: names(others.iter().map(|b| format!("{b:?}")), 5),
        });
    }

    let wanted: BTreeSet<&str> = selection
        .deployments
        .iter()
        .map(|d| d.trim_end_matches('/'))
        .collect();
    let mut seen_deployments: BTreeSet<&str> = BTreeSet::new();
    // Log order is time order: a later deletion of the same key replaces an earlier one.
    let mut latest: BTreeMap<&str, (&str, &AuditLine)> = BTreeMap::new();
    for line in in_bucket.iter().filter(|l| l.result == "deleted") {
        let Some(deployment) = deployment_of(&line.key, &selection.root) else {
            continue;
        };
        seen_deployments.insert(deployment);
        if !wanted.is_empty() && !wanted.contains(deployment) {
            continue;
        }
        if selection.since.is_some_and(|since| line.time < since) {
            continue;
        }
        latest.insert(&line.key, (deployment, line));
    }

    let missing: Vec<&str> = wanted
        .iter()
        .filter(|d| !seen_deployments.contains(*d))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(UndoError::NothingSelected {
            bucket: bucket.clone(),
            why: format!(
                "the audit log records no deletion in {} {}",
                if missing.len() == 1 {
                    "deployment"
                } else {
                    "deployments"
                },
                names(missing.iter().map(|d| format!("{d:?}")), 5)
            ),
        });
    }
    if latest.is_empty() {
        let mut why = String::from("no deletion in the audit log matches");
        if !selection.root.is_empty() {
            why.push_str(&format!(" --prefix {:?}", selection.root));
        }
        if let Some(since) = selection.since {
            why.push_str(&format!(
                " --since {}",
                since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ));
        }
        if why.ends_with("matches") {
            why = String::from("the audit log records no deletion of a deployment's key");
        }
        return Err(UndoError::NothingSelected {
            bucket: bucket.clone(),
            why,
        });
    }

    let mut restorable = Vec::new();
    let mut all_versions: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unversioned: BTreeMap<&str, usize> = BTreeMap::new();
    let mut suspended: BTreeMap<&str, usize> = BTreeMap::new();
    for (key, (deployment, line)) in latest {
        match (&line.version, &line.marker_version) {
            (Some(_), _) => *all_versions.entry(deployment).or_default() += 1,
            (None, None) => *unversioned.entry(deployment).or_default() += 1,
            // A "null" marker comes from a bucket with versioning Suspended, where the
            // delete replaced the object's null version: removing the marker would bring
            // back an older version, or nothing, not what was deleted.
            (None, Some(marker)) if marker == "null" => {
                *suspended.entry(deployment).or_default() += 1
            }
            (None, Some(marker)) => restorable.push(Restorable {
                key: key.to_string(),
                deployment: deployment.to_string(),
                marker_version: marker.clone(),
                deleted_at: line.time,
            }),
        }
    }
    if all_versions.is_empty() && unversioned.is_empty() && suspended.is_empty() {
        return Ok(restorable);
    }
    Err(UndoError::Permanent(permanent_message(
        &all_versions,
        &unversioned,
        &suspended,
        &restorable,
    )))
}

fn permanent_message(
    all_versions: &BTreeMap<&str, usize>,
    unversioned: &BTreeMap<&str, usize>,
    suspended: &BTreeMap<&str, usize>,
    restorable: &[Restorable],
) -> String {
    let total: usize = all_versions
        .values()
        .chain(unversioned.values())
        .chain(suspended.values())
        .sum();
    let mut parts = Vec::new();
    if !all_versions.is_empty() {
        parts.push(format!(
            "{} removed object versions for good (--all-versions) in {}",
            all_versions.values().sum::<usize>(),
            names(all_versions.keys().map(|d| format!("{d:?}")), 5)
        ));
    }
    if !unversioned.is_empty() {
        parts.push(format!(
            "{} recorded no delete marker (the bucket was not versioned, so no older version was kept; or the log was written by an s3prune that did not record markers yet) in {}",
            unversioned.values().sum::<usize>(),
            names(unversioned.keys().map(|d| format!("{d:?}")), 5)
        ));
    }
    if !suspended.is_empty() {
        parts.push(format!(
            "{} were made while versioning was Suspended (the delete replaced the object's null version) in {}",
            suspended.values().sum::<usize>(),
            names(suspended.keys().map(|d| format!("{d:?}")), 5)
        ));
    }
    let mut message = format!(
        "{total} of the selected deletions {} permanent and cannot be undone: {}; nothing was changed",
        if total == 1 { "is" } else { "are" },
        parts.join(", and ")
    );
    if !restorable.is_empty() {
        let undoable: BTreeSet<&str> = restorable.iter().map(|r| r.deployment.as_str()).collect();
        message.push_str(&format!(
            ". {} other {} can be undone (in {}): select only them with --deployment NAME or --since TIME",
            restorable.len(),
            if restorable.len() == 1 {
                "deletion"
            } else {
                "deletions"
            },
            names(undoable.iter().map(|d| format!("{d:?}")), 5)
        ));
    }
    message
}

/// `a, b, c and 4 more`.
fn names(items: impl Iterator<Item = String>, limit: usize) -> String {
    let items: Vec<String> = items.collect();
    let shown = items
        .iter()
        .take(limit)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > limit {
        format!("{shown} and {} more", items.len() - limit)
    } else {
        shown
    }
}

/// Where each selected key stands now.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    /// The recorded delete marker is still the key's newest entry: removing it restores
    /// the previous version.
    pub restorable: Vec<Restorable>,
    /// Something was written (or deleted) since: the marker is no longer the newest, so
    /// removing it would not bring the deleted version back. Left alone.
    pub written_since: Vec<Restorable>,
    /// The marker is gone: undone before, or removed by someone else.
    pub already_restored: Vec<Restorable>,
}

/// Lists the versions of each selected key (one request per key, `concurrency` at once).
/// Any failure fails the whole check, so a partial view never drives a restore.
pub async fn check(
    bucket: &Bucket,
    selected: Vec<Restorable>,
    concurrency: usize,
) -> Result<Checked, EngineError> {
    let states: Vec<(Restorable, MarkerState)> = futures::stream::iter(selected)
        .map(|item| async move {
            let versions = bucket.versions_of_key(&item.key).await?;
            let newest = versions.iter().find(|v| v.is_latest);
            let state = match newest {
                Some(v)
                    if v.is_delete_marker
                        && v.version_id.as_deref() == Some(&item.marker_version) =>
                {
                    MarkerState::Newest
                }
                _ if versions
                    .iter()
                    .any(|v| v.version_id.as_deref() == Some(&item.marker_version)) =>
                {
                    MarkerState::Superseded
                }
                _ => MarkerState::Gone,
            };
            Ok::<_, EngineError>((item, state))
        })
        .buffered(concurrency.max(1))
        .try_collect()
        .await?;
    let mut checked = Checked::default();
    for (item, state) in states {
        match state {
            MarkerState::Newest => checked.restorable.push(item),
            MarkerState::Superseded => checked.written_since.push(item),
            MarkerState::Gone => checked.already_restored.push(item),
        }
    }
    Ok(checked)
}

enum MarkerState {
    Newest,
    Superseded,
    Gone,
}

/// What a restore did.
#[derive(Debug, Clone, Default)]
pub struct Restored {
    pub restored: Vec<Restorable>,
    pub failed: Vec<(Restorable, KeyError)>,
}

impl Restored {
    /// How many deployments got at least one key back.
    pub fn deployments(&self) -> usize {
        self.restored
            .iter()
            .map(|r| r.deployment.as_str())
            .collect::<BTreeSet<_>>()
            .len()
    }
}

const ROUNDS: u32 = 4;

/// Removes the checked delete markers by version id (DeleteObjects batches of at most
/// 1000, DeleteObject for keys XML cannot carry), retrying throttling and server errors,
/// and appends a `restored` (or `restore-failed`) line per key to the audit log after
/// every batch.
pub async fn restore(
    bucket: &Bucket,
    items: &[Restorable],
    audit: &AuditLog,
) -> Result<Restored, EngineError> {
    let mut restored = Restored::default();
    let (batchable, single): (Vec<&Restorable>, Vec<&Restorable>) =
        items.iter().partition(|r| is_xml_safe(&r.key));
    let batches = batchable
        .chunks(DELETE_BATCH_LIMIT)
        .map(<[&Restorable]>::to_vec)
        .chain(single.chunks(1).map(<[&Restorable]>::to_vec));
    for batch in batches {
        let outcome = restore_batch(bucket, &batch).await;
        let lines = outcome
            .restored
            .iter()
            .map(|r| {
                (
                    r.key.as_str(),
                    None,
                    AuditResult::Restored {
                        marker_version: &r.marker_version,
                    },
                )
            })
            .chain(outcome.failed.iter().map(|(r, e)| {
                (
                    r.key.as_str(),
                    None,
                    AuditResult::RestoreFailed {
                        marker_version: &r.marker_version,
                        code: &e.code,
                        message: &e.message,
                    },
                )
            }));
        audit.record(bucket.name(), lines).map_err(|e| {
            EngineError::Other(format!(
                "cannot write the audit log {}: {e}",
                audit.path().display()
            ))
        })?;
        restored.restored.extend(outcome.restored);
        restored.failed.extend(outcome.failed);
    }
    Ok(restored)
}

async fn restore_batch(bucket: &Bucket, batch: &[&Restorable]) -> Restored {
    let mut outcome = Restored::default();
    let mut pending: Vec<&Restorable> = batch.to_vec();
    for round in 1..=ROUNDS {
        let refs: Vec<ObjectRef> = pending
            .iter()
            .map(|r| ObjectRef {
                key: r.key.clone(),
                version_id: Some(r.marker_version.clone()),
            })
            .collect();
        let mut by_ref: HashMap<ObjectRef, &Restorable> =
            refs.iter().cloned().zip(pending.iter().copied()).collect();
        let mut retry: Vec<(&Restorable, KeyError)> = Vec::new();
        let reply = if refs.len() == 1 && !is_xml_safe(&refs[0].key) {
            bucket
                .delete_one(&refs[0])
                .await
                .map(|_| super::bucket::DeleteReply {
                    deleted: refs.clone(),
                    ..Default::default()
                })
        } else {
            bucket.delete_objects(&refs).await
        };
        match reply {
            Ok(reply) => {
                for object in reply.deleted {
                    if let Some(item) = by_ref.remove(&object) {
                        outcome.restored.push(item.clone());
                    }
                }
                for (object, error) in reply.errors {
                    if let Some(item) = by_ref.remove(&object) {
                        if is_retryable_code(&error.code) {
                            retry.push((item, error));
                        } else {
                            outcome.failed.push((item.clone(), error));
                        }
                    }
                }
            }
            Err(error) => {
                let retryable = error.is_retryable();
                let code = match &error {
                    EngineError::Service { code, .. } | EngineError::Throttled { code } => {
                        code.clone()
                    }
                    _ => "Error".to_string(),
                };
                for item in pending.iter().copied() {
                    let key_error = KeyError {
                        key: item.key.clone(),
                        code: code.clone(),
                        message: error.to_string(),
                    };
                    if retryable {
                        retry.push((item, key_error));
                    } else {
                        outcome.failed.push((item.clone(), key_error));
                    }
                }
            }
        }
        if retry.is_empty() {
            break;
        }
        if round == ROUNDS {
            outcome
                .failed
                .extend(retry.into_iter().map(|(item, e)| (item.clone(), e)));
            break;
        }
        tokio::time::sleep(Duration::from_millis(200 << round)).await;
        pending = retry.into_iter().map(|(item, _)| item).collect();
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(lines: &[&str]) -> AuditFile {
        parse_audit_log(Path::new("audit.jsonl"), &lines.join("\n")).unwrap()
    }

    fn deleted(time: &str, bucket: &str, key: &str, marker: Option<&str>) -> String {
        let mut line = serde_json::json!({
            "time": time, "bucket": bucket, "key": key, "version": null, "result": "deleted",
        });
        if let Some(marker) = marker {
            line["marker_version"] = marker.into();
        }
        line.to_string()
    }

    fn selection(bucket: &str) -> Selection {
        Selection {
            bucket: bucket.into(),
            root: String::new(),
            since: None,
            deployments: Vec::new(),
        }
    }

    const T1: &str = "2026-05-01T10:00:00.000Z";
    const T2: &str = "2026-05-02T10:00:00.000Z";

    #[test]
    fn reads_audit_lines_and_counts_the_malformed_ones() {
        let good = deleted(T1, "b", "d1/a", Some("m1"));
        let text = format!(
            "{good}\n\n{{\"time\": \"2026-05-01T10:00:00Z\", \"bucket\": \"b\"\nnot json\n{}\n",
            r#"{"time":"2026-05-01T10:00:00.000Z","bucket":"b","key":"d1/x","version":"v1","result":"failed","error":"SlowDown: x"}"#
        );
        let file = parse_audit_log(Path::new("a.jsonl"), &text).unwrap();
        assert_eq!(file.lines.len(), 2);
        assert_eq!(file.lines[0].marker_version.as_deref(), Some("m1"));
        assert_eq!(file.lines[1].version.as_deref(), Some("v1"));
        assert_eq!(file.malformed, vec![3, 4]);
    }

    #[test]
    fn a_file_without_one_audit_line_is_not_an_audit_log() {
        let error = parse_audit_log(Path::new("notes.txt"), "hello\nworld\n").unwrap_err();
        assert!(error.is_usage());
        let message = error.to_string();
        assert!(
            message.contains("notes.txt is not an s3prune audit log"),
            "{message}"
        );
        assert!(message.contains("nothing was changed"), "{message}");
        assert!(parse_audit_log(Path::new("e"), "")
            .unwrap()
            .lines
            .is_empty());
    }

    #[test]
    fn selects_the_latest_deletion_of_each_key_in_the_bucket() {
        let file = log(&[
            &deleted(T1, "b", "d1/a", Some("m1")),
            &deleted(T1, "other", "d1/a", Some("x")),
            &deleted(T1, "b", "d2/b", Some("m2")),
            r#"{"time":"2026-05-01T10:00:00.000Z","bucket":"b","key":"d2/c","version":null,"result":"failed","error":"SlowDown: x"}"#,
            &deleted(T2, "b", "d1/a", Some("m3")),
            r#"{"time":"2026-05-03T10:00:00.000Z","bucket":"b","key":"d1/a","version":null,"result":"restored","marker_version":"m3"}"#,
        ]);
        let selected = select(&file, &selection("b")).unwrap();
        let keys: Vec<(&str, &str, &str)> = selected
            .iter()
            .map(|r| {
                (
                    r.key.as_str(),
                    r.deployment.as_str(),
                    r.marker_version.as_str(),
                )
            })
            .collect();
        assert_eq!(keys, vec![("d1/a", "d1", "m3"), ("d2/b", "d2", "m2")]);
    }

    #[test]
    fn since_deployment_and_prefix_narrow_the_selection() {
        let file = log(&[
            &deleted(T1, "b", "sites/d1/a", Some("m1")),
            &deleted(T2, "b", "sites/d2/a", Some("m2")),
            &deleted(T2, "b", "other/d3/a", Some("m3")),
        ]);
        let mut s = selection("b");
        s.root = "sites/".into();
        let all = select(&file, &s).unwrap();
        assert_eq!(all.len(), 2);
        assert!(all.iter().all(|r| r.key.starts_with("sites/")));

        s.since = Some("2026-05-02T00:00:00Z".parse().unwrap());
        let recent = select(&file, &s).unwrap();
        assert_eq!(recent.len(), 1);
        assert_eq!(recent[0].deployment, "d2");

        s.since = None;
        s.deployments = vec!["d1/".into()];
        let one = select(&file, &s).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].key, "sites/d1/a");

        s.deployments = vec!["d1".into(), "nope".into()];
        let error = select(&file, &s).unwrap_err().to_string();
        assert!(
            error.contains("no deletion in deployment \"nope\""),
            "{error}"
        );

        s.deployments.clear();
        s.since = Some("2026-06-01T00:00:00Z".parse().unwrap());
        let error = select(&file, &s).unwrap_err().to_string();
        assert!(error.contains("--since 2026-06-01T00:00:00Z"), "{error}");
    }

    #[test]
    fn a_log_for_another_bucket_is_refused() {
        let file = log(&[&deleted(T1, "prod", "d1/a", Some("m1"))]);
        let error = select(&file, &selection("staging")).unwrap_err();
        assert!(!error.is_usage());
        let message = error.to_string();
        assert!(
            message.contains("no deletions in bucket \"staging\""),
            "{message}"
        );
        assert!(message.contains("\"prod\""), "{message}");
    }

    #[test]
    fn permanent_deletions_are_refused_and_named() {
        let all_versions = r#"{"time":"2026-05-01T10:00:00.000Z","bucket":"b","key":"d1/a","version":"v1","result":"deleted"}"#;
        let unversioned = deleted(T1, "b", "d2/a", None);
        let file = log(&[all_versions, &unversioned]);
        let message = select(&file, &selection("b")).unwrap_err().to_string();
        assert!(
            message.contains("2 of the selected deletions are permanent"),
            "{message}"
        );
        assert!(message.contains("--all-versions) in \"d1\""), "{message}");
        assert!(message.contains("not versioned"), "{message}");
        assert!(!message.contains("can be undone"), "{message}");

        let mixed = log(&[all_versions, &deleted(T2, "b", "d3/a", Some("m"))]);
        let message = select(&mixed, &selection("b")).unwrap_err().to_string();
        assert!(
            message.contains("1 other deletion can be undone (in \"d3\")"),
            "{message}"
        );
        let mut narrowed = selection("b");
        narrowed.deployments = vec!["d3".into()];
        assert_eq!(select(&mixed, &narrowed).unwrap().len(), 1);

        let suspended = log(&[&deleted(T1, "b", "d4/a", Some("null"))]);
        let message = select(&suspended, &selection("b")).unwrap_err().to_string();
        assert!(
            message.contains("1 of the selected deletions is permanent"),
            "{message}"
        );
        assert!(message.contains("Suspended"), "{message}");
    }

    #[test]
    fn deployments_are_the_first_segment_under_the_root() {
        assert_eq!(deployment_of("d1/a/b", ""), Some("d1"));
        assert_eq!(deployment_of("sites/d1/a", "sites/"), Some("d1"));
        assert_eq!(deployment_of("readme.txt", ""), None);
        assert_eq!(deployment_of("other/d1/a", "sites/"), None);
    }
}
