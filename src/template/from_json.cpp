// JSON -> template values (see from_json.hpp).
#include "template/from_json.hpp"

namespace slim::tmpl {

Value from_json(const json::Value& j) {
  switch (j.type()) {
    case json::Type::kNull:
      return Value::none();
    case json::Type::kBool:
      return Value::boolean(j.as_bool());
    case json::Type::kNumber: {
      int64_t i = 0;
      if (j.is_integer() && j.get_int(INT64_MIN, INT64_MAX, &i)) return Value::integer(i);
      return Value::number(j.as_double());
    }
    case json::Type::kString:
      return Value::string(j.str());
    case json::Type::kArray: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (size_t k = 0; k < j.size(); ++k) items.push_back(from_json(j.at(k)));
      return Value::make_list(std::move(items));
    }
    case json::Type::kObject: {
      Dict d;
      for (size_t k = 0; k < j.size(); ++k) d.set(j.key(k), from_json(j.at(k)));
      return Value::make_dict(std::move(d));
    }
  }
  return Value::none();
}

}  // namespace slim::tmpl
