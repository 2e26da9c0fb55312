// A restricted unpickler for PyTorch state dicts (the data.pkl inside a torch.save zip).
//
// It is a small stack machine over the pickle opcodes torch.save emits (protocol 2, and the
// protocol 4 forms FRAME / SHORT_BINUNICODE / MEMOIZE / STACK_GLOBAL) and nothing else. It never
// executes anything: GLOBAL / STACK_GLOBAL may only name
//   collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter,
//   torch._utils._rebuild_parameter_with_state, and torch.<X>Storage for
//   X in Float, Half, BFloat16, Double, Long, Int, Short, Char, Byte, Bool,
// and REDUCE only applies those, implemented here in C++ (an OrderedDict, a tensor record).
// Storages come from BINPERSID with the tuple ('storage', <Storage class>, key, location, numel).
// Everything else — another global (os.system, builtins.eval, subprocess.Popen ...), INST, OBJ,
// NEWOBJ, EXT*, unknown opcodes, stack underflow, a missing MARK, memo misuse, over-long
// strings or integers — is an error naming the opcode (or global) and its byte offset.
//
// Objects live in an arena and refer to each other by index: nothing recurses, so deep nesting
// and reference cycles built through the memo are harmless; the object count is capped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "slim/status.hpp"

namespace slim::pickle {

inline constexpr size_t kMaxObjects = size_t{1} << 20;
inline constexpr size_t kMaxMarks = 256;
inline constexpr size_t kMaxGlobalName = 256;
inline constexpr size_t kMaxDims = 8;

struct Storage {
  std::string key;       // the zip entry <root>/data/<key> holds its bytes
  std::string dtype;     // safetensors spelling: "F32", "F16", "BF16", "I64" ...
  std::string location;  // "cpu", "cuda:0" ...
  uint64_t numel = 0;    // elements
};

struct TensorRecord {
  std::string name;
  size_t storage = 0;   // index into StateDict::storages
  uint64_t offset = 0;  // storage offset, in elements
  std::vector<uint64_t> shape;
  std::vector<int64_t> stride;
};

struct StateDict {
  std::vector<Storage> storages;      // one per distinct key, in order of first use
  std::vector<TensorRecord> tensors;  // in the dict's insertion order
};

// Unpickles a state dict: the pickle's result must be a dict (or OrderedDict) from names to
// tensors. `what` names the input in messages.
Result<StateDict> load_state_dict(const uint8_t* data, size_t size,
                                  std::string_view what = "data.pkl");

// The opcode's name as pickletools spells it ("REDUCE"), or "" if the byte is no opcode.
std::string_view opcode_name(uint8_t op);

}  // namespace slim::pickle
