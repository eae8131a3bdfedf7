#!/usr/bin/env bash
# STYLE.md's layers, checked mechanically: domain code (and the common code
# it builds on) includes no gRPC, RocksDB, store, peer, API or server code;
# store code includes no API, peer or gRPC code; peers (outgoing calls)
# include no API (incoming calls). Prints every offending include.
set -uo pipefail
root="${1:?usage: layering_check.sh <source root>}"
cd "$root"
failed=0

# forbid <description> <extended regex of include paths> <files…>
forbid() {
  local what=$1 pattern=$2
  shift 2
  local hits
  hits=$(grep -nE "^#include [\"<]($pattern)" "$@" 2>/dev/null)
  if [[ -n "$hits" ]]; then
    echo "$what:"
    echo "$hits"
    failed=1
  fi
}

# (common/invitations/invitation_changes.* is common_storage's: the change log.)
core_files=(common/auth/caller.* common/changes/change_origin.h common/csv/*
            common/invitations/invitation_rules.*
            common/names/* common/requests/* common/rules/* common/status/errors.*
            common/status/error_budget.* common/storage/key_codec.*
            common/storage/page_token.* common/storage/paging.h
            common/storage/striped_locks.h common/text/* common/time/clock.h)
# common/auth/caller.h is the one plain-C++ part of auth: who is calling.
outward='grpcpp/|grpc/|rocksdb/|services/[a-z]+/(store|api|peers)/|common/(server|client|tls)/|common/auth/(authenticator|auth_flags|jwks|jwt)|common/status/status_mapping|common/storage/(database|id_allocator|records)\.h'

forbid "domain code reaching outward" "$outward" services/*/domain/*
forbid "common_core reaching outward" "$outward" "${core_files[@]}"
forbid "store code reaching the API" 'grpcpp/|grpc/|services/[a-z]+/(api|peers)/|common/(server|client|tls)/|common/auth/(authenticator|auth_flags|jwks|jwt)' \
  services/*/store/*
forbid "peers (outgoing) reaching the API (incoming)" 'services/[a-z]+/api/' services/*/peers/*

if ((failed)); then exit 1; fi
echo "layers hold: domain $(ls services/*/domain/* | wc -l) files, store $(ls services/*/store/* | wc -l) files, peers $(ls services/*/peers/* | wc -l) files"
