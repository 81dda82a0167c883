//! The lifecycle hand-off scenarios against a real LocalStack on 127.0.0.1:4566, which
//! stores lifecycle configurations. Built only with `--features localstack`.

mod common;

use common::S3Target;

lifecycle_scenario_tests!(S3Target::localstack());
