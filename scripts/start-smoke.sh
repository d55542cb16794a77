#!/usr/bin/env bash
# `npm start` as a newcomer types it (after `npm ci`): waits for the printed URL, checks that
# GET /health answers, then stops the app. Used by .ci/run; a throwaway data directory and a
# free port keep it away from the user's own data.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(mktemp -d)
out=$(mktemp)
trap 'kill -- -"$pid" 2>/dev/null || true; rm -rf "$data" "$out"' EXIT

set -m
npm start -- --data-dir "$data" --port 0 >"$out" 2>&1 &
pid=$!
set +m

url=''
for _ in $(seq 1 300); do
  url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+/' "$out" | head -n 1 || true)
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 1
done
cat "$out"
if [ -z "$url" ]; then
  echo "start-smoke: npm start printed no URL" >&2
  exit 1
fi
health=$(curl -fsS "${url}health")
echo "start-smoke: GET ${url}health -> ${health}"
grep -q '"status":"ok"' <<<"$health"
