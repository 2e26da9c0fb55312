// extern "C" wrappers over the C++ API. No exception crosses this boundary.
#include "slim/slim.h"

#include <new>
#include <string>

#include "slim/model.hpp"
#include "slim/session.hpp"

struct slim_model {
  std::shared_ptr<const slim::Model> model;
};

struct slim_session {
  std::unique_ptr<slim::Session> session;
};

namespace {

thread_local std::string g_last_error;

slim_status set_error(const slim::Status& st) {
  g_last_error = st.message();
  return static_cast<slim_status>(st.code());
}

slim_status invalid(const char* what) {
  g_last_error = what;
  return SLIM_ERR_INVALID_ARGUMENT;
}

// Runs f, turning any escaped exception into a status (they should not happen).
template <typename F>
slim_status guarded(F&& f) {
  try {
    g_last_error.clear();
    return f();
  } catch (const std::bad_alloc&) {
    g_last_error = "out of memory";
    return SLIM_ERR_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    g_last_error = std::string("internal error: ") + e.what();
    return SLIM_ERR_INTERNAL;
  } catch (...) {
    g_last_error = "internal error";
    return SLIM_ERR_INTERNAL;
  }
}

slim_status wrap_model(slim::Result<std::shared_ptr<const slim::Model>> r, slim_model** out) {
  if (!r) return set_error(r.status());
  *out = new slim_model{std::move(r).value()};
  return SLIM_OK;
}

}  // namespace

extern "C" {

const char* slim_version(void) {
  return "0.1.0";
}
const char* slim_last_error(void) {
  return g_last_error.c_str();
}
const char* slim_status_name(slim_status s) {
  if (s == SLIM_ERR_BUFFER_TOO_SMALL) return "buffer_too_small";
  return slim::status_code_name(static_cast<slim::StatusCode>(s));
}

slim_session_params slim_session_default_params(void) {
  const slim::SessionParams d;
  return {d.n_ctx, d.n_threads, d.n_batch};
}

slim_generation_params slim_generation_default_params(void) {
  const slim::GenerationParams d;
  return {d.max_tokens,
          d.temperature,
          d.top_k,
          d.top_p,
          d.min_p,
          d.repeat_penalty,
          d.repeat_last_n,
          d.frequency_penalty,
          d.presence_penalty,
          d.seed,
          nullptr,
          d.stop_at_eos};
}

slim_status slim_model_load(const char* path, slim_model** out) {
  if (path == nullptr || out == nullptr) return invalid("slim_model_load: null argument");
  *out = nullptr;
  return guarded([&] { return wrap_model(slim::Model::load(path), out); });
}

slim_status slim_model_load_from_memory(const void* data, size_t size, slim_model** out) {
  if (data == nullptr || out == nullptr)
    return invalid("slim_model_load_from_memory: null argument");
  *out = nullptr;
  return guarded([&] {
    return wrap_model(slim::Model::load_from_memory(static_cast<const uint8_t*>(data), size), out);
  });
}

void slim_model_free(slim_model* model) {
  delete model;
}
int32_t slim_model_n_vocab(const slim_model* m) {
  return m ? m->model->info().n_vocab : 0;
}
int32_t slim_model_n_ctx_train(const slim_model* m) {
  return m ? m->model->info().n_ctx_train : 0;
}
int32_t slim_model_bos(const slim_model* m) {
  return m ? m->model->info().bos_id : -1;
}
int32_t slim_model_eos(const slim_model* m) {
  return m ? m->model->info().eos_id : -1;
}

slim_status slim_tokenize(const slim_model* model, const char* text, size_t text_len, bool add_bos,
                          bool parse_special, int32_t* out, size_t capacity, size_t* n_out) {
  if (model == nullptr || (text == nullptr && text_len != 0) || n_out == nullptr) {
    return invalid("slim_tokenize: null argument");
  }
  return guarded([&] {
    auto ids = model->model->tokenize(std::string_view(text ? text : "", text_len), add_bos,
                                      parse_special);
    if (!ids) return set_error(ids.status());
    *n_out = ids->size();
    if (ids->size() > capacity || (out == nullptr && !ids->empty())) {
      g_last_error = "slim_tokenize: output holds " + std::to_string(capacity) + " ids, " +
                     std::to_string(ids->size()) + " needed";
      return SLIM_ERR_BUFFER_TOO_SMALL;
    }
    std::copy(ids->begin(), ids->end(), out);
    return SLIM_OK;
  });
}

slim_status slim_session_new(const slim_model* model, const slim_session_params* params,
                             slim_session** out) {
  if (model == nullptr || out == nullptr) return invalid("slim_session_new: null argument");
  *out = nullptr;
  return guarded([&] {
    slim::SessionParams p;
    if (params != nullptr) p = {params->n_ctx, params->n_threads, params->n_batch};
    auto s = slim::Session::create(model->model, p);
    if (!s) return set_error(s.status());
    *out = new slim_session{std::move(s).value()};
    return SLIM_OK;
  });
}

void slim_session_free(slim_session* session) {
  delete session;
}

slim_status slim_session_eval(slim_session* session, const int32_t* tokens, size_t n_tokens) {
  if (session == nullptr || (tokens == nullptr && n_tokens != 0))
    return invalid("slim_session_eval: null argument");
  return guarded([&] {
    const slim::Status st = session->session->eval(std::vector<int32_t>(tokens, tokens + n_tokens));
    return st ? SLIM_OK : set_error(st);
  });
}

const float* slim_session_logits(const slim_session* s) {
  return s ? s->session->logits() : nullptr;
}
int32_t slim_session_n_past(const slim_session* s) {
  return s ? s->session->n_past() : 0;
}
void slim_session_reset(slim_session* s) {
  if (s) s->session->reset();
}

slim_status slim_generate(slim_session* session, const int32_t* prompt, size_t n_prompt,
                          const slim_generation_params* params, slim_text_callback callback,
                          void* user_data, int32_t* out_tokens, size_t capacity, size_t* n_out) {
  if (session == nullptr || (prompt == nullptr && n_prompt != 0))
    return invalid("slim_generate: null argument");
  return guarded([&] {
    const slim_generation_params c = params ? *params : slim_generation_default_params();
    slim::GenerationParams g;
    g.max_tokens = c.max_tokens;
    g.temperature = c.temperature;
    g.top_k = c.top_k;
    g.top_p = c.top_p;
    g.min_p = c.min_p;
    g.repeat_penalty = c.repeat_penalty;
    g.repeat_last_n = c.repeat_last_n;
    g.frequency_penalty = c.frequency_penalty;
    g.presence_penalty = c.presence_penalty;
    g.seed = c.seed;
    if (c.stop != nullptr && c.stop[0] != '\0') g.stop.emplace_back(c.stop);
    g.stop_at_eos = c.stop_at_eos;
    slim::TokenCallback cb;
    if (callback != nullptr) {
      cb = [&](int32_t id, const std::string& text) {
        return callback(id, text.data(), text.size(), user_data);
      };
    }
    auto r = session->session->generate(std::vector<int32_t>(prompt, prompt + n_prompt), g, cb);
    if (!r) return set_error(r.status());
    const size_t n = std::min(capacity, r->tokens.size());
    if (out_tokens != nullptr)
      std::copy(r->tokens.begin(), r->tokens.begin() + static_cast<std::ptrdiff_t>(n), out_tokens);
    if (n_out != nullptr) *n_out = r->tokens.size();
    return SLIM_OK;
  });
}

}  // extern "C"
