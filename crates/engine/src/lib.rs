//! The UI-free core: list a bucket's deployments, apply the rule, plan, delete, audit.
//! The CLI, the TUI and the tests all drive S3 through this module.

pub mod audit;
pub mod bucket;
pub mod bucket_name;
pub mod connection;
pub mod cost;
pub mod deletion;
pub mod deployment;
pub mod digest;
pub mod drift;
pub mod error;
pub mod inventory;
pub mod key_spool;
pub mod lifecycle;
pub mod listing;
pub mod listing_gate;
pub mod live;
pub mod live_sources;
pub mod name_time;
pub mod pages;
pub mod plan;
pub mod plan_file;
pub mod pointer;
pub mod prune;
pub mod prune_request;
pub mod ranges;
pub mod request_count;
pub mod retry;
pub mod rule;
pub mod stop;
pub mod tally;
pub mod undo;
pub mod uploads;
