# Registers "compile fail: NAME" for each tests/compile_fail/NAME.cpp: the file
# must not compile, and the compiler's message must match its `// expect: `
# line (the misuse is caught, and the message says what to do). Included by
# tests/CMakeLists.txt.
file(GLOB coropipe_compile_fail_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/compile_fail/*.cpp)
foreach(src IN LISTS coropipe_compile_fail_sources)
  get_filename_component(name ${src} NAME_WE)
  file(STRINGS ${src} expect REGEX "^// expect: ")
  string(REGEX REPLACE "^// expect: " "" expect "${expect}")
  add_test(NAME "compile fail: ${name}"
    COMMAND ${CMAKE_CXX_COMPILER} -std=c++20 -fsyntax-only -I${PROJECT_SOURCE_DIR}/include ${src})
  set_tests_properties("compile fail: ${name}" PROPERTIES PASS_REGULAR_EXPRESSION "${expect}" TIMEOUT 120)
endforeach()
