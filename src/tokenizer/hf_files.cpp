// Finding and reading Hugging Face tokenizer files on disk.
#include <sys/stat.h>

#include <string>

#include "core/mapped_file.hpp"
#include "tokenizer/hf_tokenizer.hpp"

namespace slim::tok {

namespace {

bool is_dir(const std::string& p) {
  struct stat sb {};
  return ::stat(p.c_str(), &sb) == 0 && S_ISDIR(sb.st_mode);
}

bool is_file(const std::string& p) {
  struct stat sb {};
  return ::stat(p.c_str(), &sb) == 0 && S_ISREG(sb.st_mode);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string dir_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string join(const std::string& dir, const char* name) {
  if (!dir.empty() && dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

Result<MappedFile> open_limited(const std::string& path) {
  SLIM_ASSIGN_OR_RETURN(MappedFile f, MappedFile::open(path));
  if (f.size() > kMaxHfFileBytes) {
    return corrupt(path + ": " + std::to_string(f.size()) + " bytes is more than the " +
                   std::to_string(kMaxHfFileBytes) + "-byte limit for tokenizer files");
  }
  return f;
}

std::string_view view(const MappedFile& f) {
  return {reinterpret_cast<const char*>(f.data()), f.size()};
}

// tokenizer_config.json in `dir`, if any (the mapping must outlive its use).
Result<MappedFile> open_config(const std::string& dir, HfConfigText* config) {
  const std::string p = join(dir, "tokenizer_config.json");
  if (!is_file(p)) return MappedFile();
  SLIM_ASSIGN_OR_RETURN(MappedFile f, open_limited(p));
  config->text = view(f);
  config->where = p;
  return f;
}

Result<LoadedTokenizer> load_pair(const std::string& vocab, const std::string& merges,
                                  const std::string& dir) {
  SLIM_ASSIGN_OR_RETURN(MappedFile v, open_limited(vocab));
  SLIM_ASSIGN_OR_RETURN(MappedFile m, open_limited(merges));
  HfConfigText config;
  SLIM_ASSIGN_OR_RETURN(MappedFile c, open_config(dir, &config));
  return load_hf_vocab_merges(view(v), vocab, view(m), merges, config);
}

Result<LoadedTokenizer> load_json(const std::string& path, const std::string& dir) {
  SLIM_ASSIGN_OR_RETURN(MappedFile f, open_limited(path));
  HfConfigText config;
  SLIM_ASSIGN_OR_RETURN(MappedFile c, open_config(dir, &config));
  return load_hf_tokenizer_json(view(f), path, config);
}

Result<LoadedTokenizer> load_txt(const std::string& path, const std::string& dir) {
  SLIM_ASSIGN_OR_RETURN(MappedFile f, open_limited(path));
  HfConfigText config;
  SLIM_ASSIGN_OR_RETURN(MappedFile c, open_config(dir, &config));
  return load_hf_vocab_txt(view(f), path, config);
}

}  // namespace

Result<LoadedTokenizer> load_hf_tokenizer_path(const std::string& path) {
  if (path.empty()) return invalid_argument("empty tokenizer path");
  if (is_dir(path)) {
    if (const std::string p = join(path, "tokenizer.json"); is_file(p)) return load_json(p, path);
    const std::string v = join(path, "vocab.json"), m = join(path, "merges.txt");
    if (is_file(v) && is_file(m)) return load_pair(v, m, path);
    if (const std::string p = join(path, "vocab.txt"); is_file(p)) return load_txt(p, path);
    return not_found("'" + path + "' has no tokenizer.json, vocab.json + merges.txt or vocab.txt");
  }
  const std::string dir = dir_of(path);
  if (ends_with(path, "vocab.json")) {
    const std::string m = join(dir, "merges.txt");
    if (!is_file(m)) return not_found("'" + path + "' needs merges.txt beside it ('" + m + "')");
    return load_pair(path, m, dir);
  }
  if (ends_with(path, "merges.txt")) {
    const std::string v = join(dir, "vocab.json");
    if (!is_file(v)) return not_found("'" + path + "' needs vocab.json beside it ('" + v + "')");
    return load_pair(v, path, dir);
  }
  if (ends_with(path, ".txt")) return load_txt(path, dir);
  return load_json(path, dir);
}

}  // namespace slim::tok
