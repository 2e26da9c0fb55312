// The engine loop with the real stories260K model: batch invariance (each request's output is
// what Session::generate gives for it alone), cancellation and admission control.
#include <gtest/gtest.h>

#include "server/engine.hpp"
#include "test_util.hpp"

namespace slim::server {
namespace {

std::shared_ptr<const Model> load_model() {
  auto m = Model::load(test::shared_dir() + "/models/stories260K/stories260K.gguf");
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  return m.is_ok() ? m.value() : nullptr;
}

struct Outcome {
  std::string text;
  TaskEvent last;
  int events = 0;
};

Outcome drain(Task& t) {
  Outcome o;
  std::vector<TaskEvent> ev;
  for (int i = 0; i < 2000 && !o.last.done; ++i) {
    ev.clear();
    t.wait(&ev, std::chrono::milliseconds(50));
    for (TaskEvent& e : ev) {
      o.text += e.text;
      ++o.events;
      if (e.done) o.last = e;
    }
  }
  EXPECT_TRUE(o.last.done) << "the engine never finished the request";
  return o;
}

struct Case {
  std::string prompt;
  GenerationParams params;
};

std::vector<Case> cases() {
  std::vector<Case> out(4);
  out[0].prompt = "Once upon a time";
  out[0].params.temperature = 0;
  out[1].prompt = "The little dog";
  out[1].params.temperature = 0.9f;
  out[1].params.seed = 7;
  out[2].prompt = "Lily wanted";
  out[2].params.temperature = 1.0f;
  out[2].params.top_k = 0;
  out[2].params.top_p = 1.0f;
  out[2].params.min_p = 0;
  out[2].params.seed = 123456789;
  out[3].prompt = "One day";
  out[3].params.temperature = 0.7f;
  out[3].params.seed = 3;
  out[3].params.stop = {"."};
  for (Case& c : out) c.params.max_tokens = 40;
  out[3].params.max_tokens = 60;
  return out;
}

TEST(ServerEngine, ConcurrentRequestsMatchEachAlone) {
  auto model = load_model();
  ASSERT_TRUE(model);
  const auto cs = cases();
  // Reference: each request alone through the library's own generation loop.
  std::vector<GenerationResult> alone;
  std::vector<std::vector<int32_t>> prompts;
  for (const Case& c : cs) {
    auto ids = model->tokenize(c.prompt, true);
    ASSERT_TRUE(ids.is_ok());
    prompts.push_back(ids.value());
    SessionParams sp;
    sp.n_threads = 1;
    auto s = Session::create(model, sp);
    ASSERT_TRUE(s.is_ok());
    auto r = (*s)->generate(ids.value(), c.params);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    alone.push_back(r.value());
  }
  Metrics metrics(4);
  EngineOptions eo;
  eo.parallel = 4;
  eo.batch_window_ms = 200;  // generous: all four must start as one batch on a busy machine
  eo.n_threads = 2;
  auto engine = Engine::create(model, eo, &metrics);
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();
  std::vector<std::shared_ptr<Task>> tasks;
  for (size_t i = 0; i < cs.size(); ++i) {
    EngineRequest r;
    r.prompt = prompts[i];
    r.params = cs[i].params;
    Admission a = (*engine)->submit(std::move(r));
    ASSERT_TRUE(a.task) << a.error->message;
    tasks.push_back(a.task);
  }
  for (size_t i = 0; i < cs.size(); ++i) {
    Outcome o = drain(*tasks[i]);
    EXPECT_EQ(o.text, alone[i].text) << "request " << i;
    EXPECT_EQ(o.last.completion_tokens, static_cast<int32_t>(alone[i].tokens.size()))
        << "request " << i;
    EXPECT_EQ(o.last.reason, alone[i].stop_reason) << "request " << i;
    EXPECT_EQ(o.last.prompt_tokens, static_cast<int32_t>(prompts[i].size()));
    EXPECT_GT(o.events, 1) << "text should stream in pieces";
  }
  // The test is only meaningful if the requests really shared decode steps.
  const std::string m = metrics.render();
  const size_t p3 = m.find("slim_batch_size_bucket{le=\"3\"} ");
  const size_t p4 = m.find("slim_batch_size_bucket{le=\"4\"} ");
  ASSERT_NE(p3, std::string::npos);
  ASSERT_NE(p4, std::string::npos);
  const long below4 = std::stol(m.substr(p3 + 31));
  const long upto4 = std::stol(m.substr(p4 + 31));
  EXPECT_GE(upto4 - below4, 10) << "expected many steps with a batch of four:\n" << m;
}

TEST(ServerEngine, CancelEndsGenerationEarly) {
  auto model = load_model();
  ASSERT_TRUE(model);
  EngineOptions eo;
  eo.parallel = 2;
  eo.n_threads = 1;
  eo.batch_window_ms = 0;
  auto engine = Engine::create(model, eo, nullptr);
  ASSERT_TRUE(engine.is_ok());
  EngineRequest r;
  r.prompt = {1};
  r.params.max_tokens = -1;
  r.params.stop_at_eos = false;
  Admission a = (*engine)->submit(std::move(r));
  ASSERT_TRUE(a.task);
  std::vector<TaskEvent> ev;
  while (ev.empty()) a.task->wait(&ev, std::chrono::milliseconds(50));
  a.task->cancel();
  Outcome o = drain(*a.task);
  EXPECT_EQ(o.last.reason, StopReason::kCancelled);
  EXPECT_LT(o.last.completion_tokens, (*engine)->n_ctx() - 1);
}

TEST(ServerEngine, KvBudgetAdmission) {
  auto model = load_model();
  ASSERT_TRUE(model);
  EngineOptions eo;
  eo.parallel = 4;
  eo.n_threads = 1;
  eo.batch_window_ms = 0;
  eo.n_ctx = 512;
  // Room for one context of 300 tokens (not two).
  Metrics metrics(4);
  auto probe = Engine::create(model, eo, nullptr);
  ASSERT_TRUE(probe.is_ok());
  eo.kv_budget_bytes = (*probe)->kv_bytes_per_token() * 450;
  probe.value().reset();
  auto engine = Engine::create(model, eo, &metrics);
  ASSERT_TRUE(engine.is_ok());
  auto request = [](int32_t max_tokens) {
    EngineRequest r;
    r.prompt = {1};
    r.params.max_tokens = max_tokens;
    r.params.stop_at_eos = false;
    return r;
  };
  Admission never = (*engine)->submit(request(500));  // 501 tokens > 450: can never fit
  ASSERT_TRUE(never.error.has_value());
  EXPECT_EQ(never.error->http_status, 400);
  EXPECT_NE(never.error->message.find("--kv-budget-mb"), std::string::npos);
  Admission first = (*engine)->submit(request(299));
  ASSERT_TRUE(first.task);
  Admission second = (*engine)->submit(request(299));
  ASSERT_TRUE(second.error.has_value());
  EXPECT_EQ(second.error->http_status, 429);
  EXPECT_GT(second.error->retry_after_s, 0);
  Outcome o = drain(*first.task);
  EXPECT_EQ(o.last.completion_tokens, 299);
  // Once the first has finished its reservation is free again.
  for (int i = 0; i < 100; ++i) {
    Admission third = (*engine)->submit(request(10));
    if (third.task) {
      drain(*third.task);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL() << "the reservation of a finished request was not released";
}

TEST(ServerEngine, RejectsBadParametersAndOverlongPrompts) {
  auto model = load_model();
  ASSERT_TRUE(model);
  EngineOptions eo;
  eo.n_ctx = 64;
  eo.n_threads = 1;
  auto engine = Engine::create(model, eo, nullptr);
  ASSERT_TRUE(engine.is_ok());
  EngineRequest longp;
  longp.prompt.assign(64, 1);
  Admission a = (*engine)->submit(std::move(longp));
  ASSERT_TRUE(a.error.has_value());
  EXPECT_EQ(a.error->code, "context_length_exceeded");
  EngineRequest bad;
  bad.prompt = {1};
  bad.params.top_p = 2;
  Admission b = (*engine)->submit(std::move(bad));
  ASSERT_TRUE(b.error.has_value());
  EXPECT_EQ(b.error->http_status, 400);
  EXPECT_FALSE(Engine::create(model, EngineOptions{.parallel = 0}, nullptr).is_ok());
  EXPECT_FALSE(Engine::create(model, EngineOptions{.parallel = 65}, nullptr).is_ok());
}

}  // namespace
}  // namespace slim::server
