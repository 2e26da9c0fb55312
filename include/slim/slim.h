/* libslim C API.
 *
 * Conventions: opaque handles; *_default_params() give sane defaults; every fallible call
 * returns slim_status and, on failure, slim_last_error() (per thread) says what was wrong
 * and where. No call aborts or throws on bad input.
 *
 * Thread safety: a slim_model is immutable and may be shared by any number of sessions on
 * any threads. A slim_session must be used by one thread at a time.
 */
#ifndef SLIM_SLIM_H
#define SLIM_SLIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Same values as slim::StatusCode. */
typedef enum slim_status {
  SLIM_OK = 0,
  SLIM_ERR_INVALID_ARGUMENT = 1,
  SLIM_ERR_NOT_FOUND = 2,
  SLIM_ERR_IO = 3,
  SLIM_ERR_CORRUPT_FILE = 4,
  SLIM_ERR_UNSUPPORTED = 5,
  SLIM_ERR_CONTEXT_FULL = 6,
  SLIM_ERR_OUT_OF_MEMORY = 7,
  SLIM_ERR_INTERNAL = 8,
  SLIM_ERR_CANCELLED = 9,
  SLIM_ERR_BUFFER_TOO_SMALL = 100
} slim_status;

typedef struct slim_model slim_model;
typedef struct slim_session slim_session;

typedef struct slim_session_params {
  int32_t n_ctx;     /* context window; 0 = model's training context, at most 4096 */
  int32_t n_threads; /* 0 = all cores */
  int32_t n_batch;   /* prompt tokens per forward step */
} slim_session_params;

typedef struct slim_generation_params {
  int32_t max_tokens; /* -1 = until the context is full */
  float temperature;  /* <= 0: greedy */
  int32_t top_k;
  float top_p;
  float min_p;
  float repeat_penalty;
  int32_t repeat_last_n;
  float frequency_penalty;
  float presence_penalty;
  uint64_t seed;
  const char* stop; /* one stop string or NULL */
  bool stop_at_eos;
} slim_generation_params;

/* Called with each piece of complete UTF-8 text (not NUL-terminated). Return false to stop. */
typedef bool (*slim_text_callback)(int32_t token, const char* text, size_t len, void* user_data);

const char* slim_version(void);
/* Message of the last failed call on this thread ("" if none). */
const char* slim_last_error(void);
const char* slim_status_name(slim_status status);

slim_session_params slim_session_default_params(void);
slim_generation_params slim_generation_default_params(void);

slim_status slim_model_load(const char* path, slim_model** out);
/* The buffer must outlive the model (e.g. a model decrypted into memory). */
slim_status slim_model_load_from_memory(const void* data, size_t size, slim_model** out);
void slim_model_free(slim_model* model);
int32_t slim_model_n_vocab(const slim_model* model);
int32_t slim_model_n_ctx_train(const slim_model* model);
int32_t slim_model_bos(const slim_model* model);
int32_t slim_model_eos(const slim_model* model);

/* Writes up to `capacity` ids to `out` and the total count to *n_out. If capacity is too
 * small, returns SLIM_ERR_BUFFER_TOO_SMALL with *n_out set to the size needed. */
slim_status slim_tokenize(const slim_model* model, const char* text, size_t text_len, bool add_bos,
                          bool parse_special, int32_t* out, size_t capacity, size_t* n_out);

slim_status slim_session_new(const slim_model* model, const slim_session_params* params,
                             slim_session** out);
void slim_session_free(slim_session* session);
slim_status slim_session_eval(slim_session* session, const int32_t* tokens, size_t n_tokens);
/* Logits of the last evaluated token (slim_model_n_vocab floats), or NULL before any eval. */
const float* slim_session_logits(const slim_session* session);
int32_t slim_session_n_past(const slim_session* session);
void slim_session_reset(slim_session* session);

/* Evaluates the prompt and generates; generated ids go to out_tokens (up to capacity;
 * *n_out is the number generated). Text streams through `callback` (may be NULL). */
slim_status slim_generate(slim_session* session, const int32_t* prompt, size_t n_prompt,
                          const slim_generation_params* params, slim_text_callback callback,
                          void* user_data, int32_t* out_tokens, size_t capacity, size_t* n_out);

#ifdef __cplusplus
}
#endif

#endif /* SLIM_SLIM_H */
