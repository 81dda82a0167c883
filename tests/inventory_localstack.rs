//! Planning and pruning from S3 Inventory reports against a real LocalStack on
//! 127.0.0.1:4566 (versioned buckets included). Built only with `--features localstack`.

mod common;

use common::S3Target;

inventory_scenario_tests!(S3Target::localstack());
