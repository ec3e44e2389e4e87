#!/usr/bin/env bash
# The usage logs of ../usage-logs summed into an S3 bucket, on this machine: starts S3Proxy (fetched once with Maven)
# on a random loopback port with its buckets in data/s3/, runs the pipeline once, shows the first totals read back
# from s3://usage-lake/usage/totals.csv, and stops the server. `../usage-logs/generate.sh more`, then ./run.sh again:
# the totals grow by exactly the new lines. Needs curl 7.75 or newer (it signs its requests with --aws-sigv4).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../../scripts/env.sh"
. "$here/../../scripts/s3proxy.sh"
find_java
ensure_maven
command -v curl >/dev/null || die "this example reads the totals back with curl: install it (apt-get install curl)"
[ -d "$here/../usage-logs/data/logs" ] || "$here/../usage-logs/generate.sh"

# S3Proxy's keys, which the pipeline's S3 client finds where it finds any AWS credentials (the default chain).
export AWS_ACCESS_KEY_ID=example-access-key AWS_SECRET_ACCESS_KEY=example-secret-key AWS_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN
s3proxy_start "$here/data" "$here/data/s3" "$here/data/s3proxy.log"
trap 'kill "$S3_PID"; wait "$S3_PID" 2>/dev/null || true' EXIT
export S3_ENDPOINT

s3_bucket usage-lake

"$here/../../sluice" run "$here/pipeline.yaml" --mode once "$@" || code=$?
totals="$here/data/totals.csv"
s3 GET usage-lake/usage/totals.csv -o "$totals"
echo
echo "s3://usage-lake/usage/totals.csv ($(($(wc -l < "$totals") - 1)) groups, $(awk -F, 'NR > 1 { n += $6 } END { print n }' "$totals") lines counted), the first:"
head -6 "$totals"
exit "${code:-0}"
