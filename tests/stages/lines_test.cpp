#include <coropipe/stages/lines.hpp>

#include <coropipe/detail/line_reader.hpp>
#include <coropipe/pipe.hpp>
#include <coropipe/stage.hpp>
#include <coropipe/stages/print.hpp>

#include <catch2/catch.hpp>
#include <collect.hpp>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace fs = std::filesystem;
using coropipe::lines;
using namespace std::string_literals;

using coropipe::test::collect;
namespace {

constexpr std::size_t chunk_size = coropipe::detail::line_reader::chunk_size;

/// A real file in the temp directory, removed at scope exit.
struct temp_file {
    fs::path path;

    explicit temp_file(std::string_view content) {
        static std::atomic<int> counter{0};
        path = fs::temp_directory_path() /
               ("coropipe_lines_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        std::ofstream out(path, std::ios::binary);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        REQUIRE(out.good());
    }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
    ~temp_file() {
        std::error_code ec;
        fs::remove(path, ec);
    }
};

/// An open descriptor, closed at scope exit.
struct fd_guard {
    int fd;
    explicit fd_guard(int f) : fd(f) { REQUIRE(fd >= 0); }
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    ~fd_guard() {
        if (fd >= 0) {
            ::close(fd);
        }
    }
};

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

std::size_t open_fd_count() {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator{}));
}

/// The descriptor number the next open() will get.
int next_fd() {
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    ::close(fd);
    return fd;
}

/// The lines of `content` read through a path, a descriptor and a stream;
/// all three must agree.
std::vector<std::string> lines_of(const std::string& content) {
    temp_file file(content);
    auto by_path = collect(lines(file.path));

    fd_guard fd(::open(file.path.c_str(), O_RDONLY | O_CLOEXEC));
    auto by_fd = collect(lines(fd.fd));

    std::istringstream in(content);
    auto by_stream = collect(lines(in));

    CHECK(by_fd == by_path);
    CHECK(by_stream == by_path);
    return by_path;
}

coropipe::stage<std::string_view> non_empty() {
    while (std::string_view* line = co_await coropipe::input) {
        if (!line->empty()) {
            co_yield *line;
        }
    }
}

} // namespace

TEST_CASE("lines yields the lines of a file without their newlines", "[stage][lines]") {
    temp_file file("alpha\nbeta\n\ngamma\n");
    CHECK(collect(lines(file.path)) == std::vector<std::string>{"alpha", "beta", "", "gamma"});
}

TEST_CASE("lines accepts a path as a std::string or a C string", "[stage][lines]") {
    temp_file file("one\ntwo\n");
    const std::string as_string = file.path.string();
    CHECK(collect(lines(as_string)) == std::vector<std::string>{"one", "two"});
    CHECK(collect(lines(as_string.c_str())) == std::vector<std::string>{"one", "two"});
}

TEST_CASE("lines reads a stream", "[stage][lines]") {
    std::istringstream in("x\ny\n");
    CHECK(collect(lines(in)) == std::vector<std::string>{"x", "y"});
}

TEST_CASE("lines reads a descriptor and leaves it open", "[stage][lines]") {
    temp_file file("a\nb\n");
    fd_guard fd(::open(file.path.c_str(), O_RDONLY | O_CLOEXEC));
    CHECK(collect(lines(fd.fd)) == std::vector<std::string>{"a", "b"});
    CHECK(is_open(fd.fd));
}

TEST_CASE("lines gives next() like Python", "[stage][lines]") {
    std::istringstream in("first\nsecond\n");
    auto g = lines(in);
    CHECK(g.next() == "first");
    CHECK(g.next() == "second");
    CHECK(g.next() == std::nullopt);
}

TEST_CASE("lines piped into print copies a file byte for byte", "[stage][lines]") {
    const std::string content = "one\ntwo\r\n\nthree\n";
    temp_file file(content);
    std::ostringstream out;
    lines(file.path) | coropipe::print(out);
    CHECK(out.str() == content);
}

TEST_CASE("lines composes with a user stage", "[stage][lines]") {
    temp_file file("a\n\nb\n\n\nc\n");
    std::ostringstream out;
    lines(file.path) | non_empty() | coropipe::print(out);
    CHECK(out.str() == "a\nb\nc\n");
    CHECK(collect(lines(file.path) | non_empty()) == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("lines of empty input yields nothing", "[stage][lines]") {
    CHECK(lines_of("").empty());
    std::ostringstream out;
    temp_file file("");
    lines(file.path) | coropipe::print(out);
    CHECK(out.str().empty());
}

TEST_CASE("lines does not open the file before begin", "[stage][lines]") {
    const fs::path missing = fs::temp_directory_path() / "coropipe_no_such_dir" / "missing.txt";
    auto g = lines(missing); // no throw: lazy
    try {
        (void)g.begin();
        FAIL("begin() did not throw");
    } catch (const std::system_error& e) {
        CHECK(e.code() == std::errc::no_such_file_or_directory);
        CHECK_THAT(e.what(), Catch::Contains(missing.string()));
    }
}

TEST_CASE("lines of a nonexistent path throws a system_error naming the path when piped", "[stage][lines]") {
    const std::string missing = (fs::temp_directory_path() / "coropipe_no_such_file_h1.txt").string();
    std::ostringstream out;
    CHECK_THROWS_MATCHES(lines(missing) | coropipe::print(out), std::system_error,
                         Catch::Matchers::Predicate<std::system_error>([&](const std::system_error& e) {
                             return e.code() == std::errc::no_such_file_or_directory &&
                                    std::string_view(e.what()).find(missing) != std::string_view::npos;
                         }));
}

TEST_CASE("lines of a directory throws a system_error naming it", "[stage][lines]") {
    const std::string dir = fs::temp_directory_path().string();
    auto g = lines(dir);
    try {
        (void)g.begin();
        FAIL("begin() did not throw");
    } catch (const std::system_error& e) {
        CHECK(e.code() == std::errc::is_a_directory);
        CHECK_THAT(e.what(), Catch::Contains(dir));
    }
}

TEST_CASE("destroying lines early closes the file it opened", "[stage][lines]") {
    std::string content;
    for (int i = 0; i < 100; ++i) {
        content += "line " + std::to_string(i) + "\n";
    }
    temp_file file(content);
    const std::size_t before = open_fd_count();
    const int fd = next_fd();
    {
        auto g = lines(file.path);
        CHECK_FALSE(is_open(fd)); // lazy: not yet opened
        auto it = g.begin();
        CHECK(*it == "line 0");
        ++it;
        CHECK(*it == "line 1");
        CHECK(is_open(fd));
        CHECK(open_fd_count() == before + 1);
    }
    CHECK_FALSE(is_open(fd));
    CHECK(open_fd_count() == before);
}

TEST_CASE("destroying lines of a descriptor early leaves it open", "[stage][lines]") {
    temp_file file("a\nb\nc\n");
    fd_guard fd(::open(file.path.c_str(), O_RDONLY | O_CLOEXEC));
    {
        auto g = lines(fd.fd);
        auto it = g.begin();
        ++it;
        CHECK(*it == "b");
    }
    CHECK(is_open(fd.fd));
}

TEST_CASE("lines keeps the carriage return of CRLF lines", "[stage][lines]") {
    CHECK(lines_of("a\r\nb\r\n\r\n") == std::vector<std::string>{"a\r", "b\r", "\r"});
    CHECK(lines_of("lone\rcr\n") == std::vector<std::string>{"lone\rcr"});
}

TEST_CASE("lines yields a last line without a final newline", "[stage][lines]") {
    CHECK(lines_of("a\nb") == std::vector<std::string>{"a", "b"});
    CHECK(lines_of("only") == std::vector<std::string>{"only"});
    CHECK(lines_of("\n") == std::vector<std::string>{""});
    CHECK(lines_of("\n\n") == std::vector<std::string>{"", ""});
}

TEST_CASE("lines passes NUL bytes through", "[stage][lines]") {
    const std::string content = "a\0b\n\0\n\0"s;
    CHECK(lines_of(content) == std::vector<std::string>{"a\0b"s, "\0"s, "\0"s});
}

TEST_CASE("lines passes invalid UTF-8 through unchanged", "[stage][lines]") {
    const std::string bad = "\xff\xfe\x80\xc3(\xed\xa0\x80";
    CHECK(lines_of(bad + "\n" + bad) == std::vector<std::string>{bad, bad});
}

TEST_CASE("lines reads a 10 MB single line", "[stage][lines]") {
    std::string big(10 * 1024 * 1024, 'x');
    for (std::size_t i = 0; i < big.size(); i += 4099) {
        big[i] = static_cast<char>('a' + i % 26);
    }
    const auto got = lines_of(big + "\nshort\n" + big);
    REQUIRE(got.size() == 3);
    CHECK(got[0] == big);
    CHECK(got[1] == "short");
    CHECK(got[2] == big);
}

TEST_CASE("lines splits correctly at the 64 KiB read boundary", "[stage][lines]") {
    // The first line's '\n' lands just before, on, or just after a chunk edge.
    const std::size_t first = GENERATE(chunk_size - 2, chunk_size - 1, chunk_size, chunk_size + 1, 2 * chunk_size - 1, 2 * chunk_size);
    CAPTURE(first);
    std::vector<std::string> expected{std::string(first, 'a'), "b", std::string(chunk_size - 1, 'c'),
                                      std::string(chunk_size, 'd'), "", std::string(chunk_size + 1, 'e')};
    std::string content;
    for (const auto& line : expected) {
        content += line + "\n";
    }
    CHECK(lines_of(content) == expected);
    // And the same without the final newline.
    content.pop_back();
    CHECK(lines_of(content) == expected);
}

TEST_CASE("lines of a file exactly one chunk_size long", "[stage][lines]") {
    const std::string line(chunk_size - 1, 'z');
    CHECK(lines_of(line + "\n") == std::vector<std::string>{line});
    CHECK(lines_of(line + "z") == std::vector<std::string>{line + "z"});
}

TEST_CASE("lines yields many short lines in order", "[stage][lines]") {
    std::vector<std::string> expected;
    std::string content;
    for (int i = 0; i < 200000; ++i) {
        expected.push_back(i % 7 == 0 ? std::string() : "line " + std::to_string(i));
        content += expected.back() + "\n";
    }
    CHECK(lines_of(content) == expected);
}

TEST_CASE("lines reads a pipe fed by another thread", "[stage][lines]") {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    fd_guard read_end(fds[0]);

    std::vector<std::string> expected;
    std::string content;
    for (int i = 0; i < 50000; ++i) {
        expected.push_back(std::string(static_cast<std::size_t>(i % 97), 'p') + std::to_string(i));
        content += expected.back() + "\n";
    }
    content += "tail";
    expected.push_back("tail");

    std::thread writer([fd = fds[1], &content] {
        // Odd-sized writes, so reads return partial chunks and split lines.
        const std::size_t sizes[] = {1, 7, 4096, 100000, 3, 65536};
        std::size_t pos = 0;
        for (std::size_t i = 0; pos < content.size(); ++i) {
            const std::size_t n = std::min(sizes[i % std::size(sizes)], content.size() - pos);
            const ssize_t w = ::write(fd, content.data() + pos, n);
            if (w < 0) {
                if (errno == EINTR) {
                    continue;
                }
                break;
            }
            pos += static_cast<std::size_t>(w);
        }
        ::close(fd);
    });
    const auto got = collect(lines(read_end.fd));
    writer.join();
    CHECK(got == expected);
}

TEST_CASE("line_reader exposes its buffer for fused fast paths", "[stage][lines]") {
    std::istringstream in("ab\ncd\nef");
    coropipe::detail::line_reader reader(in);
    CHECK(reader.buffered().empty());
    CHECK(reader.next() == "ab");
    CHECK(reader.buffered() == "cd\nef");
    reader.consume(3); // skip "cd\n" without splitting it
    CHECK(reader.next() == "ef");
    CHECK(reader.next() == std::nullopt);
    CHECK(reader.at_eof());
    CHECK_FALSE(reader.fill());
}

TEST_CASE("line_reader fill keeps the unconsumed bytes", "[stage][lines]") {
    std::string content(chunk_size, 'q');
    content += "\nrest\n";
    std::istringstream in(content);
    coropipe::detail::line_reader reader(in);
    REQUIRE(reader.fill());
    CHECK(reader.buffered().size() == chunk_size);
    reader.consume(chunk_size - 1);
    REQUIRE(reader.fill());
    CHECK(reader.buffered() == "q\nrest\n");
    CHECK_FALSE(reader.fill());
    CHECK(reader.next() == "q");
    CHECK(reader.next() == "rest");
    CHECK(reader.next() == std::nullopt);
}
