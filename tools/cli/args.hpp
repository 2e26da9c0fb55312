// A small, strict command-line parser for the `slim` subcommands.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace slim::cli {

class Args {
 public:
  // flags_with_value: e.g. {"-m", "--model", "-p"}; switches: e.g. {"--json"}.
  Args(std::vector<std::string> argv, std::vector<std::string> flags_with_value,
       std::vector<std::string> switches);

  // False (with error()) on an unknown flag or a flag missing its value.
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  bool has(const std::string& flag) const { return values_.count(flag) != 0; }
  // Value of the first of `names` present, or def.
  std::string get(const std::vector<std::string>& names, const std::string& def = "") const;
  // Numeric getters record an error (and return def) when the text is not a valid number.
  int64_t get_int(const std::vector<std::string>& names, int64_t def);
  double get_double(const std::vector<std::string>& names, double def);
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
  std::string error_;
};

}  // namespace slim::cli
