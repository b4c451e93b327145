#pragma once
// A real file in /tmp for one test, removed at scope exit.

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include <stdlib.h>
#include <unistd.h>

namespace coropipe::test {

/// Made with mkstemp (unique even across parallel test processes), holding
/// `content`; `read()` is what it holds now.
struct temp_file {
    std::string path;

    explicit temp_file(std::string_view content = {}) {
        char name[] = "/tmp/coropipe-test-XXXXXX";
        const int fd = ::mkstemp(name);
        REQUIRE(fd >= 0);
        path = name;
        std::string_view rest = content;
        while (!rest.empty()) {
            const ssize_t n = ::write(fd, rest.data(), rest.size());
            REQUIRE(n > 0);
            rest.remove_prefix(static_cast<std::size_t>(n));
        }
        ::close(fd);
    }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
    ~temp_file() { std::remove(path.c_str()); }

    std::string read() const {
        std::ifstream in(path, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), {}};
    }
};

} // namespace coropipe::test
