//! What the front ends (the command line, the explorer, the Lambda function) share, one
//! concept per file. The front ends call this layer; it never calls them.

pub mod deletion_cost;
pub mod duration;
pub mod failure;
pub mod state_dir;
