//! The shared scenarios against s3prune's own S3 server, started in-process on a random
//! 127.0.0.1 port: real HTTP, real SigV4.

mod common;

use common::S3Target;

scenario_tests!(S3Target::embedded());

/// Engine logic that no server changes (how many root objects live detection reads),
/// so it runs here only: 1001 uploads cost LocalStack about ten seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_root_objects_to_read_stop_the_run_and_change_nothing() {
    let target = S3Target::embedded().await;
    common::live_scenarios::too_many_root_objects_to_read_stop_the_run_and_change_nothing(&target)
        .await;
}
