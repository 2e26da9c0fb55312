// slim run: load a model, process the prompt, stream generated text to stdout.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "args.hpp"
#include "commands.hpp"
#include "core/json_writer.hpp"
#include "slim/model.hpp"
#include "slim/session.hpp"

namespace slim::cli {

namespace {

const char kHelp[] =
    "usage: slim run -m MODEL [options]\n"
    "  -m, --model PATH        GGUF file or llama2.c checkpoint (required)\n"
    "      --tokenizer PATH    tokenizer.bin for a llama2.c checkpoint (default: beside it)\n"
    "  -p, --prompt TEXT       prompt (default: empty, i.e. generation starts from BOS)\n"
    "  -f, --file PATH         read the prompt from a file\n"
    "  -n, --n-predict N       tokens to generate (default 128, -1 = until the context is full)\n"
    "  -c, --ctx-size N        context window (default: model's, at most 4096)\n"
    "  -t, --threads N         worker threads (default: all cores)\n"
    "      --temp T            temperature, 0 = greedy (default 0.8)\n"
    "      --top-k K           (default 40, 0 = off)\n"
    "      --top-p P           (default 0.95, 1 = off)\n"
    "      --min-p P           (default 0.05, 0 = off)\n"
    "      --repeat-penalty X  (default 1.0 = off)   --repeat-last-n N (default 64)\n"
    "      --frequency-penalty X, --presence-penalty X (default 0)\n"
    "  -s, --seed S            random seed (default: random, printed to stderr)\n"
    "      --stop TEXT         stop when TEXT is generated (not printed)\n"
    "      --ignore-eos        keep generating after end-of-sequence\n"
    "      --no-bos            do not add the BOS token to the prompt\n"
    "      --q8-float-act      Q8_0 weights times float activations (no 8-bit activation\n"
    "                          rounding; slower, closer to the full-precision model)\n"
    "      --json              print one JSON object with tokens, text and timings at the end\n";

using Clock = std::chrono::steady_clock;

struct RunOptions {
  std::string model, tokenizer, prompt;
  SessionParams session;
  GenerationParams gen;
  bool json = false, no_bos = false, seed_given = false;
};

// Parses argv into options; returns an error message or "".
std::string parse(const std::vector<std::string>& argv, RunOptions* o) {
  Args a(argv,
         {"-m",
          "--model",
          "--tokenizer",
          "-p",
          "--prompt",
          "-f",
          "--file",
          "-n",
          "--n-predict",
          "-c",
          "--ctx-size",
          "-t",
          "--threads",
          "--temp",
          "--top-k",
          "--top-p",
          "--min-p",
          "--repeat-penalty",
          "--repeat-last-n",
          "--frequency-penalty",
          "--presence-penalty",
          "-s",
          "--seed",
          "--stop"},
         {"--json", "--ignore-eos", "--no-bos", "--help", "-h", "--q8-float-act"});
  if (!a.ok()) return a.error();
  if (a.has("--help") || a.has("-h")) return "help";
  if (!a.positional().empty()) return "unexpected argument '" + a.positional()[0] + "'";
  o->model = a.get({"-m", "--model"});
  o->tokenizer = a.get({"--tokenizer"});
  o->prompt = a.get({"-p", "--prompt"});
  if (a.has("-f") || a.has("--file")) {
    const std::string path = a.get({"-f", "--file"});
    std::ifstream in(path, std::ios::binary);
    if (!in) return "cannot read prompt file '" + path + "'";
    std::stringstream ss;
    ss << in.rdbuf();
    o->prompt = ss.str();
  }
  o->gen.max_tokens = static_cast<int32_t>(a.get_int({"-n", "--n-predict"}, 128));
  o->session.n_ctx = static_cast<int32_t>(a.get_int({"-c", "--ctx-size"}, 0));
  o->session.n_threads = static_cast<int32_t>(a.get_int({"-t", "--threads"}, 0));
  o->session.q8_0_float_activations = a.has("--q8-float-act");
  o->gen.temperature = static_cast<float>(a.get_double({"--temp"}, 0.8));
  o->gen.top_k = static_cast<int32_t>(a.get_int({"--top-k"}, 40));
  o->gen.top_p = static_cast<float>(a.get_double({"--top-p"}, 0.95));
  o->gen.min_p = static_cast<float>(a.get_double({"--min-p"}, 0.05));
  o->gen.repeat_penalty = static_cast<float>(a.get_double({"--repeat-penalty"}, 1.0));
  o->gen.repeat_last_n = static_cast<int32_t>(a.get_int({"--repeat-last-n"}, 64));
  o->gen.frequency_penalty = static_cast<float>(a.get_double({"--frequency-penalty"}, 0.0));
  o->gen.presence_penalty = static_cast<float>(a.get_double({"--presence-penalty"}, 0.0));
  o->seed_given = a.has("-s") || a.has("--seed");
  const int64_t seed = a.get_int({"-s", "--seed"}, 0);
  if (seed < 0) return "--seed must be >= 0";
  o->gen.seed = o->seed_given ? static_cast<uint64_t>(seed) : std::random_device{}();
  if (a.has("--stop")) o->gen.stop.push_back(a.get({"--stop"}));
  o->gen.stop_at_eos = !a.has("--ignore-eos");
  o->no_bos = a.has("--no-bos");
  o->json = a.has("--json");
  if (!a.ok()) return a.error();
  if (o->model.empty()) {
    return "no model given: pass -m MODEL.gguf (the tiny test model is "
           "../shared/models/stories260K/stories260K.gguf)";
  }
  if (o->gen.max_tokens < -1) return "-n must be >= -1";
  return "";
}

void print_json(const GenerationResult& r, double load_ms, uint64_t seed, int threads) {
  JsonWriter j;
  j.begin_object();
  j.key("tokens").begin_array();
  for (int32_t id : r.tokens) j.value(id);
  j.end_array();
  j.key("text").value(r.text);
  j.key("stop_reason").value(stop_reason_name(r.stop_reason));
  j.key("seed").value(seed);
  j.key("threads").value(static_cast<int64_t>(threads));
  j.key("timings").begin_object();
  j.key("load_ms").value(load_ms);
  j.key("prompt_tokens").value(r.timings.prompt_tokens);
  j.key("prompt_ms").value(r.timings.prompt_ms);
  j.key("prompt_tokens_per_s").value(r.timings.prompt_tokens_per_s());
  j.key("generated_tokens").value(r.timings.generated_tokens);
  j.key("generation_ms").value(r.timings.generation_ms);
  j.key("generation_tokens_per_s").value(r.timings.generation_tokens_per_s());
  j.end_object();
  j.end_object();
  std::printf("%s\n", j.str().c_str());
}

}  // namespace

int cmd_run(const std::vector<std::string>& argv) {
  RunOptions o;
  const std::string err = parse(argv, &o);
  if (err == "help") {
    std::fputs(kHelp, stdout);
    return 0;
  }
  if (!err.empty()) return fail("run", err + " (see slim run --help)");

  const auto t0 = Clock::now();
  ModelParams mp;
  mp.tokenizer_path = o.tokenizer;
  auto model = Model::load(o.model, mp);
  if (!model) return fail("run", model.status().message());
  const double load_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();

  auto session = Session::create(*model, o.session);
  if (!session) return fail("run", session.status().message());
  auto prompt = (*model)->tokenize(o.prompt, !o.no_bos && (*model)->add_bos_default());
  if (!prompt) return fail("run", prompt.status().message());
  if (prompt->empty())
    return fail("run", "the prompt is empty and the model has no BOS token to start from");
  if (static_cast<int32_t>(prompt->size()) >= (*session)->n_ctx()) {
    return fail("run", "the prompt has " + std::to_string(prompt->size()) +
                           " tokens but the context holds " + std::to_string((*session)->n_ctx()) +
                           " (raise --ctx-size or shorten the prompt)");
  }
  if (!o.json) {
    std::fputs(o.prompt.c_str(), stdout);
    std::fflush(stdout);
  }
  auto on_text = [&](int32_t, const std::string& text) {
    if (!o.json) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
    }
    return true;
  };
  auto result = (*session)->generate(*prompt, o.gen, on_text);
  if (!result) return fail("run", result.status().message());
  if (o.json) {
    print_json(*result, load_ms, o.gen.seed, (*session)->n_threads());
  } else {
    std::fputc('\n', stdout);
  }
  const GenerationTimings& t = result->timings;
  std::fprintf(stderr,
               "\nslim: seed %llu, %d threads | load %.1f ms | prompt %d tokens, %.1f tokens/s | "
               "generation %d tokens, %.1f tokens/s | stop: %s\n",
               static_cast<unsigned long long>(o.gen.seed), (*session)->n_threads(), load_ms,
               t.prompt_tokens, t.prompt_tokens_per_s(), t.generated_tokens,
               t.generation_tokens_per_s(), stop_reason_name(result->stop_reason));
  return 0;
}

}  // namespace slim::cli
