#include <coropipe/stages/print.hpp>

#include <coropipe/generator.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>
#include <coropipe/stages/lines.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace fs = std::filesystem;
using coropipe::print;
using coropipe::print_to;
using namespace std::string_literals;

namespace {

/// A real file in the temp directory, opened for writing; removed at scope exit.
struct temp_output {
    fs::path path;
    int fd = -1;

    temp_output() {
        static std::atomic<int> counter{0};
        path = fs::temp_directory_path() /
               ("coropipe_print_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        REQUIRE(fd >= 0);
    }
    temp_output(const temp_output&) = delete;
    temp_output& operator=(const temp_output&) = delete;
    ~temp_output() {
        ::close(fd);
        std::error_code ec;
        fs::remove(path, ec);
    }

    std::string contents() const {
        std::ifstream in(path, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }
};

/// Ignores SIGPIPE for one test, so that a write to a closed pipe fails with
/// EPIPE instead of killing the process.
struct ignore_sigpipe {
    struct sigaction old {};
    ignore_sigpipe() {
        struct sigaction ign {};
        ign.sa_handler = SIG_IGN;
        ::sigaction(SIGPIPE, &ign, &old);
    }
    ~ignore_sigpipe() { ::sigaction(SIGPIPE, &old, nullptr); }
};

struct point {
    int x, y;
    friend std::ostream& operator<<(std::ostream& os, const point& p) { return os << '(' << p.x << ", " << p.y << ')'; }
};

coropipe::stage<std::string_view> non_empty() {
    while (std::string_view* line = co_await coropipe::input) {
        if (!line->empty()) {
            co_yield *line;
        }
    }
}

coropipe::stage<int, std::string> labelled() {
    while (int* n = co_await coropipe::input) {
        co_yield "n=" + std::to_string(*n);
    }
}

coropipe::generator<std::string_view> two_then_throw() {
    co_yield "first";
    co_yield "second";
    throw std::runtime_error("upstream failed");
}

} // namespace

TEST_CASE("print_to writes each element sent to it on its own line", "[stage][print]") {
    std::ostringstream out;
    auto s = print_to<std::string_view>(out);
    CHECK(s.send("hello"));
    CHECK(s.send("world"));
    s.close();
    CHECK(out.str() == "hello\nworld\n");
}

TEST_CASE("print writes every element of a piped range", "[stage][print]") {
    std::ostringstream out;
    std::vector<std::string> words{"a", "bb", "", "ccc"};
    words | print(out);
    CHECK(out.str() == "a\nbb\n\nccc\n");
}

TEST_CASE("print writes numbers in to_chars shortest form", "[stage][print]") {
    std::ostringstream out;
    std::vector<int>{0, -42, 2147483647} | print(out);
    std::vector<double>{0.1, 1e100, -2.5, 3.0, 1.0 / 3} | print(out);
    std::vector<unsigned long long>{18446744073709551615ull} | print(out);
    CHECK(out.str() == "0\n-42\n2147483647\n0.1\n1e+100\n-2.5\n3\n0.3333333333333333\n18446744073709551615\n");
}

TEST_CASE("print writes characters, bools and types with operator<<", "[stage][print]") {
    std::ostringstream out;
    std::vector<char>{'x', 'y'} | print(out);
    std::vector<point>{{1, 2}, {-3, 4}} | print(out);
    std::vector<const char*>{"c-string"} | print(out);
    std::vector<bool>{true, false} | print(out);
    CHECK(out.str() == "x\ny\n(1, 2)\n(-3, 4)\nc-string\n1\n0\n");
}

TEST_CASE("print composes with user stages", "[stage][print]") {
    std::ostringstream out;
    std::vector<std::string_view>{"a", "", "b"} | non_empty() | print(out);
    std::vector<int>{1, 2} | labelled() | print(out);
    CHECK(out.str() == "a\nb\nn=1\nn=2\n");
}

TEST_CASE("a stage piped into print is a sink that takes sends", "[stage][print]") {
    std::ostringstream out;
    coropipe::sink<std::string_view> s = non_empty() | print(out);
    s.send("x");
    s.send("");
    s.send("y");
    s.close();
    CHECK(out.str() == "x\ny\n");
}

TEST_CASE("print of empty input writes nothing", "[stage][print]") {
    std::ostringstream out;
    std::vector<std::string>{} | print(out);
    CHECK(out.str().empty());

    temp_output file;
    std::vector<std::string>{} | print(file.fd);
    CHECK(file.contents().empty());
}

TEST_CASE("print writes to a descriptor and leaves it open", "[stage][print]") {
    temp_output file;
    std::vector<std::string_view>{"one", "two"} | print(file.fd);
    CHECK(file.contents() == "one\ntwo\n");
    CHECK(::fcntl(file.fd, F_GETFD) != -1);
}

TEST_CASE("print copies lines byte for byte, NUL and invalid UTF-8 included", "[stage][print]") {
    temp_output file;
    const std::string content = "a\0b\r\n\xff\xfe\n\n"s;
    std::istringstream in(content);
    coropipe::lines(in) | print(file.fd);
    CHECK(file.contents() == content);
}

TEST_CASE("print writes more than its buffer holds", "[stage][print]") {
    std::vector<std::string> elements;
    std::string expected;
    for (int i = 0; i < 100000; ++i) {
        elements.push_back("element " + std::to_string(i));
        if (i == 500) {
            elements.push_back(std::string(300000, 'L')); // bigger than the buffer
        }
        if (i == 600) {
            elements.push_back(std::string(coropipe::detail::output_buffer::capacity - 1, 'M'));
        }
    }
    for (const auto& e : elements) {
        expected += e + "\n";
    }
    temp_output file;
    elements | print(file.fd);
    CHECK(file.contents() == expected);

    std::ostringstream out;
    elements | print(out);
    CHECK(out.str() == expected);
}

TEST_CASE("print writes everything into a pipe read by another thread", "[stage][print]") {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    std::string got;
    std::thread reader([fd = fds[0], &got] {
        char buf[4096];
        for (;;) {
            const ssize_t n = ::read(fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                break;
            }
            got.append(buf, static_cast<std::size_t>(n));
        }
        ::close(fd);
    });
    std::vector<std::string> elements;
    std::string expected;
    for (int i = 0; i < 50000; ++i) {
        elements.push_back(std::string(static_cast<std::size_t>(i % 50), '*') + std::to_string(i));
        expected += elements.back() + "\n";
    }
    elements | print(fds[1]);
    ::close(fds[1]);
    reader.join();
    CHECK(got == expected);
}

TEST_CASE("print to a pipe whose reader has gone throws system_error EPIPE", "[stage][print]") {
    ignore_sigpipe guard;
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    ::close(fds[0]);
    try {
        std::vector<std::string_view>{"lost"} | print(fds[1]);
        FAIL("no exception");
    } catch (const std::system_error& e) {
        CHECK(e.code() == std::errc::broken_pipe);
        CHECK(e.code().value() == EPIPE);
    }
    ::close(fds[1]);
}

TEST_CASE("print to a closed descriptor throws system_error EBADF from close", "[stage][print]") {
    const int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    ::close(fd);
    auto s = print_to<std::string_view>(fd);
    CHECK(s.send("buffered, not yet written"));
    try {
        s.close();
        FAIL("no exception");
    } catch (const std::system_error& e) {
        CHECK(e.code() == std::errc::bad_file_descriptor);
        CHECK_THAT(e.what(), Catch::Contains("fd " + std::to_string(fd)));
    }
}

TEST_CASE("print to a failed stream throws system_error", "[stage][print]") {
    std::ostringstream out;
    out.setstate(std::ios::badbit);
    CHECK_THROWS_AS(std::vector<std::string>{"x"} | print(out), std::system_error);
}

TEST_CASE("a print sink destroyed early still writes what it accepted", "[stage][print]") {
    SECTION("to a stream") {
        std::ostringstream out;
        {
            auto s = print_to<std::string_view>(out);
            s.send("a");
            s.send("b");
            CHECK(out.str().empty()); // still buffered
        }
        CHECK(out.str() == "a\nb\n");
    }
    SECTION("to a descriptor") {
        temp_output file;
        {
            auto s = print_to<std::string_view>(file.fd);
            s.send("a");
            s.send("b");
            CHECK(file.contents().empty());
        }
        CHECK(file.contents() == "a\nb\n");
    }
}

TEST_CASE("print writes what it accepted before an upstream exception", "[stage][print]") {
    temp_output file;
    CHECK_THROWS_WITH(two_then_throw() | print(file.fd), "upstream failed");
    CHECK(file.contents() == "first\nsecond\n");
}

TEST_CASE("a line-buffered print writes every element at once", "[stage][print]") {
    temp_output file;
    auto s = print_to<std::string_view>(file.fd, coropipe::line_buffered);
    s.send("one");
    CHECK(file.contents() == "one\n");
    s.send("two");
    CHECK(file.contents() == "one\ntwo\n");
    s.close();
    CHECK(file.contents() == "one\ntwo\n");
}

TEST_CASE("a line-buffered print flushes its stream after every element", "[stage][print]") {
    temp_output file;
    std::ofstream out(file.path, std::ios::binary);
    auto s = print(out, coropipe::line_buffered).build<std::string_view>();
    s.send("one");
    CHECK(file.contents() == "one\n");
    s.close();
}

TEST_CASE("print is a sink for any printable element type", "[stage][print]") {
    STATIC_REQUIRE(coropipe::printable<std::string>);
    STATIC_REQUIRE(coropipe::printable<double>);
    STATIC_REQUIRE(coropipe::printable<point>);
    STATIC_REQUIRE_FALSE(coropipe::printable<std::vector<int>>);
    STATIC_REQUIRE(std::is_same_v<decltype(print_to<int>(1)), coropipe::sink<int>>);
}
