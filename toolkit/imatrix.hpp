// Collecting importance matrices (format and meaning: imatrix_file.hpp).
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "imatrix_file.hpp"
#include "kernels/matmul.hpp"
#include "slim/model.hpp"
#include "slim/status.hpp"

namespace slim::toolkit {

// Collects the statistic through Session::set_matmul_observer.
class ImatrixCollector : public kernels::MatmulObserver {
 public:
  void observe(const kernels::MatrixView& w, const float* x, size_t n_tok) override;
  Imatrix result(int32_t chunks, const std::string& dataset) const;
  // Testing: also append every observed input to this file (i32 name_len, name, i32 n_tok,
  // i32 cols, f32 x[n_tok * cols]) for the numpy reference.
  Status dump_to(const std::string& path);

 private:
  struct Acc {
    int32_t ncall = 0;
    uint64_t count = 0;        // tokens
    std::vector<double> sums;  // per column: sum of x^2
  };
  std::map<std::string, Acc, std::less<>> acc_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> dump_{nullptr, &std::fclose};
};

struct ImatrixOptions {
  int32_t ctx = 512;
  int32_t max_chunks = 0;  // 0 = all
  int32_t n_threads = 0;
  std::string dump_activations;  // testing, see ImatrixCollector::dump_to
  std::function<void(size_t done, size_t total)> progress;
};

// Evaluates the text in chunks as slim perplexity does (perplexity.hpp) and collects.
Result<Imatrix> compute_imatrix(const std::shared_ptr<const Model>& model, const std::string& text,
                                const ImatrixOptions& opts, const std::string& dataset_name);

}  // namespace slim::toolkit
