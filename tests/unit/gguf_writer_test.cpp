// GgufWriter -> GgufFile round trips and writer error handling (convert_gguf_types:
// convert_types_test.cpp).
#include "format/gguf_writer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "core/fp16.hpp"
#include "format/gguf.hpp"
#include "quant/quantize.hpp"

#include "test_util.hpp"

namespace slim {
namespace {

namespace fs = std::filesystem;
using gguf::GgufFile;
using gguf::GgufWriter;
using gguf::Value;
using gguf::ValueType;

// A fresh directory per test, removed afterwards.
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("slim_gguf_writer_") {}
};

Value scalar_u(ValueType t, uint64_t u) {
  Value v;
  v.type = t;
  v.num.u = u;
  return v;
}
Value scalar_i(ValueType t, int64_t i) {
  Value v;
  v.type = t;
  v.num.i = i;
  return v;
}
Value scalar_f(ValueType t, double f) {
  Value v;
  v.type = t;
  v.num.f = f;
  return v;
}
Value str(std::string_view s) {
  Value v;
  v.type = ValueType::kString;
  v.str = s;
  return v;
}
Value array(ValueType elem, std::vector<Value> items) {
  Value v;
  v.type = ValueType::kArray;
  v.elem_type = elem;
  v.items = std::move(items);
  return v;
}

using test::read_bytes;
TEST(GgufWriter, RoundTripsEveryValueType) {
  GgufWriter w;
  w.set_string("s", "hello");
  w.set_string("s.empty", "");
  w.set_u32("u32", 0xfedcba98u);
  w.set_i32("i32", -123456789);
  w.set_u64("u64", 0x123456789abcdef0ull);
  w.set_f32("f32", 0.1f);
  w.set_bool("b.true", true);
  w.set_bool("b.false", false);
  w.set_array_string("a.str", {"a", "", "ccc"});
  w.set_array_f32("a.f32", {1.5f, -0.0f, 3e38f});
  w.set_array_i32("a.i32", {-1, 0, 2147483647});
  ASSERT_TRUE(w.copy_value("u8", scalar_u(ValueType::kU8, 255)).is_ok());
  ASSERT_TRUE(w.copy_value("i8", scalar_i(ValueType::kI8, -128)).is_ok());
  ASSERT_TRUE(w.copy_value("u16", scalar_u(ValueType::kU16, 65535)).is_ok());
  ASSERT_TRUE(w.copy_value("i16", scalar_i(ValueType::kI16, -32768)).is_ok());
  ASSERT_TRUE(w.copy_value("i64", scalar_i(ValueType::kI64, INT64_MIN)).is_ok());
  ASSERT_TRUE(w.copy_value("f64", scalar_f(ValueType::kF64, 1.0 / 3.0)).is_ok());
  ASSERT_TRUE(w.copy_value("a.empty", array(ValueType::kU8, {})).is_ok());
  // Nested: [[1, 2], [], [3]] of i16, and [["x"], ["y", "z"]] of strings, 4 levels deep.
  const Value nested_i16 =
      array(ValueType::kArray,
            {array(ValueType::kI16, {scalar_i(ValueType::kI16, 1), scalar_i(ValueType::kI16, 2)}),
             array(ValueType::kI16, {}), array(ValueType::kI16, {scalar_i(ValueType::kI16, 3)})});
  ASSERT_TRUE(w.copy_value("a.nested", nested_i16).is_ok());
  const Value deep = array(
      ValueType::kArray,
      {array(ValueType::kArray,
             {array(ValueType::kArray, {array(ValueType::kString, {str("x"), str("yz")})})})});
  ASSERT_TRUE(w.copy_value("a.deep", deep).is_ok());
  EXPECT_EQ(w.key_count(), 20u);

  auto bytes = w.write_to_memory();
  ASSERT_TRUE(bytes.is_ok()) << bytes.status().to_string();
  auto f = GgufFile::from_memory(bytes->data(), bytes->size());
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  EXPECT_EQ(f->version(), 3u);
  ASSERT_EQ(f->metadata().size(), 20u);
  EXPECT_EQ(f->metadata()[0].key, "s");  // insertion order is kept
  EXPECT_EQ(*f->get_string("s"), "hello");
  EXPECT_EQ(*f->get_string("s.empty"), "");
  EXPECT_EQ(f->find("u32")->type, ValueType::kU32);
  EXPECT_EQ(f->find("u32")->num.u, 0xfedcba98u);
  EXPECT_EQ(f->find("i32")->type, ValueType::kI32);
  EXPECT_EQ(f->find("i32")->num.i, -123456789);
  EXPECT_EQ(f->find("u64")->num.u, 0x123456789abcdef0ull);
  EXPECT_EQ(f->find("f32")->type, ValueType::kF32);
  EXPECT_EQ(f->find("f32")->num.f, static_cast<double>(0.1f));
  EXPECT_TRUE(*f->get_bool("b.true"));
  EXPECT_FALSE(*f->get_bool("b.false"));
  EXPECT_EQ(f->find("u8")->num.u, 255u);
  EXPECT_EQ(f->find("i8")->num.i, -128);
  EXPECT_EQ(f->find("u16")->num.u, 65535u);
  EXPECT_EQ(f->find("i16")->num.i, -32768);
  EXPECT_EQ(f->find("i64")->num.i, INT64_MIN);
  EXPECT_EQ(f->find("f64")->type, ValueType::kF64);
  EXPECT_EQ(f->find("f64")->num.f, 1.0 / 3.0);

  auto strs = f->get_array("a.str", ValueType::kString);
  ASSERT_TRUE(strs.is_ok());
  ASSERT_EQ((*strs)->items.size(), 3u);
  EXPECT_EQ((*strs)->items[2].str, "ccc");
  EXPECT_EQ((*strs)->items[1].str, "");
  auto f32s = f->get_array("a.f32", ValueType::kF32);
  ASSERT_TRUE(f32s.is_ok());
  EXPECT_EQ((*f32s)->items[0].num.f, 1.5);
  EXPECT_TRUE(std::signbit((*f32s)->items[1].num.f));
  EXPECT_EQ((*f32s)->items[2].num.f, static_cast<double>(3e38f));
  auto i32s = f->get_array("a.i32", ValueType::kI32);
  ASSERT_TRUE(i32s.is_ok());
  EXPECT_EQ((*i32s)->items[2].num.i, 2147483647);
  auto empty = f->get_array("a.empty", ValueType::kU8);
  ASSERT_TRUE(empty.is_ok());
  EXPECT_TRUE((*empty)->items.empty());

  auto nested = f->get_array("a.nested", ValueType::kArray);
  ASSERT_TRUE(nested.is_ok());
  ASSERT_EQ((*nested)->items.size(), 3u);
  EXPECT_EQ((*nested)->items[0].elem_type, ValueType::kI16);
  ASSERT_EQ((*nested)->items[0].items.size(), 2u);
  EXPECT_EQ((*nested)->items[0].items[1].num.i, 2);
  EXPECT_TRUE((*nested)->items[1].items.empty());
  EXPECT_EQ((*nested)->items[2].items[0].num.i, 3);
  const Value* d = f->find("a.deep");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->items[0].items[0].items[0].items[1].str, "yz");

  // Copying every value back out of the reader reproduces the same bytes.
  GgufWriter again;
  for (const auto& kv : f->metadata()) ASSERT_TRUE(again.copy_value(kv.key, kv.value).is_ok());
  auto bytes2 = again.write_to_memory();
  ASSERT_TRUE(bytes2.is_ok());
  EXPECT_EQ(*bytes2, *bytes);
}

TEST(GgufWriter, LaterSetReplacesEarlierInPlace) {
  GgufWriter w;
  w.set_u32("a", 1);
  w.set_u32("b", 2);
  w.set_string("a", "now a string");
  EXPECT_EQ(w.key_count(), 2u);
  EXPECT_TRUE(w.has_key("a"));
  auto bytes = w.write_to_memory();
  ASSERT_TRUE(bytes.is_ok());
  auto f = GgufFile::from_memory(bytes->data(), bytes->size());
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  ASSERT_EQ(f->metadata().size(), 2u);
  EXPECT_EQ(f->metadata()[0].key, "a");
  EXPECT_EQ(*f->get_string("a"), "now a string");
}

struct TestTensor {
  std::string name;
  TensorType type;
  std::vector<uint64_t> dims;
  std::vector<uint8_t> data;
};

std::vector<TestTensor> sample_tensors() {
  std::vector<TestTensor> ts = {
      {"f32.1d", TensorType::kF32, {7}, {}},
      {"f16.2d", TensorType::kF16, {5, 3}, {}},
      {"q8_0.2d", TensorType::kQ8_0, {64, 3}, {}},
      {"q4_0.3d", TensorType::kQ4_0, {32, 2, 3}, {}},
      {"bf16.4d", TensorType::kBF16, {3, 1, 2, 2}, {}},
      {"i32.1d", TensorType::kI32, {9}, {}},
  };
  uint8_t next = 1;
  for (TestTensor& t : ts) {
    uint64_t n = 1;
    for (uint64_t d : t.dims) n *= d;
    uint64_t bytes = 0;
    EXPECT_TRUE(row_bytes(t.type, n, &bytes));
    t.data.resize(bytes);
    for (uint8_t& b : t.data) b = next++;
  }
  return ts;
}

void check_tensors(const GgufFile& f, const std::vector<TestTensor>& ts, uint32_t align) {
  ASSERT_EQ(f.tensors().size(), ts.size());
  EXPECT_EQ(f.alignment(), align);
  EXPECT_EQ(f.data_offset() % align, 0u);
  EXPECT_EQ(f.file_size() % align, 0u);
  for (size_t i = 0; i < ts.size(); ++i) {
    const gguf::TensorInfo& info = f.tensors()[i];
    SCOPED_TRACE(ts[i].name);
    EXPECT_EQ(info.name, ts[i].name);
    EXPECT_EQ(info.type, ts[i].type);
    ASSERT_EQ(info.n_dims, ts[i].dims.size());
    for (size_t d = 0; d < ts[i].dims.size(); ++d) EXPECT_EQ(info.ne[d], ts[i].dims[d]);
    EXPECT_EQ(info.offset % align, 0u);
    ASSERT_EQ(info.n_bytes, ts[i].data.size());
    EXPECT_EQ(std::memcmp(f.tensor_data(info), ts[i].data.data(), ts[i].data.size()), 0);
  }
}

TEST(GgufWriter, RoundTripsTensorsOfSeveralTypes) {
  const std::vector<TestTensor> ts = sample_tensors();
  GgufWriter w;
  w.set_string("general.architecture", "test");
  for (const TestTensor& t : ts) {
    ASSERT_TRUE(w.add_tensor(t.name, t.type, t.dims, t.data.data(), t.data.size()).is_ok());
  }
  auto bytes = w.write_to_memory();
  ASSERT_TRUE(bytes.is_ok()) << bytes.status().to_string();
  auto f = GgufFile::from_memory(bytes->data(), bytes->size());
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  check_tensors(*f, ts, 32);
  // Padding between tensors is zero.
  const auto& t0 = f->tensors()[0];
  for (uint64_t i = t0.n_bytes; i < f->tensors()[1].offset; ++i) {
    EXPECT_EQ(f->tensor_data(t0)[i], 0) << i;
  }
}

TEST(GgufWriter, HonoursGeneralAlignment) {
  const std::vector<TestTensor> ts = sample_tensors();
  for (uint32_t align : {1u, 8u, 64u, 4096u}) {
    SCOPED_TRACE(align);
    GgufWriter w;
    w.set_u32("general.alignment", align);
    for (const TestTensor& t : ts) {
      ASSERT_TRUE(w.add_tensor(t.name, t.type, t.dims, t.data.data(), t.data.size()).is_ok());
    }
    auto bytes = w.write_to_memory();
    ASSERT_TRUE(bytes.is_ok()) << bytes.status().to_string();
    auto f = GgufFile::from_memory(bytes->data(), bytes->size());
    ASSERT_TRUE(f.is_ok()) << f.status().to_string();
    check_tensors(*f, ts, align);
  }
}

TEST(GgufWriter, RejectsBadAlignment) {
  for (uint32_t align : {0u, 48u, 1u << 21}) {
    GgufWriter w;
    w.set_u32("general.alignment", align);
    EXPECT_EQ(w.write_to_memory().status().code(), StatusCode::kInvalidArgument) << align;
  }
  GgufWriter w;
  w.set_u64("general.alignment", 32);
  EXPECT_EQ(w.write_to_memory().status().code(), StatusCode::kInvalidArgument);
}

TEST(GgufWriter, RejectsBadTensors) {
  GgufWriter w;
  std::vector<uint8_t> buf(4096);
  auto code = [&](std::string_view name, TensorType t, std::vector<uint64_t> dims, size_t n) {
    return w.add_tensor(name, t, dims, buf.data(), n).code();
  };
  EXPECT_EQ(code("a", TensorType::kF32, {4, 2}, 31), StatusCode::kInvalidArgument);  // size
  EXPECT_EQ(code("a", TensorType::kQ8_0, {40}, 34), StatusCode::kInvalidArgument);   // block
  EXPECT_EQ(code("a", TensorType::kF32, {}, 0), StatusCode::kInvalidArgument);
  EXPECT_EQ(code("a", TensorType::kF32, {1, 1, 1, 1, 1}, 4), StatusCode::kInvalidArgument);
  EXPECT_EQ(code("a", TensorType::kF32, {4, 0}, 0), StatusCode::kInvalidArgument);
  EXPECT_EQ(code("a", TensorType::kF32, {1ull << 62, 1ull << 62}, 4), StatusCode::kInvalidArgument);
  EXPECT_EQ(code("a", static_cast<TensorType>(77), {4}, 16), StatusCode::kInvalidArgument);
  EXPECT_EQ(code("", TensorType::kF32, {4}, 16), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(std::string(300, 'n'), TensorType::kF32, {4}, 16), StatusCode::kInvalidArgument);
  EXPECT_EQ(w.add_tensor("a", TensorType::kF32, {4}, nullptr, 16).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(w.add_tensor_fill("a", TensorType::kF32, {4}, nullptr).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(w.add_tensor("a", TensorType::kQ8_0, {64, 2}, buf.data(), 136).is_ok());
  EXPECT_EQ(code("a", TensorType::kF32, {4}, 16), StatusCode::kInvalidArgument);  // duplicate
  EXPECT_EQ(w.tensor_count(), 1u);
}

TEST(GgufWriter, RejectsBadValuesAndKeys) {
  GgufWriter w;
  // Array item of the wrong type.
  EXPECT_EQ(w.copy_value("x", array(ValueType::kI32, {scalar_u(ValueType::kU32, 1)})).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(w.copy_value("x", scalar_u(ValueType::kU8, 256)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w.copy_value("x", scalar_u(ValueType::kBool, 2)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w.copy_value("x", scalar_u(static_cast<ValueType>(13), 0)).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(w.copy_value("", scalar_u(ValueType::kU8, 1)).code(), StatusCode::kInvalidArgument);
  // Five levels of arrays: more than the reader accepts.
  Value v = array(ValueType::kU8, {});
  for (int i = 0; i < 4; ++i) v = array(ValueType::kArray, {v});
  EXPECT_EQ(w.copy_value("x", v).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(w.has_key("x"));
  EXPECT_TRUE(w.write_to_memory().is_ok());
  // A bad key in a setter is reported by write.
  w.set_u32("", 1);
  EXPECT_EQ(w.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w.write_to_memory().status().code(), StatusCode::kInvalidArgument);
}

TEST(GgufWriter, WriteFileIsAtomic) {
  TempDir dir;
  const std::string path = dir.file("model.gguf");
  const std::vector<TestTensor> ts = sample_tensors();
  GgufWriter w;
  w.set_string("general.name", "atomic");
  for (const TestTensor& t : ts) {
    ASSERT_TRUE(w.add_tensor(t.name, t.type, t.dims, t.data.data(), t.data.size()).is_ok());
  }
  ASSERT_TRUE(w.write(path).is_ok());
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  auto mem = w.write_to_memory();
  ASSERT_TRUE(mem.is_ok());
  EXPECT_EQ(read_bytes(path), *mem);
  auto f = GgufFile::open(path);
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  check_tensors(*f, ts, 32);

  // A failing tensor fill leaves the existing file as it was and no temporary behind.
  GgufWriter bad;
  ASSERT_TRUE(bad.add_tensor_fill("t", TensorType::kF32, {4},
                                  [](uint8_t*, size_t) { return io_error("disk on fire"); })
                  .is_ok());
  Status st = bad.write(path);
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_NE(st.message().find("disk on fire"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("'t'"), std::string::npos) << st.message();
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  EXPECT_EQ(read_bytes(path), *mem);

  // An unwritable location is an io_error.
  EXPECT_EQ(w.write(dir.file("no/such/dir/x.gguf")).code(), StatusCode::kIoError);
  EXPECT_EQ(w.write("").code(), StatusCode::kInvalidArgument);
}

TEST(GgufWriter, FillTensorsAreProducedAtWriteTime) {
  GgufWriter w;
  int calls = 0;
  ASSERT_TRUE(w.add_tensor_fill("t", TensorType::kF16, {3, 2}, [&](uint8_t* dst, size_t n) {
                 ++calls;
                 for (size_t i = 0; i < n; ++i) dst[i] = static_cast<uint8_t>(i * 3);
                 return Status::ok();
               }).is_ok());
  EXPECT_EQ(calls, 0);
  auto bytes = w.write_to_memory();
  ASSERT_TRUE(bytes.is_ok());
  EXPECT_EQ(calls, 1);
  auto f = GgufFile::from_memory(bytes->data(), bytes->size());
  ASSERT_TRUE(f.is_ok());
  const auto& info = f->tensors()[0];
  ASSERT_EQ(info.n_bytes, 12u);
  for (size_t i = 0; i < 12; ++i) EXPECT_EQ(f->tensor_data(info)[i], i * 3);
}

}  // namespace
}  // namespace slim
