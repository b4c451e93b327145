# .ci/check-paths, the check that the repository names nothing outside it:
# its own test on scratch git repositories, and the check of this tree
# (skipped, exit 2, when the sources are not a git work tree). Included by
# tests/CMakeLists.txt.
find_package(Python3 COMPONENTS Interpreter)
find_program(COROPIPE_GIT git)
if(Python3_Interpreter_FOUND AND COROPIPE_GIT)
  add_test(NAME "check-paths: reports each path that leaves a repository, as FILE:LINE"
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/check_paths_test.sh ${PROJECT_SOURCE_DIR}/.ci/check-paths)
  add_test(NAME "check-paths: this repository names nothing outside it"
    COMMAND ${PROJECT_SOURCE_DIR}/.ci/check-paths ${PROJECT_SOURCE_DIR})
  set_tests_properties("check-paths: this repository names nothing outside it" PROPERTIES SKIP_RETURN_CODE 2)
endif()
