// slim serve: an OpenAI-compatible HTTP server (logic in src/server; this parses options,
// wires the pieces together and waits for SIGINT/SIGTERM).
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "args.hpp"
#include "commands.hpp"
#include "server/api_keys.hpp"
#include "server/chat_prompt.hpp"
#include "server/engine.hpp"
#include "server/http_server.hpp"
#include "server/metrics.hpp"
#include "server/service.hpp"
#include "slim/model.hpp"

namespace slim::cli {

namespace {

const char kHelp[] =
    "usage: slim serve -m MODEL [options]\n"
    "OpenAI-compatible HTTP server: POST /v1/completions, /v1/chat/completions (stream: true\n"
    "for server-sent events; WebSocket on the same paths), GET /v1/models, /health, /metrics,\n"
    "and a chat page at /. See docs/SERVER.md.\n"
    "  -m, --model PATH          GGUF file or llama2.c checkpoint (required)\n"
    "      --alias NAME          model id for /v1/models and requests (default: file name)\n"
    "      --chat-template NAME  built-in chat template instead of the model's own (chatml,\n"
    "                            llama3, zephyr, phi3, gemma, mistral ...; default: the model's,\n"
    "                            chatml when it has none)\n"
    "      --host ADDR           address to listen on (default 127.0.0.1: this machine only)\n"
    "      --port N              port (default 8080; 0 = any free port, printed at start)\n"
    "      --parallel N          requests decoded together in one batch (default 4, max 64)\n"
    "      --batch-window-ms MS  idle server: wait this long to batch a burst (default 5)\n"
    "  -c, --ctx N               context per request (default: model's, at most 4096)\n"
    "  -t, --threads N           worker threads (default: all cores)\n"
    "      --kv-budget-mb MB     KV cache budget; requests beyond it get 429 + Retry-After\n"
    "                            (default: --parallel full contexts)\n"
    "      --max-queue N         admitted requests waiting for a slot (default 64; more: 429)\n"
    "      --api-key-file PATH   require 'Authorization: Bearer KEY' (one key or sha256:HEX\n"
    "                            per line; kept only as SHA-256, compared in constant time)\n"
    "      --tls-cert PEM, --tls-key PEM   serve HTTPS (TLS 1.3 only)\n"
    "      --cors-origin ORIGIN  allow browser calls from ORIGIN (default: CORS off)\n"
    "      --timeout S           seconds to receive a request or send a response (default 30)\n"
    "      --idle-timeout S      keep-alive idle seconds (default 60)\n"
    "      --max-body-kb N       request body limit (default 4096)\n"
    "      --max-prompt-kb N     prompt / message text limit (default 1024)\n"
    "      --max-connections N   open connections (default 128; more are answered 503)\n"
    "      --log-content         log prompts and outputs (never logged otherwise)\n"
    "      --quiet               no access log\n";

struct ServeOptions {
  std::string model, alias, chat_template;
  server::EngineOptions engine;
  server::HttpServerOptions http;
  server::RequestLimits limits;
  std::string api_key_file;
};

std::string parse(const std::vector<std::string>& argv, ServeOptions* o) {
  Args a(argv,
         {"-m",
          "--model",
          "--alias",
          "--chat-template",
          "--host",
          "--port",
          "--parallel",
          "--batch-window-ms",
          "-c",
          "--ctx",
          "-t",
          "--threads",
          "--kv-budget-mb",
          "--max-queue",
          "--api-key-file",
          "--tls-cert",
          "--tls-key",
          "--cors-origin",
          "--timeout",
          "--idle-timeout",
          "--max-body-kb",
          "--max-prompt-kb",
          "--max-connections"},
         {"--log-content", "--quiet", "--help", "-h"});
  if (!a.ok()) return a.error();
  if (a.has("--help") || a.has("-h")) return "help";
  if (!a.positional().empty()) return "unexpected argument '" + a.positional()[0] + "'";
  o->model = a.get({"-m", "--model"});
  o->alias = a.get({"--alias"});
  o->chat_template = a.get({"--chat-template"});
  o->http.host = a.get({"--host"}, "127.0.0.1");
  const int64_t port = a.get_int({"--port"}, 8080);
  o->engine.parallel = static_cast<int32_t>(a.get_int({"--parallel"}, 4));
  o->engine.batch_window_ms = static_cast<int32_t>(a.get_int({"--batch-window-ms"}, 5));
  o->engine.n_ctx = static_cast<int32_t>(a.get_int({"-c", "--ctx"}, 0));
  o->engine.n_threads = static_cast<int32_t>(a.get_int({"-t", "--threads"}, 0));
  const int64_t kv_mb = a.get_int({"--kv-budget-mb"}, 0);
  o->engine.max_queue = static_cast<int32_t>(a.get_int({"--max-queue"}, 64));
  o->api_key_file = a.get({"--api-key-file"});
  o->http.tls_cert = a.get({"--tls-cert"});
  o->http.tls_key = a.get({"--tls-key"});
  o->http.cors_origin = a.get({"--cors-origin"});
  const int64_t timeout = a.get_int({"--timeout"}, 30);
  const int64_t idle = a.get_int({"--idle-timeout"}, 60);
  const int64_t body_kb = a.get_int({"--max-body-kb"}, 4096);
  const int64_t prompt_kb = a.get_int({"--max-prompt-kb"}, 1024);
  const int64_t conns = a.get_int({"--max-connections"}, 128);
  o->http.log_content = a.has("--log-content");
  o->http.log_requests = !a.has("--quiet");
  if (!a.ok()) return a.error();
  if (o->model.empty()) return "no model given: pass -m MODEL.gguf";
  if (port < 0 || port > 65535) return "--port must be in 0..65535";
  if (kv_mb < 0 || kv_mb > (int64_t{1} << 30)) return "--kv-budget-mb must be >= 0";
  if (timeout < 1 || timeout > 86400 || idle < 1 || idle > 86400) {
    return "--timeout and --idle-timeout must be in 1..86400 seconds";
  }
  if (body_kb < 1 || body_kb > 1024 * 1024 || prompt_kb < 1 || prompt_kb > 1024 * 1024) {
    return "--max-body-kb and --max-prompt-kb must be in 1..1048576";
  }
  if (conns < 1 || conns > 100000) return "--max-connections must be in 1..100000";
  o->http.port = static_cast<uint16_t>(port);
  o->engine.kv_budget_bytes = static_cast<uint64_t>(kv_mb) << 20;
  o->http.read_timeout_s = o->http.write_timeout_s = static_cast<int>(timeout);
  o->http.idle_timeout_s = static_cast<int>(idle);
  o->http.max_body_bytes = static_cast<size_t>(body_kb) << 10;
  o->limits.max_body_bytes = o->http.max_body_bytes;
  o->limits.max_prompt_bytes = static_cast<size_t>(prompt_kb) << 10;
  o->http.max_connections = static_cast<int>(conns);
  if (o->alias.empty()) o->alias = std::filesystem::path(o->model).stem().string();
  return "";
}

}  // namespace

int cmd_serve(const std::vector<std::string>& args) {
  ServeOptions o;
  const std::string err = parse(args, &o);
  if (err == "help") {
    std::fputs(kHelp, stdout);
    return 0;
  }
  if (!err.empty()) return fail("serve", err + "\n\n" + kHelp);

  server::ApiKeys keys;
  if (!o.api_key_file.empty()) {
    auto k = server::ApiKeys::load(o.api_key_file);
    if (!k.is_ok()) return fail("serve", k.status().message());
    keys = std::move(k).value();
  }
  // Signals are taken by sigwait() below; block them before any thread starts.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  server::Metrics metrics(o.engine.parallel);
  server::ServiceOptions so;
  so.model_id = o.alias;
  so.limits = o.limits;
  so.api_keys = &keys;
  server::Service service(so, &metrics);  // chat_template is set once the model is loaded
  auto http = server::HttpServer::create(o.http, &service);
  if (!http.is_ok()) return fail("serve", http.status().message());
  std::unique_ptr<server::HttpServer> srv = std::move(http).value();
  std::fprintf(stderr, "slim serve: listening on %s://%s:%u (model %s loading)\n",
               srv->tls() ? "https" : "http", o.http.host.c_str(), srv->port(), o.alias.c_str());
  std::thread runner([&] { (void)srv->run(); });

  auto model = Model::load(o.model);
  std::unique_ptr<server::Engine> engine;
  int rc = 0;
  if (!model.is_ok()) {
    rc = fail("serve", model.status().to_string());
  } else {
    std::string note;
    auto tmpl = server::choose_chat_template(*model.value(), o.chat_template, &note);
    auto e = server::Engine::create(model.value(), o.engine, &metrics);
    if (!tmpl.is_ok()) {
      rc = fail("serve", tmpl.status().message());
    } else if (!e.is_ok()) {
      rc = fail("serve", e.status().message());
    } else {
      if (!note.empty()) std::fprintf(stderr, "slim serve: note: %s\n", note.c_str());
      engine = std::move(e).value();
      service.set_engine(engine.get(), tmpl.value());
      std::fprintf(
          stderr, "slim serve: ready: %s, context %d, parallel %d, KV budget %.1f MiB%s%s\n",
          o.alias.c_str(), engine->n_ctx(), o.engine.parallel,
          static_cast<double>(engine->kv_budget_bytes()) / (1 << 20),
          keys.empty() ? "" : ", API keys required", o.http.cors_origin.empty() ? "" : ", CORS on");
      int sig = 0;
      sigwait(&sigs, &sig);
      std::fprintf(stderr, "slim serve: signal %d, shutting down\n", sig);
    }
  }
  srv->stop();
  runner.join();
  service.set_engine(nullptr);
  engine.reset();
  return rc;
}

}  // namespace slim::cli
