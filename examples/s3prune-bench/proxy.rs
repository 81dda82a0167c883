//! A TCP proxy that delays every byte a client sends by a fixed latency, so any
//! S3-compatible server (LocalStack) can be benchmarked with the same round-trip cost the
//! embedded server injects itself.
//!
//!   s3prune-bench proxy --port 9410 --upstream 127.0.0.1:4566 --latency-ms 30
//!       prints `READY http://127.0.0.1:9410` once listening; exits on SIGTERM / Ctrl-C.
//!
//! Each chunk read from the client is stamped with its arrival time and written upstream
//! no sooner than `latency` later, in order, like a one-way netem delay: every request
//! costs one `latency` however many connections are open, and a request split over several
//! reads is not delayed twice. Replies flow back undelayed.

use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::request_tally::{serve_stats, RequestFramer};
use crate::Error;

#[derive(clap::Args)]
pub struct ProxyArgs {
    #[arg(long)]
    port: u16,
    /// host:port of the server behind the proxy.
    #[arg(long)]
    upstream: SocketAddr,
    #[arg(long, default_value_t = 30)]
    latency_ms: u64,
    /// Answer connections to this port with the number of HTTP requests forwarded so far.
    #[arg(long)]
    stats_port: Option<u16>,
}

pub async fn run(args: ProxyArgs) -> Result<(), Error> {
    let listener = TcpListener::bind(("127.0.0.1", args.port)).await?;
    let latency = Duration::from_millis(args.latency_ms);
    let requests = Arc::new(AtomicU64::new(0));
    if let Some(port) = args.stats_port {
        let counted = requests.clone();
        serve_stats(port, move || {
            counted.load(std::sync::atomic::Ordering::Relaxed)
        })
        .await?;
    }
    println!("READY http://{}", listener.local_addr()?);
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (client, _) = accepted?;
                let upstream = args.upstream;
                let framer = RequestFramer::new(requests.clone());
                tokio::spawn(async move {
                    if let Err(e) = relay(client, upstream, latency, framer).await {
                        eprintln!("proxy: connection ended: {e}");
                    }
                });
            }
            _ = term.recv() => return Ok(()),
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

async fn relay(
    client: TcpStream,
    upstream: SocketAddr,
    latency: Duration,
    framer: RequestFramer,
) -> Result<(), Error> {
    let server = TcpStream::connect(upstream).await?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let (client_read, mut client_write) = client.into_split();
    let (mut server_read, server_write) = server.into_split();
    let requests = delayed_copy(client_read, server_write, latency, framer);
    let replies = async move {
        tokio::io::copy(&mut server_read, &mut client_write).await?;
        client_write.shutdown().await?;
        Ok::<_, Error>(())
    };
    tokio::try_join!(requests, replies)?;
    Ok(())
}

async fn delayed_copy(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    latency: Duration,
    mut framer: RequestFramer,
) -> Result<(), Error> {
    let (chunks, mut due) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let reader = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = from.read(&mut buf).await?;
            if n == 0 {
                return Ok::<_, Error>(());
            }
            framer.feed(&buf[..n]);
            // The writer is gone only when the upstream write failed; that error wins.
            if chunks
                .send((Instant::now() + latency, buf[..n].to_vec()))
                .is_err()
            {
                return Ok(());
            }
        }
    };
    let writer = async move {
        while let Some((at, chunk)) = due.recv().await {
            tokio::time::sleep_until(at).await;
            to.write_all(&chunk).await?;
        }
        to.shutdown().await?;
        Ok::<_, Error>(())
    };
    tokio::try_join!(reader, writer)?;
    Ok(())
}
