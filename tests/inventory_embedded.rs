//! Planning and pruning from S3 Inventory reports against s3prune's own S3 server,
//! started in-process on a random 127.0.0.1 port. With `--features parquet` the Parquet
//! scenario reads pyarrow's and s3prune's Parquet files; without it, it checks the
//! refusal that says how to rebuild.

mod common;

use common::S3Target;

inventory_scenario_tests!(S3Target::embedded());
