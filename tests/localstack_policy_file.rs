//! The policy file's two-environment prune against a real LocalStack on 127.0.0.1:4566
//! (`scripts/localstack.sh start`). Built only with `--features localstack`.

mod common;

use common::S3Target;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_environments_are_pruned_from_one_file() {
    let target = S3Target::localstack().await;
    common::policy_scenarios::two_environments_are_pruned_from_one_file(&target).await;
}
