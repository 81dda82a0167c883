//! Counting the HTTP requests a benchmark contender sends, the same way for every
//! contender: the embedded server counts what it receives, the latency proxy counts the
//! HTTP/1.1 requests it forwards (it follows each request's head and body, so a body is
//! never mistaken for a request). A stats port answers any connection with the count so
//! far, one decimal line, and closes; the harness reads it before and after each run.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use crate::Error;

/// Answers every connection to 127.0.0.1:`port` with `count()`.
pub async fn serve_stats(
    port: u16,
    count: impl Fn() -> u64 + Send + Sync + 'static,
) -> Result<(), Error> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let line = format!("{}\n", count());
            let _ = conn.write_all(line.as_bytes()).await;
            let _ = conn.shutdown().await;
        }
    });
    Ok(())
}

/// Where a client's byte stream is: in a request head, a body of known length, or a
/// chunked body.
enum State {
    Head(Vec<u8>),
    Body(u64),
    ChunkSize(Vec<u8>),
    ChunkData(u64),
    Trailer(Vec<u8>),
}

/// Follows one connection's client-to-server bytes, counting each request head into
/// `requests`.
pub struct RequestFramer {
    state: State,
    requests: Arc<AtomicU64>,
}

impl RequestFramer {
    pub fn new(requests: Arc<AtomicU64>) -> Self {
        RequestFramer {
            state: State::Head(Vec::new()),
            requests,
        }
    }

    pub fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            match &mut self.state {
                State::Body(left) | State::ChunkData(left) => {
                    let n = (*left).min(bytes.len() as u64);
                    *left -= n;
                    bytes = &bytes[n as usize..];
                    if *left == 0 {
                        self.state = match self.state {
                            State::ChunkData(_) => State::ChunkSize(Vec::new()),
                            _ => State::Head(Vec::new()),
                        };
                    }
                }
                State::Head(buf) | State::ChunkSize(buf) | State::Trailer(buf) => {
                    buf.push(bytes[0]);
                    bytes = &bytes[1..];
                    self.after_byte();
                }
            }
        }
    }

    fn after_byte(&mut self) {
        match &mut self.state {
            State::Head(buf) if buf.ends_with(b"\r\n\r\n") => {
                // Keep-alive connections may send stray CRLFs between requests.
                if buf.iter().all(|b| *b == b'\r' || *b == b'\n') {
                    buf.clear();
                    return;
                }
                self.requests.fetch_add(1, Ordering::Relaxed);
                let head = String::from_utf8_lossy(buf).to_ascii_lowercase();
                let header = |name: &str| {
                    head.lines()
                        .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
                };
                let chunked = header("transfer-encoding:").is_some_and(|v| v.contains("chunked"));
                let length = header("content-length:").and_then(|v| v.parse::<u64>().ok());
                self.state = match (chunked, length) {
                    (true, _) => State::ChunkSize(Vec::new()),
                    (false, Some(n)) if n > 0 => State::Body(n),
                    _ => State::Head(Vec::new()),
                };
            }
            State::ChunkSize(buf) if buf.ends_with(b"\r\n") => {
                let line = String::from_utf8_lossy(&buf[..buf.len() - 2]).to_string();
                let size = line.split(';').next().unwrap_or("").trim();
                let size = u64::from_str_radix(size, 16).unwrap_or(0);
                self.state = if size == 0 {
                    State::Trailer(Vec::new())
                } else {
                    State::ChunkData(size + 2)
                };
            }
            State::Trailer(buf) if buf == b"\r\n" || buf.ends_with(b"\r\n\r\n") => {
                self.state = State::Head(Vec::new());
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(stream: &[u8], piece: usize) -> u64 {
        let requests = Arc::new(AtomicU64::new(0));
        let mut framer = RequestFramer::new(requests.clone());
        for part in stream.chunks(piece) {
            framer.feed(part);
        }
        requests.load(Ordering::Relaxed)
    }

    #[test]
    fn requests_are_counted_whatever_their_bodies_hold_and_however_they_are_split() {
        let body = "GET /fake HTTP/1.1\r\nHost: x\r\n\r\n";
        let stream = format!(
            "GET /b?list-type=2 HTTP/1.1\r\nHost: h\r\n\r\n\
             POST /b?delete HTTP/1.1\r\nContent-Length: {}\r\n\r\n{body}\
             PUT /b/k HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n\
             HEAD /b HTTP/1.1\r\n\r\n",
            body.len(),
            body.len()
        );
        for piece in [1, 3, 7, 64, 4096] {
            assert_eq!(
                count(stream.as_bytes(), piece),
                4,
                "split every {piece} bytes"
            );
        }
    }
}
