#!/usr/bin/env bash
# Builds tests/fuzz/csv_fuzz.cc with clang's libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer, and fuzzes the CSV reader for a bounded time,
# starting from the seed corpus. Exit 77 (ctest: skipped) without clang.
# Usage: run_csv_fuzz.sh SOURCE_DIR WORK_DIR SECONDS
set -euo pipefail
src=$1 work=$2 seconds=${3:-60}
if ! command -v clang++-14 >/dev/null 2>&1; then
  echo "clang++-14 is not installed: fuzzing skipped"
  exit 77
fi
mkdir -p "$work/corpus"
cp "$src"/tests/fuzz/corpus/csv/* "$work/corpus/"
clang++-14 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I"$src" "$src/tests/fuzz/csv_fuzz.cc" "$src/common/csv/csv.cc" "$src/common/text/text.cc" \
  -licuuc -licudata -labsl_strings -labsl_throw_delegate -o "$work/csv_fuzz"
# New interesting inputs go to the work copy, never into the source tree.
"$work/csv_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$work/" -print_final_stats=1 "$work/corpus"
