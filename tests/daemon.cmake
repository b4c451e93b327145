# coropiped's configuration loader: its Catch2 tests link the library.

foreach(test pipelines_daemon_config_test pipelines_daemon_config_environment_test)
  if(TARGET ${test} AND TARGET coropiped_config)
    target_link_libraries(${test} PRIVATE coropiped_config)
    target_include_directories(${test} PRIVATE ${PROJECT_SOURCE_DIR}/pipelines/coropiped)
  endif()
endforeach()

# Its libFuzzer target, fuzz_daemon_config, is in fuzz.cmake with the others.
