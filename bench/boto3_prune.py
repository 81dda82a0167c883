#!/usr/bin/env python3
"""The classic boto3 cleanup script that s3prune replaces, as a benchmark contender.

  boto3_prune.py list  --bucket B [--endpoint-url URL]
      list every object (paginator), group by the first '/', sort by LastModified,
      print one JSON line per deployment (newest first) and a summary line.
  boto3_prune.py prune --bucket B --keep N [--endpoint-url URL]
      the same listing (keeping every key), then delete all but the newest N
      deployments with 1000-key delete_objects batches, one after another.

Credentials and region come from the usual AWS environment variables.
"""
import argparse
import json
import sys

import boto3
from botocore.config import Config


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["list", "prune"])
    ap.add_argument("--bucket", required=True)
    ap.add_argument("--endpoint-url")
    ap.add_argument("--keep", type=int, default=10)
    args = ap.parse_args()

    s3 = boto3.client(
        "s3",
        endpoint_url=args.endpoint_url,
        config=Config(s3={"addressing_style": "path"}),
    )
    keep_keys = args.command == "prune"
    deployments = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=args.bucket):
        for obj in page.get("Contents", []):
            key = obj["Key"]
            if "/" not in key:
                continue  # objects at the root belong to no deployment
            name = key.split("/", 1)[0]
            d = deployments.get(name)
            if d is None:
                d = deployments[name] = {"objects": 0, "bytes": 0, "newest": obj["LastModified"], "keys": []}
            d["objects"] += 1
            d["bytes"] += obj["Size"]
            if obj["LastModified"] > d["newest"]:
                d["newest"] = obj["LastModified"]
            if keep_keys:
                d["keys"].append(key)

    ordered = sorted(deployments.items(), key=lambda kv: (kv[1]["newest"], kv[0]), reverse=True)
    if args.command == "list":
        out = sys.stdout
        for name, d in ordered:
            out.write(json.dumps({"name": name, "objects": d["objects"], "bytes": d["bytes"],
                                  "newest": d["newest"].isoformat()}) + "\n")
        print(json.dumps({"deployments": len(ordered), "objects": sum(d["objects"] for _, d in ordered)}))
        return 0

    doomed = ordered[args.keep:]
    keys = [k for _, d in doomed for k in d["keys"]]
    failed = 0
    for i in range(0, len(keys), 1000):
        batch = keys[i:i + 1000]
        reply = s3.delete_objects(
            Bucket=args.bucket,
            Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
        )
        failed += len(reply.get("Errors", []))
    print(json.dumps({"deleted_deployments": len(doomed), "deleted_objects": len(keys) - failed, "failed": failed}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
