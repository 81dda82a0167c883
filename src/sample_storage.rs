//! What makes a sample bucket cost what real ones do: large assets of older deployments
//! moved to cheaper storage classes (as lifecycle transitions leave them), and
//! multipart uploads a dying deploy left unfinished. `seed --storage-classes
//! --abandoned-uploads N` and `demo` use them.

use chrono::{DateTime, Utc};

use crate::engine::bucket::Bucket;
use crate::engine::error::EngineError;
use crate::sample::{filler, stamp, SampleDeployment};
use crate::server::BACKDATE_METADATA_KEY;

/// Objects at least this large (media, big images) change class with age.
const ASSET_BYTES: u64 = 256 << 10;

/// Large assets of deployments older than 60 days go to GLACIER, of deployments older
/// than 14 days to STANDARD_IA (young enough to carry an early-deletion charge until
/// they are 30 days old); everything else stays STANDARD.
pub fn assign_storage_classes(deployments: &mut [SampleDeployment], now: DateTime<Utc>) {
    for deployment in deployments {
        let age = now - deployment.time;
        let class = if age >= chrono::Duration::days(60) {
            "GLACIER"
        } else if age >= chrono::Duration::days(14) {
            "STANDARD_IA"
        } else {
            continue;
        };
        for object in &mut deployment.objects {
            if object.size >= ASSET_BYTES {
                object.storage_class = Some(class);
            }
        }
    }
}

/// A multipart upload started under a deployment and never finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbandonedUpload {
    pub key: String,
    /// The bytes of its one uploaded part.
    pub part_bytes: usize,
    /// When it was started (honoured by s3prune's own server, like object times).
    pub time: DateTime<Utc>,
}

/// `n` abandoned uploads, one per deployment from the oldest on (and round again if
/// `n` is larger than the number of deployments).
pub fn abandoned_uploads(deployments: &[SampleDeployment], n: usize) -> Vec<AbandonedUpload> {
    let mut oldest_first: Vec<&SampleDeployment> = deployments.iter().collect();
    oldest_first.sort_by_key(|d| d.time);
    oldest_first
        .iter()
        .cycle()
        .take(if oldest_first.is_empty() { 0 } else { n })
        .enumerate()
        .map(|(i, d)| AbandonedUpload {
            key: format!("{}/media/release-{i:02}.mp4", d.folder),
            part_bytes: 1 << 20,
            time: d.time,
        })
        .collect()
}

/// Starts each upload and uploads its first part, then leaves it.
pub async fn start_abandoned(
    bucket: &Bucket,
    uploads: &[AbandonedUpload],
) -> Result<(), EngineError> {
    for upload in uploads {
        bucket
            .start_upload(
                &upload.key,
                filler(upload.part_bytes),
                &[(BACKDATE_METADATA_KEY, stamp(upload.time))],
            )
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{generate, SampleSpec};

    #[test]
    fn older_assets_move_to_cheaper_classes_and_small_files_stay_standard() {
        let now = Utc::now();
        let mut deployments = generate(&SampleSpec::default(), now, "");
        assign_storage_classes(&mut deployments, now);
        for d in &deployments {
            let age = now - d.time;
            for o in &d.objects {
                let expected = match (o.size >= ASSET_BYTES, age.num_days()) {
                    (false, _) => None,
                    (true, days) if days >= 60 => Some("GLACIER"),
                    (true, days) if days >= 14 => Some("STANDARD_IA"),
                    _ => None,
                };
                assert_eq!(
                    o.storage_class,
                    expected,
                    "{} ({} days)",
                    o.key,
                    age.num_days()
                );
            }
        }
        assert!(deployments
            .iter()
            .flat_map(|d| &d.objects)
            .any(|o| o.storage_class == Some("GLACIER")));
    }

    #[test]
    fn uploads_go_under_the_oldest_deployments_first() {
        let now = Utc::now();
        let deployments = generate(&SampleSpec::default(), now, "");
        let oldest = deployments.iter().min_by_key(|d| d.time).unwrap();
        let uploads = abandoned_uploads(&deployments, 2);
        assert_eq!(uploads.len(), 2);
        assert!(uploads[0].key.starts_with(&format!("{}/", oldest.folder)));
        assert_eq!(uploads[0].time, oldest.time);
        assert_ne!(uploads[0].key, uploads[1].key);
        assert_eq!(abandoned_uploads(&deployments, 45).len(), 45);
        assert!(abandoned_uploads(&[], 3).is_empty());
    }
}
