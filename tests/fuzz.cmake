# libFuzzer targets: configure with the `fuzz` preset (clang, COROPIPE_FUZZ=ON).
# ctest runs each for a bounded time over its seed corpus.
option(COROPIPE_FUZZ "Build the libFuzzer targets (clang only)" OFF)
if(COROPIPE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "COROPIPE_FUZZ needs clang (libFuzzer): use the fuzz preset")
  endif()
  set(COROPIPE_FUZZ_SECONDS 60 CACHE STRING "How long ctest runs each fuzz target")
  # Only the parser's sources, not the whole library: clang 14 fails on the
  # library's coroutine bodies under -fsanitize=fuzzer coverage ("Cannot
  # represent a difference across sections"), and the parser has none.
  add_executable(fuzz_pipeline_text
    ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/pipeline_text_fuzz.cpp
    ${PROJECT_SOURCE_DIR}/lib/pipeline_text.cpp
    ${PROJECT_SOURCE_DIR}/lib/format.cpp # print FORMAT is checked with the stage's parser
    ${PROJECT_SOURCE_DIR}/lib/field.cpp
    ${PROJECT_SOURCE_DIR}/lib/error.cpp)
  target_include_directories(fuzz_pipeline_text PRIVATE ${PROJECT_SOURCE_DIR}/include)
  target_compile_features(fuzz_pipeline_text PRIVATE cxx_std_20)
  target_compile_options(fuzz_pipeline_text PRIVATE -fsanitize=fuzzer)
  target_link_options(fuzz_pipeline_text PRIVATE -fsanitize=fuzzer)
  # A scratch copy of the seed corpus: libFuzzer adds what it finds to it.
  add_test(NAME "fuzz: pipeline text"
    COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
      sh -c "rm -rf corpus && cp -r '${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/pipeline_text' corpus && '$<TARGET_FILE:fuzz_pipeline_text>' -max_total_time=${COROPIPE_FUZZ_SECONDS} -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1 corpus"
    WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties("fuzz: pipeline text" PROPERTIES TIMEOUT 600)

  # The syslog parser and the RFC 6587 framing, fed raw network bytes: their
  # sources are coroutine-free for this reason.
  add_executable(fuzz_syslog
    ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/syslog_fuzz.cpp
    ${PROJECT_SOURCE_DIR}/lib/syslog.cpp
    ${PROJECT_SOURCE_DIR}/lib/octet_framing.cpp)
  target_include_directories(fuzz_syslog PRIVATE ${PROJECT_SOURCE_DIR}/include)
  target_compile_features(fuzz_syslog PRIVATE cxx_std_20)
  target_compile_options(fuzz_syslog PRIVATE -fsanitize=fuzzer)
  target_link_options(fuzz_syslog PRIVATE -fsanitize=fuzzer)
  add_test(NAME "fuzz: syslog"
    COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
      sh -c "rm -rf corpus_syslog && cp -r '${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/syslog' corpus_syslog && '$<TARGET_FILE:fuzz_syslog>' -max_total_time=${COROPIPE_FUZZ_SECONDS} -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1 corpus_syslog"
    WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties("fuzz: syslog" PROPERTIES TIMEOUT 600)
endif()
