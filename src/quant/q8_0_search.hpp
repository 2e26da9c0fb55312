// Q8_0 with a searched scale (SlimLLM's `slim quantize --q8-search`): the same 34-byte block as
// ggml's Q8_0 (fp16 d, int8 q[32]; every GGUF engine reads it), but d is chosen per block to
// minimise the (optionally importance-weighted) squared rounding error instead of amax / 127.
//
// Per block x[32], weights w[32] (qw, or 1 when qw is null), amax = max |x|:
//   err(d) = sum_j w_j (x_j - d * q_j(d))^2,  q_j(d) = clamp(round_away(x_j / d), -127, 127),
//   where d is the fp16-rounded scale (the stored one) and the sums are in double, in order.
//   Candidate 0: ggml's block (d = fp16(amax / 127), q as quantize_row_q8_0_ref).
//   Candidates k = 1..kQ8SearchSteps: inverse scale s_k = (127 - kQ8SearchSpan + k *
//   2 * kQ8SearchSpan / kQ8SearchSteps) / amax (float); q = clamp(round_away(x * s_k)); the
//   least-squares scale for those levels, d = fp16(float(sum w x q / sum w q^2)) (skipped when
//   sum w q^2 == 0 or d == 0); then err(d) with q re-rounded for that d.
//   The block keeps the first candidate with the smallest error, so it is never worse than
//   ggml's block in this error. The result depends only on the block (and its weights).
#pragma once

#include <cstddef>
#include <cstdint>

#include "slim/status.hpp"

namespace slim::quant {

inline constexpr int kQ8SearchSteps = 64;
inline constexpr float kQ8SearchSpan = 8.0f;  // nmax range searched: 127 -/+ 8

// n % 32 == 0. qw: n importances (>= 0, finite) or nullptr. Fails on non-finite input or weights.
Status quantize_q8_0_search(const float* src, uint8_t* dst, size_t n, const float* qw);

}  // namespace slim::quant
