//! Embedded S3-compatible HTTP server (SigV4, path-style addressing), used by
//! `s3prune serve`, `s3prune demo` and the test suites.
//!
//! Objects live in memory in ordered maps keyed by the exact key string;
//! optionally the store is persisted under `ServerConfig::data_dir`.
//! Protocol handling (routing, XML, SigV4, `aws-chunked` bodies) is `s3s`.

mod api;
mod backend;
mod cut_reply;
mod faults;
mod persist;
mod store;
mod uploads;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use hyper_util::server::graceful::GracefulShutdown;
use s3s::auth::SimpleAuth;
use s3s::service::{S3Service, S3ServiceBuilder};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use self::faults::FaultConfig;

use self::api::{expire_by_lifecycle, BucketNames, S3Api};
use self::backend::Backend;
use self::cut_reply::CutReply;
use self::persist::Disk;
use self::store::Store;

/// User metadata key (`x-amz-meta-s3prune-last-modified`) whose RFC 3339 value
/// this server uses as an uploaded object's LastModified instead of "now".
pub const BACKDATE_METADATA_KEY: &str = "s3prune-last-modified";
pub const DEFAULT_ACCESS_KEY: &str = "s3prune";
pub const DEFAULT_SECRET_KEY: &str = "s3prune-secret";
pub const DEFAULT_REGION: &str = "us-east-1";

/// How long `shutdown` waits for open connections to finish their requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Persist the store here (loaded at start); `None` keeps it in memory only.
    pub data_dir: Option<PathBuf>,
    pub access_key: String,
    pub secret_key: String,
    pub region: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            port: 0,
            data_dir: None,
            access_key: DEFAULT_ACCESS_KEY.to_owned(),
            secret_key: DEFAULT_SECRET_KEY.to_owned(),
            region: DEFAULT_REGION.to_owned(),
        }
    }
}

/// A server accepting connections in the background. Dropping it stops
/// accepting new connections; `shutdown` also waits for open ones and flushes
/// the store to disk.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    backend: Arc<Backend>,
    requests: Arc<AtomicU64>,
    stop: Option<oneshot::Sender<()>>,
    accept_loop: Option<JoinHandle<()>>,
}

/// Binds `127.0.0.1:port`, loads the store (if `data_dir` is set) and starts
/// serving in the background. Must be called inside a Tokio runtime.
pub async fn start(config: ServerConfig) -> io::Result<RunningServer> {
    let (store, disk) = match &config.data_dir {
        Some(dir) => {
            let dir = dir.clone();
            let (disk, store) = tokio::task::spawn_blocking(move || Disk::open(&dir))
                .await
                .map_err(io::Error::other)??;
            (store, Some(disk))
        }
        None => (Store::default(), None),
    };
    let backend = Arc::new(Backend::new(store, disk, config.region.clone()));

    let mut builder = S3ServiceBuilder::new(S3Api {
        backend: Arc::clone(&backend),
    });
    builder.set_auth(SimpleAuth::from_single(
        config.access_key,
        config.secret_key,
    ));
    builder.set_validation(BucketNames);
    builder.set_access(BucketNames);
    let service = builder.build();

    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
    let addr = listener.local_addr()?;
    let requests = Arc::new(AtomicU64::new(0));
    let (stop, stopped) = oneshot::channel();
    let accept_loop = tokio::spawn(accept_loop(
        listener,
        service,
        Arc::clone(&backend),
        Arc::clone(&requests),
        stopped,
    ));

    Ok(RunningServer {
        addr,
        backend,
        requests,
        stop: Some(stop),
        accept_loop: Some(accept_loop),
    })
}

async fn accept_loop(
    listener: TcpListener,
    service: S3Service,
    backend: Arc<Backend>,
    requests: Arc<AtomicU64>,
    mut stopped: oneshot::Receiver<()>,
) {
    let graceful = GracefulShutdown::new();
    let http = ConnBuilder::new(TokioExecutor::new());
    loop {
        let stream = tokio::select! {
            // Also fires when the RunningServer is dropped.
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // E.g. out of file descriptors: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        let requests = Arc::clone(&requests);
        let backend = Arc::clone(&backend);
        let svc = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
            requests.fetch_add(1, Ordering::Relaxed);
            let service = service.clone();
            let operation = operation_of(&req);
            let drop = backend.faults.drop_before_reply(operation);
            let cut = !drop && backend.faults.drop_reply(operation);
            async move {
                if drop {
                    // hyper closes the connection, writing nothing, when the service fails.
                    drain(req.into_body()).await;
                    return Err(s3s::HttpError::new(
                        "injected fault: connection closed before any reply".into(),
                    ));
                }
                let reply = service.call(req.map(s3s::Body::from)).await?;
                Ok::<_, s3s::HttpError>(reply.map(|body| CutReply::new(body, cut)))
            }
        });
        let conn = http
            .serve_connection(TokioIo::new(stream), svc)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    // Idle keep-alive connections close at once; busy ones finish their request.
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
}

/// Reads a request body to its end (or its first error), so a dropped connection is
/// dropped after the whole request arrived.
async fn drain(mut body: hyper::body::Incoming) {
    use hyper::body::Body as _;
    while let Some(Ok(_)) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
    {}
}

/// The S3 operation name of the requests the connection-level faults can target; the
/// others are `Other` (the request-level faults see the exact names).
fn operation_of<B>(req: &hyper::Request<B>) -> &'static str {
    let query = req.uri().query().unwrap_or("");
    let has = |param: &str| {
        query
            .split('&')
            .any(|p| p == param || p.starts_with(&format!("{param}=")))
    };
    match *req.method() {
        hyper::Method::POST if has("delete") => "DeleteObjects",
        hyper::Method::GET if has("list-type") => "ListObjectsV2",
        hyper::Method::GET if has("versions") => "ListObjectVersions",
        _ => "Other",
    }
}

/// Makes lifecycle runs on a server's store (see [`RunningServer::run_lifecycle`]).
#[derive(Debug, Clone)]
pub struct LifecycleRunner {
    backend: Arc<Backend>,
}

impl LifecycleRunner {
    pub async fn run(&self, day: Duration) -> io::Result<usize> {
        let backend = Arc::clone(&self.backend);
        tokio::task::spawn_blocking(move || expire_by_lifecycle(&backend, day))
            .await
            .map_err(io::Error::other)?
    }
}

impl RunningServer {
    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Replaces the fault configuration (and reseeds its PRNG) for subsequent requests.
    pub fn set_faults(&self, faults: FaultConfig) {
        self.backend.faults.set(faults);
    }

    /// The fault configuration in effect.
    pub fn faults(&self) -> FaultConfig {
        self.backend.faults.config()
    }

    /// Switches the lifecycle operations on (the default) or off; off, they answer
    /// `501 NotImplemented`, like an S3-compatible server without lifecycle support.
    pub fn set_lifecycle_supported(&self, supported: bool) {
        self.backend
            .lifecycle_supported
            .store(supported, Ordering::Relaxed);
    }

    /// One lifecycle run, as S3 makes once a day, with `day` standing for a day: every
    /// enabled rule's `Expiration.Days` deletes the objects it matches that are at least
    /// that many `day`s old. Returns how many objects were deleted.
    pub async fn run_lifecycle(&self, day: Duration) -> io::Result<usize> {
        self.lifecycle_runner().run(day).await
    }

    /// A handle that makes lifecycle runs from another task (`serve --lifecycle-day`).
    pub fn lifecycle_runner(&self) -> LifecycleRunner {
        LifecycleRunner {
            backend: Arc::clone(&self.backend),
        }
    }

    /// Objects and versions returned by listings so far: what a listing client made the
    /// server read (common prefixes not included).
    pub fn listed_entries(&self) -> u64 {
        self.backend.listed_entries.load(Ordering::Relaxed)
    }

    /// HTTP requests received so far (including rejected ones).
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Stops accepting, waits (bounded) for open connections, and writes the
    /// store snapshot when on disk.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.accept_loop.take() {
            let _ = task.await;
        }
        let backend = Arc::clone(&self.backend);
        match tokio::task::spawn_blocking(move || backend.flush()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "flushing the store failed"),
            Err(e) => tracing::warn!(error = %e, "flushing the store panicked"),
        }
    }
}
