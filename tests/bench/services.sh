# What the measure-* scripts share, sourced after they set `build` (a build
# tree with the services and load_client), `load` (load_client) and `work`
# (a scratch directory), and declare `pids=()` (killed on exit).

# A port below the kernel's ephemeral range (no test's connection takes it)
# on which nothing listens, in a range of its own: the C++ tests' ports
# (12000-26000, tests/support/service_process.cc) are reserved among
# themselves, these are not.
free_port() {
  local port
  while :; do
    port=$((26000 + RANDOM % 6000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

# free_ports N: N such ports, no two the same, on one line.
free_ports() {
  local ports=() port
  while ((${#ports[@]} < $1)); do
    port="$(free_port)"
    if [[ " ${ports[*]} " != *" $port "* ]]; then ports+=("$port"); fi
  done
  echo "${ports[*]}"
}

# start NAME PORT FLAGS...: one service, until its port answers; its pid in
# `started_pid`. Waits up to WAIT_SECONDS (30; a database being reindexed
# takes longer).
start() {
  local name=$1 port=$2
  shift 2
  "$build/services/$name/$name" --listen="127.0.0.1:$port" --metrics_listen= \
    --drain_delay=0s "$@" >>"$work/$name.log" 2>&1 &
  started_pid=$!
  pids+=("$started_pid")
  for _ in $(seq $((${WAIT_SECONDS:-30} * 10))); do
    if "$load" --target="127.0.0.1:$port" --once >/dev/null 2>&1; then return; fi
    sleep 0.1
  done
  echo "$name did not start:" >&2
  cat "$work/$name.log" >&2
  exit 1
}

# The first "name" of a JSON answer.
first_name() { grep -o '"name": *"[^"]*"' | head -1 | sed 's/.*"\([^"]*\)"$/\1/'; }

# call PORT SERVICE/METHOD USER TEXT_REQUEST: one call, its response as JSON.
call() {
  "$load" --target="127.0.0.1:$1" --method="/clientbook.v1.$2" --header="x-user-id:$3" \
    --request="$4" --once
}
