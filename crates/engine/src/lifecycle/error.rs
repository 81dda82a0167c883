//! What can go wrong handing deployments to lifecycle rules, and S3's limit on them.

use crate::error::EngineError;

/// How many rules S3 allows in one bucket's lifecycle configuration.
pub const MAX_RULES: usize = 1000;

#[derive(Debug, Clone, thiserror::Error)]
pub enum LifecycleError {
    #[error("the S3 endpoint {endpoint} does not support bucket lifecycle configurations ({code}); nothing was written. Prune with --via delete (the default) instead")]
    Unsupported { endpoint: String, code: String },
    #[error("bucket {bucket:?} would have {} lifecycle rules, more than the {MAX_RULES} S3 allows: it has {existing} now ({existing_own} of them s3prune's) and this prune adds {adding}; nothing was written. `s3prune lifecycle --tidy` removes s3prune's rules whose deployments are gone; or prune fewer deployments at once (--max-delete N), or use --via delete", existing + adding)]
    TooManyRules {
        bucket: String,
        existing: usize,
        existing_own: usize,
        adding: usize,
    },
    #[error("bucket {bucket:?} already has a lifecycle rule with the ID {id:?} that s3prune did not write (its filter is not that prefix); nothing was written. Rename or remove that rule, or use --via delete")]
    IdTaken { bucket: String, id: String },
    #[error("the lifecycle rule ID for the prefix {prefix:?} would be {length} characters long, more than the 255 S3 allows; nothing was written. Use --via delete for this deployment")]
    IdTooLong { prefix: String, length: usize },
    #[error("the lifecycle configuration of bucket {bucket:?} is not what s3prune wrote when read back ({detail}): someone else may have written it at the same time. Check it with `s3prune lifecycle` and run the same command again")]
    NotAsWritten { bucket: String, detail: String },
    #[error("{0}")]
    S3(EngineError),
    #[error("{0}")]
    Other(String),
}
