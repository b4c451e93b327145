# coropiped's configuration loader: its Catch2 test links the library.

if(TARGET pipelines_daemon_config_test AND TARGET coropiped_config)
  target_link_libraries(pipelines_daemon_config_test PRIVATE coropiped_config)
  target_include_directories(pipelines_daemon_config_test PRIVATE ${PROJECT_SOURCE_DIR}/pipelines/coropiped)
endif()

# Its libFuzzer target, fuzz_daemon_config, is in fuzz.cmake with the others.
