# ctest runs each Catch test by its name, as a Catch test spec: a name with a
# ';' is cut there (ctest's list separator), one starting with '-' is read as
# an option, a ',' or '\' changes the spec. Such a test ran nothing, and
# --warn NoTests now fails it; this check says why, before the suite runs.
# Included by tests/CMakeLists.txt.
add_test(NAME "test names: none starts with '-' or holds a ';' or a backslash"
  COMMAND ${CMAKE_COMMAND} -DROOT=${CMAKE_CURRENT_SOURCE_DIR} -P ${CMAKE_CURRENT_SOURCE_DIR}/support/check_test_names.cmake)
