#!/usr/bin/env bash
# CUR files in an S3 bucket to FOCUS Parquet in another bucket, on this machine: starts S3Proxy (an S3-compatible
# server, fetched once with Maven) on a random loopback port with its buckets in data/s3/, uploads the CUR files of
# ../focus-aws/input/ to s3://billing-exports/cur/, runs the pipeline, lists s3://finops-lake/focus/, and stops
# the server. Run it again: the same objects are there, so nothing is converted twice.
# Needs curl 7.75 or newer (it signs the uploads with --aws-sigv4).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../../scripts/env.sh"
. "$here/../../scripts/s3proxy.sh"
find_java
ensure_maven
command -v curl >/dev/null || die "this example uploads with curl: install it (apt-get install curl)"

# S3Proxy's keys, which the pipeline's S3 client finds where it finds any AWS credentials (the default chain).
export AWS_ACCESS_KEY_ID=example-access-key AWS_SECRET_ACCESS_KEY=example-secret-key AWS_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN
s3proxy_start "$here/data" "$here/data/s3" "$here/data/s3proxy.log"
trap 'kill "$S3_PID"; wait "$S3_PID" 2>/dev/null || true' EXIT
export S3_ENDPOINT

s3_bucket billing-exports
s3_bucket finops-lake
(cd "$here/../focus-aws/input" && find . -name '*.csv.gz' | sort) | while read -r f; do
  s3 PUT "billing-exports/cur/${f#./}" -T "$here/../focus-aws/input/${f#./}" >/dev/null
  echo "uploaded s3://billing-exports/cur/${f#./}"
done

"$here/../../sluice" run "$here/pipeline.yaml" "$@"

# The listing, one object a line: size and URL (ListObjectsV2; the prefix's "/" encoded as the signature expects).
echo "s3://finops-lake/focus/:"
s3 GET "finops-lake?list-type=2&prefix=focus%2F" | sed 's/<Contents>/\n/g' \
  | sed -n 's|.*<Key>\(.*\)</Key>.*<Size>\(.*\)</Size>.*|\2\ts3://finops-lake/\1|p'
