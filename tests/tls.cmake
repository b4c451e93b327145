# The TLS tests speak TLS themselves (OpenSSL clients with or without a
# certificate) to the daemon's TLS sources.
find_package(OpenSSL REQUIRED)
if(TARGET pipelines_coropiped_tls_test)
  target_link_libraries(pipelines_coropiped_tls_test PRIVATE OpenSSL::SSL)
endif()
