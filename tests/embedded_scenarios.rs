//! The shared scenarios against s3prune's own S3 server, started in-process on a random
//! 127.0.0.1 port: real HTTP, real SigV4.

mod common;

use common::S3Target;

scenario_tests!(S3Target::embedded());
