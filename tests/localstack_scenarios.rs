//! The shared scenarios against a real LocalStack on 127.0.0.1:4566
//! (`scripts/localstack.sh start`). Built only with `--features localstack`, so a plain
//! `cargo test` never counts them as passed without a server (`required-features`
//! in Cargo.toml: without the feature this file is not built at all).

mod common;

use common::S3Target;

scenario_tests!(S3Target::localstack());
