// Prometheus text exposition: "# HELP", "# TYPE", then samples; label values escaped.
#include "server/metrics.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace slim::server {

namespace {

std::string fmt(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, std::string_view name, double v) {
  out += name;
  out += ' ';
  out += fmt(v);
  out += '\n';
}

std::vector<double> batch_bounds(int max_batch) {
  std::vector<double> b;
  for (int i = 1; i <= std::max(1, max_batch); ++i) b.push_back(i);
  return b;
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += v;
  ++count_;
}

void Histogram::render(std::string_view name, std::string& out) const {
  uint64_t cum = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cum += counts_[i];
    out += name;
    out += "_bucket{le=\"";
    out += i < bounds_.size() ? fmt(bounds_[i]) : "+Inf";
    out += "\"} ";
    out += std::to_string(cum);
    out += '\n';
  }
  sample(out, std::string(name) + "_sum", sum_);
  out += name;
  out += "_count " + std::to_string(count_) + "\n";
}

Metrics::Metrics(int max_batch, std::string thermal_dir)
    : thermal_dir_(std::move(thermal_dir)),
      latency_({0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}),
      ttft_({0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}),
      batch_(batch_bounds(max_batch)) {}

void Metrics::request_done(std::string_view route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{std::string(route), status}];
  latency_.observe(seconds);
}

void Metrics::first_token(double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ttft_.observe(seconds);
}

void Metrics::tokens(int64_t prompt, int64_t generated) {
  std::lock_guard<std::mutex> lock(mu_);
  prompt_tokens_ += static_cast<uint64_t>(prompt);
  generated_tokens_ += static_cast<uint64_t>(generated);
}

void Metrics::batch(int size) {
  std::lock_guard<std::mutex> lock(mu_);
  batch_.observe(size);
}

void Metrics::set_queue(int queued, int active) {
  std::lock_guard<std::mutex> lock(mu_);
  queued_ = queued;
  active_ = active;
}

void Metrics::set_kv(uint64_t reserved_bytes, uint64_t budget_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  kv_reserved_ = reserved_bytes;
  kv_budget_ = budget_bytes;
}

void Metrics::connection_rejected() {
  std::lock_guard<std::mutex> lock(mu_);
  ++rejected_connections_;
}

std::string Metrics::render() const {
  const uint64_t rss = process_rss_bytes();
  const auto temps = cpu_temperatures(thermal_dir_);
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  header(out, "slim_requests_total", "counter",
         "HTTP requests answered, by route and status code.");
  for (const auto& [key, n] : requests_) {
    out += "slim_requests_total{route=\"" + label_value(key.first) + "\",code=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
  }
  header(out, "slim_request_duration_seconds", "histogram",
         "Wall time from request arrival to the end of the response.");
  latency_.render("slim_request_duration_seconds", out);
  header(out, "slim_time_to_first_token_seconds", "histogram",
         "Wall time from request arrival to its first generated token.");
  ttft_.render("slim_time_to_first_token_seconds", out);
  header(out, "slim_batch_size", "histogram", "Sequences per batched decode step.");
  batch_.render("slim_batch_size", out);
  header(out, "slim_prompt_tokens_total", "counter", "Prompt tokens evaluated.");
  sample(out, "slim_prompt_tokens_total", static_cast<double>(prompt_tokens_));
  header(out, "slim_generated_tokens_total", "counter", "Tokens generated.");
  sample(out, "slim_generated_tokens_total", static_cast<double>(generated_tokens_));
  header(out, "slim_rejected_connections_total", "counter",
         "Connections closed at once because too many were open.");
  sample(out, "slim_rejected_connections_total", static_cast<double>(rejected_connections_));
  header(out, "slim_queue_depth", "gauge", "Admitted requests waiting for a decode slot.");
  sample(out, "slim_queue_depth", queued_);
  header(out, "slim_active_requests", "gauge", "Requests generating now.");
  sample(out, "slim_active_requests", active_);
  header(out, "slim_kv_cache_reserved_bytes", "gauge",
         "KV cache bytes reserved by admitted requests.");
  sample(out, "slim_kv_cache_reserved_bytes", static_cast<double>(kv_reserved_));
  header(out, "slim_kv_cache_budget_bytes", "gauge", "KV cache budget (--kv-budget-mb).");
  sample(out, "slim_kv_cache_budget_bytes", static_cast<double>(kv_budget_));
  header(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  sample(out, "process_resident_memory_bytes", static_cast<double>(rss));
  if (!temps.empty()) {
    header(out, "slim_cpu_temperature_celsius", "gauge", "Thermal zone temperatures.");
    for (size_t i = 0; i < temps.size(); ++i) {
      out += "slim_cpu_temperature_celsius{zone=\"" + std::to_string(i) + "\",type=\"" +
             label_value(temps[i].first) + "\"} " + fmt(temps[i].second) + "\n";
    }
  }
  return out;
}

uint64_t process_rss_bytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return 0;
  const long page = sysconf(_SC_PAGESIZE);
  return resident * static_cast<uint64_t>(page > 0 ? page : 4096);
}

std::vector<std::pair<std::string, double>> cpu_temperatures(const std::string& thermal_dir) {
  std::vector<std::pair<std::string, double>> out;
  std::error_code ec;
  for (int i = 0; i < 64; ++i) {
    const std::filesystem::path zone =
        std::filesystem::path(thermal_dir) / ("thermal_zone" + std::to_string(i));
    if (!std::filesystem::exists(zone, ec)) break;
    std::ifstream t(zone / "temp");
    long milli = 0;
    if (!(t >> milli)) continue;
    std::ifstream ty(zone / "type");
    std::string type;
    std::getline(ty, type);
    if (type.size() > 64) type.resize(64);
    out.emplace_back(type.empty() ? "unknown" : type, static_cast<double>(milli) / 1000.0);
  }
  return out;
}

}  // namespace slim::server
