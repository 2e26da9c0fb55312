// Progress on stderr for long CLI work: a rewritten line on a terminal, a line per 10%
// otherwise (logs stay readable).
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <string>

namespace slim::cli {

class Progress {
 public:
  explicit Progress(std::string label)
      : label_(std::move(label)), tty_(isatty(STDERR_FILENO) != 0) {}

  void operator()(size_t done, size_t total) {
    const int pct = static_cast<int>(done * 100 / (total ? total : 1));
    const int step = tty_ ? 1 : 10;
    if (pct / step == last_ / step && done != total) return;
    last_ = pct;
    std::fprintf(stderr, tty_ ? "\r%s: %3d%% (%zu/%zu)" : "%s: %3d%% (%zu/%zu)\n", label_.c_str(),
                 pct, done, total);
    if (tty_ && done == total) std::fputc('\n', stderr);
  }

 private:
  std::string label_;
  bool tty_;
  int last_ = -100;
};

}  // namespace slim::cli
