#include "model/op_profile.hpp"

namespace slim {

const char* op_name(Op op) {
  switch (op) {
    case Op::kEmbed:
      return "embedding";
    case Op::kNorm:
      return "rmsnorm";
    case Op::kQkv:
      return "q/k/v projections";
    case Op::kRope:
      return "rope + kv store";
    case Op::kAttention:
      return "attention";
    case Op::kOutProj:
      return "attention output";
    case Op::kGateUp:
      return "ffn gate+up";
    case Op::kActivation:
      return "swiglu";
    case Op::kDown:
      return "ffn down";
    case Op::kHead:
      return "output head";
    case Op::kCount:
      break;
  }
  return "?";
}

}  // namespace slim
