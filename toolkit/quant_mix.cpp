// Per-tensor types for llama.cpp's file types. The rules are those of llama_tensor_get_type in
// llama.cpp's src/llama-quant.cpp (read 2025; dense, non-Falcon models), restated here; see
// quant_mix.hpp for what is left out.
#include "quant_mix.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <numeric>

#include "quant/quantize.hpp"

namespace slim::toolkit {

namespace {

using TT = TensorType;

constexpr std::array<FileTypeInfo, 17> kFileTypes{{
    {"F32", FileType::kAllF32, TT::kF32},
    {"F16", FileType::kF16, TT::kF16},
    {"BF16", FileType::kBF16, TT::kBF16},
    {"Q8_0", FileType::kQ8_0, TT::kQ8_0},
    {"Q4_0", FileType::kQ4_0, TT::kQ4_0},
    {"Q4_1", FileType::kQ4_1, TT::kQ4_1},
    {"Q5_0", FileType::kQ5_0, TT::kQ5_0},
    {"Q5_1", FileType::kQ5_1, TT::kQ5_1},
    {"Q2_K", FileType::kQ2_K, TT::kQ2_K},
    {"Q3_K_S", FileType::kQ3_K_S, TT::kQ3_K},
    {"Q3_K_M", FileType::kQ3_K_M, TT::kQ3_K},
    {"Q3_K_L", FileType::kQ3_K_L, TT::kQ3_K},
    {"Q4_K_S", FileType::kQ4_K_S, TT::kQ4_K},
    {"Q4_K_M", FileType::kQ4_K_M, TT::kQ4_K},
    {"Q5_K_S", FileType::kQ5_K_S, TT::kQ5_K},
    {"Q5_K_M", FileType::kQ5_K_M, TT::kQ5_K},
    {"Q6_K", FileType::kQ6_K, TT::kQ6_K},
}};

uint32_t block_of(TT t) {
  return type_traits(t)->block_elems;
}

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// The N of "blk.N.", or -1 (llama.cpp's sscanf("blk.%d.") default).
int layer_of(std::string_view name) {
  if (name.substr(0, 4) != "blk.") return -1;
  int layer = 0;
  size_t i = 4;
  for (; i < name.size() && i < 4 + 9 && std::isdigit(static_cast<unsigned char>(name[i])); ++i)
    layer = layer * 10 + (name[i] - '0');
  return i == 4 ? -1 : layer;
}

// llama.cpp's `quantize` flag: which tensors are re-encoded at all.
bool is_quantizable(const MixTensor& t) {
  if (t.n_dims < 2 || !ends_with(t.name, "weight")) return false;
  for (std::string_view skip :
       {"_norm.weight", "ffn_gate_inp.weight", "altup", "laurel", "per_layer_model_proj",
        "ssm_conv1d.weight", "shortconv.conv.weight", "time_mix_", "attn_rel_b.weight"}) {
    if (contains(t.name, skip)) return false;
  }
  return t.name != "position_embd.weight" && t.name != "token_types.weight";
}

// "More bits" layers of Q4_K_M / Q5_K_M: the first and last eighth, and every third layer in
// between (llama.cpp's use_more_bits).
bool use_more_bits(int i, int n) {
  return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

struct MixState {
  FileType ft;
  TT base;
  bool has_output = false;  // the model has output.weight (else token_embd is the head)
  int n_gqa = 0;            // n_head / n_head_kv
  int n_attention_wv = 0;   // attn_v / attn_qkv / attn_kv_b tensors
  int n_layer = 0;
  int i_attention_wv = 0;  // counters in llama.cpp's tensor order
  int i_ffn_down = 0;
};

// llama_tensor_get_type before the fallback, for a quantized file type.
TT recipe_type(MixState& s, const MixTensor& t, std::string* note) {
  const FileType ft = s.ft;
  TT type = s.base;
  const std::string_view name = t.name;
  if (name == "output.weight" || (!s.has_output && name == "token_embd.weight")) {
    // The output head (or the tied embedding that serves as one): Q6_K unless the recipe is Q8_0;
    // Q8_0 when its rows do not fit the recipe's own block.
    if (t.ne0 % block_of(s.base) != 0) {
      *note = "row length " + std::to_string(t.ne0) + " is not a multiple of the " +
              std::string(type_name(s.base)) + " block size " + std::to_string(block_of(s.base)) +
              "; output head stored as Q8_0";
      type = TT::kQ8_0;
    } else if (s.base != TT::kQ8_0) {
      type = TT::kQ6_K;
    }
  } else if (name == "token_embd.weight") {
    // No rule for the non-IQ file types: the recipe's base type.
  } else if (contains(name, "attn_v.weight")) {
    const int i = s.i_attention_wv++;
    if (ft == FileType::kQ2_K) {
      type = s.n_gqa >= 4 ? TT::kQ4_K : TT::kQ3_K;
    } else if (ft == FileType::kQ3_K_M) {
      type = i < 2 ? TT::kQ5_K : TT::kQ4_K;
    } else if (ft == FileType::kQ3_K_L) {
      type = TT::kQ5_K;
    } else if ((ft == FileType::kQ4_K_M || ft == FileType::kQ5_K_M) &&
               use_more_bits(i, s.n_attention_wv)) {
      type = TT::kQ6_K;
    } else if (ft == FileType::kQ4_K_S && i < 4) {
      type = TT::kQ5_K;
    }
  } else if (contains(name, "ffn_down")) {
    const int i = s.i_ffn_down++;
    const int n = s.n_layer;
    if (ft == FileType::kQ2_K) {
      type = TT::kQ3_K;
    } else if (ft == FileType::kQ3_K_M) {
      type = i < n / 16 ? TT::kQ5_K : TT::kQ4_K;
    } else if (ft == FileType::kQ3_K_L) {
      type = TT::kQ5_K;
    } else if ((ft == FileType::kQ4_K_M || ft == FileType::kQ5_K_M) && use_more_bits(i, n)) {
      type = TT::kQ6_K;
    } else if (ft == FileType::kQ4_K_S && i < n / 8) {
      type = TT::kQ5_K;
    }
  } else if (contains(name, "attn_output.weight")) {
    if (ft == FileType::kQ2_K) type = TT::kQ3_K;
    if (ft == FileType::kQ3_K_M) type = TT::kQ4_K;
    if (ft == FileType::kQ3_K_L) type = TT::kQ5_K;
  } else if (contains(name, "attn_qkv.weight")) {
    if (ft == FileType::kQ3_K_M || ft == FileType::kQ3_K_L) type = TT::kQ4_K;
    if (ft == FileType::kQ4_K_M) type = TT::kQ5_K;
    if (ft == FileType::kQ5_K_M) type = TT::kQ6_K;
  }
  return type;
}

// A type whose block fits a row that `type` cannot hold.
TT fallback_of(TT type) {
  switch (type) {
    case TT::kQ2_K:
    case TT::kQ3_K:
      return TT::kQ4_0;  // llama.cpp: IQ4_NL
    case TT::kQ4_K:
      return TT::kQ5_0;
    case TT::kQ5_K:
      return TT::kQ5_1;
    case TT::kQ6_K:
      return TT::kQ8_0;
    default:
      return TT::kF16;  // llama.cpp stops here; F16 keeps the tensor usable
  }
}

}  // namespace

std::span<const FileTypeInfo> file_types() {
  return kFileTypes;
}

const FileTypeInfo& file_type_info(FileType ft) {
  for (const FileTypeInfo& f : kFileTypes) {
    if (f.ftype == ft) return f;
  }
  return kFileTypes[0];  // unreachable for valid enumerators
}

std::string file_type_names(std::string_view separator) {
  std::string out;
  for (const FileTypeInfo& f : kFileTypes) {
    if (!out.empty()) out += separator;
    out += f.name;
  }
  return out;
}

Result<FileType> parse_file_type(std::string_view name) {
  for (const FileTypeInfo& f : kFileTypes) {
    const bool same = f.name.size() == name.size() &&
                      std::equal(name.begin(), name.end(), f.name.begin(), [](char a, char b) {
                        return std::toupper(static_cast<unsigned char>(a)) == b;
                      });
    if (same) return f.ftype;
  }
  return invalid_argument("unknown type '" + std::string(name) + "' (expected one of " +
                          file_type_names(", ") + ")");
}

std::vector<TensorType> choose_tensor_types(FileType ft, const MixModel& model,
                                            const std::vector<MixTensor>& tensors, bool pure,
                                            std::vector<std::string>* notes) {
  const FileTypeInfo& info = file_type_info(ft);
  MixState s{ft, info.base};
  int max_layer = -1;
  for (const MixTensor& t : tensors) {
    if (t.name == "output.weight") s.has_output = true;
    if (contains(t.name, "attn_v.weight") || contains(t.name, "attn_qkv.weight") ||
        contains(t.name, "attn_kv_b.weight"))
      ++s.n_attention_wv;
    max_layer = std::max(max_layer, layer_of(t.name));
  }
  s.n_layer = model.n_layer != 0 ? static_cast<int>(model.n_layer) : max_layer + 1;
  if (model.n_head != 0 && model.n_head_kv != 0)
    s.n_gqa = static_cast<int>(model.n_head / model.n_head_kv);

  // llama.cpp walks the tensors sorted by layer, then by name; the attn_v / ffn_down counters
  // depend on that order.
  std::vector<size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const int la = layer_of(tensors[a].name);
    const int lb = layer_of(tensors[b].name);
    if (la != lb) return la < lb;
    return tensors[a].name < tensors[b].name;
  });

  const bool mixed = !pure && block_of(info.base) > 1;
  std::vector<TensorType> out(tensors.size());
  std::vector<std::string> tensor_notes(tensors.size());
  for (size_t idx : order) {
    const MixTensor& t = tensors[idx];
    if (!is_quantizable(t)) {
      const bool vector = t.n_dims == 1 && can_dequantize(t.type);
      out[idx] = vector ? TT::kF32 : t.type;
      continue;
    }
    std::string note;
    TT type = mixed ? recipe_type(s, t, &note) : info.base;
    if (t.ne0 % block_of(type) != 0) {
      const TT wanted = type;
      type = fallback_of(type);
      if (t.ne0 % block_of(type) != 0) type = TT::kF16;
      note = "row length " + std::to_string(t.ne0) + " is not a multiple of the " +
             std::string(type_name(wanted)) + " block size " + std::to_string(block_of(wanted)) +
             "; stored as " + std::string(type_name(type));
    }
    if (!note.empty()) tensor_notes[idx] = "tensor '" + t.name + "': " + note;
    out[idx] = type;
  }
  for (std::string& n : tensor_notes) {
    if (!n.empty() && notes != nullptr) notes->push_back(std::move(n));
  }
  return out;
}

}  // namespace slim::toolkit
