//! A Parquet report's data file, read column by column (no Arrow): `key`, `size` and
//! `last_modified_date` (a millisecond timestamp), and `bucket`, `e_tag`, `is_latest`,
//! `is_delete_marker` when the file has them. Keys are not URL-encoded in Parquet.

use std::fs::File;

use chrono::{DateTime, Utc};
use parquet::basic::{ConvertedType, LogicalType, TimeUnit, Type as PhysicalType};
use parquet::column::reader::{get_typed_column_reader, ColumnReaderImpl};
use parquet::data_type::{BoolType, ByteArrayType, DataType, Int64Type};
use parquet::file::reader::{FileReader, RowGroupReader};
use parquet::file::serialized_reader::SerializedFileReader;
use parquet::schema::types::ColumnDescriptor;

use super::columns::Field;
use crate::bucket::Entry;
use crate::cost::StorageClass;

/// Rows decoded at once per column.
const BATCH: usize = 8192;

/// Reads every row of the Parquet file, handing each to `on_row`; `bucket` is the
/// report's source bucket, which every row must name; `etags` reads the ETags (which
/// only feed digests).
pub fn read_parquet_rows(
    file: File,
    bucket: &str,
    etags: bool,
    on_row: &mut dyn FnMut(&Entry),
) -> Result<(), String> {
    let reader = SerializedFileReader::new(file)
        .map_err(|e| format!("it is not a readable Parquet file ({e})"))?;
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    let find = |field: Field| {
        schema
            .columns()
            .iter()
            .position(|c| c.name() == field.parquet_name())
    };
    let need = |field: Field| {
        find(field).ok_or_else(|| {
            format!(
                "it has no {} column (its columns: {})",
                field.parquet_name(),
                schema
                    .columns()
                    .iter()
                    .map(|c| c.name().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    };
    let key = need(Field::Key)?;
    let size = need(Field::Size)?;
    let modified = need(Field::LastModifiedDate)?;
    let millis_per_unit = time_unit(&schema.columns()[modified])?;
    let optional = [
        find(Field::Bucket),
        find(Field::ETag).filter(|_| etags),
        find(Field::IsLatest),
        find(Field::IsDeleteMarker),
        find(Field::StorageClass),
    ];
    for i in 0..reader.num_row_groups() {
        let group = reader
            .get_row_group(i)
            .map_err(|e| format!("row group {i} cannot be read ({e})"))?;
        read_group(
            &*group,
            [key, size, modified],
            optional,
            millis_per_unit,
            bucket,
            on_row,
        )
        .map_err(|e| format!("row group {i}: {e}"))?;
    }
    Ok(())
}

/// How to turn the timestamp column's values into milliseconds: AWS writes
/// `TIMESTAMP_MILLIS`; pyarrow may write other units.
fn time_unit(column: &ColumnDescriptor) -> Result<Scale, String> {
    if column.physical_type() != PhysicalType::INT64 {
        return Err(format!(
            "its last_modified_date column is {:?}, not an int64 timestamp",
            column.physical_type()
        ));
    }
    Ok(match (column.logical_type_ref(), column.converted_type()) {
        (Some(LogicalType::Timestamp(timestamp)), _) => match timestamp.unit {
            TimeUnit::MILLIS => Scale::Millis,
            TimeUnit::MICROS => Scale::Micros,
            TimeUnit::NANOS => Scale::Nanos,
        },
        (_, ConvertedType::TIMESTAMP_MICROS) => Scale::Micros,
        _ => Scale::Millis,
    })
}

#[derive(Clone, Copy)]
enum Scale {
    Millis,
    Micros,
    Nanos,
}

impl Scale {
    fn time(self, value: i64) -> Option<DateTime<Utc>> {
        match self {
            Scale::Millis => DateTime::from_timestamp_millis(value),
            Scale::Micros => DateTime::from_timestamp_micros(value),
            Scale::Nanos => Some(DateTime::from_timestamp_nanos(value)),
        }
    }
}

/// One column's reader and its current batch.
struct Column<T: DataType> {
    reader: ColumnReaderImpl<T>,
    defs: Vec<i16>,
    values: Vec<T::T>,
    max_def: i16,
    next_value: usize,
}

impl<T: DataType> Column<T> {
    fn open(group: &dyn RowGroupReader, index: usize) -> Result<Self, String> {
        let descriptor = group.metadata().column(index).column_descr_ptr();
        let reader = group
            .get_column_reader(index)
            .map_err(|e| format!("column {} cannot be read ({e})", descriptor.name()))?;
        Ok(Column {
            reader: get_typed_column_reader::<T>(reader),
            defs: Vec::with_capacity(BATCH),
            values: Vec::with_capacity(BATCH),
            max_def: descriptor.max_def_level(),
            next_value: 0,
        })
    }

    /// Reads the next batch; returns how many rows it holds.
    fn fill(&mut self) -> Result<usize, String> {
        self.defs.clear();
        self.values.clear();
        self.next_value = 0;
        let (records, _, _) = self
            .reader
            .read_records(BATCH, Some(&mut self.defs), None, &mut self.values)
            .map_err(|e| e.to_string())?;
        Ok(records)
    }

    /// Row `i` of the batch (rows must be taken in order), `None` if it is null.
    fn take(&mut self, i: usize) -> Option<&T::T> {
        if self.max_def > 0 && self.defs[i] < self.max_def {
            return None;
        }
        let value = self.values.get(self.next_value);
        self.next_value += 1;
        value
    }
}

fn read_group(
    group: &dyn RowGroupReader,
    [key, size, modified]: [usize; 3],
    [bucket_col, etag_col, latest_col, marker_col, class_col]: [Option<usize>; 5],
    scale: Scale,
    bucket: &str,
    on_row: &mut dyn FnMut(&Entry),
) -> Result<(), String> {
    let mut keys = Column::<ByteArrayType>::open(group, key)?;
    let mut sizes = Column::<Int64Type>::open(group, size)?;
    let mut times = Column::<Int64Type>::open(group, modified)?;
    let open_text = |i: Option<usize>| {
        i.map(|i| Column::<ByteArrayType>::open(group, i))
            .transpose()
    };
    let open_bool = |i: Option<usize>| i.map(|i| Column::<BoolType>::open(group, i)).transpose();
    let mut buckets = open_text(bucket_col)?;
    let mut etags = open_text(etag_col)?;
    let mut classes = open_text(class_col)?;
    let mut latest = open_bool(latest_col)?;
    let mut markers = open_bool(marker_col)?;
    loop {
        let rows = keys.fill()?;
        if rows == 0 {
            return Ok(());
        }
        let mut others = vec![sizes.fill()?, times.fill()?];
        for column in [&mut buckets, &mut etags, &mut classes]
            .into_iter()
            .flatten()
        {
            others.push(column.fill()?);
        }
        for column in [&mut latest, &mut markers].into_iter().flatten() {
            others.push(column.fill()?);
        }
        if others.iter().any(|n| *n != rows) {
            return Err("its columns have different numbers of rows".into());
        }
        for i in 0..rows {
            if let Some(named) = buckets.as_mut().and_then(|c| c.take(i)) {
                if named.data() != bucket.as_bytes() {
                    return Err(format!(
                        "it lists bucket {:?}, not the report's source bucket {bucket:?}",
                        String::from_utf8_lossy(named.data())
                    ));
                }
            }
            let key = keys
                .take(i)
                .ok_or("a row has no key")?
                .as_utf8()
                .map_err(|_| "a key is not UTF-8")?
                .to_string();
            let size = sizes.take(i).copied().unwrap_or(0);
            let time = times
                .take(i)
                .copied()
                .ok_or("a row has no last_modified_date")?;
            let etag = etags
                .as_mut()
                .and_then(|c| c.take(i))
                .and_then(|e| e.as_utf8().ok())
                .filter(|e| !e.is_empty())
                .map(str::to_string);
            let storage_class = StorageClass::parse(
                classes
                    .as_mut()
                    .and_then(|c| c.take(i))
                    .and_then(|c| c.as_utf8().ok())
                    .filter(|c| !c.is_empty()),
            );
            let is_latest = latest.as_mut().map_or(Some(true), |c| c.take(i).copied());
            let is_delete_marker = markers.as_mut().and_then(|c| c.take(i).copied());
            let entry = Entry {
                key,
                size: u64::try_from(size).map_err(|_| "a size is negative")?,
                last_modified: scale
                    .time(time)
                    .ok_or("a last_modified_date is out of range")?,
                etag,
                version_id: None,
                is_latest: is_latest.unwrap_or(false),
                is_delete_marker: is_delete_marker.unwrap_or(false),
                storage_class,
            };
            on_row(&entry);
        }
    }
}
