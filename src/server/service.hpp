// The HTTP-library-independent part of `slim serve`: routing, authentication, request
// validation, tokenization and submission to the Engine, and the formatting of generation
// events as OpenAI responses or stream chunks. The transport (http_server.cpp) only moves
// bytes: it hands a parsed HttpRequest to handle() and writes what comes back.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "server/api_keys.hpp"
#include "server/engine.hpp"
#include "server/metrics.hpp"
#include "server/openai_json.hpp"
#include "server/request.hpp"

namespace slim::server {

struct HttpRequest {
  std::string method;         // "GET", "POST" ...
  std::string path;           // without the query
  std::string authorization;  // the Authorization header ("" if absent)
  std::string body;
  std::chrono::steady_clock::time_point arrival = std::chrono::steady_clock::now();
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra (Retry-After ...)
};

// A generation in flight: the transport waits on task and formats events with ChunkStream
// (stream) or collects them into one response (finish_response).
struct Generation {
  std::shared_ptr<Task> task;
  ResponseMeta meta;
  bool stream = false;
  bool include_usage = false;
  std::chrono::steady_clock::time_point arrival;
};

struct ServiceOptions {
  std::string model_id;  // what /v1/models lists and requests may name
  RequestLimits limits;
  int32_t completions_default_max_tokens = 16;  // OpenAI's default for /v1/completions
  const ApiKeys* api_keys = nullptr;            // null or empty: no authentication
};

class Service {
 public:
  Service(ServiceOptions options, Metrics* metrics);

  // Until set, /health answers "loading" and generation endpoints 503. `chat_template` ("" =
  // the model's own, else a built-in name; see choose_chat_template) is published with it.
  // Call once with an engine (and with nullptr before destroying it).
  void set_engine(Engine* engine, std::string chat_template = {}) {
    if (engine != nullptr) chat_template_ = std::move(chat_template);
    engine_.store(engine, std::memory_order_release);
  }

  struct Routed {
    std::string route;      // metrics label: the matched route or "other"
    HttpResponse response;  // when no generation was started
    std::optional<Generation> generation;
  };
  Routed handle(const HttpRequest& req);

  // True if `path` is a generation endpoint (also reachable over WebSocket).
  static bool is_generation_route(const std::string& path);
  // Checks the Authorization header value (always true without keys).
  bool authorized(const std::string& authorization) const;
  // Starts a generation from a request body on a generation route (WebSocket messages).
  Routed start_generation(const std::string& path, const std::string& body,
                          std::chrono::steady_clock::time_point arrival);

  Metrics& metrics() { return *metrics_; }
  static HttpResponse error_response(const ApiError& e);

 private:
  std::string new_id(const char* prefix);

  ServiceOptions opt_;
  Metrics* metrics_;
  std::atomic<Engine*> engine_{nullptr};
  std::string chat_template_;  // written before engine_ is published, read after loading it
  int64_t created_ = 0;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;
};

// Formats the events of a streaming generation as chunk payloads (the JSON after "data: "
// in server-sent events, or one WebSocket message each). The terminating "[DONE]" is the
// transport's to send.
class ChunkStream {
 public:
  explicit ChunkStream(const Generation& g) : g_(g) {}
  // Payloads for one event, in order (a chat stream starts with a role chunk).
  std::vector<std::string> on_event(const TaskEvent& e);
  // Total completion tokens once done (for logs).
  int32_t completion_tokens() const { return completion_tokens_; }

 private:
  const Generation& g_;
  bool started_ = false;
  int32_t completion_tokens_ = 0;
};

// Collects a non-streaming generation's events; returns the response once the last arrived.
class ResponseCollector {
 public:
  explicit ResponseCollector(const Generation& g) : g_(g) {}
  std::optional<HttpResponse> on_event(const TaskEvent& e);

 private:
  const Generation& g_;
  std::string text_;
};

}  // namespace slim::server
