#include "args.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace slim::cli {

Args::Args(std::vector<std::string> argv, std::vector<std::string> flags_with_value,
           std::vector<std::string> switches) {
  auto contains = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() > 1 && a[0] == '-' &&
        !(a.size() > 1 && (std::isdigit(static_cast<unsigned char>(a[1])) != 0))) {
      std::string flag = a, val;
      const size_t eq = a.find('=');
      const bool inline_value = a.rfind("--", 0) == 0 && eq != std::string::npos;
      if (inline_value) {
        flag = a.substr(0, eq);
        val = a.substr(eq + 1);
      }
      if (contains(switches, flag)) {
        values_[flag] = "1";
      } else if (contains(flags_with_value, flag)) {
        if (!inline_value) {
          if (i + 1 >= argv.size()) {
            error_ = "option " + flag + " needs a value";
            return;
          }
          val = argv[++i];
        }
        values_[flag] = val;
      } else {
        error_ = "unknown option " + flag;
        return;
      }
    } else {
      positional_.push_back(a);
    }
  }
}

std::string Args::get(const std::vector<std::string>& names, const std::string& def) const {
  for (const std::string& n : names) {
    auto it = values_.find(n);
    if (it != values_.end()) return it->second;
  }
  return def;
}

int64_t Args::get_int(const std::vector<std::string>& names, int64_t def) {
  for (const std::string& n : names) {
    auto it = values_.find(n);
    if (it == values_.end()) continue;
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(it->second.c_str(), &end, 10);
    if (it->second.empty() || *end != '\0' || errno != 0) {
      if (error_.empty()) error_ = "option " + n + " expects an integer, got '" + it->second + "'";
      return def;
    }
    return v;
  }
  return def;
}

double Args::get_double(const std::vector<std::string>& names, double def) {
  for (const std::string& n : names) {
    auto it = values_.find(n);
    if (it == values_.end()) continue;
    char* end = nullptr;
    const double v = std::strtod(it->second.c_str(), &end);
    if (it->second.empty() || *end != '\0' || !std::isfinite(v)) {
      if (error_.empty()) error_ = "option " + n + " expects a number, got '" + it->second + "'";
      return def;
    }
    return v;
  }
  return def;
}

}  // namespace slim::cli
