// slim info: what a model file holds (architecture, shapes, tensor types, vocabulary, size).
#include <cstdio>

#include "args.hpp"
#include "commands.hpp"
#include "core/json_writer.hpp"
#include "slim/model.hpp"

namespace slim::cli {

namespace {

std::string shape_string(const std::vector<uint64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Tensors of types only SlimLLM reads (W8A8, quant/types.hpp is_slim_specific).
size_t count_slim_specific(const std::vector<TensorSummary>& tensors) {
  size_t n = 0;
  for (const TensorSummary& t : tensors) n += t.type == "W8A8" ? 1 : 0;
  return n;
}

void print_text(const ModelInfo& i, const std::vector<TensorSummary>& tensors, bool list_tensors) {
  std::printf("format:        %s\n", i.format.c_str());
  std::printf("architecture:  %s%s%s\n", i.architecture.c_str(),
              i.name.empty() ? "" : "  name: ", i.name.c_str());
  std::printf("file size:     %.2f MiB (%llu bytes)\n",
              static_cast<double>(i.file_bytes) / (1024.0 * 1024.0),
              static_cast<unsigned long long>(i.file_bytes));
  std::printf("parameters:    %llu (%.2f M)\n", static_cast<unsigned long long>(i.n_params),
              static_cast<double>(i.n_params) / 1e6);
  std::printf("weight type:   %s (dominant)\n", i.file_type.c_str());
  if (const size_t n = count_slim_specific(tensors)) {
    std::printf(
        "note:          %zu tensors are W8A8 (SlimLLM-specific): other GGUF engines cannot "
        "load this file\n",
        n);
  }
  std::printf(
      "shape:         n_embd %d, n_ff %d, n_layer %d, n_head %d, n_head_kv %d, head_dim %d\n",
      i.n_embd, i.n_ff, i.n_layer, i.n_head, i.n_head_kv, i.n_head > 0 ? i.n_embd / i.n_head : 0);
  std::printf("context:       %d tokens (training)\n", i.n_ctx_train);
  if (i.positions == "rope") {
    std::printf("positions:     rope %s, %d dims, base %g\n", i.rope_style.c_str(), i.rope_dims,
                static_cast<double>(i.rope_base));
  } else {
    std::printf("positions:     %s\n", i.positions.c_str());
  }
  std::printf("norm:          %s, eps %g, %s\n", i.norm.c_str(), static_cast<double>(i.norm_eps),
              i.pre_norm ? "pre-norm" : "post-norm");
  std::printf("activation:    %s\n", i.activation.c_str());
  if (i.n_embd_io != i.n_embd) std::printf("embedding:     %d wide, projected\n", i.n_embd_io);
  std::printf("output head:   %s\n", i.tied_output ? "tied to token embedding" : "separate");
  std::printf("vocabulary:    %d tokens, tokenizer %s, bos %d, eos %d\n", i.n_vocab,
              i.tokenizer.c_str(), i.bos_id, i.eos_id);
  std::printf("tensors:       %zu\n", tensors.size());
  if (!list_tensors) return;
  for (const TensorSummary& t : tensors) {
    std::printf("  %-32s %-6s %-16s %llu bytes\n", t.name.c_str(), t.type.c_str(),
                shape_string(t.shape).c_str(), static_cast<unsigned long long>(t.bytes));
  }
}

void print_json(const ModelInfo& i, const std::vector<TensorSummary>& tensors) {
  JsonWriter j;
  j.begin_object();
  j.key("format").value(i.format);
  j.key("architecture").value(i.architecture);
  j.key("name").value(i.name);
  j.key("file_bytes").value(i.file_bytes);
  j.key("n_params").value(i.n_params);
  j.key("file_type").value(i.file_type);
  j.key("slim_specific_tensors").value(static_cast<uint64_t>(count_slim_specific(tensors)));
  j.key("n_vocab").value(i.n_vocab);
  j.key("n_embd").value(i.n_embd);
  j.key("n_ff").value(i.n_ff);
  j.key("n_layer").value(i.n_layer);
  j.key("n_head").value(i.n_head);
  j.key("n_head_kv").value(i.n_head_kv);
  j.key("n_ctx_train").value(i.n_ctx_train);
  j.key("n_embd_io").value(i.n_embd_io);
  j.key("positions").value(i.positions);
  j.key("norm").value(i.norm);
  j.key("norm_eps").value(static_cast<double>(i.norm_eps));
  j.key("activation").value(i.activation);
  j.key("pre_norm").value(i.pre_norm);
  j.key("rope_style").value(i.rope_style);
  j.key("rope_dims").value(i.rope_dims);
  j.key("rope_base").value(static_cast<double>(i.rope_base));
  j.key("tied_output").value(i.tied_output);
  j.key("tokenizer").value(i.tokenizer);
  j.key("tensors").begin_array();
  for (const TensorSummary& t : tensors) {
    j.begin_object().key("name").value(t.name).key("type").value(t.type).key("shape").begin_array();
    for (uint64_t d : t.shape) j.value(d);
    j.end_array().key("bytes").value(t.bytes).end_object();
  }
  j.end_array();
  j.end_object();
  std::printf("%s\n", j.str().c_str());
}

}  // namespace

int cmd_info(const std::vector<std::string>& argv) {
  Args a(argv, {"-m", "--model", "--tokenizer"}, {"--json", "--tensors", "--help", "-h"});
  if (a.has("--help") || a.has("-h")) {
    std::puts("usage: slim info -m MODEL [--tensors] [--json] [--tokenizer PATH]");
    return 0;
  }
  if (!a.ok()) return fail("info", a.error());
  std::string path = a.get({"-m", "--model"});
  if (path.empty() && a.positional().size() == 1) path = a.positional()[0];
  if (path.empty()) return fail("info", "no model given: pass -m MODEL");
  ModelParams mp;
  mp.tokenizer_path = a.get({"--tokenizer"});
  auto model = Model::load(path, mp);
  if (!model) return fail("info", model.status().message());
  if (a.has("--json")) {
    print_json((*model)->info(), (*model)->tensors());
  } else {
    print_text((*model)->info(), (*model)->tensors(), a.has("--tensors"));
  }
  return 0;
}

}  // namespace slim::cli
