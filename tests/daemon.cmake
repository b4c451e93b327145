# coropiped's configuration loader: its Catch2 test links the library, and
# (COROPIPE_FUZZ=ON) a libFuzzer target feeds it arbitrary files.

if(TARGET pipelines_daemon_config_test AND TARGET coropiped_config)
  target_link_libraries(pipelines_daemon_config_test PRIVATE coropiped_config)
  target_include_directories(pipelines_daemon_config_test PRIVATE ${PROJECT_SOURCE_DIR}/pipelines/coropiped)
endif()

if(COROPIPE_FUZZ)
  # fuzz.cmake (included after this file) declares it too; the first wins.
  set(COROPIPE_FUZZ_SECONDS 60 CACHE STRING "How long ctest runs each fuzz target")
  # As fuzz.cmake: only the sources the loader needs, not the library (clang 14
  # cannot compile the library's coroutine bodies with fuzzer coverage; the
  # loader has none; the pipeline-text checks need format.cpp and field.cpp).
  # toml++ is compiled in, header-only (its default without the package's
  # TOML_HEADER_ONLY=0), so its parser is instrumented too: coverage guides
  # the fuzzer through TOML's syntax, and ASan checks it. Its assertions are
  # off, as in the library the daemon links: see fuzz/toml_release_asserts.hpp.
  add_executable(fuzz_daemon_config
    ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/daemon_config_fuzz.cpp
    ${PROJECT_SOURCE_DIR}/pipelines/coropiped/config.cpp
    ${PROJECT_SOURCE_DIR}/lib/pipeline_text.cpp
    ${PROJECT_SOURCE_DIR}/lib/format.cpp
    ${PROJECT_SOURCE_DIR}/lib/field.cpp
    ${PROJECT_SOURCE_DIR}/lib/error.cpp)
  target_include_directories(fuzz_daemon_config PRIVATE
    ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/pipelines/coropiped)
  target_compile_features(fuzz_daemon_config PRIVATE cxx_std_20)
  target_compile_options(fuzz_daemon_config PRIVATE -fsanitize=fuzzer
    -include ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/toml_release_asserts.hpp)
  target_link_options(fuzz_daemon_config PRIVATE -fsanitize=fuzzer)
  # A scratch copy of the seed corpus: libFuzzer adds what it finds to it.
  # The TOML dictionary steers mutations towards the schema's keys.
  add_test(NAME "fuzz: daemon config"
    COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
      sh -c "rm -rf corpus-daemon-config && cp -r '${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/daemon_config' corpus-daemon-config && '$<TARGET_FILE:fuzz_daemon_config>' -max_total_time=${COROPIPE_FUZZ_SECONDS} -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1 -dict='${CMAKE_CURRENT_SOURCE_DIR}/fuzz/daemon_config.dict' corpus-daemon-config"
    WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties("fuzz: daemon config" PROPERTIES TIMEOUT 600)
endif()
