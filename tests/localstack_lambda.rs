//! s3prune as an AWS Lambda function under cargo-lambda's emulator, against a real
//! LocalStack on 127.0.0.1:4566 (`scripts/localstack.sh start`). Built only with
//! `--features localstack,lambda`.

mod common;

use common::S3Target;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_returns_the_plan_and_deletes_nothing() {
    let target = S3Target::localstack().await;
    common::lambda_scenarios::a_dry_run_returns_the_plan_and_deletes_nothing(&target).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_run_deletes_exactly_what_the_policy_says() {
    let target = S3Target::localstack().await;
    common::lambda_scenarios::a_real_run_deletes_exactly_what_the_policy_says(&target).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_events_and_policies_are_refused_and_change_nothing() {
    let target = S3Target::localstack().await;
    common::lambda_scenarios::bad_events_and_policies_are_refused_and_change_nothing(&target).await;
}
