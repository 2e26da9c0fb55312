// Minimal streaming JSON writer (objects, arrays, strings with full escaping, numbers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace slim {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(double d);
  JsonWriter& value(int64_t i);
  JsonWriter& value(int32_t i) { return value(static_cast<int64_t>(i)); }
  JsonWriter& value(uint64_t u);
  JsonWriter& value(bool b);
  JsonWriter& null();

  const std::string& str() const { return out_; }

  // Appends s as a JSON string literal (quotes included) to out.
  static void escape(std::string_view s, std::string& out);

 private:
  void separator();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace slim
