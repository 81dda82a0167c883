use super::args::ServeArgs;
use crate::engine::bucket::Bucket;
use crate::engine::connection::{connect, ConnectionOptions, StaticCredentials};
use crate::operations::failure::{CommandResult, Failure};
use crate::server::{start, RunningServer, ServerConfig};

pub async fn run(args: &ServeArgs) -> CommandResult {
    let config = ServerConfig {
        port: args.port,
        data_dir: args.data_dir.clone(),
        ..ServerConfig::default()
    };
    let server = start(config.clone()).await.map_err(|e| {
        Failure::Runtime(format!(
            "cannot start the server on 127.0.0.1:{}: {e}",
            args.port
        ))
    })?;
    for name in &args.create_buckets {
        create_bucket(&server, &config, name).await?;
    }
    let faults = args.faults.to_config();
    let active = faults.active();
    if !active.is_empty() {
        println!("fault injection on (seed {}):", faults.seed);
        for fault in &active {
            println!("  {fault}");
        }
        server.set_faults(faults);
    }
    if let Some(day) = args.lifecycle_day {
        println!(
            "lifecycle rules applied every {} (one lifecycle day)",
            humantime::format_duration(day)
        );
    }
    let endpoint = server.endpoint();
    println!("s3prune S3 server listening on {endpoint}");
    match &args.data_dir {
        Some(dir) => println!("data kept in {}", dir.display()),
        None => println!("data kept in memory (gone when the server stops; --data-dir keeps it)"),
    }
    println!();
    println!("Use it with:");
    println!("  export AWS_ENDPOINT_URL={endpoint}");
    println!(
        "  export AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} AWS_REGION={}",
        config.access_key, config.secret_key, config.region
    );
    println!("  s3prune seed --bucket demo --create-bucket && s3prune plan --bucket demo --keep 3");
    println!();
    println!("Ctrl-C stops the server.");
    let lifecycle_runs = match args.lifecycle_day {
        Some(day) if !day.is_zero() => Some(tokio::spawn(run_lifecycle_every(&server, day))),
        _ => None,
    };
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Failure::Runtime(format!("cannot wait for Ctrl-C: {e}")))?;
    if let Some(runs) = lifecycle_runs {
        runs.abort();
    }
    server.shutdown().await;
    Ok(())
}

/// S3's daily lifecycle run, on the accelerated clock of `--lifecycle-day`.
fn run_lifecycle_every(
    server: &RunningServer,
    day: std::time::Duration,
) -> impl std::future::Future<Output = ()> + Send + 'static {
    let server = server.lifecycle_runner();
    async move {
        let mut ticks = tokio::time::interval(day);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            match server.run(day).await {
                Ok(0) => {}
                Ok(n) => println!("lifecycle run: {n} objects expired"),
                Err(e) => eprintln!("lifecycle run failed: {e}"),
            }
        }
    }
}

/// Connection options for talking to an in-process server as its own client.
pub fn client_options(server: &RunningServer, config: &ServerConfig) -> ConnectionOptions {
    ConnectionOptions {
        endpoint_url: Some(server.endpoint()),
        region: Some(config.region.clone()),
        static_credentials: Some(StaticCredentials {
            access_key_id: config.access_key.clone(),
            secret_access_key: config.secret_key.clone(),
        }),
        ..ConnectionOptions::default()
    }
}

async fn create_bucket(server: &RunningServer, config: &ServerConfig, name: &str) -> CommandResult {
    let connection = connect(&client_options(server, config)).await;
    Bucket::new(&connection, name).create_if_missing().await?;
    Ok(())
}
