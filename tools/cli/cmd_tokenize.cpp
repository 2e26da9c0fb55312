// slim tokenize: text to token ids (and pieces), as the model's tokenizer sees it.
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include "args.hpp"
#include "commands.hpp"
#include "slim/model.hpp"
#include "slim/tokenizer.hpp"

namespace slim::cli {

namespace {

constexpr const char* kUsage =
    "usage: slim tokenize -m MODEL_OR_TOKENIZER (-p TEXT | -f FILE) [--ids] [--no-bos]\n"
    "                     [--parse-special] [--tokenizer TOKENIZER_BIN]\n"
    "  MODEL_OR_TOKENIZER: a model GGUF, a vocab-only GGUF, a tokenizer.json, vocab.json,\n"
    "  merges.txt or vocab.txt, a directory holding them, or a llama2.c checkpoint (whose\n"
    "  tokenizer.bin is found beside it or given with --tokenizer)\n"
    "  --ids            print the ids only, space separated\n"
    "  --no-bos         add no BOS/EOS (by default they are added as the tokenizer asks)\n"
    "  --parse-special  let special-token texts in the input become their ids";

// True for what StandaloneTokenizer reads: a GGUF file, a directory or a tokenizer file.
// Anything else is left to Model::load (llama2.c checkpoints).
bool is_tokenizer_source(const std::string& path) {
  struct stat sb {};
  if (::stat(path.c_str(), &sb) != 0) return true;  // let the loader report it
  if (S_ISDIR(sb.st_mode)) return true;
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {0, 0, 0, 0};
  in.read(magic, 4);
  if (in.gcount() == 4 && std::memcmp(magic, "GGUF", 4) == 0) return true;
  auto ends_with = [&](const char* s) {
    const size_t n = std::strlen(s);
    return path.size() >= n && path.compare(path.size() - n, n, s) == 0;
  };
  return ends_with(".json") || ends_with(".txt");
}

// Pieces may hold control characters or partial UTF-8: show those as \xNN.
std::string printable(const std::string& s) {
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace

int cmd_tokenize(const std::vector<std::string>& argv) {
  Args a(argv, {"-m", "--model", "-p", "--prompt", "-f", "--file", "--tokenizer"},
         {"--ids", "--no-bos", "--parse-special", "--help", "-h"});
  if (a.has("--help") || a.has("-h")) {
    std::puts(kUsage);
    return 0;
  }
  if (!a.ok()) return fail("tokenize", a.error());
  const std::string path = a.get({"-m", "--model"});
  if (path.empty()) return fail("tokenize", "no model given: pass -m MODEL_OR_TOKENIZER");
  std::string text = a.get({"-p", "--prompt"});
  if (a.has("-f") || a.has("--file")) {
    const std::string file = a.get({"-f", "--file"});
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail("tokenize", "cannot read '" + file + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  } else if (!a.has("-p") && !a.has("--prompt")) {
    return fail("tokenize", "give the text with -p TEXT or -f FILE");
  }
  const bool add_special = !a.has("--no-bos");
  const bool parse_special = a.has("--parse-special");

  std::vector<int32_t> ids;
  std::function<std::string(int32_t)> piece;
  std::shared_ptr<const StandaloneTokenizer> tok;
  std::shared_ptr<const Model> model;
  if (!a.has("--tokenizer") && is_tokenizer_source(path)) {
    auto t = StandaloneTokenizer::load(path);
    if (!t) return fail("tokenize", t.status().message());
    tok = std::move(t).value();
    auto r = tok->encode(text, add_special, parse_special);
    if (!r) return fail("tokenize", r.status().message());
    ids = std::move(r).value();
    piece = [&tok](int32_t id) { return tok->token_piece(id); };
  } else {
    ModelParams mp;
    mp.tokenizer_path = a.get({"--tokenizer"});
    auto m = Model::load(path, mp);
    if (!m) return fail("tokenize", m.status().message());
    model = std::move(m).value();
    auto r = model->tokenize(text, add_special && model->add_bos_default(), parse_special);
    if (!r) return fail("tokenize", r.status().message());
    ids = std::move(r).value();
    piece = [&model](int32_t id) { return model->token_piece(id); };
  }

  if (a.has("--ids")) {
    std::string line;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i) line += ' ';
      line += std::to_string(ids[i]);
    }
    std::printf("%s\n", line.c_str());
    return 0;
  }
  for (const int32_t id : ids) {
    std::printf("%6d -> '%s'\n", id, printable(piece(id)).c_str());
  }
  return 0;
}

}  // namespace slim::cli
