// JSON documents (core/json.hpp) as template values: objects keep their member order, integers
// stay integers, other numbers become floats (Python's json.loads).
#pragma once

#include "core/json.hpp"
#include "template/value.hpp"

namespace slim::tmpl {

Value from_json(const json::Value& j);

}  // namespace slim::tmpl
