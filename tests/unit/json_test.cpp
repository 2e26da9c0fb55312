// slim::json: the document model, limits, and error messages with positions.
#include "core/json.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace slim::json {
namespace {

std::string error_of(std::string_view text, const Limits& limits = {}) {
  auto r = parse(text, "test.json", limits);
  EXPECT_FALSE(r.is_ok()) << text;
  if (r.is_ok()) return {};
  EXPECT_EQ(r.status().code(), StatusCode::kCorruptFile);
  EXPECT_EQ(r.status().message().rfind("test.json: ", 0), 0u) << r.status().message();
  return r.status().message();
}

TEST(Json, ParsesEveryKindOfValue) {
  auto r = parse(R"({"a": [1, -2, 3.5, 1e3, true, false, null, "x\u00e9\n"],
                     "b": {"c": {}}, "big": 18446744073709551615})",
                 "t");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  const Value& v = *r;
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.size(), 3u);
  EXPECT_EQ(v.key(0), "a");
  EXPECT_EQ(v.key(2), "big");
  const Value* a = v.find("a");
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(a->is_array());
  ASSERT_EQ(a->size(), 8u);
  int64_t x = 0;
  EXPECT_TRUE(a->at(0).get_int(0, 10, &x));
  EXPECT_EQ(x, 1);
  EXPECT_TRUE(a->at(1).get_int(-10, 10, &x));
  EXPECT_EQ(x, -2);
  EXPECT_FALSE(a->at(1).get_int(0, 10, &x));  // out of the allowed range
  EXPECT_FALSE(a->at(2).is_integer());
  EXPECT_FALSE(a->at(2).get_int(-10, 10, &x));
  EXPECT_DOUBLE_EQ(a->at(2).as_double(), 3.5);
  EXPECT_FALSE(a->at(3).is_integer());  // 1e3 is written as a float
  EXPECT_DOUBLE_EQ(a->at(3).as_double(), 1000.0);
  EXPECT_TRUE(a->at(4).is_bool());
  EXPECT_TRUE(a->at(4).as_bool());
  EXPECT_FALSE(a->at(5).as_bool());
  EXPECT_TRUE(a->at(6).is_null());
  EXPECT_EQ(a->at(7).str(), "x\xc3\xa9\n");
  EXPECT_EQ(v.find("b")->find("c")->type(), Type::kObject);
  EXPECT_EQ(v.find("missing"), nullptr);
  EXPECT_EQ(a->find("a"), nullptr);  // not an object
  const Value* big = v.find("big");
  EXPECT_FALSE(
      big->get_int(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), &x));
  EXPECT_DOUBLE_EQ(big->as_double(), 18446744073709551615.0);
  EXPECT_STREQ(v.type_name(), "object");
}

TEST(Json, ScalarsAndBomAtTopLevel) {
  auto r = parse("\xEF\xBB\xBF  \"hi\"  \n", "t");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->str(), "hi");
  auto n = parse("42", "t");
  ASSERT_TRUE(n.is_ok());
  int64_t x = 0;
  EXPECT_TRUE(n->get_int(0, 100, &x));
  EXPECT_EQ(x, 42);
}

TEST(Json, SyntaxErrorsGiveBytePositionLineAndColumn) {
  // "tru," : the literal breaks at byte 8, column 5 of line 2 (both counted as nlohmann does:
  // bytes from 0, lines and columns from 1).
  const std::string e = error_of("[1,\n tru, 2]");
  EXPECT_NE(e.find("invalid JSON at byte "), std::string::npos) << e;
  EXPECT_NE(e.find("at byte 8 (line 2, column 5)"), std::string::npos) << e;
  EXPECT_NE(e.find("invalid literal"), std::string::npos) << e;

  EXPECT_NE(error_of("{\"a\": 1,}").find("at byte 8 (line 1, column 9)"), std::string::npos);
  EXPECT_NE(error_of("[1, 2").find("unexpected end of input"), std::string::npos);
  EXPECT_NE(error_of("[1] [2]").find("expected end of input"), std::string::npos);
  EXPECT_NE(error_of("{\"a\" 1}").find("expected ':'"), std::string::npos);
  EXPECT_NE(error_of("").find("empty input"), std::string::npos);
  EXPECT_NE(error_of("   ").find("invalid JSON"), std::string::npos);
  EXPECT_NE(error_of("[01]").find("invalid JSON"), std::string::npos);
  EXPECT_NE(error_of("// c\n1").find("invalid JSON"), std::string::npos);  // no comments
  EXPECT_NE(error_of("[1e999]").find("byte"), std::string::npos);          // overflow
}

TEST(Json, NulBytesAreRejectedNotTakenForTheEnd) {
  EXPECT_NE(error_of(std::string("[1]\0garbage", 11)).find("invalid JSON at byte 3: a NUL byte"),
            std::string::npos);
  EXPECT_NE(error_of(std::string("\0", 1)).find("at byte 0"), std::string::npos);
  error_of(std::string("[\"a\0\"]", 6));
}

TEST(Json, InvalidUtf8AndBadEscapesAreRejectedPrintably) {
  const std::string e = error_of("[\"a\xff\"]");
  EXPECT_NE(e.find("invalid JSON at byte 3"), std::string::npos) << e;
  EXPECT_NE(e.find("\\xff"), std::string::npos) << e;
  EXPECT_EQ(e.find('\xff'), std::string::npos) << "raw bytes must not reach the message";
  error_of("[\"\xc0\xaf\"]");                    // overlong
  error_of("[\"\xed\xa0\x80\"]");                // encoded surrogate
  error_of("[\"\\ud800\"]");                     // lone escaped surrogate
  error_of("[\"\\udc00\\ud800\"]");              // reversed pair
  error_of("[\"a\x01\"]");                       // raw control character
  error_of("[\"\\x41\"]");                       // not a JSON escape
  auto ok = parse("[\"\\ud83d\\ude00\"]", "t");  // a valid pair: U+1F600
  ASSERT_TRUE(ok.is_ok());
  EXPECT_EQ(ok->at(0).str(), "\xf0\x9f\x98\x80");
}

TEST(Json, NestingLimitNamesTheOffendingBracket) {
  Limits l;
  l.max_depth = 4;
  EXPECT_TRUE(parse("[[[[1]]]]", "t", l).is_ok());
  const std::string e = error_of("[[[{\"a\":[1]}]]]", l);
  EXPECT_NE(e.find("nesting deeper than 4 levels"), std::string::npos) << e;
  EXPECT_NE(e.find("at byte 8"), std::string::npos) << e;
  // The default limit stops a deep bomb without recursion trouble.
  const std::string deep(100000, '[');
  EXPECT_NE(error_of(deep).find("nesting deeper than 64"), std::string::npos);
  // Brackets inside strings do not count.
  EXPECT_TRUE(parse("[\"[[[[[[[[\"]", "t", l).is_ok());
}

TEST(Json, ValueCountAndSizeLimits) {
  Limits l;
  l.max_values = 5;
  EXPECT_TRUE(parse("[1,2,3,4]", "t", l).is_ok());  // 5 values with the array
  EXPECT_NE(error_of("[1,2,3,4,5]", l).find("more than 5 values"), std::string::npos);
  l = Limits{};
  l.max_bytes = 8;
  EXPECT_NE(error_of("[1,2,3,4,5]", l).find("11 bytes is more than the 8-byte limit"),
            std::string::npos);
}

TEST(Json, DuplicateKeysAreErrorsWithTheirPath) {
  std::string e = error_of(R"({"model": {"vocab": {"a": 0, "b": 1, "a": 2}}})");
  EXPECT_NE(e.find("duplicate key 'a' in the object at model.vocab"), std::string::npos) << e;
  e = error_of(R"({"x": 1, "x": 1})");
  EXPECT_NE(e.find("duplicate key 'x' in the top-level object"), std::string::npos) << e;
  e = error_of(R"({"list": [{}, {"k": 1, "k": 2}]})");
  EXPECT_NE(e.find("list[1]"), std::string::npos) << e;
  // Large objects take the sorting path.
  std::string big = "{";
  for (int i = 0; i < 100; ++i) big += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  big += "\"k57\":0}";
  EXPECT_NE(error_of(big).find("duplicate key 'k57'"), std::string::npos);
  Limits l;
  l.allow_duplicate_keys = true;
  auto r = parse(R"({"x": 1, "x": 2})", "t", l);
  ASSERT_TRUE(r.is_ok());
  int64_t x = 0;
  EXPECT_TRUE(r->find("x")->get_int(0, 9, &x));
  EXPECT_EQ(x, 1);  // the first
}

TEST(Json, QuoteIsBoundedAndPrintable) {
  EXPECT_EQ(quote("abc"), "'abc'");
  EXPECT_EQ(quote("a\nb\xff"), "'a\\x0ab\\xff'");
  EXPECT_EQ(quote("\xc3\xa9"), "'\xc3\xa9'");
  EXPECT_EQ(quote(std::string(100, 'x'), 4), "'xxxx...'");
  EXPECT_EQ(member_path("", "model"), "model");
  EXPECT_EQ(member_path("model", "vocab"), "model.vocab");
  EXPECT_EQ(index_path("merges", 3), "merges[3]");
}

}  // namespace
}  // namespace slim::json
