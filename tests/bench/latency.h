#ifndef CLIENTBOOK_TESTS_BENCH_LATENCY_H_
#define CLIENTBOOK_TESTS_BENCH_LATENCY_H_

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"

// What the scale benchmarks share: each call timed on its own, so they print
// p50 and p99 and not only a mean, and a table comparing the same shape at
// two sizes (benchmark names end in "/size:N").
namespace clientbook::bench {

// Runs `call` (returning absl::Status) once per iteration and reports the
// p50 and p99 of the calls' times in microseconds as counters.
template <typename Call>
void TimeEachCall(benchmark::State& state, Call&& call) {
  std::vector<double> micros;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    absl::Status status = call();
    const auto end = std::chrono::steady_clock::now();
    if (!status.ok()) {
      state.SkipWithError(std::string(status.message()).c_str());
      return;
    }
    micros.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }
  if (micros.empty()) return;
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) {
    return micros[static_cast<size_t>(q * (micros.size() - 1))];
  };
  state.counters["p50_us"] = at(0.50);
  state.counters["p99_us"] = at(0.99);
}

// TimeEachCall for a List call (`list` returns absl::StatusOr of a page with
// `items`), adding how many items the last page had as a counter.
template <typename List>
void TimeEachListCall(benchmark::State& state, List&& list) {
  size_t results = 0;
  TimeEachCall(state, [&]() -> absl::Status {
    auto page = list();
    if (!page.ok()) return page.status();
    results = page->items.size();
    return absl::OkStatus();
  });
  state.counters["results"] = static_cast<double>(results);
}

// Google Benchmark's console output, then one line per shape: p50 and p99
// at the small and the large size, and the ratio of the p99s.
class ScaleReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      const std::string name = run.benchmark_name();
      const size_t slash = name.find("/size:");
      auto p50 = run.counters.find("p50_us");
      auto p99 = run.counters.find("p99_us");
      if (slash == std::string::npos || run.error_occurred || p50 == run.counters.end() ||
          p99 == run.counters.end()) {
        continue;
      }
      shapes_[name.substr(0, slash)].push_back({p50->second.value, p99->second.value});
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    absl::PrintF("\n%-34s %10s %10s %10s %10s %9s\n", "shape (us per call)", "small p50",
                 "small p99", "large p50", "large p99", "p99 ratio");
    for (const auto& [shape, sizes] : shapes_) {
      if (sizes.size() != 2) continue;
      absl::PrintF("%-34s %10.1f %10.1f %10.1f %10.1f %8.2fx\n", shape, sizes[0].p50,
                   sizes[0].p99, sizes[1].p50, sizes[1].p99, sizes[1].p99 / sizes[0].p99);
    }
  }

 private:
  struct Figures {
    double p50;
    double p99;
  };
  std::map<std::string, std::vector<Figures>> shapes_;  // small size first
};

}  // namespace clientbook::bench

#endif  // CLIENTBOOK_TESTS_BENCH_LATENCY_H_
