#include "format/pickle.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "core/byte_reader.hpp"
#include "core/json.hpp"

namespace slim::pickle {

namespace {

struct OpName {
  uint8_t op;
  const char* name;
};
constexpr OpName kOpNames[] = {
    {'(', "MARK"},
    {'.', "STOP"},
    {'0', "POP"},
    {'1', "POP_MARK"},
    {'2', "DUP"},
    {'F', "FLOAT"},
    {'I', "INT"},
    {'J', "BININT"},
    {'K', "BININT1"},
    {'L', "LONG"},
    {'M', "BININT2"},
    {'N', "NONE"},
    {'P', "PERSID"},
    {'Q', "BINPERSID"},
    {'R', "REDUCE"},
    {'S', "STRING"},
    {'T', "BINSTRING"},
    {'U', "SHORT_BINSTRING"},
    {'V', "UNICODE"},
    {'X', "BINUNICODE"},
    {'a', "APPEND"},
    {'b', "BUILD"},
    {'c', "GLOBAL"},
    {'d', "DICT"},
    {'}', "EMPTY_DICT"},
    {'e', "APPENDS"},
    {'g', "GET"},
    {'h', "BINGET"},
    {'i', "INST"},
    {'j', "LONG_BINGET"},
    {'l', "LIST"},
    {']', "EMPTY_LIST"},
    {'o', "OBJ"},
    {'p', "PUT"},
    {'q', "BINPUT"},
    {'r', "LONG_BINPUT"},
    {'s', "SETITEM"},
    {'t', "TUPLE"},
    {')', "EMPTY_TUPLE"},
    {'u', "SETITEMS"},
    {'G', "BINFLOAT"},
    {0x80, "PROTO"},
    {0x81, "NEWOBJ"},
    {0x82, "EXT1"},
    {0x83, "EXT2"},
    {0x84, "EXT4"},
    {0x85, "TUPLE1"},
    {0x86, "TUPLE2"},
    {0x87, "TUPLE3"},
    {0x88, "NEWTRUE"},
    {0x89, "NEWFALSE"},
    {0x8a, "LONG1"},
    {0x8b, "LONG4"},
    {'B', "BINBYTES"},
    {'C', "SHORT_BINBYTES"},
    {0x8c, "SHORT_BINUNICODE"},
    {0x8d, "BINUNICODE8"},
    {0x8e, "BINBYTES8"},
    {0x8f, "EMPTY_SET"},
    {0x90, "ADDITEMS"},
    {0x91, "FROZENSET"},
    {0x92, "NEWOBJ_EX"},
    {0x93, "STACK_GLOBAL"},
    {0x94, "MEMOIZE"},
    {0x95, "FRAME"},
    {0x96, "BYTEARRAY8"},
    {0x97, "NEXT_BUFFER"},
    {0x98, "READONLY_BUFFER"},
};

enum class Kind : uint8_t {
  kNone,
  kBool,
  kInt,
  kFloat,
  kString,
  kTuple,
  kList,
  kDict,
  kGlobal,
  kStorage,
  kTensor
};

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return "str";
    case Kind::kTuple:
      return "tuple";
    case Kind::kList:
      return "list";
    case Kind::kDict:
      return "dict";
    case Kind::kGlobal:
      return "global";
    case Kind::kStorage:
      return "storage";
    case Kind::kTensor:
      return "tensor";
  }
  return "?";
}

enum class Callable : uint8_t {
  kOrderedDict,
  kRebuildTensorV2,
  kRebuildParameter,
  kRebuildParameterWithState,
  kStorageClass
};

struct StorageClass {
  const char* name;
  const char* dtype;
};
constexpr StorageClass kStorageClasses[] = {
    {"FloatStorage", "F32"},  {"HalfStorage", "F16"}, {"BFloat16Storage", "BF16"},
    {"DoubleStorage", "F64"}, {"LongStorage", "I64"}, {"IntStorage", "I32"},
    {"ShortStorage", "I16"},  {"CharStorage", "I8"},  {"ByteStorage", "U8"},
    {"BoolStorage", "BOOL"},
};

// One unpickled object. Containers hold arena indices (dicts: key, value, key, value ...).
struct Obj {
  Kind kind = Kind::kNone;
  int64_t i = 0;  // bool/int value; global: Callable; storage/tensor: side-table index
  double f = 0;
  std::string s;  // str value; global: its dotted name
  std::vector<uint32_t> items;
};

struct TensorObj {
  size_t storage = 0;
  uint64_t offset = 0;
  std::vector<uint64_t> shape;
  std::vector<int64_t> stride;
};

class Machine {
 public:
  Machine(const uint8_t* data, size_t size, std::string what)
      : r_(data, size), what_(std::move(what)) {}
  Result<StateDict> run();

 private:
  Status err(const std::string& m) const {
    return corrupt(what_ + ": " + std::string(opcode_name(op_)) + " at byte " +
                   std::to_string(op_at_) + ": " + m);
  }
  Result<uint32_t> make(Kind k) {
    if (objs_.size() >= kMaxObjects)
      return err("more than " + std::to_string(kMaxObjects) + " objects");
    objs_.emplace_back();
    objs_.back().kind = k;
    return static_cast<uint32_t>(objs_.size() - 1);
  }
  Status push_new(Kind k, int64_t i = 0) {
    SLIM_ASSIGN_OR_RETURN(uint32_t id, make(k));
    objs_[id].i = i;
    stack_.push_back(id);
    return Status::ok();
  }
  Status need(size_t n) const {
    const size_t base = marks_.empty() ? 0 : marks_.back();
    if (stack_.size() - base < n) return err("stack underflow");
    return Status::ok();
  }
  uint32_t pop() {
    const uint32_t v = stack_.back();
    stack_.pop_back();
    return v;
  }
  // Pops everything above the topmost MARK (and the mark).
  Result<std::vector<uint32_t>> pop_mark() {
    if (marks_.empty()) return err("no MARK on the stack");
    const size_t base = marks_.back();
    marks_.pop_back();
    std::vector<uint32_t> out(stack_.begin() + static_cast<std::ptrdiff_t>(base), stack_.end());
    stack_.resize(base);
    return out;
  }
  Status read_string(uint64_t len) {
    std::string_view s;
    if (!r_.read_bytes(len, &s))
      return err("string of " + std::to_string(len) + " bytes truncated");
    SLIM_ASSIGN_OR_RETURN(uint32_t id, make(Kind::kString));
    objs_[id].s.assign(s);
    stack_.push_back(id);
    return Status::ok();
  }
  Status global(std::string_view module, std::string_view name);
  Status reduce();
  Status persid();
  Status rebuild_tensor(const std::vector<uint32_t>& args);
  Result<std::vector<uint64_t>> int_tuple(uint32_t id, const char* what, bool allow_neg) const;
  Result<StateDict> finish();

  ByteReader r_;
  std::string what_;
  uint8_t op_ = 0;
  size_t op_at_ = 0;
  std::vector<Obj> objs_;
  std::vector<uint32_t> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint32_t, uint32_t> memo_;
  std::vector<TensorObj> tensors_;
  StateDict out_;
  std::unordered_map<std::string, size_t> storage_by_key_;
};

Status Machine::global(std::string_view module, std::string_view name) {
  const std::string full = std::string(module) + "." + std::string(name);
  Obj g;
  g.kind = Kind::kGlobal;
  g.s = full;
  bool ok = true;
  if (full == "collections.OrderedDict") {
    g.i = static_cast<int64_t>(Callable::kOrderedDict);
  } else if (full == "torch._utils._rebuild_tensor_v2") {
    g.i = static_cast<int64_t>(Callable::kRebuildTensorV2);
  } else if (full == "torch._utils._rebuild_parameter") {
    g.i = static_cast<int64_t>(Callable::kRebuildParameter);
  } else if (full == "torch._utils._rebuild_parameter_with_state") {
    g.i = static_cast<int64_t>(Callable::kRebuildParameterWithState);
  } else {
    ok = false;
    if (module == "torch") {
      for (const StorageClass& c : kStorageClasses) {
        if (name == c.name) {
          g.i = static_cast<int64_t>(Callable::kStorageClass);
          ok = true;
        }
      }
    }
  }
  if (!ok) {
    return err("global " + json::quote(full, 80) +
               " is not allowed (a checkpoint may only name collections.OrderedDict, "
               "torch._utils._rebuild_tensor_v2/_rebuild_parameter and torch.*Storage)");
  }
  SLIM_ASSIGN_OR_RETURN(uint32_t id, make(Kind::kGlobal));
  objs_[id] = std::move(g);
  stack_.push_back(id);
  return Status::ok();
}

Result<std::vector<uint64_t>> Machine::int_tuple(uint32_t id, const char* what,
                                                 bool allow_neg) const {
  const Obj& o = objs_[id];
  if (o.kind != Kind::kTuple)
    return err(std::string(what) + " is a " + kind_name(o.kind) + ", not a tuple");
  if (o.items.size() > kMaxDims)
    return err(std::string(what) + " has " + std::to_string(o.items.size()) +
               " dimensions (at most " + std::to_string(kMaxDims) + ")");
  std::vector<uint64_t> v;
  for (uint32_t x : o.items) {
    const Obj& e = objs_[x];
    if (e.kind != Kind::kInt || (!allow_neg && e.i < 0))
      return err(std::string(what) + " holds a " + kind_name(e.kind) +
                 (e.kind == Kind::kInt ? " below 0" : "") + ", not a size");
    v.push_back(static_cast<uint64_t>(e.i));
  }
  return v;
}

Status Machine::rebuild_tensor(const std::vector<uint32_t>& a) {
  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks
  //                    [, metadata])
  if (a.size() != 6 && a.size() != 7)
    return err("_rebuild_tensor_v2 takes 6 or 7 arguments, got " + std::to_string(a.size()));
  const Obj& st = objs_[a[0]];
  if (st.kind != Kind::kStorage)
    return err("_rebuild_tensor_v2 argument 0 is a " + std::string(kind_name(st.kind)) +
               ", not a storage");
  const Obj& off = objs_[a[1]];
  if (off.kind != Kind::kInt || off.i < 0)
    return err("_rebuild_tensor_v2 storage offset is not a size");
  TensorObj t;
  t.storage = static_cast<size_t>(st.i);
  t.offset = static_cast<uint64_t>(off.i);
  SLIM_ASSIGN_OR_RETURN(t.shape, int_tuple(a[2], "tensor size", false));
  SLIM_ASSIGN_OR_RETURN(std::vector<uint64_t> stride, int_tuple(a[3], "tensor stride", true));
  if (stride.size() != t.shape.size()) return err("tensor size and stride differ in length");
  for (uint64_t s : stride) t.stride.push_back(static_cast<int64_t>(s));
  if (objs_[a[4]].kind != Kind::kBool) return err("requires_grad is not a bool");
  SLIM_ASSIGN_OR_RETURN(uint32_t id, make(Kind::kTensor));
  objs_[id].i = static_cast<int64_t>(tensors_.size());
  tensors_.push_back(std::move(t));
  stack_.push_back(id);
  return Status::ok();
}

Status Machine::reduce() {
  SLIM_TRY(need(2));
  const uint32_t args_id = pop();
  const uint32_t fn_id = pop();
  const Obj& fn = objs_[fn_id];
  if (fn.kind != Kind::kGlobal)
    return err("the callable is a " + std::string(kind_name(fn.kind)) + ", not an allowed global");
  const Obj& args = objs_[args_id];
  if (args.kind != Kind::kTuple)
    return err("arguments of " + fn.s + " are a " + kind_name(args.kind) + ", not a tuple");
  // Every allowed callable takes at most 7 arguments: check before copying, so a huge tuple
  // reduced again and again cannot cost quadratic time.
  if (args.items.size() > 7) {
    return err(fn.s + " called with " + std::to_string(args.items.size()) +
               " arguments (at most 7)");
  }
  const std::vector<uint32_t> a = args.items;  // a copy: the arena may grow below
  switch (static_cast<Callable>(fn.i)) {
    case Callable::kOrderedDict:
      if (!a.empty()) return err("collections.OrderedDict called with arguments");
      return push_new(Kind::kDict);
    case Callable::kRebuildTensorV2:
      return rebuild_tensor(a);
    case Callable::kRebuildParameter:
    case Callable::kRebuildParameterWithState: {
      const size_t n = static_cast<Callable>(fn.i) == Callable::kRebuildParameter ? 3 : 4;
      if (a.size() != n)
        return err(fn.s + " takes " + std::to_string(n) + " arguments, got " +
                   std::to_string(a.size()));
      if (objs_[a[0]].kind != Kind::kTensor) return err(fn.s + " of something not a tensor");
      stack_.push_back(a[0]);
      return Status::ok();
    }
    case Callable::kStorageClass:
      break;
  }
  return err(fn.s + " cannot be called (storages only appear in persistent ids)");
}

Status Machine::persid() {
  SLIM_TRY(need(1));
  const Obj& pid = objs_[pop()];
  if (pid.kind != Kind::kTuple || pid.items.size() != 5)
    return err("persistent id is not a ('storage', type, key, location, numel) tuple");
  const Obj& tag = objs_[pid.items[0]];
  const Obj& type = objs_[pid.items[1]];
  const Obj& key = objs_[pid.items[2]];
  const Obj& loc = objs_[pid.items[3]];
  const Obj& numel = objs_[pid.items[4]];
  if (tag.kind != Kind::kString || tag.s != "storage")
    return err("persistent id does not start with 'storage'");
  if (type.kind != Kind::kGlobal || static_cast<Callable>(type.i) != Callable::kStorageClass)
    return err("persistent id storage type is not a torch.*Storage class");
  if (key.kind != Kind::kString || key.s.empty()) return err("persistent id key is not a string");
  if (key.s.find('/') != std::string::npos || key.s == "." || key.s == "..")
    return err("persistent id key " + json::quote(key.s) + " is not a plain name");
  if (loc.kind != Kind::kString) return err("persistent id location is not a string");
  if (numel.kind != Kind::kInt || numel.i < 0) return err("persistent id numel is not a size");
  std::string dtype;
  const std::string cls = type.s.substr(type.s.find('.') + 1);
  for (const StorageClass& c : kStorageClasses) {
    if (cls == c.name) dtype = c.dtype;
  }
  const auto it = storage_by_key_.find(key.s);
  size_t idx = 0;
  if (it == storage_by_key_.end()) {
    idx = out_.storages.size();
    out_.storages.push_back({key.s, dtype, loc.s, static_cast<uint64_t>(numel.i)});
    storage_by_key_.emplace(key.s, idx);
  } else {
    idx = it->second;
    const Storage& s = out_.storages[idx];
    if (s.dtype != dtype || s.numel != static_cast<uint64_t>(numel.i))
      return err("storage " + json::quote(key.s) + " is referenced with different types or sizes");
  }
  return push_new(Kind::kStorage, static_cast<int64_t>(idx));
}

Result<StateDict> Machine::run() {
  for (;;) {
    op_at_ = r_.offset();
    if (!r_.read(&op_)) {
      op_ = '.';
      return err("the pickle ends without STOP");
    }
    switch (op_) {
      case 0x80: {  // PROTO
        uint8_t v = 0;
        if (!r_.read(&v)) return err("truncated");
        if (v > 5) return err("protocol " + std::to_string(v) + " is unknown");
        break;
      }
      case 0x95: {  // FRAME: a length hint only
        uint64_t n = 0;
        if (!r_.read(&n)) return err("truncated");
        break;
      }
      case '(':
        if (marks_.size() >= kMaxMarks)
          return err("more than " + std::to_string(kMaxMarks) + " nested MARKs");
        marks_.push_back(stack_.size());
        break;
      case '}':
        SLIM_TRY(push_new(Kind::kDict));
        break;
      case ']':
        SLIM_TRY(push_new(Kind::kList));
        break;
      case ')':
        SLIM_TRY(push_new(Kind::kTuple));
        break;
      case 'N':
        SLIM_TRY(push_new(Kind::kNone));
        break;
      case 0x88:
        SLIM_TRY(push_new(Kind::kBool, 1));
        break;
      case 0x89:
        SLIM_TRY(push_new(Kind::kBool, 0));
        break;
      case 'J': {
        int32_t v = 0;
        if (!r_.read(&v)) return err("truncated");
        SLIM_TRY(push_new(Kind::kInt, v));
        break;
      }
      case 'K': {
        uint8_t v = 0;
        if (!r_.read(&v)) return err("truncated");
        SLIM_TRY(push_new(Kind::kInt, v));
        break;
      }
      case 'M': {
        uint16_t v = 0;
        if (!r_.read(&v)) return err("truncated");
        SLIM_TRY(push_new(Kind::kInt, v));
        break;
      }
      case 0x8a: {  // LONG1: n bytes, little-endian two's complement
        uint8_t n = 0;
        if (!r_.read(&n)) return err("truncated");
        if (n > 8) return err(std::to_string(n) + "-byte integer is too large");
        std::string_view b;
        if (!r_.read_bytes(n, &b)) return err("truncated");
        uint64_t u = 0;
        for (size_t k = 0; k < n; ++k) u |= uint64_t{static_cast<uint8_t>(b[k])} << (8 * k);
        if (n > 0 && n < 8 && (static_cast<uint8_t>(b[n - 1]) & 0x80) != 0)
          u |= ~uint64_t{0} << (8 * n);
        SLIM_TRY(push_new(Kind::kInt, static_cast<int64_t>(u)));
        break;
      }
      case 'G': {  // BINFLOAT: big-endian double
        uint8_t b[8];
        if (!r_.read(&b)) return err("truncated");
        uint64_t u = 0;
        for (uint8_t x : b) u = (u << 8) | x;
        SLIM_ASSIGN_OR_RETURN(uint32_t id, make(Kind::kFloat));
        std::memcpy(&objs_[id].f, &u, 8);
        stack_.push_back(id);
        break;
      }
      case 'X': {
        uint32_t n = 0;
        if (!r_.read(&n)) return err("truncated");
        SLIM_TRY(read_string(n));
        break;
      }
      case 0x8c: {
        uint8_t n = 0;
        if (!r_.read(&n)) return err("truncated");
        SLIM_TRY(read_string(n));
        break;
      }
      case 0x8d: {
        uint64_t n = 0;
        if (!r_.read(&n)) return err("truncated");
        SLIM_TRY(read_string(n));
        break;
      }
      case 't': {
        SLIM_ASSIGN_OR_RETURN(std::vector<uint32_t> items, pop_mark());
        SLIM_ASSIGN_OR_RETURN(uint32_t id, make(Kind::kTuple));
        objs_[id].items = std::move(items);
        stack_.push_back(id);
        break;
      }
      case 0x85:
      case 0x86:
      case 0x87: {
        const size_t n = op_ - 0x84u;
        SLIM_TRY(need(n));
        SLIM_ASSIGN_OR_RETURN(uint32_t id, make(Kind::kTuple));
        objs_[id].items.assign(stack_.end() - static_cast<std::ptrdiff_t>(n), stack_.end());
        stack_.resize(stack_.size() - n);
        stack_.push_back(id);
        break;
      }
      case 'q':
      case 'r':
      case 0x94: {
        uint32_t idx = 0;
        if (op_ == 'q') {
          uint8_t v = 0;
          if (!r_.read(&v)) return err("truncated");
          idx = v;
        } else if (op_ == 'r') {
          if (!r_.read(&idx)) return err("truncated");
        } else {
          idx = static_cast<uint32_t>(memo_.size());
        }
        SLIM_TRY(need(1));
        memo_[idx] = stack_.back();
        break;
      }
      case 'h':
      case 'j': {
        uint32_t idx = 0;
        if (op_ == 'h') {
          uint8_t v = 0;
          if (!r_.read(&v)) return err("truncated");
          idx = v;
        } else if (!r_.read(&idx)) {
          return err("truncated");
        }
        const auto it = memo_.find(idx);
        if (it == memo_.end())
          return err("memo index " + std::to_string(idx) + " was never stored");
        stack_.push_back(it->second);
        break;
      }
      case 's': {
        SLIM_TRY(need(3));
        const uint32_t v = pop(), k = pop();
        Obj& d = objs_[stack_.back()];
        if (d.kind != Kind::kDict)
          return err("target is a " + std::string(kind_name(d.kind)) + ", not a dict");
        d.items.push_back(k);
        d.items.push_back(v);
        break;
      }
      case 'u': {
        SLIM_ASSIGN_OR_RETURN(std::vector<uint32_t> items, pop_mark());
        if (items.size() % 2 != 0) return err("odd number of items");
        if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back()))
          return err("stack underflow");
        Obj& d = objs_[stack_.back()];
        if (d.kind != Kind::kDict)
          return err("target is a " + std::string(kind_name(d.kind)) + ", not a dict");
        d.items.insert(d.items.end(), items.begin(), items.end());
        break;
      }
      case 'a': {
        SLIM_TRY(need(2));
        const uint32_t v = pop();
        Obj& l = objs_[stack_.back()];
        if (l.kind != Kind::kList)
          return err("target is a " + std::string(kind_name(l.kind)) + ", not a list");
        l.items.push_back(v);
        break;
      }
      case 'e': {
        SLIM_ASSIGN_OR_RETURN(std::vector<uint32_t> items, pop_mark());
        if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back()))
          return err("stack underflow");
        Obj& l = objs_[stack_.back()];
        if (l.kind != Kind::kList)
          return err("target is a " + std::string(kind_name(l.kind)) + ", not a list");
        l.items.insert(l.items.end(), items.begin(), items.end());
        break;
      }
      case 'c': {  // GLOBAL "module\nname\n"
        std::string_view parts[2];
        for (std::string_view& p : parts) {
          const uint8_t* start = r_.data() + r_.offset();
          const size_t avail = std::min(r_.remaining(), kMaxGlobalName + 1);
          const void* nl = std::memchr(start, '\n', avail);
          if (nl == nullptr)
            return err("module or name not terminated by a newline within " +
                       std::to_string(kMaxGlobalName) + " bytes");
          const size_t len = static_cast<size_t>(static_cast<const uint8_t*>(nl) - start);
          r_.read_bytes(len, &p);
          r_.skip(1);
        }
        SLIM_TRY(global(parts[0], parts[1]));
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        SLIM_TRY(need(2));
        const uint32_t name_id = pop();
        const uint32_t module_id = pop();
        if (objs_[module_id].kind != Kind::kString || objs_[name_id].kind != Kind::kString)
          return err("module and name are not strings");
        // Copies: global() grows the arena, which would invalidate references into it.
        const std::string module = objs_[module_id].s, name = objs_[name_id].s;
        SLIM_TRY(global(module, name));
        break;
      }
      case 'R':
        SLIM_TRY(reduce());
        break;
      case 'b': {  // BUILD: only an OrderedDict's state (its _metadata attribute) is accepted
        SLIM_TRY(need(2));
        const Obj& state = objs_[pop()];
        const Obj& target = objs_[stack_.back()];
        if (target.kind != Kind::kDict)
          return err("BUILD on a " + std::string(kind_name(target.kind)) + " is not supported");
        if (state.kind != Kind::kDict && state.kind != Kind::kNone)
          return err("BUILD state is a " + std::string(kind_name(state.kind)) + ", not a dict");
        break;
      }
      case 'Q':
        SLIM_TRY(persid());
        break;
      case '.':
        return finish();
      default: {
        const std::string_view n = opcode_name(op_);
        char hex[8];
        std::snprintf(hex, sizeof(hex), "0x%02x", op_);
        return corrupt(
            what_ + ": " +
            (n.empty() ? "unknown pickle opcode " : "pickle opcode " + std::string(n) + " (") +
            hex + (n.empty() ? "" : ")") + " at byte " + std::to_string(op_at_) +
            " is not allowed in a checkpoint");
      }
    }
  }
}

Result<StateDict> Machine::finish() {
  if (!marks_.empty()) return err("MARK left open");
  if (stack_.size() != 1)
    return err("stack holds " + std::to_string(stack_.size()) + " objects, not 1");
  const Obj& d = objs_[stack_.back()];
  if (d.kind != Kind::kDict)
    return err("the pickle is a " + std::string(kind_name(d.kind)) + ", not a state dict");
  std::unordered_map<std::string_view, size_t> seen;
  for (size_t i = 0; i + 1 < d.items.size(); i += 2) {
    const Obj& k = objs_[d.items[i]];
    const Obj& v = objs_[d.items[i + 1]];
    if (k.kind != Kind::kString)
      return err("state dict key is a " + std::string(kind_name(k.kind)) + ", not a str");
    if (v.kind != Kind::kTensor)
      return err("state dict entry " + json::quote(k.s) + " is a " + kind_name(v.kind) +
                 ", not a tensor");
    if (!seen.emplace(k.s, i).second)
      return err("state dict key " + json::quote(k.s) + " appears twice");
    TensorObj& t = tensors_[static_cast<size_t>(v.i)];
    out_.tensors.push_back({k.s, t.storage, t.offset, t.shape, t.stride});
  }
  return std::move(out_);
}

}  // namespace

std::string_view opcode_name(uint8_t op) {
  for (const OpName& o : kOpNames) {
    if (o.op == op) return o.name;
  }
  return "";
}

Result<StateDict> load_state_dict(const uint8_t* data, size_t size, std::string_view what) {
  Machine m(data, size, std::string(what));
  return m.run();
}

}  // namespace slim::pickle
