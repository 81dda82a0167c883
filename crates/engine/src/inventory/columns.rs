//! Which column holds what, from the manifest's `fileSchema`: for CSV a list of field
//! names in column order (`Bucket, Key, Size, LastModifiedDate, …`), for Parquet a schema
//! message naming the columns in lower snake case (`message s3.inventory { required
//! binary bucket (UTF8); required binary key (UTF8); … }`). A report without the fields
//! a plan needs is refused; fields s3prune does not use are skipped.

/// The fields s3prune reads. `Key`, `Size` and `LastModifiedDate` are needed; an
/// all-versions report has `VersionId`, `IsLatest` and `IsDeleteMarker` too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Bucket,
    Key,
    VersionId,
    IsLatest,
    IsDeleteMarker,
    Size,
    LastModifiedDate,
    ETag,
    StorageClass,
}

impl Field {
    const ALL: [Field; 9] = [
        Field::Bucket,
        Field::Key,
        Field::VersionId,
        Field::IsLatest,
        Field::IsDeleteMarker,
        Field::Size,
        Field::LastModifiedDate,
        Field::ETag,
        Field::StorageClass,
    ];

    /// The name in a CSV report's `fileSchema`.
    pub fn csv_name(self) -> &'static str {
        match self {
            Field::Bucket => "Bucket",
            Field::Key => "Key",
            Field::VersionId => "VersionId",
            Field::IsLatest => "IsLatest",
            Field::IsDeleteMarker => "IsDeleteMarker",
            Field::Size => "Size",
            Field::LastModifiedDate => "LastModifiedDate",
            Field::ETag => "ETag",
            Field::StorageClass => "StorageClass",
        }
    }

    /// The column name in a Parquet report.
    pub fn parquet_name(self) -> &'static str {
        match self {
            Field::Bucket => "bucket",
            Field::Key => "key",
            Field::VersionId => "version_id",
            Field::IsLatest => "is_latest",
            Field::IsDeleteMarker => "is_delete_marker",
            Field::Size => "size",
            Field::LastModifiedDate => "last_modified_date",
            Field::ETag => "e_tag",
            Field::StorageClass => "storage_class",
        }
    }
}

const NEEDED: [Field; 3] = [Field::Key, Field::Size, Field::LastModifiedDate];
const VERSION_FIELDS: [Field; 3] = [Field::VersionId, Field::IsLatest, Field::IsDeleteMarker];

/// Where each field is among the report's columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// Every column's name, in order, as the schema writes it.
    pub names: Vec<String>,
    positions: [Option<usize>; 9],
}

impl Columns {
    /// A CSV `fileSchema`: names separated by commas.
    pub fn from_csv_schema(schema: &str) -> Result<Columns, String> {
        let names: Vec<String> = schema
            .split(',')
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect();
        Columns::new(names, Field::csv_name, schema)
    }

    /// A Parquet `fileSchema`: `message NAME { [required|optional] TYPE name [(…)]; … }`.
    pub fn from_parquet_schema(schema: &str) -> Result<Columns, String> {
        let body = schema
            .split_once('{')
            .and_then(|(_, rest)| rest.rsplit_once('}'))
            .map(|(body, _)| body)
            .ok_or_else(|| unreadable(schema))?;
        let names: Vec<String> = body
            .split(';')
            .map(|field| field.split('(').next().unwrap_or_default().trim())
            .filter(|field| !field.is_empty())
            .map(|field| {
                field
                    .split_whitespace()
                    .last()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        Columns::new(names, Field::parquet_name, schema)
    }

    fn new(
        names: Vec<String>,
        name_of: fn(Field) -> &'static str,
        schema: &str,
    ) -> Result<Columns, String> {
        let mut positions = [None; 9];
        for (slot, field) in positions.iter_mut().zip(Field::ALL) {
            *slot = names.iter().position(|n| n == name_of(field));
        }
        let columns = Columns { names, positions };
        let missing: Vec<&str> = NEEDED
            .iter()
            .filter(|f| columns.position(**f).is_none())
            .map(|f| name_of(*f))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "the report's fileSchema {schema:?} has no {} column, which a plan needs; \
                 add {} to the inventory configuration's fields. Nothing was deleted",
                missing.join(", "),
                missing.join(" and ")
            ));
        }
        let versions = VERSION_FIELDS
            .iter()
            .filter(|f| columns.position(**f).is_some())
            .count();
        if versions != 0 && versions != VERSION_FIELDS.len() {
            return Err(format!(
                "the report's fileSchema {schema:?} has some but not all of {}: it is neither \
                 a current-version nor an all-versions report. Nothing was deleted",
                VERSION_FIELDS.map(name_of).join(", ")
            ));
        }
        Ok(columns)
    }

    pub fn position(&self, field: Field) -> Option<usize> {
        let index = Field::ALL.iter().position(|f| *f == field)?;
        self.positions[index]
    }

    /// The same columns, with the ETag left unread (it only feeds digests).
    pub fn without_etags(&self) -> Columns {
        let mut columns = self.clone();
        if let Some(index) = Field::ALL.iter().position(|f| *f == Field::ETag) {
            columns.positions[index] = None;
        }
        columns
    }

    /// Whether the report lists every version and delete marker (its configuration's
    /// "Object versions: Include all versions").
    pub fn all_versions(&self) -> bool {
        self.position(Field::VersionId).is_some()
    }
}

fn unreadable(schema: &str) -> String {
    format!(
        "the report's fileSchema {schema:?} is not a Parquet schema message (message \
         s3.inventory {{ … }}). Nothing was deleted"
    )
}

/// The `fileSchema` s3prune writes for a report of `format`: AWS's field order.
pub fn schema_text(parquet: bool, all_versions: bool) -> String {
    let fields: Vec<Field> = if all_versions {
        vec![
            Field::Bucket,
            Field::Key,
            Field::VersionId,
            Field::IsLatest,
            Field::IsDeleteMarker,
            Field::Size,
            Field::LastModifiedDate,
            Field::ETag,
        ]
    } else {
        vec![
            Field::Bucket,
            Field::Key,
            Field::Size,
            Field::LastModifiedDate,
            Field::ETag,
        ]
    };
    if !parquet {
        let mut names: Vec<&str> = fields.iter().map(|f| f.csv_name()).collect();
        names.push("StorageClass");
        return names.join(", ");
    }
    let mut parts: Vec<String> = fields
        .iter()
        .map(|f| {
            let name = f.parquet_name();
            match f {
                Field::Bucket | Field::Key => format!("required binary {name} (UTF8);"),
                Field::VersionId | Field::ETag | Field::StorageClass => {
                    format!("optional binary {name} (UTF8);")
                }
                Field::IsLatest | Field::IsDeleteMarker => format!("optional boolean {name};"),
                Field::Size => format!("optional int64 {name};"),
                Field::LastModifiedDate => format!("optional int64 {name} (TIMESTAMP_MILLIS);"),
            }
        })
        .collect();
    parts.push("optional binary storage_class (UTF8);".into());
    format!("message s3.inventory {{ {} }}", parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_schemas_name_columns_in_order() {
        let columns = Columns::from_csv_schema(
            "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass, IsMultipartUploaded",
        )
        .unwrap();
        assert_eq!(columns.position(Field::Key), Some(1));
        assert_eq!(columns.position(Field::Size), Some(5));
        assert!(columns.all_versions());
        let current = Columns::from_csv_schema("Bucket, Key, Size, LastModifiedDate").unwrap();
        assert!(!current.all_versions());
        assert_eq!(current.position(Field::ETag), None);
    }

    #[test]
    fn parquet_schemas_name_columns_in_snake_case() {
        let columns = Columns::from_parquet_schema(
            "message s3.inventory {  required binary bucket (STRING);  required binary key (STRING);  optional binary version_id (STRING);  optional boolean is_latest;  optional boolean is_delete_marker;  optional int64 size;  optional int64 last_modified_date (TIMESTAMP(MILLIS,true));  optional binary e_tag (STRING);  optional binary storage_class (STRING);  optional boolean is_multipart_uploaded;}",
        )
        .unwrap();
        assert_eq!(columns.position(Field::LastModifiedDate), Some(6));
        assert!(columns.all_versions());
        assert_eq!(
            Columns::from_parquet_schema(&schema_text(true, false))
                .unwrap()
                .names,
            [
                "bucket",
                "key",
                "size",
                "last_modified_date",
                "e_tag",
                "storage_class"
            ]
        );
    }

    #[test]
    fn a_column_set_without_what_a_plan_needs_is_refused() {
        let error = Columns::from_csv_schema("Bucket, Key, StorageClass").unwrap_err();
        assert!(error.contains("Size, LastModifiedDate"), "{error}");
        let error =
            Columns::from_csv_schema("Bucket, Key, Size, LastModifiedDate, IsLatest").unwrap_err();
        assert!(error.contains("some but not all"), "{error}");
        assert!(Columns::from_parquet_schema("Bucket, Key").is_err());
    }
}
