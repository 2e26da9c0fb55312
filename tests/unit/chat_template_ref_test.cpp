// The chat-template engine against Python's jinja2 (tests/ref/jinja_ref.py renders the fixture
// tests/data/chat_templates/expected.json the way transformers does): every template file over
// every conversation, with and without the generation prompt, and ~190 small templates covering
// the engine's pieces. Outputs must match byte for byte; where jinja2 raises, we must fail too
// (with the same message for raise_exception).
#include <gtest/gtest.h>

#include <string>

#include "core/json.hpp"
#include "template/from_json.hpp"
#include "template/template.hpp"
#include "test_util.hpp"

namespace slim {
namespace {

const std::string kDir = std::string(SLIM_TEST_DATA_DIR) + "/chat_templates/";

struct Fixture {
  json::Value doc;
};

const json::Value& fixture() {
  static const json::Value* doc = [] {
    auto text = test::read_text(kDir + "expected.json");
    auto r = json::parse(text, "expected.json");
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return new json::Value(r.is_ok() ? std::move(*r) : json::Value());
  }();
  return *doc;
}

std::time_t fixed_now() {
  return static_cast<std::time_t>(fixture().find("now")->as_double());
}

// Compares one render with the fixture entry `e` (output / raise / error).
void check(const std::string& label, const std::string& source, const tmpl::Dict& ctx,
           const json::Value& e) {
  SCOPED_TRACE(label);
  auto t = tmpl::Template::parse(source);
  Result<std::string> out =
      t.is_ok() ? t->render(ctx, fixed_now()) : Result<std::string>(t.status());
  if (const json::Value* want = e.find("output")) {
    ASSERT_TRUE(out.is_ok()) << "jinja2 renders it, we fail: " << out.status().to_string();
    EXPECT_EQ(*out, want->str());
  } else if (const json::Value* raised = e.find("raise")) {
    ASSERT_FALSE(out.is_ok()) << "jinja2 raises '" << raised->str() << "', we render: " << *out;
    EXPECT_NE(out.status().message().find("raise_exception: " + raised->str()), std::string::npos)
        << out.status().to_string();
  } else {
    ASSERT_FALSE(out.is_ok()) << "jinja2 fails with " << e.find("error")->str()
                              << ", we render: " << *out;
    EXPECT_NE(out.status().message().find("template"), std::string::npos)
        << out.status().to_string();
  }
}

TEST(ChatTemplateRef, FixtureLoaded) {
  ASSERT_NE(fixture().find("renders"), nullptr);
  EXPECT_GE(fixture().find("renders")->size(), 400u);
  EXPECT_GE(fixture().find("expressions")->size(), 150u);
}

TEST(ChatTemplateRef, TemplatesMatchJinja2) {
  auto convs = json::parse(test::read_text(kDir + "conversations.json"), "conversations.json");
  ASSERT_TRUE(convs.is_ok()) << convs.status().to_string();
  const json::Value& renders = *fixture().find("renders");
  size_t outputs = 0;
  for (size_t k = 0; k < renders.size(); ++k) {
    const json::Value& e = renders.at(k);
    const std::string name = e.find("conversation")->str();
    const json::Value* conv = nullptr;
    for (size_t c = 0; c < convs->size(); ++c)
      if (convs->at(c).find("name")->str() == name) conv = &convs->at(c);
    ASSERT_NE(conv, nullptr) << name;
    tmpl::Dict ctx;
    ctx.set("messages", tmpl::from_json(*conv->find("messages")));
    ctx.set("tools", tmpl::Value::none());
    ctx.set("documents", tmpl::Value::none());
    ctx.set("add_generation_prompt",
            tmpl::Value::boolean(e.find("add_generation_prompt")->as_bool()));
    ctx.set("bos_token", tmpl::Value::string(fixture().find("bos_token")->str()));
    ctx.set("eos_token", tmpl::Value::string(fixture().find("eos_token")->str()));
    if (const json::Value* extra = conv->find("extra"))
      for (size_t x = 0; x < extra->size(); ++x)
        ctx.set(extra->key(x), tmpl::from_json(extra->at(x)));
    std::string tname = e.find("template")->str();
    std::string label =
        tname + " / " + name + (e.find("add_generation_prompt")->as_bool() ? " / +gen" : " / -gen");
    check(label, test::read_text(kDir + tname), ctx, e);
    outputs += e.find("output") != nullptr;
  }
  EXPECT_GE(outputs, 300u);
}

TEST(ChatTemplateRef, ExpressionsMatchJinja2) {
  const json::Value& exprs = *fixture().find("expressions");
  for (size_t k = 0; k < exprs.size(); ++k) {
    const json::Value& e = exprs.at(k);
    tmpl::Dict ctx;
    const json::Value& c = *e.find("context");
    for (size_t x = 0; x < c.size(); ++x) ctx.set(c.key(x), tmpl::from_json(c.at(x)));
    check("expression #" + std::to_string(k) + ": " + e.find("source")->str(),
          e.find("source")->str(), ctx, e);
  }
}

}  // namespace
}  // namespace slim
