"""An S3 Inventory report written without s3prune: Python's csv + gzip for CSV, pyarrow
for Parquet, json + hashlib for the manifest, in AWS's layout under OUT_DIR:

    OUT_DIR/SOURCE/CONFIG/data/<uuid>.csv.gz (or .parquet)
    OUT_DIR/SOURCE/CONFIG/YYYY-MM-DDTHH-MMZ/manifest.json, manifest.checksum

Usage: python independent_inventory_writer.py OUT_DIR SOURCE DEST_BUCKET csv|parquet CONFIG
with the rows on stdin as JSON: [{"key", "size", "last_modified" (ISO 8601), "etag"}].
Prints the manifest's path relative to OUT_DIR.
"""

import csv
import datetime
import gzip
import hashlib
import io
import json
import os
import sys
import urllib.parse
import uuid


def main():
    out_dir, source, dest_bucket, file_format, config = sys.argv[1:6]
    rows = json.load(sys.stdin)
    created = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
    config_dir = os.path.join(out_dir, source, config)
    os.makedirs(os.path.join(config_dir, "data"), exist_ok=True)
    name = str(uuid.uuid4())

    if file_format == "csv":
        text = io.StringIO()
        writer = csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\n")
        for row in rows:
            writer.writerow([
                source,
                urllib.parse.quote_plus(row["key"], safe="/"),
                str(row["size"]),
                row["last_modified"],
                row["etag"],
                "STANDARD",
            ])
        body = gzip.compress(text.getvalue().encode("utf-8"))
        schema = "Bucket, Key, Size, LastModifiedDate, ETag, StorageClass"
        data_key = f"{source}/{config}/data/{name}.csv.gz"
        file_format_name = "CSV"
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        times = [datetime.datetime.fromisoformat(r["last_modified"].replace("Z", "+00:00")) for r in rows]
        table = pa.table({
            "bucket": pa.array([source] * len(rows), pa.string()),
            "key": pa.array([r["key"] for r in rows], pa.string()),
            "size": pa.array([r["size"] for r in rows], pa.int64()),
            "last_modified_date": pa.array(times, pa.timestamp("ms", tz="UTC")),
            "e_tag": pa.array([r["etag"] for r in rows], pa.string()),
            "storage_class": pa.array(["STANDARD"] * len(rows), pa.string()),
        })
        sink = io.BytesIO()
        pq.write_table(table, sink)
        body = sink.getvalue()
        schema = (
            "message s3.inventory { required binary bucket (UTF8); required binary key (UTF8); "
            "optional int64 size; optional int64 last_modified_date (TIMESTAMP_MILLIS); "
            "optional binary e_tag (UTF8); optional binary storage_class (UTF8); }"
        )
        data_key = f"{source}/{config}/data/{name}.parquet"
        file_format_name = "Parquet"

    with open(os.path.join(out_dir, data_key), "wb") as f:
        f.write(body)
    manifest = {
        "sourceBucket": source,
        "destinationBucket": f"arn:aws:s3:::{dest_bucket}",
        "version": "2016-11-30",
        "creationTimestamp": str(int(created.timestamp() * 1000)),
        "fileFormat": file_format_name,
        "fileSchema": schema,
        "files": [{"key": data_key, "size": len(body), "MD5checksum": hashlib.md5(body).hexdigest()}],
    }
    manifest_bytes = json.dumps(manifest, indent=4).encode("utf-8")
    folder = os.path.join(config_dir, created.strftime("%Y-%m-%dT%H-%MZ"))
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "manifest.json"), "wb") as f:
        f.write(manifest_bytes)
    with open(os.path.join(folder, "manifest.checksum"), "w") as f:
        f.write(hashlib.md5(manifest_bytes).hexdigest() + "\n")
    print(os.path.relpath(os.path.join(folder, "manifest.json"), out_dir))


if __name__ == "__main__":
    main()
