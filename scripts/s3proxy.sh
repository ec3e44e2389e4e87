# Sourced by scripts that need an S3-compatible server on this machine (examples/*-s3/run.sh, bench/b7.sh):
# S3Proxy with its filesystem back end (each bucket a folder, each object a file) on a random loopback port.
# Needs JAVA_HOME (find_java in env.sh) and mvn (ensure_maven).

S3PROXY_VERSION=4.1.0

# free_port: a loopback TCP port nothing listens on.
free_port() {
  local p
  while :; do
    p=$(shuf -i 20000-60999 -n 1)
    (echo >/dev/tcp/127.0.0.1/"$p") 2>/dev/null || { echo "$p"; return; }
  done
}

# wait_port PORT PID NAME LOG: waits up to 60 s until PORT answers; fails, naming LOG, if PID died first.
wait_port() {
  local i
  for ((i = 0; i < 600; i++)); do
    (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "$3 did not start on port $1: see $4" >&2
  return 1
}

# s3proxy_start JAR_DIR DATA_DIR LOG: fetches S3Proxy into JAR_DIR with Maven when it is not there yet, starts it with
# its buckets in DATA_DIR and its output in LOG, and waits for it. Its keys are AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY (set them first), so any client using the AWS default chain is let in.
# Sets S3_PORT, S3_PID (stop it with kill) and S3_ENDPOINT.
s3proxy_start() {
  local jar=$1/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar
  if [ ! -f "$jar" ]; then
    echo "fetching S3Proxy $S3PROXY_VERSION (mvn dependency:copy, once)" >&2
    mkdir -p "$1"
    mvn -q -B -ntp org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy -DoutputDirectory="$1" \
      -Dartifact="org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies" >"$1/s3proxy-fetch.log" 2>&1 \
      || { cat "$1/s3proxy-fetch.log" >&2; echo "could not fetch S3Proxy with Maven (see above)" >&2; return 1; }
  fi
  mkdir -p "$2"
  local data
  data=$(cd "$2" && pwd) # S3Proxy lists nothing in a folder given by a relative path
  S3_PORT=$(free_port)
  S3_ENDPOINT=http://127.0.0.1:$S3_PORT
  # The configuration goes in through a process substitution: the keys are never written to disk.
  "$JAVA_HOME/bin/java" -Xmx1g -jar "$jar" --properties <(cat <<EOF
s3proxy.endpoint=$S3_ENDPOINT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$AWS_ACCESS_KEY_ID
s3proxy.credential=$AWS_SECRET_ACCESS_KEY
jclouds.provider=filesystem-nio2
jclouds.filesystem.basedir=$data
EOF
  ) >"$3" 2>&1 &
  S3_PID=$!
  wait_port "$S3_PORT" "$S3_PID" S3Proxy "$3"
}

# s3 METHOD PATH [CURL ARGS...]: one signed request to the server at S3_ENDPOINT with AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY and AWS_REGION (the payload itself is not signed: plain http here). Needs curl 7.75 or newer.
s3() {
  local method=$1 path=$2
  shift 2
  curl -fsS -X "$method" --aws-sigv4 "aws:amz:$AWS_REGION:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@" "$S3_ENDPOINT/$path"
}

# s3_bucket NAME: creates the bucket unless it is there (S3 answers 409 to creating one twice).
s3_bucket() {
  s3 HEAD "$1" -I >/dev/null 2>&1 || s3 PUT "$1" >/dev/null
}
