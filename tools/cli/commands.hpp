// The `slim` subcommands. Each takes the arguments after its name and returns the exit code.
#pragma once

#include <string>
#include <vector>

namespace slim::cli {

int cmd_run(const std::vector<std::string>& args);
int cmd_info(const std::vector<std::string>& args);
int cmd_tokenize(const std::vector<std::string>& args);
int cmd_quantize(const std::vector<std::string>& args);
int cmd_bench(const std::vector<std::string>& args);
int cmd_synth(const std::vector<std::string>& args);
int cmd_convert(const std::vector<std::string>& args);
int cmd_chat(const std::vector<std::string>& args);
int cmd_perplexity(const std::vector<std::string>& args);
int cmd_imatrix(const std::vector<std::string>& args);
int cmd_compare_quants(const std::vector<std::string>& args);
// `slim quantize IN OUT W8A8 --calib TEXT` (cmd_quantize_w8a8.cpp).
bool is_w8a8_type(const std::string& s);
int cmd_quantize_w8a8(const std::vector<std::string>& args);
int cmd_serve(const std::vector<std::string>& args);

// Prints "slim <cmd>: <message>" to stderr and returns 1.
int fail(const std::string& cmd, const std::string& message);

}  // namespace slim::cli
