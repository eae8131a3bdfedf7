#!/usr/bin/env bash
# The README and deploy/local's banners point at what is there: every source
# path they name exists (a module may be named without its .h/.cc), every
# binary they run from a build tree is a CMake target, and every binary they
# run from build/release is one that deploy/local/run builds (clientbook-admin
# was named for restores and reconciles long before deploy/local/run built
# it). Prints every dangling name.
set -uo pipefail
root="${1:?usage: docs_check.sh <source root>}"
cd "$root"
failed=0
docs=(README.md deploy/local/run deploy/local/dev-pki deploy/local/dev-token)

targets="$(grep -rhoE 'add_executable\(([A-Za-z0-9_-]+)' --include=CMakeLists.txt . |
  sed 's/add_executable(//' | sort -u)"
released="$(grep -E '^cmake --build "\$build".*--target' deploy/local/run | sed 's/.*--target//')"

# Binaries run from a build tree: build/<tree>/<path>/<binary>.
while read -r tree binary; do
  if ! grep -qx "$binary" <<<"$targets"; then
    echo "no CMake target builds '$binary' (build/$tree/…/$binary)"
    failed=1
  elif [[ "$tree" == release ]] && ! grep -qw -- "$binary" <<<"$released"; then
    echo "deploy/local/run does not build '$binary', yet build/release/…/$binary is named"
    failed=1
  fi
done < <(grep -hoE 'build/(release|test)/[A-Za-z0-9_/-]+' "${docs[@]}" |
  sed -E 's#^build/([a-z]+)/(.*/)?([^/]+)$#\1 \3#' | sort -u)

# Source paths (not under build/): the path itself, or a module's .h / .cc.
while read -r path; do
  case "$path" in *'<'* | *'*'* | *'{'* | *'…'*) continue ;; esac
  [[ -e "$path" || -e "$path.h" || -e "$path.cc" ]] && continue
  echo "'$path' is named but is not there"
  failed=1
done < <(grep -hoE '(^|[^/A-Za-z0-9_.-])(common|services|tests|deploy|proto)/[A-Za-z0-9_./<>*{},-]+' \
  "${docs[@]}" | sed -E 's#^[^a-z]##; s/[.,:)]+$//' | sort -u)

if ((failed)); then exit 1; fi
echo "every path and binary the README and deploy/local name is there"
