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

# common_core by folder, and its three files in folders it shares with the
# layers above (who is calling; who made a write; the invitations' rules).
core_files=(common/{csv,keys,locks,names,paging,requests,rules,status,text,time}/*
            common/auth/caller.* common/changes/change_origin.h
            common/invitations/invitation_rules.*)
# common/auth/caller.h is the one plain-C++ part of auth: who is calling.
outward='grpcpp/|grpc/|rocksdb/|services/[a-z]+/(store|api|peers)/|common/(server|client|tls|storage)/|common/auth/(authenticator|auth_flags|jwks|jwt)'

forbid "domain code reaching outward" "$outward" services/*/domain/*
forbid "common_core reaching outward" "$outward" "${core_files[@]}"
forbid "store code reaching the API" 'grpcpp/|grpc/|services/[a-z]+/(api|peers)/|common/(server|client|tls)/|common/auth/(authenticator|auth_flags|jwks|jwt)' \
  services/*/store/*
forbid "peers (outgoing) reaching the API (incoming)" 'services/[a-z]+/api/' services/*/peers/*

if ((failed)); then exit 1; fi
echo "layers hold: domain $(ls services/*/domain/* | wc -l) files, store $(ls services/*/store/* | wc -l) files, peers $(ls services/*/peers/* | wc -l) files"
