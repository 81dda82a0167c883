//! Reviewed plans: a plan written to a file (`plan --out`, the explorer's `w`), reviewed,
//! and applied exactly (`prune --plan`). Each deployment to delete carries a
//! fingerprint of what was listed; at apply time a deployment is deleted only if it
//! still has that fingerprint. The whole document is sealed with a checksum, so a
//! truncated or edited file is refused rather than half-applied.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::bucket::Scope;
use super::deployment::Deployment;
use super::live::LiveOptions;

/// The `format` of every plan file this version writes and reads.
pub const PLAN_FORMAT: &str = "s3prune-plan/1";

/// What a deployment was when the plan was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub objects: u64,
    pub bytes: u64,
    pub newest: DateTime<Utc>,
    /// The order-independent digest of every object's (relative key, size, ETag).
    pub digest: String,
}

impl Fingerprint {
    pub fn of(deployment: &Deployment, digest: &str) -> Self {
        Fingerprint {
            objects: deployment.objects,
            bytes: deployment.bytes,
            newest: deployment.newest,
            digest: digest.to_string(),
        }
    }

    /// How `now` differs from `self`, for the operator; empty if it does not.
    pub fn changes(&self, now: &Fingerprint) -> Vec<String> {
        let mut changes = Vec::new();
        if self.objects != now.objects {
            changes.push(format!("{} objects, now {}", self.objects, now.objects));
        }
        if self.bytes != now.bytes {
            changes.push(format!("{} bytes, now {}", self.bytes, now.bytes));
        }
        if self.newest != now.newest {
            changes.push(format!(
                "newest object {}, now {}",
                self.newest.to_rfc3339_opts(SecondsFormat::Secs, true),
                now.newest.to_rfc3339_opts(SecondsFormat::Secs, true)
            ));
        }
        if changes.is_empty() && self.digest != now.digest {
            changes.push(
                "an object was replaced or renamed (same counts, other keys or content)".into(),
            );
        }
        changes
    }
}

/// One target's plan, as `prune --plan` needs it. The file holds more (the rule, the
/// reasons, the summary) for the people who review it.
#[derive(Debug, Clone, Deserialize)]
pub struct PlannedTarget {
    pub format: String,
    pub created: DateTime<Utc>,
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    pub prefix: String,
    #[serde(default)]
    pub target: Option<String>,
    pub scope: Scope,
    pub live_sources: LiveOptions,
    pub deployments: Vec<PlannedDeployment>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PlannedDeployment {
    pub name: String,
    pub prefix: String,
    pub objects: u64,
    pub bytes: u64,
    pub newest: DateTime<Utc>,
    pub oldest: DateTime<Utc>,
    pub action: String,
    pub fingerprint: Option<Fingerprint>,
}

impl PlannedTarget {
    /// The deployments the file says to delete, as the engine knows them.
    pub fn to_delete(&self) -> impl Iterator<Item = &PlannedDeployment> {
        self.deployments.iter().filter(|d| d.action == "delete")
    }

    /// The fingerprints of the deployments to delete, by name.
    pub fn fingerprints(&self) -> HashMap<String, Fingerprint> {
        self.to_delete()
            .filter_map(|d| Some((d.name.clone(), d.fingerprint.clone()?)))
            .collect()
    }
}

impl PlannedDeployment {
    pub fn deployment(&self) -> Deployment {
        Deployment {
            name: self.name.clone(),
            prefix: self.prefix.clone(),
            objects: self.objects,
            bytes: self.bytes,
            newest: self.newest,
            oldest: self.oldest,
            storage: Default::default(),
            incomplete_uploads: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanFileError {
    #[error("it is not a plan file: {0}")]
    NotJson(String),
    #[error("it is not an s3prune plan file (its \"format\" is {0:?}, expected {PLAN_FORMAT:?})")]
    WrongFormat(String),
    #[error("it has no checksum, so it cannot be told apart from a hand-made or cut-off file; write it again with `s3prune plan --out`")]
    NoChecksum,
    #[error("it was changed after it was written (its checksum does not match); a reviewed plan is applied exactly as written, so make a new one with `s3prune plan --out`")]
    Edited,
    #[error("it does not say {0}: {1}")]
    Missing(&'static str, String),
    #[error("one of its deployments to delete, {0:?}, has no fingerprint")]
    NoFingerprint(String),
    #[error("its deployment {name:?} has the prefix {prefix:?}, which is not <prefix><name>/ under the plan's prefix {root:?}")]
    BadPrefix {
        name: String,
        prefix: String,
        root: String,
    },
}

/// Adds the checksum that [`read`] verifies. `document` is a plan (or `{"targets":
/// [...]}`) as JSON, without a checksum.
pub fn seal(document: &mut Value) {
    let checksum = checksum_of(document);
    if let Value::Object(map) = document {
        map.insert("checksum".into(), Value::String(checksum));
    }
}

fn checksum_of(document: &Value) -> String {
    let bytes = serde_json::to_vec(document).unwrap_or_default();
    format!("sha256:{}", hex_lower(&Sha256::digest(&bytes)))
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads a sealed plan file: one plan, or `{"targets": [...]}` from a policy file run.
pub fn read(text: &str) -> Result<Vec<PlannedTarget>, PlanFileError> {
    let mut document: Value =
        serde_json::from_str(text).map_err(|e| PlanFileError::NotJson(e.to_string()))?;
    let Value::Object(map) = &mut document else {
        return Err(PlanFileError::NotJson("it is not a JSON object".into()));
    };
    let Some(Value::String(checksum)) = map.remove("checksum") else {
        return Err(PlanFileError::NoChecksum);
    };
    if checksum != checksum_of(&document) {
        return Err(PlanFileError::Edited);
    }
    let plans: Vec<Value> = match document {
        Value::Object(mut map) if map.contains_key("targets") => match map.remove("targets") {
            Some(Value::Array(plans)) => plans,
            _ => {
                return Err(PlanFileError::Missing(
                    "its targets",
                    "\"targets\" is not a list".into(),
                ))
            }
        },
        single => vec![single],
    };
    plans.into_iter().map(read_one).collect()
}

fn read_one(plan: Value) -> Result<PlannedTarget, PlanFileError> {
    match plan.get("format").and_then(Value::as_str) {
        Some(PLAN_FORMAT) => {}
        Some(other) => return Err(PlanFileError::WrongFormat(other.to_string())),
        None => return Err(PlanFileError::WrongFormat(String::new())),
    }
    let plan: PlannedTarget = serde_json::from_value(plan)
        .map_err(|e| PlanFileError::Missing("what it needs", e.to_string()))?;
    for deployment in plan.to_delete() {
        if deployment.fingerprint.is_none() {
            return Err(PlanFileError::NoFingerprint(deployment.name.clone()));
        }
        let expected = format!("{}{}/", plan.prefix, deployment.name);
        if deployment.prefix != expected
            || deployment.name.is_empty()
            || deployment.name.contains('/')
        {
            return Err(PlanFileError::BadPrefix {
                name: deployment.name.clone(),
                prefix: deployment.prefix.clone(),
                root: plan.prefix.clone(),
            });
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plan() -> Value {
        json!({
            "format": PLAN_FORMAT,
            "created": "2026-12-01T10:00:00Z",
            "endpoint": "http://127.0.0.1:9000",
            "region": "us-east-1",
            "bucket": "b",
            "prefix": "",
            "scope": "current",
            "live_sources": {"pointers": [], "detect": true, "aliases": []},
            "deployments": [
                {"name": "old", "prefix": "old/", "objects": 2, "bytes": 10,
                 "newest": "2026-11-01T00:00:00Z", "oldest": "2026-11-01T00:00:00Z",
                 "action": "delete", "reason": "outside-keep",
                 "fingerprint": {"objects": 2, "bytes": 10, "newest": "2026-11-01T00:00:00Z", "digest": "ab"}},
                {"name": "new", "prefix": "new/", "objects": 1, "bytes": 5,
                 "newest": "2026-11-30T00:00:00Z", "oldest": "2026-11-30T00:00:00Z",
                 "action": "keep", "reason": "newest-n"}
            ]
        })
    }

    fn sealed(mut value: Value) -> String {
        seal(&mut value);
        serde_json::to_string_pretty(&value).unwrap()
    }

    #[test]
    fn a_sealed_plan_reads_back() {
        let plans = read(&sealed(plan())).unwrap();
        assert_eq!(plans.len(), 1);
        let names: Vec<&str> = plans[0].to_delete().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["old"]);
        assert_eq!(plans[0].fingerprints()["old"].digest, "ab");
    }

    #[test]
    fn several_targets_read_back_in_order() {
        let mut second = plan();
        second["bucket"] = json!("c");
        let text = sealed(json!({"targets": [plan(), second]}));
        let buckets: Vec<String> = read(&text).unwrap().into_iter().map(|p| p.bucket).collect();
        assert_eq!(buckets, ["b", "c"]);
    }

    #[test]
    fn an_edited_plan_is_refused() {
        let text = sealed(plan()).replace("\"keep\"", "\"delete\"");
        assert_eq!(read(&text).unwrap_err(), PlanFileError::Edited);
    }

    #[test]
    fn a_truncated_plan_is_refused() {
        let text = sealed(plan());
        assert!(matches!(
            read(&text[..text.len() / 2]).unwrap_err(),
            PlanFileError::NotJson(_)
        ));
    }

    #[test]
    fn an_unsealed_or_foreign_file_is_refused() {
        let unsealed = serde_json::to_string(&plan()).unwrap();
        assert_eq!(read(&unsealed).unwrap_err(), PlanFileError::NoChecksum);
        let mut foreign = plan();
        foreign["format"] = json!("terraform-plan");
        assert!(matches!(
            read(&sealed(foreign)).unwrap_err(),
            PlanFileError::WrongFormat(_)
        ));
    }

    #[test]
    fn a_deployment_outside_its_prefix_is_refused() {
        let mut bad = plan();
        bad["deployments"][0]["prefix"] = json!("other/");
        assert!(matches!(
            read(&sealed(bad)).unwrap_err(),
            PlanFileError::BadPrefix { .. }
        ));
    }

    #[test]
    fn fingerprint_changes_are_named() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let before = Fingerprint {
            objects: 2,
            bytes: 10,
            newest: t("2026-11-01T00:00:00Z"),
            digest: "a".into(),
        };
        assert!(before.changes(&before).is_empty());
        let more = Fingerprint {
            objects: 3,
            ..before.clone()
        };
        assert_eq!(before.changes(&more), ["2 objects, now 3"]);
        let replaced = Fingerprint {
            digest: "b".into(),
            ..before.clone()
        };
        assert_eq!(before.changes(&replaced).len(), 1);
    }
}
