#!/usr/bin/env bash
# The contracts under proto/ pass buf lint (proto/buf.yaml), and change
# nothing a generated client depends on since the previous commit (buf
# breaking, FILE rules): a renamed field, a changed number, a removed RPC
# fail here. A change meant to break is declared in its commit message, on a
# line starting "BREAKING CHANGE:" (as Conventional Commits do); the check
# then prints what breaks and passes. Without the previous commit (a shallow
# clone) only lint runs.
set -euo pipefail
root="${1:?usage: contract_check.sh <source root>}"
cd "$root"
command -v buf >/dev/null || { echo "buf is not installed: skipped"; exit 77; }
export BUF_CACHE_DIR="${BUF_CACHE_DIR:-${TMPDIR:-/tmp}/clientbook-buf-cache}"
buf lint proto
echo "buf lint: the contracts follow proto/buf.yaml"
if git rev-parse --verify --quiet HEAD~1 >/dev/null; then
  previous="$(git rev-parse --short HEAD~1)"
  if git log -1 --format=%B | grep -q '^BREAKING CHANGE:'; then
    buf breaking proto --against ".git#ref=HEAD~1,subdir=proto" || true
    echo "buf breaking: a break against $previous declared by this commit"
  else
    buf breaking proto --against ".git#ref=HEAD~1,subdir=proto"
    echo "buf breaking: nothing breaks against $previous"
  fi
else
  echo "buf breaking: no previous commit here (shallow clone), not checked"
fi
