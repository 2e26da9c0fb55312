// OpenAI-style error objects: {"error": {"message", "type", "param", "code"}} with an HTTP status.
#pragma once

#include <string>

namespace slim::server {

struct ApiError {
  int http_status = 400;
  std::string type = "invalid_request_error";  // OpenAI's error "type"
  std::string message;                         // what was wrong and where
  std::string param;                           // offending request field ("" = null)
  std::string code;                            // machine-readable code ("" = null)
  int retry_after_s = 0;                       // > 0: send Retry-After (429, 503)
};

inline ApiError bad_request(std::string message, std::string param = {}) {
  ApiError e;
  e.message = std::move(message);
  e.param = std::move(param);
  return e;
}

// The JSON body of an error response.
std::string error_json(const ApiError& e);

}  // namespace slim::server
