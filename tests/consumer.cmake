# Registers "consumer: find_package(coropipe)": installs this build into a
# scratch prefix and builds tests/consumer against it (see consumer/run.cmake),
# proving the install rules export a working package. Included by
# tests/CMakeLists.txt.
set(coropipe_consumer_build_type "${CMAKE_BUILD_TYPE}")
if(NOT coropipe_consumer_build_type)
  set(coropipe_consumer_build_type Release)
endif()
set(coropipe_consumer_params ${CMAKE_CURRENT_BINARY_DIR}/consumer-params.cmake)
file(CONFIGURE OUTPUT ${coropipe_consumer_params} CONTENT [==[
set(PROJECT_BINARY_DIR [[@PROJECT_BINARY_DIR@]])
set(SOURCE_DIR [[@CMAKE_CURRENT_SOURCE_DIR@/consumer]])
set(WORK_DIR [[@CMAKE_CURRENT_BINARY_DIR@/consumer]])
set(GENERATOR [[@CMAKE_GENERATOR@]])
set(CXX_COMPILER [[@CMAKE_CXX_COMPILER@]])
set(BUILD_TYPE [[@coropipe_consumer_build_type@]])
set(CXX_FLAGS [[@CMAKE_CXX_FLAGS@]])
set(EXE_LINKER_FLAGS [[@CMAKE_EXE_LINKER_FLAGS@]])
set(SHARED_LINKER_FLAGS [[@CMAKE_SHARED_LINKER_FLAGS@]])
]==] @ONLY)

add_test(NAME "consumer: find_package(coropipe)"
  COMMAND ${CMAKE_COMMAND} -DPARAMS=${coropipe_consumer_params} -P ${CMAKE_CURRENT_SOURCE_DIR}/consumer/run.cmake)
set_tests_properties("consumer: find_package(coropipe)" PROPERTIES TIMEOUT 600)
