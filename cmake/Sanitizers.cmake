# ASan + UBSan for the debug-asan preset. UBSan findings abort so tests fail on them.
if(SLIM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# libFuzzer build (fuzz preset, clang): all code, libslim included, gets coverage instrumentation
# plus ASan + UBSan. The fuzz targets add -fsanitize=fuzzer when linking (tests/fuzz).
if(SLIM_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
