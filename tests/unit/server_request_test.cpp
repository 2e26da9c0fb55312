// Request validation: the corrupt-request corpus (tests/data/server/bad_requests, written by
// tests/ref/make_bad_requests.py) gives the documented status and message for every body, and
// well-formed bodies map every field.
#include <gtest/gtest.h>

#include <fstream>

#include "core/json.hpp"
#include "server/openai_json.hpp"
#include "server/request.hpp"
#include "test_util.hpp"

namespace slim::server {
namespace {

struct BadCase {
  std::string file, endpoint, substring;
  int status = 0;
};

std::vector<BadCase> load_cases() {
  const std::string dir = std::string(SLIM_TEST_DATA_DIR) + "/server/bad_requests/";
  std::ifstream in(dir + "manifest.tsv");
  EXPECT_TRUE(in.good()) << "missing " << dir << "manifest.tsv";
  std::vector<BadCase> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    size_t start = 0;
    for (size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
      cols.push_back(line.substr(start, tab - start));
    }
    cols.push_back(line.substr(start));
    EXPECT_EQ(cols.size(), 4u) << line;
    if (cols.size() != 4) continue;
    out.push_back({dir + cols[0], cols[1], cols[3], std::stoi(cols[2])});
  }
  return out;
}

TEST(ServerRequest, CorruptCorpusGivesDocumentedErrors) {
  const auto cases = load_cases();
  ASSERT_GE(cases.size(), 50u);
  for (const BadCase& c : cases) {
    const std::string body = test::read_text(c.file);
    const Endpoint ep = c.endpoint == "chat" ? Endpoint::kChatCompletions : Endpoint::kCompletions;
    ParseResult r = parse_request(ep, body);
    ASSERT_TRUE(r.error.has_value()) << c.file << " was accepted";
    EXPECT_EQ(r.error->http_status, c.status) << c.file;
    EXPECT_NE(r.error->message.find(c.substring), std::string::npos)
        << c.file << ": message '" << r.error->message << "' lacks '" << c.substring << "'";
    // The error object itself is valid JSON with the OpenAI fields.
    auto doc = json::parse(error_json(*r.error), "error");
    ASSERT_TRUE(doc.is_ok()) << doc.status().message();
    const json::Value* e = doc->find("error");
    ASSERT_NE(e, nullptr);
    EXPECT_TRUE(e->find("message") && e->find("type") && e->find("param") && e->find("code"));
  }
}

TEST(ServerRequest, CompletionFieldsAreMapped) {
  ParseResult r = parse_request(Endpoint::kCompletions, R"({
    "model": "m", "prompt": "Once", "max_tokens": 7, "temperature": 0.5, "top_p": 0.9,
    "top_k": 5, "min_p": 0.1, "presence_penalty": 0.5, "frequency_penalty": -0.5, "seed": 42,
    "stop": ["a", "bc"], "stream": true, "stream_options": {"include_usage": true},
    "n": 1, "logprobs": null, "echo": false, "user": "ignored", "unknown_field": [1, 2]})");
  ASSERT_FALSE(r.error.has_value()) << r.error->message;
  const CompletionRequest& q = r.request;
  EXPECT_EQ(q.model, "m");
  EXPECT_EQ(q.prompt, "Once");
  ASSERT_TRUE(q.max_tokens.has_value());
  EXPECT_EQ(*q.max_tokens, 7);
  EXPECT_FLOAT_EQ(q.params.temperature, 0.5f);
  EXPECT_FLOAT_EQ(q.params.top_p, 0.9f);
  EXPECT_EQ(q.params.top_k, 5);
  EXPECT_FLOAT_EQ(q.params.min_p, 0.1f);
  EXPECT_FLOAT_EQ(q.params.presence_penalty, 0.5f);
  EXPECT_FLOAT_EQ(q.params.frequency_penalty, -0.5f);
  EXPECT_TRUE(q.seed_given);
  EXPECT_EQ(q.params.seed, 42u);
  EXPECT_EQ(q.params.stop, (std::vector<std::string>{"a", "bc"}));
  EXPECT_TRUE(q.stream);
  EXPECT_TRUE(q.include_usage);
}

TEST(ServerRequest, DefaultsWhenFieldsAbsentOrNull) {
  ParseResult r = parse_request(Endpoint::kCompletions,
                                R"({"prompt": ["x"], "temperature": null, "stop": null})");
  ASSERT_FALSE(r.error.has_value()) << r.error->message;
  const GenerationParams defaults;
  EXPECT_EQ(r.request.prompt, "x");
  EXPECT_FALSE(r.request.max_tokens.has_value());
  EXPECT_FALSE(r.request.seed_given);
  EXPECT_FALSE(r.request.stream);
  EXPECT_FLOAT_EQ(r.request.params.temperature, defaults.temperature);
  EXPECT_TRUE(r.request.params.stop.empty());
}

TEST(ServerRequest, TokenPromptAndNegativeSeed) {
  ParseResult r = parse_request(Endpoint::kCompletions, R"({"prompt": [1, 2, 3], "seed": -1})");
  ASSERT_FALSE(r.error.has_value()) << r.error->message;
  EXPECT_TRUE(r.request.prompt_is_ids);
  EXPECT_EQ(r.request.prompt_ids, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(r.request.params.seed, ~uint64_t{0});
}

TEST(ServerRequest, ChatMessagesAndTextParts) {
  ParseResult r = parse_request(Endpoint::kChatCompletions, R"({
    "messages": [{"role": "system", "content": "Be brief."},
                 {"role": "user", "content": [{"type": "text", "text": "Hel"},
                                              {"type": "text", "text": "lo"}]}],
    "max_completion_tokens": 3})");
  ASSERT_FALSE(r.error.has_value()) << r.error->message;
  ASSERT_EQ(r.request.messages.size(), 2u);
  EXPECT_EQ(r.request.messages[0].role, "system");
  EXPECT_EQ(r.request.messages[1].content, "Hello");
  EXPECT_EQ(r.request.max_tokens.value_or(-1), 3);
}

TEST(ServerRequest, SizeLimits) {
  RequestLimits lim;
  lim.max_body_bytes = 64;
  lim.max_prompt_bytes = 8;
  ParseResult big = parse_request(Endpoint::kCompletions, std::string(65, ' '), lim);
  ASSERT_TRUE(big.error.has_value());
  EXPECT_EQ(big.error->http_status, 413);
  ParseResult long_prompt =
      parse_request(Endpoint::kCompletions, R"({"prompt": "123456789"})", lim);
  ASSERT_TRUE(long_prompt.error.has_value());
  EXPECT_NE(long_prompt.error->message.find("9 bytes, at most 8"), std::string::npos);
  lim.max_body_bytes = 256;
  ParseResult chat = parse_request(
      Endpoint::kChatCompletions,
      R"({"messages": [{"role": "user", "content": "12345"}, {"role": "user", "content": "6789"}]})",
      lim);
  ASSERT_TRUE(chat.error.has_value());
  EXPECT_NE(chat.error->message.find("more than 8 bytes"), std::string::npos);
}

}  // namespace
}  // namespace slim::server
