#pragma once
// Forced into fuzz_daemon_config's sources (-include): toml++'s internal
// assertions off, as in Debian's libtomlplusplus.so, which the daemon links.
// HACK(toml++ 3.3): parse_key() asserts its first character is a key
// character, but a table header such as `[:a]` or `[[[1]]]` reaches it with
// another one; the release library then reports an ordinary parse_error
// ("expected bare key starting character or string delimiter"). Fixed
// upstream in https://github.com/marzer/tomlplusplus/pull/301.
// (Not NDEBUG: under clang, toml++ turns its assertions into
// __builtin_assume then, and a false assumption is undefined behaviour.)
#define TOML_ASSERT(expr) static_assert(true)
