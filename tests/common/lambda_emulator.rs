//! The s3prune Lambda function under cargo-lambda's local emulator of the Lambda
//! Runtime API (`cargo lambda watch --only-lambda-apis`): the emulator serves the
//! Runtime API and the Invoke API on 127.0.0.1, the test starts the s3prune binary as
//! Lambda would (with `AWS_LAMBDA_RUNTIME_API` set) and invokes it over HTTP.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use super::S3Target;

/// The function's name in the emulator (what it prints for an external function).
const FUNCTION: &str = "_";
/// Bounds on waiting for the emulator to listen and for one invocation's reply.
const EMULATOR_START: Duration = Duration::from_secs(60);
const INVOCATION: Duration = Duration::from_secs(120);

pub struct Emulator {
    port: u16,
    emulator: Child,
    function: Arc<Mutex<Child>>,
    log_dir: tempfile::TempDir,
}

/// An invocation's reply: 200 and the report, or an error status and
/// `{"errorType", "errorMessage"}`.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: serde_json::Value,
}

impl Reply {
    /// The error's type and message; panics (showing the reply) if it succeeded.
    pub fn error(&self) -> (&str, &str) {
        assert_ne!(self.status, 200, "expected an error, got {:#}", self.body);
        (
            self.body["errorType"].as_str().expect("errorType"),
            self.body["errorMessage"].as_str().expect("errorMessage"),
        )
    }
}

const INSTALL: &str = "Install it with scripts/install-test-deps.sh (it pip-installs \
    cargo-lambda into .venv), or `pip install cargo-lambda==1.9.2` and put it on PATH, or set \
    S3PRUNE_CARGO_LAMBDA to its path.";

/// cargo-lambda: `S3PRUNE_CARGO_LAMBDA`, else the venv scripts/install-test-deps.sh
/// puts it in (`S3PRUNE_VENV`, default `.venv`), else `cargo-lambda` on PATH. Missing
/// fails the test with how to install it.
fn cargo_lambda() -> PathBuf {
    let venv = std::env::var_os("S3PRUNE_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"))
        .join("bin/cargo-lambda");
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("cargo-lambda"))
            .find(|p| p.is_file())
    });
    let found = match std::env::var_os("S3PRUNE_CARGO_LAMBDA") {
        Some(path) => Some(PathBuf::from(path)).filter(|p| p.is_file()),
        None => Some(venv).filter(|p| p.is_file()).or(on_path),
    };
    found.unwrap_or_else(|| {
        panic!(
            "cargo-lambda is not installed, and the Lambda tests need its local Runtime API \
             emulator. {INSTALL}"
        )
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Emulator {
    /// Starts the emulator and the function, the function wired to `target` with the
    /// extra environment `env` (e.g. S3PRUNE_CONFIG).
    pub fn start(target: &S3Target, env: &[(&str, &str)]) -> Emulator {
        let port = free_port();
        let mut emulator = Command::new(cargo_lambda())
            .args(["lambda", "watch", "--only-lambda-apis", "--ignore-changes"])
            .args(["--invoke-address", "127.0.0.1", "--invoke-port"])
            .arg(port.to_string())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start cargo-lambda: {e}. {INSTALL}"));
        wait_until_listening(&mut emulator, port);

        let log_dir = tempfile::tempdir().expect("temp dir");
        let mut command = target.cli();
        command
            .env(
                "AWS_LAMBDA_RUNTIME_API",
                format!("http://127.0.0.1:{port}/.rt"),
            )
            .env("AWS_LAMBDA_FUNCTION_NAME", FUNCTION)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
            // The function's /tmp, where its audit log goes.
            .env("TMPDIR", log_dir.path())
            .stdout(std::fs::File::create(log_dir.path().join("stdout")).expect("log file"))
            .stderr(std::fs::File::create(log_dir.path().join("stderr")).expect("log file"));
        for (name, value) in env {
            command.env(name, value);
        }
        let function = command.spawn().expect("start the s3prune function");
        Emulator {
            port,
            emulator,
            function: Arc::new(Mutex::new(function)),
            log_dir,
        }
    }

    /// Invokes the function as Lambda's Invoke API does and waits for its reply.
    pub async fn invoke(&self, event: serde_json::Value) -> Reply {
        let port = self.port;
        let function = self.function.clone();
        let reply = tokio::task::spawn_blocking(move || post(port, &event, &function))
            .await
            .expect("join");
        reply.unwrap_or_else(|e| panic!("invoking the function failed: {e}\n{}", self.log()))
    }

    /// What the function wrote (its log in Lambda): stdout, then stderr.
    pub fn log(&self) -> String {
        let read = |name: &str| {
            std::fs::read_to_string(self.log_dir.path().join(name)).unwrap_or_default()
        };
        format!(
            "function stdout:\n{}\nfunction stderr:\n{}",
            read("stdout"),
            read("stderr")
        )
    }

    /// The function's stdout: the reports and the audit lines.
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(self.log_dir.path().join("stdout")).unwrap_or_default()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let mut function = self.function.lock().unwrap_or_else(|e| e.into_inner());
        let _ = function.kill();
        let _ = function.wait();
        let _ = self.emulator.kill();
        let _ = self.emulator.wait();
    }
}

/// Reads the emulator's output until it says its server is listening on `port`.
fn wait_until_listening(emulator: &mut Child, port: u16) {
    let stdout = emulator.stdout.take().expect("piped stdout");
    let stderr = emulator.stderr.take().expect("piped stderr");
    let (lines, seen) = mpsc::channel();
    for stream in [
        Box::new(stdout) as Box<dyn Read + Send>,
        Box::new(stderr) as Box<dyn Read + Send>,
    ] {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
    }
    drop(lines);
    let ready = format!("runtime_addr=127.0.0.1:{port}");
    let mut output = Vec::new();
    loop {
        match seen.recv_timeout(EMULATOR_START) {
            Ok(line) if line.contains(&ready) => break,
            Ok(line) => output.push(line),
            Err(_) => panic!(
                "cargo-lambda's emulator did not start listening on 127.0.0.1:{port}; it said:\n{}",
                output.join("\n")
            ),
        }
    }
    // Keep draining its output so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in seen {});
    // It logs that line just before it binds: wait until it accepts connections.
    let deadline = Instant::now() + EMULATOR_START;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = emulator.try_wait() {
            panic!(
                "cargo-lambda's emulator exited ({status}):\n{}",
                output.join("\n")
            );
        }
        assert!(
            Instant::now() < deadline,
            "cargo-lambda's emulator does not accept connections on 127.0.0.1:{port}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// One HTTP/1.0 POST to the emulator's Invoke API; the reply is read to its end. Fails
/// at once if the function exits meanwhile.
fn post(port: u16, event: &serde_json::Value, function: &Mutex<Child>) -> Result<Reply, String> {
    let body = event.to_string();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(1)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "POST /2015-03-31/functions/{FUNCTION}/invocations HTTP/1.0\r\nHost: 127.0.0.1\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + INVOCATION;
    let mut reply = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => reply.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                let exited = function
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .try_wait()
                    .ok()
                    .flatten();
                if let Some(status) = exited {
                    return Err(format!("the function exited ({status}) before replying"));
                }
                if Instant::now() > deadline {
                    return Err(format!("no reply within {INVOCATION:?}"));
                }
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    let reply = String::from_utf8_lossy(&reply);
    let (head, body) = reply
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("not an HTTP reply: {reply}"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status in {head}"))?;
    let body = serde_json::from_str(body).map_err(|e| format!("{e}: {body}"))?;
    Ok(Reply { status, body })
}
