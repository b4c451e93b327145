# Installs the library and exports a CMake package so that
# find_package(coropipe) + target_link_libraries(x coropipe::coropipe) works.
include(CMakePackageConfigHelpers)

install(DIRECTORY include/coropipe
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  COMPONENT coropipe_Development)

install(TARGETS coropipe
  EXPORT coropipeTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT coropipe_Development
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT coropipe_Runtime
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT coropipe_Runtime
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(coropipe_config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/coropipe)

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/coropipe-config.cmake.in
  ${PROJECT_BINARY_DIR}/coropipe-config.cmake
  INSTALL_DESTINATION ${coropipe_config_dir})

write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/coropipe-config-version.cmake
  COMPATIBILITY SameMinorVersion)

install(FILES
  ${PROJECT_BINARY_DIR}/coropipe-config.cmake
  ${PROJECT_BINARY_DIR}/coropipe-config-version.cmake
  DESTINATION ${coropipe_config_dir}
  COMPONENT coropipe_Development)

install(EXPORT coropipeTargets
  NAMESPACE coropipe::
  DESTINATION ${coropipe_config_dir}
  COMPONENT coropipe_Development)
