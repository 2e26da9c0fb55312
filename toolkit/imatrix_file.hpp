// Importance matrices: per weight matrix, per input column j, the mean over calibration tokens
// of x_j^2 (x = the matrix's input activation), which the quantizers use to weight rounding
// error (quant/weighted.hpp).
//
// File format: llama.cpp's legacy imatrix.dat (llama-imatrix without --output-format gguf,
// read by llama-quantize --imatrix), little-endian:
//   i32 n_entries (>= 1)
//   per entry: i32 name_len, char name[name_len] (the tensor's GGUF name, no NUL),
//              i32 ncall (number of matmul calls the statistic was collected over),
//              i32 nval (= the matrix's input width, ne[0]),
//              f32 values[nval] = mean(x_j^2) * ncall   (a reader divides by ncall)
//   optional trailer: i32 chunks (calibration chunks evaluated), i32 len, char dataset[len]
// As llama-imatrix does by default, only the matrices inside the layers ("blk.*") are collected:
// the output head sees just the last token of each forward call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "slim/status.hpp"

namespace slim::toolkit {

struct ImatrixEntry {
  int32_t ncall = 0;
  std::vector<float> mean_sq;  // per input column: mean of x^2
};

struct Imatrix {
  std::map<std::string, ImatrixEntry> entries;
  int32_t chunks = 0;
  std::string dataset;
  // The weights for tensor `name`, or nullptr when it has no entry.
  const std::vector<float>* find(const std::string& name) const {
    auto it = entries.find(name);
    return it == entries.end() ? nullptr : &it->second.mean_sq;
  }
};

// Parses the legacy format above (hostile input: every count checked). `name` is used in
// messages.
Result<Imatrix> parse_imatrix(const uint8_t* data, size_t size, const std::string& name);
Result<Imatrix> load_imatrix(const std::string& path);
Status save_imatrix(const Imatrix& m, const std::string& path);

}  // namespace slim::toolkit
