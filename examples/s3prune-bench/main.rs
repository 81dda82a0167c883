//! Benchmark helper for `scripts/bench.sh` (not part of the product, not a test).
//!
//!   s3prune-bench serve   --port 9400 --data-dir D --latency-ms 30 [--stats-port 9402]
//!   s3prune-bench seed    --data-dir D --bucket B --deployments 200 --objects 100 [--folders 200]
//!   s3prune-bench seed    --endpoint URL --bucket B --deployments 200 --objects 100
//!   s3prune-bench proxy   --port 9410 --upstream 127.0.0.1:4566 --latency-ms 30 [--stats-port 9412]
//!   s3prune-bench ceiling --endpoint URL --bucket B list --concurrency 8,16,64 --requests 600
//!   s3prune-bench ceiling --endpoint URL --bucket B delete --concurrency 64 --keep 10
//!   s3prune-bench tui     [--large 1000 --many 10000]
//!   s3prune-bench inventory --endpoint URL --bucket B --report-bucket R --deployments 10000 --objects 1000 --format csv
//!
//! One example binary (so `cargo test`, which builds examples, links one more binary,
//! not four). See the module docs for each subcommand.

mod ceiling;
mod inventory;
mod proxy;
mod request_tally;
mod server;
mod tui;

use clap::{Parser, Subcommand};

pub type Error = Box<dyn std::error::Error + Send + Sync>;

#[derive(Parser)]
#[command(name = "s3prune-bench")]
struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// The embedded server on a port, every request delayed by --latency-ms.
    Serve(server::ServeArgs),
    /// Write a deterministic bucket into a data dir or another server (latency off).
    Seed(server::SeedArgs),
    /// A TCP proxy adding --latency-ms to every request sent to another server.
    Proxy(proxy::ProxyArgs),
    /// The server's ceiling: a raw concurrent request loop.
    Ceiling(ceiling::Args),
    /// The explorer's render path on TestBackend.
    Tui(tui::Args),
    /// A synthetic S3 Inventory report of a huge bucket (for `plan --inventory`).
    Inventory(inventory::Args),
}

fn main() -> Result<(), Error> {
    let args = Args::parse();
    if let Cmd::Tui(args) = args.command {
        tui::run(&args);
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match args.command {
            Cmd::Serve(a) => server::serve(a).await,
            Cmd::Seed(a) => server::seed(a).await,
            Cmd::Proxy(a) => proxy::run(a).await,
            Cmd::Ceiling(a) => ceiling::run(a).await,
            Cmd::Inventory(a) => inventory::run(a).await,
            Cmd::Tui(_) => unreachable!(),
        }
    })
}
