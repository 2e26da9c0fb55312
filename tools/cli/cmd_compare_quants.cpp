#include "commands.hpp"
namespace slim::cli {
int cmd_compare_quants(const std::vector<std::string>&) { return 2; }
}  // namespace slim::cli
