# Warnings are errors for project code (not for third-party headers).
add_library(slim_warnings INTERFACE)
target_compile_options(slim_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
  -Wimplicit-fallthrough -Wformat=2 -Werror)
# GCC 12 reports false -Wrestrict positives inside libstdc++'s std::string operator+ at -O3
# (GCC bug 105329); the warning is off for GCC only.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(slim_warnings INTERFACE -Wno-restrict)
endif()
