// The fixtures of the independent numpy quantization references (tests/ref/quant_ref.py,
// tests/ref/quant_kquants_ref.py), in tests/data/quant/:
//   case <name> <type> <n>   x <f32 bits as hex words>   [w <f32 bits>]   bytes <hex>
//   [y <f32 bits>]   end
// (w: importance weights of the imatrix / Q8_0-search fixtures)
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/fp16.hpp"
#include "quant/types.hpp"

namespace slim::test {

// One fixture case: x is empty for decode-only cases (hand-made or random bytes).
struct QuantRefCase {
  std::string name;
  TensorType type = TensorType::kF32;
  size_t n = 0;
  std::vector<float> x;
  std::vector<float> w;  // importance weights (empty: unweighted)
  std::vector<uint8_t> bytes;
  std::vector<uint32_t> y_bits;
};

inline std::vector<uint32_t> parse_hex_words(std::istringstream& in) {
  std::vector<uint32_t> out;
  std::string w;
  while (in >> w) out.push_back(static_cast<uint32_t>(std::stoul(w, nullptr, 16)));
  return out;
}

// The cases of tests/data/quant/<file>.
inline std::vector<QuantRefCase> load_quant_ref_cases(const std::string& file) {
  std::vector<QuantRefCase> cases;
  std::ifstream f(std::string(SLIM_TEST_DATA_DIR) + "/quant/" + file);
  EXPECT_TRUE(f.good()) << "missing tests/data/quant/" << file;
  std::string line;
  QuantRefCase cur;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::string tag;
    in >> tag;
    if (tag == "case") {
      std::string type;
      cur = QuantRefCase{};
      in >> cur.name >> type >> cur.n;
      EXPECT_TRUE(parse_type_name(type, &cur.type)) << type;
      cur.x.reserve(cur.n);
    } else if (tag == "x") {
      for (uint32_t u : parse_hex_words(in)) cur.x.push_back(bits_to_f32(u));
    } else if (tag == "w") {
      for (uint32_t u : parse_hex_words(in)) cur.w.push_back(bits_to_f32(u));
    } else if (tag == "bytes") {
      std::string hex;
      in >> hex;
      for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        cur.bytes.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
      }
    } else if (tag == "y") {
      cur.y_bits = parse_hex_words(in);
    } else if (tag == "end") {
      cases.push_back(cur);
    } else {
      ADD_FAILURE() << "bad fixture line: " << line.substr(0, 40);
    }
  }
  return cases;
}

}  // namespace slim::test
