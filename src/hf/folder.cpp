#include "hf/folder.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/json.hpp"

namespace slim::hf {

namespace {

constexpr size_t kMaxConfigBytes = size_t{1} << 20;

// A small text file of the folder, or "" when it does not exist.
Result<std::string> read_small(const std::filesystem::path& p, size_t max_bytes, bool required) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec)) {
    if (required) return not_found("'" + p.string() + "' does not exist");
    return std::string();
  }
  const auto size = std::filesystem::file_size(p, ec);
  if (ec) return io_error("cannot read '" + p.string() + "': " + ec.message());
  if (size > max_bytes) {
    return corrupt("'" + p.string() + "' is " + std::to_string(size) + " bytes (limit " +
                   std::to_string(max_bytes) + ")");
  }
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in.good() && !in.eof()) return io_error("cannot read '" + p.string() + "'");
  return ss.str();
}

// tokenizer_config.json "chat_template": a string, or a list of {name, template} (the
// "default" one is used).
Result<std::string> read_chat_template(const std::filesystem::path& dir) {
  SLIM_ASSIGN_OR_RETURN(std::string text,
                        read_small(dir / "tokenizer_config.json", tok::kMaxHfFileBytes, false));
  if (text.empty()) return std::string();
  SLIM_ASSIGN_OR_RETURN(json::Value doc, json::parse(text, "tokenizer_config.json"));
  const json::Value* t = doc.find("chat_template");
  if (t == nullptr || t->is_null()) return std::string();
  if (t->is_string()) return t->str();
  if (t->is_array()) {
    for (size_t i = 0; i < t->size(); ++i) {
      const json::Value* name = t->at(i).find("name");
      const json::Value* tmpl = t->at(i).find("template");
      if (name != nullptr && name->str() == "default" && tmpl != nullptr && tmpl->is_string()) {
        return tmpl->str();
      }
    }
    return std::string();
  }
  return corrupt("tokenizer_config.json: \"chat_template\" must be a string or a list");
}

}  // namespace

bool is_hf_folder(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec) &&
         std::filesystem::is_regular_file(std::filesystem::path(path) / "config.json", ec);
}

Result<std::unique_ptr<Folder>> open_folder(const std::string& dir) {
  namespace fs = std::filesystem;
  auto f = std::make_unique<Folder>();
  f->dir = dir;
  f->name = fs::path(dir).lexically_normal().filename().string();
  if (f->name.empty()) f->name = fs::path(dir).lexically_normal().parent_path().filename().string();
  SLIM_ASSIGN_OR_RETURN(std::string config,
                        read_small(fs::path(dir) / "config.json", kMaxConfigBytes, true));
  SLIM_ASSIGN_OR_RETURN(f->weights, HfWeights::open_dir(dir));
  std::vector<SourceTensor> list;
  list.reserve(f->weights.tensors().size());
  for (const WeightTensor& t : f->weights.tensors()) list.push_back({t.name, t.shape});
  SLIM_ASSIGN_OR_RETURN(f->plan, plan_model(config, list));
  auto tok = tok::load_hf_tokenizer_path(dir);
  if (!tok) return tok.status();
  f->tokenizer = std::move(tok).value();
  SLIM_ASSIGN_OR_RETURN(f->chat_template, read_chat_template(dir));
  return f;
}

const WeightTensor& source_of(const Folder& f, const TensorPlan& t) {
  return *f.weights.find(t.source_name);
}

void put_model_metadata(const Folder& f, gguf::GgufWriter& w) {
  for (const MetaEntry& m : f.plan.metadata) {
    if (const auto* u = std::get_if<uint32_t>(&m.value)) w.set_u32(m.key, *u);
    if (const auto* x = std::get_if<float>(&m.value)) w.set_f32(m.key, *x);
    if (const auto* b = std::get_if<bool>(&m.value)) w.set_bool(m.key, *b);
    if (const auto* s = std::get_if<std::string>(&m.value)) w.set_string(m.key, *s);
  }
  w.set_string("general.name", f.name);
  if (!f.chat_template.empty()) w.set_string("tokenizer.chat_template", f.chat_template);
}

}  // namespace slim::hf
