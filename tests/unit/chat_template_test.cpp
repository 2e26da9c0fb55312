// Chat-template API (slim/chat.hpp) and the engine's hostile-input behaviour: the corrupt corpus
// in tests/data/chat_templates/corrupt/ (every file a clean error with the listed message), the
// limits, and the built-in templates being the committed files that chat_template_ref_test
// renders against jinja2.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "core/json.hpp"
#include "slim/chat.hpp"
#include "slim/model.hpp"
#include "template/builtin_templates.hpp"
#include "template/template.hpp"
#include "test_util.hpp"

namespace slim {
namespace {

const std::string kDir = std::string(SLIM_TEST_DATA_DIR) + "/chat_templates/";

std::vector<ChatMessage> multi_turn() {
  return {{"user", "Hi"}, {"assistant", "Hello! How can I help?"}, {"user", "Tell me a joke."}};
}

// The jinja2 output recorded in expected.json for (template file, conversation, generation prompt).
std::string expected_render(const std::string& tmpl_file, const std::string& conv, bool agp) {
  auto doc = json::parse(test::read_text(kDir + "expected.json"), "expected.json");
  EXPECT_TRUE(doc.is_ok());
  if (!doc.is_ok()) return {};
  const json::Value& renders = *doc->find("renders");
  for (size_t k = 0; k < renders.size(); ++k) {
    const json::Value& e = renders.at(k);
    if (e.find("template")->str() == tmpl_file && e.find("conversation")->str() == conv &&
        e.find("add_generation_prompt")->as_bool() == agp && e.find("output"))
      return e.find("output")->str();
  }
  ADD_FAILURE() << "no fixture entry for " << tmpl_file << " / " << conv;
  return {};
}

Result<std::string> render(const std::string& source) {
  SLIM_ASSIGN_OR_RETURN(auto t, tmpl::Template::parse(source));
  tmpl::Dict ctx;
  std::vector<tmpl::Value> msgs;
  for (const auto& m : multi_turn()) {
    tmpl::Dict d;
    d.set("role", tmpl::Value::string(m.role));
    d.set("content", tmpl::Value::string(m.content));
    msgs.push_back(tmpl::Value::make_dict(std::move(d)));
  }
  ctx.set("messages", tmpl::Value::make_list(std::move(msgs)));
  ctx.set("bos_token", tmpl::Value::string("<s>"));
  ctx.set("eos_token", tmpl::Value::string("</s>"));
  ctx.set("add_generation_prompt", tmpl::Value::boolean(true));
  return t.render(ctx, 1721995200);
}

TEST(ChatTemplate, BuiltinsAreTheCommittedTemplateFiles) {
  auto names = builtin_chat_templates();
  ASSERT_GE(names.size(), 7u);
  for (const char* want : {"chatml", "llama2", "llama3", "mistral", "zephyr", "phi3", "gemma"})
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  for (const auto& t : tmpl::builtin_templates()) {
    std::string file = test::read_text(kDir + std::string(t.name) + ".jinja");
    EXPECT_FALSE(file.empty()) << t.name;
    EXPECT_EQ(std::string(t.source), file) << t.name << ": rerun scripts/gen_builtin_templates.py";
  }
}

TEST(ChatTemplate, RenderMatchesJinja2Fixture) {
  for (const char* name : {"chatml", "zephyr", "llama3", "gemma", "mistral"}) {
    auto src = test::read_text(kDir + name + ".jinja");
    auto out = render_chat_template(src, multi_turn(), true, "<s>", "</s>");
    ASSERT_TRUE(out.is_ok()) << name << ": " << out.status().to_string();
    EXPECT_EQ(*out, expected_render(std::string(name) + ".jinja", "no_system_multi", true)) << name;
  }
}

TEST(ChatTemplate, ApplyWithModelUsesBuiltinAndModelSpecialTokens) {
  auto model = Model::load(std::string(SLIM_SHARED_DIR) + "/models/stories260K/stories260K.gguf");
  ASSERT_TRUE(model.is_ok()) << model.status().to_string();
  const Model& m = **model;
  EXPECT_EQ(m.chat_template(), "");  // the TinyStories model carries none

  auto none = apply_chat_template(m, multi_turn());
  ASSERT_FALSE(none.is_ok());
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(none.status().message().find("--chat-template"), std::string::npos)
      << none.status().to_string();

  // Its SentencePiece vocabulary spells BOS/EOS "<s>"/"</s>", the strings the fixture used.
  ChatTemplateOptions opt;
  opt.template_name = "llama2";
  auto out = apply_chat_template(m, multi_turn(), opt);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(*out, expected_render("llama2.jinja", "no_system_multi", true));
  opt.template_name = "zephyr";
  opt.add_generation_prompt = false;
  out = apply_chat_template(m, multi_turn(), opt);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(*out, expected_render("zephyr.jinja", "no_system_multi", false));

  opt.template_name = "no-such-template";
  auto bad = apply_chat_template(m, multi_turn(), opt);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("unknown chat template 'no-such-template'"),
            std::string::npos);
  EXPECT_NE(bad.status().message().find("chatml"), std::string::npos);

  // raise_exception inside a built-in template reaches the caller as an error value.
  opt.template_name = "gemma";
  auto alt = apply_chat_template(m, {{"user", "a"}, {"user", "b"}}, opt);
  ASSERT_FALSE(alt.is_ok());
  EXPECT_NE(alt.status().message().find("Conversation roles must alternate"), std::string::npos)
      << alt.status().to_string();
}

TEST(ChatTemplate, CorruptCorpusFailsCleanly) {
  auto entries = test::load_manifest(kDir + "corrupt/MANIFEST.txt");
  ASSERT_GE(entries.size(), 35u);
  for (const auto& e : entries) {
    SCOPED_TRACE(e.file);
    auto out = render(test::read_text(kDir + "corrupt/" + e.file));
    ASSERT_FALSE(out.is_ok()) << "rendered: " << out->substr(0, 200);
    EXPECT_EQ(status_code_name(out.status().code()), e.status);
    EXPECT_NE(out.status().message().find(e.substring), std::string::npos)
        << out.status().to_string();
  }
}

TEST(ChatTemplate, ErrorsCarryLineAndColumn) {
  auto out = render("line one\n  {{ 1 +\n }}");
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("template syntax error at 3:2"), std::string::npos)
      << out.status().to_string();
  out = render("{% for m in messages %}\n  {{ m.content.nope() }}\n{% endfor %}");
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("template error at 2:"), std::string::npos)
      << out.status().to_string();
}

TEST(ChatTemplate, SourceSizeLimit) {
  tmpl::Limits lim;
  lim.max_source_bytes = 1000;
  auto t = tmpl::Template::parse(std::string(1001, 'x'), lim);
  ASSERT_FALSE(t.is_ok());
  EXPECT_NE(t.status().message().find("more than the limit"), std::string::npos);
  EXPECT_TRUE(tmpl::Template::parse(std::string(1000, 'x'), lim).is_ok());
}

TEST(ChatTemplate, NamespaceCyclesAndSelfReferenceDoNotLeakOrLoop) {
  // A namespace holding itself (a reference cycle): rendering must finish and free it
  // (LeakSanitizer checks the latter in the debug-asan build).
  auto out =
      render("{% set ns = namespace(a=1) %}{% set ns.self = ns %}{{ ns.self.self.a }}{{ ns }}");
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(*out, "1<Namespace>");
}

TEST(ChatTemplate, OutputLimitIsExact) {
  tmpl::Limits lim;
  lim.max_output_bytes = 10;
  auto t = tmpl::Template::parse("{{ 'x' * n }}", lim);
  ASSERT_TRUE(t.is_ok());
  tmpl::Dict ctx;
  ctx.set("n", tmpl::Value::integer(10));
  auto ok = t->render(ctx);
  ASSERT_TRUE(ok.is_ok()) << ok.status().to_string();
  EXPECT_EQ(*ok, "xxxxxxxxxx");
  ctx.set("n", tmpl::Value::integer(11));
  EXPECT_FALSE(t->render(ctx).is_ok());
}

}  // namespace
}  // namespace slim
