// Request body validation: every field checked for type and range before use.
#include "server/request.hpp"

#include <cmath>
#include <limits>

#include "core/json.hpp"
#include "sampling/stop_strings.hpp"

namespace slim::server {

namespace {

using json::Value;

std::string num(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", d);
  return buf;
}

// Reads typed, range-checked fields of the request object; the first error is kept.
class Fields {
 public:
  explicit Fields(const Value& obj) : obj_(obj) {}

  bool failed() const { return error_.has_value(); }
  std::optional<ApiError> take_error() { return std::move(error_); }
  void fail(std::string message, std::string param) {
    if (!error_) error_ = bad_request(std::move(message), std::move(param));
  }
  // The member, or nullptr when absent or JSON null (OpenAI treats null as "not given").
  const Value* get(std::string_view key) const {
    const Value* v = obj_.find(key);
    return v == nullptr || v->is_null() ? nullptr : v;
  }

  void number(std::string_view key, double lo, double hi, float* out) {
    const Value* v = get(key);
    if (v == nullptr) return;
    const std::string k(key);
    if (!v->is_number()) return fail("'" + k + "' must be a number, got " + v->type_name(), k);
    const double d = v->as_double();
    if (!std::isfinite(d) || d < lo || d > hi) {
      return fail("'" + k + "' must be between " + num(lo) + " and " + num(hi) + ", got " + num(d),
                  k);
    }
    *out = static_cast<float>(d);
  }

  bool integer(std::string_view key, int64_t lo, int64_t hi, int64_t* out) {
    const Value* v = get(key);
    if (v == nullptr) return false;
    const std::string k(key);
    if (!v->is_number() || !v->is_integer()) {
      fail(
          "'" + k + "' must be an integer, got " + (v->is_number() ? "a fraction" : v->type_name()),
          k);
      return false;
    }
    if (!v->get_int(lo, hi, out)) {
      fail("'" + k + "' must be between " + std::to_string(lo) + " and " + std::to_string(hi), k);
      return false;
    }
    return true;
  }

  void boolean(std::string_view key, bool* out) {
    const Value* v = get(key);
    if (v == nullptr) return;
    const std::string k(key);
    if (!v->is_bool()) return fail("'" + k + "' must be a boolean, got " + v->type_name(), k);
    *out = v->as_bool();
  }

  // Fields this server cannot honour: accepted only with their neutral value.
  void only_neutral(std::string_view key, const char* what) {
    const Value* v = get(key);
    if (v == nullptr) return;
    const std::string k(key);
    bool neutral = false;
    if (v->is_bool()) neutral = !v->as_bool();
    int64_t i = 0;
    if (v->is_number() && v->get_int(0, 1, &i))
      neutral = (k == "n" || k == "best_of") ? i == 1 : i == 0;
    if ((v->is_object() || v->is_array()) && v->size() == 0) neutral = true;
    if (v->is_string() && v->str().empty()) neutral = true;
    if (!neutral) fail(std::string("'") + k + "' is not supported: " + what, k);
  }

 private:
  const Value& obj_;
  std::optional<ApiError> error_;
};

void parse_stop(Fields& f, const RequestLimits& limits, std::vector<std::string>* out) {
  const Value* v = f.get("stop");
  if (v == nullptr) return;
  auto add = [&](const Value& s, const std::string& where) {
    if (!s.is_string()) return f.fail("'" + where + "' must be a string", "stop");
    if (s.str().empty()) return f.fail("'" + where + "' must not be empty", "stop");
    if (s.str().size() > kMaxStopStringLength) {
      return f.fail(
          "'" + where + "' is longer than " + std::to_string(kMaxStopStringLength) + " bytes",
          "stop");
    }
    out->push_back(s.str());
  };
  if (v->is_string()) return add(*v, "stop");
  if (!v->is_array()) return f.fail("'stop' must be a string or an array of strings", "stop");
  if (v->size() > limits.max_stop) {
    return f.fail("'stop' has " + std::to_string(v->size()) + " entries, at most " +
                      std::to_string(limits.max_stop) + " are allowed",
                  "stop");
  }
  for (size_t i = 0; i < v->size() && !f.failed(); ++i) add(v->at(i), json::index_path("stop", i));
}

void parse_sampling(Fields& f, const RequestLimits& limits, CompletionRequest* r) {
  GenerationParams& p = r->params;
  f.number("temperature", 0.0, 2.0, &p.temperature);
  f.number("top_p", 0.0, 1.0, &p.top_p);
  f.number("min_p", 0.0, 1.0, &p.min_p);
  f.number("presence_penalty", -2.0, 2.0, &p.presence_penalty);
  f.number("frequency_penalty", -2.0, 2.0, &p.frequency_penalty);
  f.number("repeat_penalty", 0.01, 10.0, &p.repeat_penalty);
  int64_t i = 0;
  if (f.integer("top_k", 0, 1 << 20, &i)) p.top_k = static_cast<int32_t>(i);
  if (f.integer("repeat_last_n", -1, 1 << 20, &i)) p.repeat_last_n = static_cast<int32_t>(i);
  if (f.integer("seed", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                &i)) {
    p.seed = static_cast<uint64_t>(i);
    r->seed_given = true;
  }
  const char* tokens_key =
      r->endpoint == Endpoint::kChatCompletions && f.get("max_completion_tokens") != nullptr
          ? "max_completion_tokens"
          : "max_tokens";
  if (f.integer(tokens_key, 0, limits.max_tokens_cap, &i)) r->max_tokens = static_cast<int32_t>(i);
  f.boolean("stream", &r->stream);
  if (const Value* so = f.get("stream_options")) {
    if (!so->is_object()) return f.fail("'stream_options' must be an object", "stream_options");
    const Value* iu = so->find("include_usage");
    if (iu != nullptr && !iu->is_null()) {
      if (!iu->is_bool()) {
        return f.fail("'stream_options.include_usage' must be a boolean", "stream_options");
      }
      r->include_usage = iu->as_bool();
    }
  }
  bool ignore_eos = false;
  f.boolean("ignore_eos", &ignore_eos);
  p.stop_at_eos = !ignore_eos;
  parse_stop(f, limits, &p.stop);
  f.only_neutral("n", "only n = 1 is served");
  f.only_neutral("best_of", "only best_of = 1 is served");
  f.only_neutral("logprobs", "log probabilities are not returned");
  f.only_neutral("top_logprobs", "log probabilities are not returned");
  f.only_neutral("echo", "the prompt is not echoed");
  f.only_neutral("logit_bias", "logit bias is not implemented");
  f.only_neutral("suffix", "insertion (suffix) is not implemented");
  f.only_neutral("tools", "tool calls are not implemented");
  f.only_neutral("functions", "function calls are not implemented");
}

void parse_prompt(Fields& f, const RequestLimits& limits, CompletionRequest* r) {
  const Value* v = f.get("prompt");
  if (v == nullptr) return f.fail("'prompt' is required", "prompt");
  const Value* text = v;
  if (v->is_array()) {
    if (v->size() == 0) return f.fail("'prompt' must not be an empty array", "prompt");
    if (v->at(0).is_number()) {  // token ids
      if (v->size() > limits.max_prompt_ids) {
        return f.fail("'prompt' has " + std::to_string(v->size()) + " token ids, at most " +
                          std::to_string(limits.max_prompt_ids) + " are allowed",
                      "prompt");
      }
      r->prompt_is_ids = true;
      r->prompt_ids.reserve(v->size());
      for (size_t i = 0; i < v->size(); ++i) {
        int64_t id = 0;
        if (!v->at(i).get_int(0, std::numeric_limits<int32_t>::max(), &id)) {
          return f.fail(
              "'" + json::index_path("prompt", i) + "' must be a token id (an integer >= 0)",
              "prompt");
        }
        r->prompt_ids.push_back(static_cast<int32_t>(id));
      }
      return;
    }
    if (v->size() != 1) {
      return f.fail(
          "'prompt' holds " + std::to_string(v->size()) + " prompts; one request serves one prompt",
          "prompt");
    }
    text = &v->at(0);
  }
  if (!text->is_string()) {
    return f.fail("'prompt' must be a string, an array of one string or an array of token ids",
                  "prompt");
  }
  if (text->str().size() > limits.max_prompt_bytes) {
    return f.fail("'prompt' is " + std::to_string(text->str().size()) + " bytes, at most " +
                      std::to_string(limits.max_prompt_bytes) + " are allowed",
                  "prompt");
  }
  r->prompt = text->str();
}

// "content": a string, or an array of {"type": "text", "text": ...} parts (joined).
bool message_content(Fields& f, const Value& c, const std::string& where, std::string* out) {
  if (c.is_string()) {
    *out = c.str();
    return true;
  }
  if (!c.is_array()) {
    f.fail("'" + where + "' must be a string or an array of text parts", "messages");
    return false;
  }
  for (size_t i = 0; i < c.size(); ++i) {
    const std::string part = json::index_path(where, i);
    const Value& p = c.at(i);
    const Value* type = p.find("type");
    const Value* text = p.find("text");
    if (!p.is_object() || type == nullptr || !type->is_string()) {
      f.fail("'" + part + "' must be an object with a 'type'", "messages");
      return false;
    }
    if (type->str() != "text") {
      f.fail(
          "'" + part + "' has type " + json::quote(type->str()) + "; only text parts are supported",
          "messages");
      return false;
    }
    if (text == nullptr || !text->is_string()) {
      f.fail("'" + part + ".text' must be a string", "messages");
      return false;
    }
    *out += text->str();
  }
  return true;
}

void parse_messages(Fields& f, const RequestLimits& limits, CompletionRequest* r) {
  const Value* v = f.get("messages");
  if (v == nullptr) return f.fail("'messages' is required", "messages");
  if (!v->is_array()) return f.fail("'messages' must be an array", "messages");
  if (v->size() == 0) return f.fail("'messages' must not be empty", "messages");
  if (v->size() > limits.max_messages) {
    return f.fail("'messages' has " + std::to_string(v->size()) + " entries, at most " +
                      std::to_string(limits.max_messages) + " are allowed",
                  "messages");
  }
  size_t total = 0;
  for (size_t i = 0; i < v->size(); ++i) {
    const std::string where = json::index_path("messages", i);
    const Value& m = v->at(i);
    if (!m.is_object()) return f.fail("'" + where + "' must be an object", "messages");
    const Value* role = m.find("role");
    if (role == nullptr || !role->is_string()) {
      return f.fail("'" + where + ".role' must be a string", "messages");
    }
    const std::string& rs = role->str();
    if (rs != "system" && rs != "developer" && rs != "user" && rs != "assistant" && rs != "tool") {
      return f.fail("'" + where + ".role' is " + json::quote(rs) +
                        "; expected system, developer, user, assistant or tool",
                    "messages");
    }
    ChatMessage msg;
    msg.role = rs;
    const Value* content = m.find("content");
    if (content == nullptr || content->is_null()) {
      return f.fail("'" + where + ".content' is required", "messages");
    }
    if (!message_content(f, *content, where + ".content", &msg.content)) return;
    total += msg.content.size();
    if (total > limits.max_prompt_bytes) {
      return f.fail("the messages hold more than " + std::to_string(limits.max_prompt_bytes) +
                        " bytes of content",
                    "messages");
    }
    r->messages.push_back(std::move(msg));
  }
}

}  // namespace

ParseResult parse_request(Endpoint endpoint, std::string_view body, const RequestLimits& limits) {
  ParseResult out;
  out.request.endpoint = endpoint;
  if (body.size() > limits.max_body_bytes) {
    ApiError e = bad_request("request body is " + std::to_string(body.size()) + " bytes, at most " +
                             std::to_string(limits.max_body_bytes) + " are allowed");
    e.http_status = 413;
    out.error = std::move(e);
    return out;
  }
  json::Limits jl;
  jl.max_bytes = limits.max_body_bytes;
  jl.max_depth = 16;
  jl.max_values = 1 << 20;
  Result<Value> doc = json::parse(body, "request body", jl);
  if (!doc.is_ok()) {
    out.error = bad_request("invalid JSON: " + doc.status().message());
    return out;
  }
  if (!doc->is_object()) {
    out.error =
        bad_request(std::string("the request body must be a JSON object, got ") + doc->type_name());
    return out;
  }
  Fields f(*doc);
  if (const Value* model = f.get("model")) {
    if (!model->is_string()) {
      f.fail("'model' must be a string", "model");
    } else {
      out.request.model = model->str();
    }
  }
  if (!f.failed()) {
    if (endpoint == Endpoint::kCompletions) {
      parse_prompt(f, limits, &out.request);
    } else {
      parse_messages(f, limits, &out.request);
    }
  }
  if (!f.failed()) parse_sampling(f, limits, &out.request);
  out.error = f.take_error();
  return out;
}

}  // namespace slim::server
