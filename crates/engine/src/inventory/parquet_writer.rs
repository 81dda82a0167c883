//! One Parquet data file of a report, with AWS's schema (`message s3.inventory { … }`,
//! snake-case columns, `last_modified_date` as int64 `TIMESTAMP_MILLIS`), snappy pages.

use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

use super::columns::schema_text;
use super::report_layout::ReportLayout;
use crate::bucket::Entry;

const ROW_GROUP_ROWS: usize = 128 * 1024;

pub fn encode(layout: &ReportLayout, rows: &[Entry]) -> Result<Vec<u8>, ParquetError> {
    let schema = Arc::new(parse_message_type(&schema_text(true, layout.all_versions))?);
    let properties = Arc::new(
        WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build(),
    );
    let mut writer = SerializedFileWriter::new(Vec::new(), schema, properties)?;
    for group in rows.chunks(ROW_GROUP_ROWS) {
        let mut row_group = writer.next_row_group()?;
        let text = |f: &dyn Fn(&Entry) -> Option<String>| -> (Vec<ByteArray>, Vec<i16>) {
            let mut values = Vec::with_capacity(group.len());
            let mut defs = Vec::with_capacity(group.len());
            for entry in group {
                match f(entry) {
                    Some(v) => {
                        values.push(ByteArray::from(v.into_bytes()));
                        defs.push(1);
                    }
                    None => defs.push(0),
                }
            }
            (values, defs)
        };
        let marker = |e: &Entry| e.is_delete_marker;
        let mut columns: Vec<Column> = vec![
            Column::Text(text(&|_| Some(layout.source_bucket.clone())), true),
            Column::Text(text(&|e| Some(e.key.clone())), true),
        ];
        if layout.all_versions {
            columns.push(Column::Text(
                text(&|e| Some(e.version_id.clone().unwrap_or_else(|| "null".into()))),
                false,
            ));
            columns.push(Column::Bool(group.iter().map(|e| e.is_latest).collect()));
            columns.push(Column::Bool(group.iter().map(marker).collect()));
        }
        columns.push(Column::Int(
            group
                .iter()
                .map(|e| (!marker(e)).then_some(e.size as i64))
                .collect(),
        ));
        columns.push(Column::Int(
            group
                .iter()
                .map(|e| Some(e.last_modified.timestamp_millis()))
                .collect(),
        ));
        columns.push(Column::Text(
            text(&|e| {
                (!marker(e)).then(|| {
                    e.etag
                        .as_deref()
                        .unwrap_or("")
                        .trim_matches('"')
                        .to_string()
                })
            }),
            false,
        ));
        columns.push(Column::Text(
            text(&|e| (!marker(e)).then(|| e.storage_class.as_str().to_string())),
            false,
        ));
        for column in columns {
            let mut next = row_group
                .next_column()?
                .ok_or_else(|| ParquetError::General("fewer columns than the schema".into()))?;
            match column {
                Column::Text((values, _), true) => {
                    next.typed::<ByteArrayType>()
                        .write_batch(&values, None, None)?;
                }
                Column::Text((values, defs), false) => {
                    next.typed::<ByteArrayType>()
                        .write_batch(&values, Some(&defs), None)?;
                }
                Column::Bool(values) => {
                    let defs = vec![1; values.len()];
                    next.typed::<BoolType>()
                        .write_batch(&values, Some(&defs), None)?;
                }
                Column::Int(values) => {
                    let defs: Vec<i16> = values.iter().map(|v| i16::from(v.is_some())).collect();
                    let present: Vec<i64> = values.into_iter().flatten().collect();
                    next.typed::<Int64Type>()
                        .write_batch(&present, Some(&defs), None)?;
                }
            }
            next.close()?;
        }
        row_group.close()?;
    }
    writer.into_inner()
}

enum Column {
    /// Values and definition levels; `true` for a required column.
    Text((Vec<ByteArray>, Vec<i16>), bool),
    Bool(Vec<bool>),
    Int(Vec<Option<i64>>),
}
