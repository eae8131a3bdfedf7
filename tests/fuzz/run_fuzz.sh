#!/usr/bin/env bash
# Builds a libFuzzer target of tests/fuzz/ with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer, and fuzzes it for a bounded time from its seed
# corpus (tests/fuzz/corpus/TARGET). Exit 77 (ctest: skipped) without clang.
#   csv      the CSV reader/writer, and what import reads of a spreadsheet's
#            numbers in its cells
#   request  bearer tokens, identity metadata, resource names, filters, page
#            tokens: what a caller sends before anything checks it (links
#            the generated messages of BUILD_DIR, uninstrumented)
# Usage: run_fuzz.sh TARGET SOURCE_DIR BUILD_DIR WORK_DIR SECONDS
set -euo pipefail
target=$1 src=$2 build=$3 work=$4 seconds=${5:-60}
if ! command -v clang++-14 >/dev/null 2>&1; then
  echo "clang++-14 is not installed: fuzzing skipped"
  exit 77
fi
case $target in
  csv)
    sources=(common/csv/csv.cc common/text/text.cc
             services/import/domain/spreadsheet_numbers.cc)
    libs=(-licuuc -licudata $(pkg-config --libs absl_strings absl_flat_hash_set))
    ;;
  request)
    sources=(common/names/names.cc common/names/resource_name.cc
             common/changes/change_filter.cc common/paging/page_token.cc
             common/keys/key_codec.cc common/auth/jwt.cc common/auth/jwks.cc
             common/auth/caller.cc common/auth/authenticator.cc common/rules/text_fields.cc
             common/text/text.cc common/status/errors.cc
             common/status/error_budget.cc common/server/status_mapping.cc)
    sources+=("$build/gen/common/changes/change_record.pb.cc")
    libs=("$build/proto/libclientbook_messages.a" "$build/proto/libclientbook_rpc_proto.a"
          $(pkg-config --libs grpc++ protobuf openssl icu-uc absl_statusor absl_strings \
            absl_str_format absl_time absl_flat_hash_map absl_cord))
    ;;
  *)
    echo "no fuzz target '$target'" >&2
    exit 2
    ;;
esac
mkdir -p "$work/$target/corpus"
cp "$src/tests/fuzz/corpus/$target"/* "$work/$target/corpus/"
cd "$src"  # the sources above are named from here
clang++-14 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I"$src" -I"$build/gen" "$src/tests/fuzz/${target}_fuzz.cc" "${sources[@]}" \
  "${libs[@]}" -o "$work/$target/fuzz"
# New interesting inputs go to the work copy, never into the source tree.
"$work/$target/fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$work/$target/" -print_final_stats=1 "$work/$target/corpus"
