#include "model/w8a8_bind.hpp"

#include <cmath>
#include <cstring>

#include "kernels/w8a8.hpp"

namespace slim {

std::string w8a8_act_scale_name(std::string_view name) {
  return std::string(name) + ".act_scale";
}

Status bind_w8a8(const TensorLookup& lookup, kernels::MatrixView* m) {
  if (m->type != TensorType::kW8A8) return Status::ok();
  const std::string name(m->name);
  if (m->cols > kernels::kW8A8MaxCols) {
    return corrupt("W8A8 tensor '" + name + "' has rows of " + std::to_string(m->cols) +
                   " elements; W8A8 supports at most " + std::to_string(kernels::kW8A8MaxCols));
  }
  for (uint64_t r = 0; r < m->rows; ++r) {
    float sw;
    std::memcpy(&sw, m->row(r), 4);
    if (!std::isfinite(sw) || sw < 0.0f) {
      return corrupt("W8A8 tensor '" + name + "' row " + std::to_string(r) + " has weight scale " +
                     std::to_string(sw) + " (must be finite and >= 0)");
    }
  }
  const std::string sname = w8a8_act_scale_name(name);
  const TensorRef* s = lookup(sname);
  if (s == nullptr) {
    return corrupt("W8A8 tensor '" + name + "' has no activation scale tensor '" + sname + "'");
  }
  if (s->type != TensorType::kF32 || s->n_dims != 1 || s->ne[0] != 1 || s->n_bytes != 4) {
    return corrupt("activation scale tensor '" + sname + "' must be F32 with exactly 1 element");
  }
  float sx;
  std::memcpy(&sx, s->data, 4);
  if (!std::isfinite(sx) || !(sx > 0.0f)) {
    return corrupt("activation scale tensor '" + sname + "' holds " + std::to_string(sx) +
                   " (must be finite and > 0)");
  }
  m->act_scale = sx;
  return Status::ok();
}

}  // namespace slim
