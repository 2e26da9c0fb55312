// slim chat: an interactive terminal chat. Each user line is appended to the conversation, which
// is re-rendered with the model's chat template (or --chat-template NAME); only the tokens after
// the longest common prefix with the session's context are evaluated, so earlier turns are not
// processed again. Works with stdin from a pipe (one user turn per line).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>

#include "args.hpp"
#include "commands.hpp"
#include "slim/chat.hpp"
#include "slim/model.hpp"
#include "slim/session.hpp"

namespace slim::cli {

namespace {

const char kHelp[] =
    "usage: slim chat -m MODEL [options]\n"
    "  -m, --model PATH          GGUF file or llama2.c checkpoint (required)\n"
    "      --tokenizer PATH      tokenizer.bin for a llama2.c checkpoint (default: beside it)\n"
    "      --chat-template NAME  use a built-in template instead of the model's own:\n"
    "                            chatml, llama2, llama3, mistral, zephyr, phi3, gemma, deepseek\n"
    "      --system TEXT         system message at the start of the conversation\n"
    "  -n, --n-predict N         at most N tokens per answer (default 256)\n"
    "  -c, --ctx-size N          context window (default: model's, at most 4096)\n"
    "  -t, --threads N           worker threads (default: all cores)\n"
    "      --temp T              temperature, 0 = greedy (default 0.8)\n"
    "      --top-k K, --top-p P, --min-p P, --repeat-penalty X   as for slim run\n"
    "  -s, --seed S              random seed (default: random, printed to stderr)\n"
    "      --stop TEXT           also end an answer when TEXT is generated\n"
    "      --verbose             print each rendered prompt and token counts to stderr\n"
    "\n"
    "Type a message and press Enter; /reset starts a new conversation, /exit (or end of input)\n"
    "quits. With stdin from a pipe, each line is one user turn and only the answers are printed.\n";

size_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

}  // namespace

int cmd_chat(const std::vector<std::string>& argv) {
  Args a(argv,
         {"-m", "--model", "--tokenizer", "--chat-template", "--system", "-n", "--n-predict", "-c",
          "--ctx-size", "-t", "--threads", "--temp", "--top-k", "--top-p", "--min-p",
          "--repeat-penalty", "-s", "--seed", "--stop"},
         {"--verbose", "--help", "-h"});
  if (a.has("--help") || a.has("-h")) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  if (!a.ok()) return fail("chat", a.error() + " (see slim chat --help)");
  if (!a.positional().empty())
    return fail("chat", "unexpected argument '" + a.positional()[0] + "'");
  const std::string model_path = a.get({"-m", "--model"});
  ModelParams mp;
  mp.tokenizer_path = a.get({"--tokenizer"});
  ChatTemplateOptions topt;
  topt.template_name = a.get({"--chat-template"});
  const bool has_system = a.has("--system");
  const std::string system = a.get({"--system"});
  SessionParams sp;
  sp.n_ctx = static_cast<int32_t>(a.get_int({"-c", "--ctx-size"}, 0));
  sp.n_threads = static_cast<int32_t>(a.get_int({"-t", "--threads"}, 0));
  GenerationParams gen;
  gen.max_tokens = static_cast<int32_t>(a.get_int({"-n", "--n-predict"}, 256));
  gen.temperature = static_cast<float>(a.get_double({"--temp"}, 0.8));
  gen.top_k = static_cast<int32_t>(a.get_int({"--top-k"}, 40));
  gen.top_p = static_cast<float>(a.get_double({"--top-p"}, 0.95));
  gen.min_p = static_cast<float>(a.get_double({"--min-p"}, 0.05));
  gen.repeat_penalty = static_cast<float>(a.get_double({"--repeat-penalty"}, 1.0));
  const bool seed_given = a.has("-s") || a.has("--seed");
  const int64_t seed = a.get_int({"-s", "--seed"}, 0);
  if (a.has("--stop")) gen.stop.push_back(a.get({"--stop"}));
  const bool verbose = a.has("--verbose");
  if (!a.ok()) return fail("chat", a.error() + " (see slim chat --help)");
  if (model_path.empty())
    return fail("chat", "no model given: pass -m MODEL.gguf (see slim chat --help)");
  if (seed < 0) return fail("chat", "--seed must be >= 0");
  if (gen.max_tokens < 1) return fail("chat", "-n must be >= 1");
  gen.seed = seed_given ? static_cast<uint64_t>(seed) : std::random_device{}();

  auto model = Model::load(model_path, mp);
  if (!model) return fail("chat", model.status().message());
  const Model& m = **model;
  std::vector<ChatMessage> messages;
  auto start = [&] {
    messages.clear();
    if (has_system) messages.push_back({"system", system});
  };
  start();
  // Fail before the first turn if the template is missing or unknown.
  {
    auto probe = apply_chat_template(
        m, messages.empty() ? std::vector<ChatMessage>{{"user", "hi"}} : messages, topt);
    if (!probe.is_ok() && probe.status().message().find("raise_exception") == std::string::npos)
      return fail("chat", probe.status().message());
  }
  auto session = Session::create(*model, sp);
  if (!session) return fail("chat", session.status().message());
  Session& s = **session;
  const bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
  if (tty)
    std::fprintf(stderr, "slim chat: seed %llu; /reset starts over, /exit quits\n",
                 static_cast<unsigned long long>(gen.seed));

  std::string line;
  int turn = 0;
  while (true) {
    if (tty) {
      std::fputs("> ", stdout);
      std::fflush(stdout);
    }
    if (!std::getline(std::cin, line)) break;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line == "/exit" || line == "/quit") break;
    if (line == "/reset") {
      start();
      s.reset();
      std::fprintf(stderr, "slim chat: conversation reset\n");
      continue;
    }
    if (line.empty()) continue;
    messages.push_back({"user", line});
    auto prompt = apply_chat_template(m, messages, topt);
    if (!prompt) {
      messages.pop_back();
      std::fprintf(stderr, "slim chat: %s\n", prompt.status().message().c_str());
      continue;
    }
    if (verbose) std::fprintf(stderr, "--- prompt ---\n%s\n--------------\n", prompt->c_str());
    // Special tokens in the rendered text (<|im_start|>, <s> ...) become their ids. The model's
    // default BOS is added unless the template already wrote one.
    auto tokens = m.tokenize(*prompt, m.add_bos_default(), /*parse_special=*/true);
    if (!tokens) return fail("chat", tokens.status().message());
    const int32_t bos = m.info().bos_id;
    if (bos >= 0 && tokens->size() >= 2 && (*tokens)[0] == bos && (*tokens)[1] == bos)
      tokens->erase(tokens->begin());
    if (tokens->empty()) return fail("chat", "the rendered prompt has no tokens");
    if (static_cast<int32_t>(tokens->size()) >= s.n_ctx()) {
      messages.pop_back();
      std::fprintf(
          stderr,
          "slim chat: the conversation needs %zu tokens but the context holds %d; /reset or raise "
          "--ctx-size\n",
          tokens->size(), s.n_ctx());
      continue;
    }
    // Reuse the longest common prefix with what the session already holds; at least one token is
    // evaluated so that there are logits to sample from.
    size_t keep = std::min(common_prefix(s.context_tokens(), *tokens), tokens->size() - 1);
    if (auto st = s.truncate(static_cast<int32_t>(keep)); !st) return fail("chat", st.message());
    std::vector<int32_t> fresh(tokens->begin() + static_cast<std::ptrdiff_t>(keep), tokens->end());
    gen.seed += turn > 0 ? 1 : 0;  // a different draw each turn, reproducible from --seed
    ++turn;
    auto on_text = [&](int32_t, const std::string& text) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
      return true;
    };
    auto result = s.generate(fresh, gen, on_text);
    if (!result) return fail("chat", result.status().message());
    std::fputc('\n', stdout);
    std::fflush(stdout);
    messages.push_back({"assistant", result->text});
    const GenerationTimings& t = result->timings;
    std::fprintf(
        stderr,
        "slim chat: turn %d: %zu prompt tokens, %zu reused from the context, %zu evaluated | "
        "%d generated, %.1f tokens/s | stop: %s\n",
        turn, tokens->size(), keep, fresh.size(), t.generated_tokens, t.generation_tokens_per_s(),
        stop_reason_name(result->stop_reason));
  }
  return 0;
}

}  // namespace slim::cli
