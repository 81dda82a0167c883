//! Reading one data file of a report: its bytes streamed from the destination bucket,
//! checked against the manifest's size and MD5, decoded on a blocking thread (CSV) or
//! from a temporary file (Parquet needs its footer first), every row folded into a
//! [`ReportTally`].

use std::io::Read;
use std::sync::Arc;

use bytes::Bytes;
use md5::{Digest, Md5};
use tokio::sync::mpsc;

use super::aggregate::ReportTally;
use super::columns::Columns;
use super::manifest::{DataFile, ReportFormat};
use crate::bucket::Bucket;
use crate::error::EngineError;

/// Chunks of a body in flight between the download and the decoder.
const CHUNKS_AHEAD: usize = 16;

/// What a data file is read with.
pub struct FileReading {
    pub reports: Bucket,
    pub format: ReportFormat,
    pub columns: Arc<Columns>,
    /// The report's source bucket: every row must name it.
    pub source: String,
    /// Read the ETags (for digests); otherwise they are skipped.
    pub etags: bool,
}

impl FileReading {
    /// Tallies every row of `file` into `tally`.
    pub async fn read(
        &self,
        file: &DataFile,
        tally: ReportTally,
    ) -> Result<ReportTally, EngineError> {
        let place = format!("s3://{}/{}", self.reports.name(), file.key);
        let failed = |why: String| {
            EngineError::Other(format!(
                "the inventory data file {place} cannot be used: {why}. Nothing was deleted"
            ))
        };
        let body = self.reports.get_object(&file.key).await?.ok_or_else(|| {
            EngineError::Other(format!(
                "the inventory data file {place}, listed in the manifest, does not exist: the \
                 report is incomplete or was partly deleted. Use another report (a folder \
                 --inventory takes the newest). Nothing was deleted"
            ))
        })?;
        let (tx, rx) = mpsc::channel::<Result<Bytes, String>>(CHUNKS_AHEAD);
        let download = pump(body, tx);
        let decode = async {
            match self.format {
                ReportFormat::Csv => self.decode_csv(rx, tally).await,
                ReportFormat::Parquet => self.decode_parquet(rx, tally).await,
            }
        };
        let ((), decoded) = tokio::join!(download, decode);
        let (tally, size, md5) = decoded.map_err(failed)?;
        if size != file.size || !md5.eq_ignore_ascii_case(&file.md5_checksum) {
            return Err(failed(format!(
                "it is {size} bytes with MD5 {md5}, the manifest says {} bytes with MD5 {} \
                 (a damaged or replaced file)",
                file.size, file.md5_checksum
            )));
        }
        Ok(tally)
    }

    async fn decode_csv(
        &self,
        rx: mpsc::Receiver<Result<Bytes, String>>,
        mut tally: ReportTally,
    ) -> Result<(ReportTally, u64, String), String> {
        let columns = if self.etags {
            Arc::clone(&self.columns)
        } else {
            Arc::new(self.columns.without_etags())
        };
        let source = self.source.clone();
        let task = tokio::task::spawn_blocking(move || {
            let mut body = ChunkReader::new(rx);
            super::csv_rows::read_csv_rows(&mut body, &columns, &source, &mut |entry| {
                tally.add(entry)
            })?;
            let (size, md5) = body.finish()?;
            Ok((tally, size, md5))
        });
        task.await
            .map_err(|e| format!("its reader stopped ({e})"))?
    }

    #[cfg(feature = "parquet")]
    async fn decode_parquet(
        &self,
        rx: mpsc::Receiver<Result<Bytes, String>>,
        mut tally: ReportTally,
    ) -> Result<(ReportTally, u64, String), String> {
        let source = self.source.clone();
        let etags = self.etags;
        let task = tokio::task::spawn_blocking(move || {
            let mut body = ChunkReader::new(rx);
            let mut file =
                tempfile::tempfile().map_err(|e| format!("no temporary file for it ({e})"))?;
            std::io::copy(&mut body, &mut file).map_err(|e| e.to_string())?;
            let (size, md5) = body.finish()?;
            super::parquet_rows::read_parquet_rows(file, &source, etags, &mut |entry| {
                tally.add(entry)
            })?;
            Ok((tally, size, md5))
        });
        task.await
            .map_err(|e| format!("its reader stopped ({e})"))?
    }

    #[cfg(not(feature = "parquet"))]
    async fn decode_parquet(
        &self,
        _rx: mpsc::Receiver<Result<Bytes, String>>,
        _tally: ReportTally,
    ) -> Result<(ReportTally, u64, String), String> {
        Err(super::PARQUET_NOT_BUILT.into())
    }
}

/// Sends the body's chunks to the decoder until it ends, fails, or the decoder stops.
async fn pump(
    mut body: aws_sdk_s3::primitives::ByteStream,
    tx: mpsc::Sender<Result<Bytes, String>>,
) {
    loop {
        let chunk = match body.next().await {
            None => return,
            Some(Ok(chunk)) => Ok(chunk),
            Some(Err(e)) => Err(format!("its download broke off ({e})")),
        };
        let failed = chunk.is_err();
        if tx.send(chunk).await.is_err() || failed {
            return;
        }
    }
}

/// The downloaded chunks as a blocking [`Read`], hashing and counting every byte.
struct ChunkReader {
    rx: mpsc::Receiver<Result<Bytes, String>>,
    current: Bytes,
    md5: Md5,
    size: u64,
}

impl ChunkReader {
    fn new(rx: mpsc::Receiver<Result<Bytes, String>>) -> Self {
        ChunkReader {
            rx,
            current: Bytes::new(),
            md5: Md5::new(),
            size: 0,
        }
    }

    /// Reads what the decoder left (gzip padding, say) and returns the size and MD5 of
    /// everything.
    fn finish(mut self) -> Result<(u64, String), String> {
        std::io::copy(&mut self, &mut std::io::sink()).map_err(|e| e.to_string())?;
        Ok((self.size, hex::encode(self.md5.finalize())))
    }
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                None => return Ok(0),
                Some(Ok(chunk)) => self.current = chunk,
                Some(Err(e)) => return Err(std::io::Error::other(e)),
            }
        }
        let n = buf.len().min(self.current.len());
        let chunk = self.current.split_to(n);
        buf[..n].copy_from_slice(&chunk);
        self.md5.update(&chunk);
        self.size += n as u64;
        Ok(n)
    }
}
