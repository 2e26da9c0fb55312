// Routing and request handling for `slim serve`, independent of the HTTP library.
#include "server/service.hpp"

#include <ctime>

#include "core/json.hpp"
#include "server/chat_prompt.hpp"
#include "server/static_assets.hpp"

namespace slim::server {

namespace {

constexpr const char* kCompletions = "/v1/completions";
constexpr const char* kChat = "/v1/chat/completions";

ApiError make_error(int status, std::string type, std::string message, std::string code = {}) {
  ApiError e;
  e.http_status = status;
  e.type = std::move(type);
  e.message = std::move(message);
  e.code = std::move(code);
  return e;
}

HttpResponse json_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace

Service::Service(ServiceOptions options, Metrics* metrics)
    : opt_(std::move(options)),
      metrics_(metrics),
      created_(static_cast<int64_t>(std::time(nullptr))),
      rng_(std::random_device{}()) {}

HttpResponse Service::error_response(const ApiError& e) {
  HttpResponse r = json_response(e.http_status, error_json(e));
  if (e.retry_after_s > 0) r.headers.emplace_back("Retry-After", std::to_string(e.retry_after_s));
  return r;
}

bool Service::is_generation_route(const std::string& path) {
  return path == kCompletions || path == kChat;
}

bool Service::authorized(const std::string& authorization) const {
  if (opt_.api_keys == nullptr || opt_.api_keys->empty()) return true;
  return opt_.api_keys->check_bearer(authorization);
}

std::string Service::new_id(const char* prefix) {
  std::lock_guard<std::mutex> lock(rng_mu_);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s%016llx%08llx", prefix, static_cast<unsigned long long>(rng_()),
                static_cast<unsigned long long>(rng_() & 0xffffffffu));
  return buf;
}

Service::Routed Service::handle(const HttpRequest& req) {
  Routed out;
  const std::string& p = req.path;
  const bool known = p == "/" || p == "/index.html" || p == "/health" || p == "/metrics" ||
                     p == "/v1/models" || is_generation_route(p);
  out.route = known ? (p == "/index.html" ? "/" : p) : "other";
  if (!known) {
    out.response = error_response(
        make_error(404, "invalid_request_error",
                   "no such endpoint: " + req.method + " " + json::quote(p, 128), "not_found"));
    return out;
  }
  const bool post = is_generation_route(p);
  if (req.method != (post ? "POST" : "GET") && !(req.method == "HEAD" && !post)) {
    out.response = error_response(make_error(
        405, "invalid_request_error",
        req.method + " is not allowed on " + p + " (use " + (post ? "POST" : "GET") + ")",
        "method_not_allowed"));
    out.response.headers.emplace_back("Allow", post ? "POST" : "GET, HEAD");
    return out;
  }
  if (out.route == "/") {
    out.response.content_type = "text/html; charset=utf-8";
    out.response.body = std::string(chat_page_html());
    return out;
  }
  Engine* engine = engine_.load(std::memory_order_acquire);
  if (p == "/health") {
    out.response = json_response(engine ? 200 : 503,
                                 engine ? R"({"status":"ok"})" : R"({"status":"loading"})");
    return out;
  }
  if (!authorized(req.authorization)) {
    out.response = error_response(make_error(
        401, "invalid_request_error",
        "missing or invalid API key: send 'Authorization: Bearer KEY'", "invalid_api_key"));
    out.response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return out;
  }
  if (p == "/metrics") {
    out.response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    out.response.body = metrics_->render();
    return out;
  }
  if (p == "/v1/models") {
    out.response = json_response(200, models_json(opt_.model_id, created_));
    return out;
  }
  Routed g = start_generation(p, req.body, req.arrival);
  g.route = out.route;
  return g;
}

Service::Routed Service::start_generation(const std::string& path, const std::string& body,
                                          std::chrono::steady_clock::time_point arrival) {
  Routed out;
  out.route = path;
  Engine* engine = engine_.load(std::memory_order_acquire);
  if (engine == nullptr) {
    ApiError e = make_error(503, "server_error", "the model is still loading; retry shortly");
    e.retry_after_s = 1;
    out.response = error_response(e);
    return out;
  }
  const Endpoint ep = path == kChat ? Endpoint::kChatCompletions : Endpoint::kCompletions;
  ParseResult parsed = parse_request(ep, body, opt_.limits);
  if (parsed.error) {
    out.response = error_response(*parsed.error);
    return out;
  }
  CompletionRequest& r = parsed.request;
  if (!r.model.empty() && r.model != opt_.model_id) {
    ApiError e =
        make_error(404, "invalid_request_error",
                   "the model " + json::quote(r.model, 128) +
                       " does not exist; this server serves " + json::quote(opt_.model_id, 128),
                   "model_not_found");
    e.param = "model";
    out.response = error_response(e);
    return out;
  }
  const Model& model = engine->model();
  EngineRequest er;
  er.arrival = arrival;
  if (ep == Endpoint::kChatCompletions) {
    Result<std::string> text = render_chat_prompt(model, r.messages, chat_template_);
    if (!text.is_ok()) {
      out.response = error_response(bad_request(text.status().message(), "messages"));
      return out;
    }
    Result<std::vector<int32_t>> ids = model.tokenize(*text, model.add_bos_default(), true);
    if (!ids.is_ok()) {
      out.response = error_response(bad_request(ids.status().message(), "messages"));
      return out;
    }
    er.prompt = std::move(ids).value();
  } else if (r.prompt_is_ids) {
    const int32_t n_vocab = model.info().n_vocab;
    for (size_t i = 0; i < r.prompt_ids.size(); ++i) {
      if (r.prompt_ids[i] >= n_vocab) {
        out.response = error_response(bad_request(
            "'prompt[" + std::to_string(i) + "]' = " + std::to_string(r.prompt_ids[i]) +
                " is not a token id (the vocabulary has " + std::to_string(n_vocab) + ")",
            "prompt"));
        return out;
      }
    }
    er.prompt = std::move(r.prompt_ids);
  } else {
    Result<std::vector<int32_t>> ids = model.tokenize(r.prompt, model.add_bos_default(), false);
    if (!ids.is_ok()) {
      out.response = error_response(bad_request(ids.status().message(), "prompt"));
      return out;
    }
    er.prompt = std::move(ids).value();
  }
  er.params = r.params;
  if (!r.seed_given) {
    std::lock_guard<std::mutex> lock(rng_mu_);
    er.params.seed = rng_();
  }
  er.params.max_tokens =
      r.max_tokens ? *r.max_tokens
                   : (ep == Endpoint::kCompletions ? opt_.completions_default_max_tokens : -1);
  Admission adm = engine->submit(std::move(er));
  if (adm.error) {
    out.response = error_response(*adm.error);
    return out;
  }
  Generation g;
  g.task = adm.task;
  g.meta.endpoint = ep;
  g.meta.id = new_id(ep == Endpoint::kChatCompletions ? "chatcmpl-" : "cmpl-");
  g.meta.created = static_cast<int64_t>(std::time(nullptr));
  g.meta.model = opt_.model_id;
  g.stream = r.stream;
  g.include_usage = r.include_usage;
  g.arrival = arrival;
  out.generation = std::move(g);
  return out;
}

std::vector<std::string> ChunkStream::on_event(const TaskEvent& e) {
  std::vector<std::string> out;
  if (!started_ && g_.meta.endpoint == Endpoint::kChatCompletions) {
    out.push_back(chunk_json(g_.meta, "", nullptr, true));
  }
  started_ = true;
  if (!e.error.empty()) {
    out.push_back(error_json(make_error(500, "server_error", "generation failed: " + e.error)));
    return out;
  }
  if (!e.text.empty()) out.push_back(chunk_json(g_.meta, e.text, nullptr));
  if (e.done) {
    completion_tokens_ = e.completion_tokens;
    out.push_back(chunk_json(g_.meta, "", finish_reason_name(e.reason)));
    if (g_.include_usage) {
      out.push_back(usage_chunk_json(g_.meta, Usage{e.prompt_tokens, e.completion_tokens}));
    }
  }
  return out;
}

std::optional<HttpResponse> ResponseCollector::on_event(const TaskEvent& e) {
  text_ += e.text;
  if (!e.done) return std::nullopt;
  if (!e.error.empty()) {
    return Service::error_response(
        make_error(500, "server_error", "generation failed: " + e.error));
  }
  return json_response(
      200, completion_json(g_.meta, text_, e.reason, Usage{e.prompt_tokens, e.completion_tokens}));
}

}  // namespace slim::server
