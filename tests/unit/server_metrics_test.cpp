// Metrics exposition: cumulative histogram buckets, counters by label, thermal zones.
#include <gtest/gtest.h>

#include <fstream>

#include "server/metrics.hpp"
#include "test_util.hpp"

namespace slim::server {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(ServerMetrics, HistogramBucketsAreCumulative) {
  Histogram h({1, 2, 4});
  for (double v : {0.5, 1.0, 1.5, 3.0, 9.0}) h.observe(v);
  std::string out;
  h.render("x", out);
  EXPECT_TRUE(has_line(out, "x_bucket{le=\"1\"} 2")) << out;  // le is inclusive
  EXPECT_TRUE(has_line(out, "x_bucket{le=\"2\"} 3")) << out;
  EXPECT_TRUE(has_line(out, "x_bucket{le=\"4\"} 4")) << out;
  EXPECT_TRUE(has_line(out, "x_bucket{le=\"+Inf\"} 5")) << out;
  EXPECT_TRUE(has_line(out, "x_sum 15")) << out;
  EXPECT_TRUE(has_line(out, "x_count 5")) << out;
}

TEST(ServerMetrics, RenderHasEveryFamilyAndEscapesLabels) {
  test::TempDir dir("slim_thermal_");
  std::filesystem::create_directories(dir.file("thermal_zone0"));
  std::ofstream(dir.file("thermal_zone0/temp")) << "45500\n";
  std::ofstream(dir.file("thermal_zone0/type")) << "x86\"pkg\n";
  Metrics m(4, dir.file(""));
  m.request_done("/v1/completions", 200, 0.02);
  m.request_done("/v1/completions", 200, 0.03);
  m.request_done("other", 404, 0.001);
  m.first_token(0.004);
  m.tokens(10, 20);
  m.batch(3);
  m.set_queue(2, 1);
  m.set_kv(1024, 4096);
  const std::string out = m.render();
  EXPECT_TRUE(has_line(out, "slim_requests_total{route=\"/v1/completions\",code=\"200\"} 2"));
  EXPECT_TRUE(has_line(out, "slim_requests_total{route=\"other\",code=\"404\"} 1"));
  EXPECT_TRUE(has_line(out, "slim_generated_tokens_total 20"));
  EXPECT_TRUE(has_line(out, "slim_prompt_tokens_total 10"));
  EXPECT_TRUE(has_line(out, "slim_batch_size_bucket{le=\"2\"} 0"));
  EXPECT_TRUE(has_line(out, "slim_batch_size_bucket{le=\"3\"} 1"));
  EXPECT_TRUE(has_line(out, "slim_queue_depth 2"));
  EXPECT_TRUE(has_line(out, "slim_active_requests 1"));
  EXPECT_TRUE(has_line(out, "slim_kv_cache_reserved_bytes 1024"));
  EXPECT_TRUE(has_line(out, "slim_kv_cache_budget_bytes 4096"));
  EXPECT_TRUE(has_line(out, "slim_cpu_temperature_celsius{zone=\"0\",type=\"x86\\\"pkg\"} 45.5"))
      << out;
  EXPECT_NE(out.find("# TYPE slim_time_to_first_token_seconds histogram"), std::string::npos);
  EXPECT_NE(out.find("process_resident_memory_bytes "), std::string::npos);
  EXPECT_GT(process_rss_bytes(), 0u);
}

TEST(ServerMetrics, NoThermalZonesNoTemperature) {
  test::TempDir dir("slim_thermal_");
  Metrics m(1, dir.file(""));
  EXPECT_EQ(m.render().find("slim_cpu_temperature_celsius"), std::string::npos);
}

}  // namespace
}  // namespace slim::server
