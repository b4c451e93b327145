# The consumer test, run with `cmake -P`: installs the already-built coropipe
# into a scratch prefix, builds tests/consumer against it with the same
# compiler, flags and build type, runs it and compares its output.
#
# Takes -DPARAMS=<file> written by tests/consumer.cmake at configure time.
include(${PARAMS})

function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "consumer: ${what} failed (${status})\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)

step("install" ${CMAKE_COMMAND} --install ${PROJECT_BINARY_DIR} --prefix ${prefix} --config ${BUILD_TYPE})

step("configure" ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${build} -G ${GENERATOR}
  -DCMAKE_PREFIX_PATH=${prefix}
  -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
  -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
  "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
  "-DCMAKE_EXE_LINKER_FLAGS=${EXE_LINKER_FLAGS}"
  "-DCMAKE_SHARED_LINKER_FLAGS=${SHARED_LINKER_FLAGS}")

step("build" ${CMAKE_COMMAND} --build ${build} --config ${BUILD_TYPE} --parallel 1)

find_program(program consumer PATHS ${build} ${build}/${BUILD_TYPE} NO_DEFAULT_PATH REQUIRED)
step("run" ${program})
file(READ ${SOURCE_DIR}/expected.txt expected)
if(NOT step_output STREQUAL expected)
  message(FATAL_ERROR "consumer: output differs\n--- expected\n${expected}--- actual\n${step_output}")
endif()
message(STATUS "consumer: built against ${prefix} and ran correctly")
