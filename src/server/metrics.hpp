// Server metrics and their Prometheus text exposition (format 0.0.4). Thread-safe: HTTP
// threads and the engine loop record into one registry; render() takes a consistent snapshot.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace slim::server {

// A cumulative histogram with fixed upper bounds (the +Inf bucket is implicit).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  // Appends the _bucket/_sum/_count lines of `name`.
  void render(std::string_view name, std::string& out) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket (not cumulative); last = above every bound
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  // `max_batch` sets the batch-size histogram's buckets (1..max_batch);
  // `thermal_dir` is where CPU temperatures are read (/sys/class/thermal).
  explicit Metrics(int max_batch, std::string thermal_dir = "/sys/class/thermal");

  // One finished HTTP request: its route ("/v1/completions", ... or "other"), status code and
  // wall time.
  void request_done(std::string_view route, int status, double seconds);
  void first_token(double seconds);  // time from arrival to the first generated token
  void tokens(int64_t prompt, int64_t generated);
  void batch(int size);                    // one decode step of `size` sequences
  void set_queue(int queued, int active);  // requests waiting / generating
  void set_kv(uint64_t reserved_bytes, uint64_t budget_bytes);
  void connection_rejected();  // too many open connections

  // The exposition text (Content-Type: text/plain; version=0.0.4).
  std::string render() const;

 private:
  mutable std::mutex mu_;
  std::string thermal_dir_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // (route, status) -> count
  Histogram latency_;
  Histogram ttft_;
  Histogram batch_;
  uint64_t prompt_tokens_ = 0, generated_tokens_ = 0, rejected_connections_ = 0;
  int queued_ = 0, active_ = 0;
  uint64_t kv_reserved_ = 0, kv_budget_ = 0;
};

// Resident set size of this process in bytes (0 if unknown).
uint64_t process_rss_bytes();

// (zone type, degrees Celsius) for each readable thermal zone under `thermal_dir`.
std::vector<std::pair<std::string, double>> cpu_temperatures(const std::string& thermal_dir);

}  // namespace slim::server
