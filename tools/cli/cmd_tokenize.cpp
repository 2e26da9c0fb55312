// slim tokenize: text to token ids (and pieces), as the model's tokenizer sees it.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "args.hpp"
#include "commands.hpp"
#include "slim/model.hpp"

namespace slim::cli {

int cmd_tokenize(const std::vector<std::string>& argv) {
  Args a(argv, {"-m", "--model", "-p", "--prompt", "-f", "--file", "--tokenizer"},
         {"--ids", "--no-bos", "--parse-special", "--help", "-h"});
  if (a.has("--help") || a.has("-h")) {
    std::puts(
        "usage: slim tokenize -m MODEL (-p TEXT | -f FILE) [--ids] [--no-bos] [--parse-special]");
    return 0;
  }
  if (!a.ok()) return fail("tokenize", a.error());
  const std::string path = a.get({"-m", "--model"});
  if (path.empty()) return fail("tokenize", "no model given: pass -m MODEL");
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
  ModelParams mp;
  mp.tokenizer_path = a.get({"--tokenizer"});
  auto model = Model::load(path, mp);
  if (!model) return fail("tokenize", model.status().message());
  auto ids = (*model)->tokenize(text, !a.has("--no-bos") && (*model)->add_bos_default(),
                                a.has("--parse-special"));
  if (!ids) return fail("tokenize", ids.status().message());
  if (a.has("--ids")) {
    for (size_t i = 0; i < ids->size(); ++i) std::printf(i ? " %d" : "%d", (*ids)[i]);
    std::printf("\n");
    return 0;
  }
  for (int32_t id : *ids) {
    const std::string piece = (*model)->token_piece(id);
    std::printf("%6d -> '%s'\n", id, piece.c_str());
  }
  return 0;
}

}  // namespace slim::cli
