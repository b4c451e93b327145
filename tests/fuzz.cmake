# libFuzzer targets: configure with the `fuzz` preset (clang, COROPIPE_FUZZ=ON).
# ctest runs each for a bounded time over its seed corpus.
option(COROPIPE_FUZZ "Build the libFuzzer targets (clang only)" OFF)
if(COROPIPE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "COROPIPE_FUZZ needs clang (libFuzzer): use the fuzz preset")
  endif()
  set(COROPIPE_FUZZ_SECONDS 60 CACHE STRING "How long ctest runs each fuzz target")
  # HACK(clang-14): UBSan's function check (-fsanitize=function, part of
  # `undefined`) fails on coroutine bodies, "Cannot represent a difference
  # across sections" (https://github.com/llvm/llvm-project/issues/49689);
  # fuzzer coverage is not the cause. Without that one check the library,
  # coroutines and all, builds for the fuzz targets (with coverage, ASan and
  # the rest of UBSan).
  target_compile_options(coropipe PRIVATE -fno-sanitize=function)

  # One libFuzzer target: NAME built from SOURCES (coroutine-free: they keep
  # -fsanitize=function) and linked with LIBS, and a ctest "fuzz: TEST" that
  # runs it for COROPIPE_FUZZ_SECONDS over a scratch copy of
  # tests/fuzz/corpus/CORPUS (libFuzzer adds what it finds to it), with an
  # optional DICT. LIBS are linked as they are (RE2, simdjson: not
  # instrumented, not fuzzed; the coropipe library: instrumented).
  function(coropipe_add_fuzz_target name)
    cmake_parse_arguments(PARSE_ARGV 1 arg "" "TEST;CORPUS;DICT" "SOURCES;INCLUDES;OPTIONS;LIBS")
    add_executable(${name} ${arg_SOURCES})
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/include ${arg_INCLUDES})
    target_compile_features(${name} PRIVATE cxx_std_20)
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer ${arg_OPTIONS})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${name} PRIVATE ${arg_LIBS})
    set(dict "")
    if(arg_DICT)
      set(dict "-dict='${arg_DICT}'")
    endif()
    set(scratch "corpus-${arg_CORPUS}")
    add_test(NAME "fuzz: ${arg_TEST}"
      COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
        sh -c "rm -rf ${scratch} && cp -r '${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${arg_CORPUS}' ${scratch} && '$<TARGET_FILE:${name}>' -max_total_time=${COROPIPE_FUZZ_SECONDS} -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1 ${dict} ${scratch}"
      WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
    set_tests_properties("fuzz: ${arg_TEST}" PROPERTIES TIMEOUT 600)
  endfunction()

  # The pipeline-text parser (print FORMAT is checked with the format stage's parser).
  # The parser reads the stage registry, whose entries hold the stages'
  # builders: it links the library.
  coropipe_add_fuzz_target(fuzz_pipeline_text TEST "pipeline text" CORPUS pipeline_text
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/pipeline_text_fuzz.cpp
    LIBS coropipe)

  # The syslog parser and the RFC 6587 framing, fed raw network bytes.
  coropipe_add_fuzz_target(fuzz_syslog TEST syslog CORPUS syslog
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/syslog_fuzz.cpp ${PROJECT_SOURCE_DIR}/lib/syslog.cpp
            ${PROJECT_SOURCE_DIR}/lib/octet_framing.cpp)

  # The ERE translator and the per-line regex matcher (Hyperscan, RE2), against RE2 alone.
  coropipe_add_fuzz_target(fuzz_ere TEST "ere" CORPUS ere
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/ere_fuzz.cpp ${PROJECT_SOURCE_DIR}/lib/ere.cpp
            ${PROJECT_SOURCE_DIR}/lib/regex.cpp ${PROJECT_SOURCE_DIR}/lib/regex_error.cpp
            ${PROJECT_SOURCE_DIR}/lib/hyperscan_database.cpp ${PROJECT_SOURCE_DIR}/lib/search.cpp
            ${PROJECT_SOURCE_DIR}/lib/error.cpp
    INCLUDES ${PROJECT_SOURCE_DIR}/lib)
  target_link_libraries(fuzz_ere PRIVATE PkgConfig::RE2 PkgConfig::HS)

  # coropiped's configuration loader: the sources of coropiped_config but
  # environment.cpp (it binds sockets; nothing of it depends on the text).
  # toml++ is compiled in, header-only, so its parser is instrumented too
  # (coverage guides the fuzzer through TOML's syntax, ASan checks it); its
  # assertions are off, as in the library the daemon links
  # (fuzz/toml_release_asserts.hpp). The dictionary steers mutations towards
  # the schema's keys.
  get_target_property(config_dir coropiped_config SOURCE_DIR)
  get_target_property(config_sources coropiped_config SOURCES)
  list(FILTER config_sources EXCLUDE REGEX "environment\\.cpp$")
  list(TRANSFORM config_sources PREPEND "${config_dir}/")
  coropipe_add_fuzz_target(fuzz_daemon_config TEST "daemon config" CORPUS daemon_config
    DICT ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/daemon_config.dict
    INCLUDES ${PROJECT_SOURCE_DIR}/pipelines/coropiped
    OPTIONS -include ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/toml_release_asserts.hpp
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/daemon_config_fuzz.cpp ${config_sources}
    LIBS coropipe)

  # where expressions: parsed, then matched against the lines after the first.
  coropipe_add_fuzz_target(fuzz_where TEST where CORPUS where
    DICT ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/where.dict
    INCLUDES ${PROJECT_SOURCE_DIR}/lib
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/where_fuzz.cpp
    LIBS coropipe)

  # FIELD lookups (JSON paths first) and numbers over random bytes.
  coropipe_add_fuzz_target(fuzz_json_path TEST "json path" CORPUS json_path
    DICT ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/json_path.dict
    INCLUDES ${PROJECT_SOURCE_DIR}/lib
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/json_path_fuzz.cpp
    LIBS coropipe simdjson::simdjson)

  # The window stage's timestamp parsing (every DURATION): RFC 3339 at the
  # start of random bytes, formatted back.
  coropipe_add_fuzz_target(fuzz_timestamp TEST timestamp CORPUS timestamp
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/timestamp_fuzz.cpp ${PROJECT_SOURCE_DIR}/lib/timestamp.cpp)

  # The planner differential: random pipeline texts over random bytes, the
  # fast paths on and off, the same output and the same error.
  coropipe_add_fuzz_target(fuzz_planner TEST "planner differential" CORPUS planner
    DICT ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/planner.dict
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/planner_fuzz.cpp
    LIBS coropipe)
endif()
