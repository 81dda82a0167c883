//! Handing deletion to S3: instead of deleting a deployment itself, s3prune can add a
//! lifecycle rule that expires every object under its prefix, and S3 deletes them on its
//! own schedule, at no request cost (`prune --via lifecycle`). `s3prune lifecycle` then
//! shows which of s3prune's rules are done (their prefix is empty) and `--tidy` removes
//! those.
//!
//! - [`rules`]: s3prune's rules, how they are recognised, and how they are merged into a
//!   configuration without touching anyone else's;
//! - [`error`]: what can go wrong, and S3's limit on rules;
//! - [`configuration`]: reading and writing a bucket's lifecycle configuration;
//! - [`handoff`]: the prune pipeline's lifecycle step;
//! - [`status`]: which rules are done, and tidying them away.

pub mod configuration;
pub mod error;
pub mod handoff;
pub mod rules;
pub mod status;

pub use configuration::LifecycleConfiguration;
pub use error::{LifecycleError, MAX_RULES};
pub use handoff::{hand_off, HandoffReport, WrittenRule};
pub use rules::{OwnRule, RuleKind};
pub use status::{rule_statuses, tidy, RuleStatus, TidyReport};
