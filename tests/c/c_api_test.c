/* Proves slim.h compiles as C11 and that the C API generates the reference tokens.
 * Usage: slim_c_api_test MODEL.gguf  (exit 0 = pass). */
#include <stdio.h>
#include <string.h>

#include "slim/slim.h"

/* First 8 of the 64 reference ids in ../shared/README.md (greedy from BOS). */
static const int32_t kExpected[8] = {403, 407, 261, 378, 432, 383, 286, 261};

static bool count_text(int32_t token, const char* text, size_t len, void* user_data) {
  (void)token;
  (void)text;
  *(size_t*)user_data += len;
  return true;
}

#define CHECK(cond, what)                                        \
  do {                                                           \
    if (!(cond)) {                                               \
      fprintf(stderr, "FAIL %s: %s\n", what, slim_last_error()); \
      return 1;                                                  \
    }                                                            \
  } while (0)

int main(int argc, char** argv) {
  slim_model* model = NULL;
  slim_session* session = NULL;
  if (argc != 2) return 2;

  CHECK(slim_model_load("/nonexistent/model.gguf", &model) == SLIM_ERR_NOT_FOUND,
        "missing file is NOT_FOUND");
  CHECK(strstr(slim_last_error(), "/nonexistent/model.gguf") != NULL, "error names the file");
  CHECK(model == NULL, "no handle on failure");
  CHECK(slim_model_load(NULL, &model) == SLIM_ERR_INVALID_ARGUMENT, "null path rejected");

  CHECK(slim_model_load(argv[1], &model) == SLIM_OK, "load");
  CHECK(slim_model_n_vocab(model) == 512, "vocab size");

  int32_t ids[16];
  size_t n = 0;
  CHECK(slim_tokenize(model, "Once upon a time", 16, true, false, ids, 1, &n) ==
            SLIM_ERR_BUFFER_TOO_SMALL,
        "small buffer reported");
  CHECK(slim_tokenize(model, "Once upon a time", 16, true, false, ids, 16, &n) == SLIM_OK,
        "tokenize");
  CHECK(n > 1 && ids[0] == slim_model_bos(model), "BOS first");

  slim_session_params sp = slim_session_default_params();
  sp.n_threads = 2;
  CHECK(slim_session_new(model, &sp, &session) == SLIM_OK, "session");
  int32_t bad = 999999;
  CHECK(slim_session_eval(session, &bad, 1) == SLIM_ERR_INVALID_ARGUMENT,
        "out-of-vocab token rejected");

  slim_generation_params gp = slim_generation_default_params();
  gp.temperature = 0.0f;
  gp.max_tokens = 8;
  int32_t bos = slim_model_bos(model);
  int32_t out[8];
  size_t n_out = 0, text_bytes = 0;
  CHECK(slim_generate(session, &bos, 1, &gp, count_text, &text_bytes, out, 8, &n_out) == SLIM_OK,
        "generate");
  CHECK(n_out == 8, "8 tokens");
  for (int i = 0; i < 8; ++i) CHECK(out[i] == kExpected[i], "reference ids");
  CHECK(text_bytes > 10, "text streamed");

  slim_session_free(session);
  slim_model_free(model);
  printf("c api ok\n");
  return 0;
}
