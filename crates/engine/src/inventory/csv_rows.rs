//! A CSV report's data file: gzip-compressed CSV without a header, every value quoted,
//! keys URL-encoded, columns in the manifest's `fileSchema` order.

use std::io::Read;

use flate2::read::MultiGzDecoder;

use super::columns::{Columns, Field};
use super::row_values::{decode_key, parse_bool, parse_size, parse_time};
use crate::bucket::Entry;
use crate::cost::StorageClass;

/// Where the needed values are in a row.
struct Positions {
    bucket: Option<usize>,
    key: usize,
    size: usize,
    modified: usize,
    etag: Option<usize>,
    storage_class: Option<usize>,
    latest: Option<usize>,
    marker: Option<usize>,
    width: usize,
}

/// Reads every row of the gzip CSV `compressed`, handing each to `on_row`; `bucket` is
/// the report's source bucket, which every row must name. Errors are a sentence about
/// the file, without its name (the caller adds it).
pub fn read_csv_rows(
    compressed: impl Read,
    columns: &Columns,
    bucket: &str,
    on_row: &mut dyn FnMut(&Entry),
) -> Result<(), String> {
    let at = |field| columns.position(field);
    let positions = Positions {
        bucket: at(Field::Bucket),
        key: at(Field::Key).ok_or("no Key column")?,
        size: at(Field::Size).ok_or("no Size column")?,
        modified: at(Field::LastModifiedDate).ok_or("no LastModifiedDate column")?,
        etag: at(Field::ETag),
        storage_class: at(Field::StorageClass),
        latest: at(Field::IsLatest),
        marker: at(Field::IsDeleteMarker),
        width: columns.names.len(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(256 * 1024)
        .from_reader(MultiGzDecoder::new(compressed));
    let mut record = csv::StringRecord::new();
    let mut row = 0u64;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => return Err(csv_error(e, row)),
        }
        row += 1;
        let entry = entry_of(&record, &positions, bucket).map_err(|e| format!("row {row}: {e}"))?;
        on_row(&entry);
    }
}

fn csv_error(e: csv::Error, row: u64) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => format!(
            "it ends in the middle of its gzip stream after {row} rows (a truncated or \
             partly uploaded file)"
        ),
        csv::ErrorKind::Io(io) => format!("it is not a readable gzip file ({io})"),
        _ => format!("row {}: not CSV ({e})", row + 1),
    }
}

fn entry_of(record: &csv::StringRecord, at: &Positions, bucket: &str) -> Result<Entry, String> {
    if record.len() != at.width {
        return Err(format!(
            "{} values where the fileSchema names {} columns",
            record.len(),
            at.width
        ));
    }
    let value = |i: usize| record.get(i).unwrap_or_default();
    if let Some(i) = at.bucket {
        if value(i) != bucket {
            return Err(format!(
                "it lists bucket {:?}, not the report's source bucket {bucket:?}",
                value(i)
            ));
        }
    }
    let raw_key = value(at.key);
    let key =
        decode_key(raw_key).ok_or_else(|| format!("the key {raw_key:?} is not URL-encoded"))?;
    let size = parse_size(value(at.size))
        .ok_or_else(|| format!("the Size {:?} is not a number", value(at.size)))?;
    let last_modified = parse_time(value(at.modified)).ok_or_else(|| {
        format!(
            "the LastModifiedDate {:?} is not an ISO 8601 time",
            value(at.modified)
        )
    })?;
    let flag = |position: Option<usize>, default: bool| match position {
        None => Ok(default),
        Some(i) => {
            parse_bool(value(i)).ok_or_else(|| format!("{:?} is not true or false", value(i)))
        }
    };
    let is_latest = flag(at.latest, true)?;
    let is_delete_marker = flag(at.marker, false)?;
    Ok(Entry {
        key,
        size,
        last_modified,
        etag: at
            .etag
            .map(value)
            .filter(|e| !e.is_empty())
            .map(str::to_string),
        version_id: None,
        is_latest,
        is_delete_marker,
        storage_class: StorageClass::parse(at.storage_class.map(value).filter(|c| !c.is_empty())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gzip(text: &str) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(text.as_bytes()).unwrap();
        encoder.finish().unwrap()
    }

    fn rows(text: &[u8], schema: &str) -> Result<Vec<Entry>, String> {
        let columns = Columns::from_csv_schema(schema).unwrap();
        let mut found = Vec::new();
        read_csv_rows(text, &columns, "site", &mut |e| found.push(e.clone()))?;
        Ok(found)
    }

    #[test]
    fn reads_quoted_aws_rows() {
        let text = gzip(concat!(
            "\"site\",\"d1/index.html\",\"120\",\"2026-11-01T10:00:00.000Z\",\"9b2cf535f27731c974343645a3985328\",\"STANDARD\"\n",
            "\"site\",\"d1/my+file%2C1.txt\",\"3\",\"2026-11-02T10:00:00.000Z\",\"x\",\"STANDARD\"\n",
        ));
        let found = rows(
            &text,
            "Bucket, Key, Size, LastModifiedDate, ETag, StorageClass",
        )
        .unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[1].key, "d1/my file,1.txt");
        assert_eq!(found[0].size, 120);
        assert!(found[0].is_current_object());
    }

    #[test]
    fn all_versions_rows_carry_their_flags() {
        let text = gzip(
            "\"site\",\"d1/a\",\"v2\",\"true\",\"true\",\"\",\"2026-11-01T10:00:00.000Z\",\"\",\"\"\n",
        );
        let found = rows(
            &text,
            "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass",
        )
        .unwrap();
        assert!(found[0].is_delete_marker && found[0].is_latest);
        assert_eq!((found[0].size, found[0].etag.clone()), (0, None));
    }

    #[test]
    fn a_truncated_gzip_is_named() {
        let mut text = gzip(&"\"site\",\"d1/a\",\"1\",\"2026-11-01T10:00:00.000Z\"\n".repeat(50));
        text.truncate(text.len() - 12);
        let error = rows(&text, "Bucket, Key, Size, LastModifiedDate").unwrap_err();
        assert!(
            error.contains("ends in the middle of its gzip stream"),
            "{error}"
        );
    }

    #[test]
    fn rows_of_another_bucket_or_shape_are_refused() {
        let other = gzip("\"elsewhere\",\"d1/a\",\"1\",\"2026-11-01T10:00:00.000Z\"\n");
        let error = rows(&other, "Bucket, Key, Size, LastModifiedDate").unwrap_err();
        assert!(error.contains("elsewhere"), "{error}");
        let short = gzip("\"site\",\"d1/a\",\"1\"\n");
        assert!(rows(&short, "Bucket, Key, Size, LastModifiedDate").is_err());
        assert!(rows(b"not gzip at all", "Bucket, Key, Size, LastModifiedDate").is_err());
    }
}
