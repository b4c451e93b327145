#include <coropipe/stages/tee.hpp>

#include <coropipe/generator.hpp>
#include <coropipe/stages/grep.hpp>
#include <coropipe/stages/take.hpp>

#include <catch2/catch.hpp>
#include <line_source.hpp>
#include <collect.hpp>
#include <counted.hpp>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

using namespace std::literals;

using coropipe::test::collect;
using coropipe::test::strings;
using coropipe::test::numbered_lines;
namespace {

// A fresh file path under the build tree, removed at scope exit.
struct temp_path {
    std::filesystem::path path;
    explicit temp_path(std::string_view name)
        : path(std::filesystem::path(COROPIPE_BINARY_DIR) / "tee_test" /
               (std::string(name) + "." + std::to_string(::getpid()))) {
        std::filesystem::create_directories(path.parent_path());
        std::filesystem::remove(path);
    }
    ~temp_path() { std::filesystem::remove(path); }
    std::string str() const { return path.string(); }
};

std::string read_file(const temp_path& p) {
    std::ifstream in(p.path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST_CASE("tee passes every line on and writes it to the file", "[stage][tee]") {
    temp_path file("pass");
    std::vector<std::string_view> lines{"one", "", "three\0x"sv};
    CHECK(collect(lines | coropipe::tee(file.str())) == strings({"one", "", "three\0x"sv}));
    CHECK(read_file(file) == "one\n\nthree\0x\n"s);
}

TEST_CASE("tee with a source argument is the piped form", "[stage][tee]") {
    temp_path file("direct");
    std::vector<std::string> lines{"a", "b"};
    CHECK(collect(coropipe::tee(lines, file.str())) == strings({"a", "b"}));
    CHECK(read_file(file) == "a\nb\n");
}

TEST_CASE("tee yields the upstream's lines without copying", "[stage][tee]") {
    temp_path file("nocopy");
    std::vector<std::string_view> lines{"a", "b"};
    std::vector<const char*> addresses;
    auto p = lines | coropipe::tee(file.str().c_str());
    for (std::string_view& line : p) {
        addresses.push_back(line.data());
    }
    CHECK(addresses == std::vector<const char*>{lines[0].data(), lines[1].data()});
}

TEST_CASE("tee truncates an existing file", "[stage][tee]") {
    temp_path file("truncate");
    std::ofstream(file.path) << "old contents that are longer\n";
    std::vector<std::string_view> lines{"new"};
    collect(lines | coropipe::tee(file.str()));
    CHECK(read_file(file) == "new\n");
}

TEST_CASE("tee composes with other stages and sees what reaches it", "[stage][tee]") {
    temp_path before("before");
    temp_path after("after");
    std::vector<std::string_view> lines{"a1", "b2", "a3", "b4"};
    CHECK(collect(lines | coropipe::tee(before.str()) | coropipe::grep("a") | coropipe::tee(after.str())) ==
          strings({"a1", "a3"}));
    CHECK(read_file(before) == "a1\nb2\na3\nb4\n");
    CHECK(read_file(after) == "a1\na3\n");
}

TEST_CASE("tee writes to a descriptor and leaves it open", "[stage][tee]") {
    temp_path file("fd");
    const int fd = ::open(file.str().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    REQUIRE(fd >= 0);
    std::vector<std::string_view> lines{"x", "y"};
    CHECK(collect(lines | coropipe::tee(fd)) == strings({"x", "y"}));
    CHECK(::write(fd, "z\n", 2) == 2); // still open
    ::close(fd);
    CHECK(read_file(file) == "x\ny\nz\n");
}

TEST_CASE("tee on an empty input creates an empty file", "[stage][tee]") {
    temp_path file("empty");
    std::vector<std::string_view> none;
    CHECK(collect(none | coropipe::tee(file.str())).empty());
    CHECK(std::filesystem::exists(file.path));
    CHECK(read_file(file).empty());
}

TEST_CASE("tee opens the file at once and names it in the error", "[stage][tee]") {
    const std::string missing = std::string(COROPIPE_BINARY_DIR) + "/no/such/dir/out.txt";
    try {
        auto s = coropipe::tee(missing);
        FAIL("tee did not throw");
    } catch (const std::system_error& e) {
        CHECK(e.code() == std::errc::no_such_file_or_directory);
        CHECK_THAT(e.what(), Catch::Contains(missing));
    }
}

TEST_CASE("a write error from tee surfaces at the consumer", "[stage][tee]") {
    if (!std::filesystem::exists("/dev/full")) {
        return;
    }
    std::vector<std::string_view> lines{"a", "b"};
    auto p = lines | coropipe::tee("/dev/full");
    auto it = p.begin();
    CHECK(*it == "a");
    ++it;
    CHECK(*it == "b");
    try {
        ++it; // the end of the input: the flush fails
        FAIL("no write error");
    } catch (const std::system_error& e) {
        CHECK(e.code() == std::errc::no_space_on_device);
    }
}

TEST_CASE("an exception from the source surfaces through tee, which keeps what it passed", "[stage][tee]") {
    temp_path file("throw");
    coropipe::test::live_guard guard;
    {
        auto p = numbered_lines(10, nullptr, 2) | coropipe::tee(file.str());
        auto it = p.begin();
        ++it;
        CHECK(*it == "line 1");
        CHECK_THROWS_AS(++it, std::out_of_range);
    }
    CHECK(guard.balanced());
    CHECK(read_file(file) == "line 0\nline 1\n");
}

TEST_CASE("destroying a tee pipeline early writes what it passed and destroys the source", "[stage][tee]") {
    temp_path file("early");
    coropipe::test::live_guard guard;
    {
        auto p = numbered_lines(1000) | coropipe::tee(file.str()) | coropipe::take(3);
        CHECK(collect(p) == strings({"line 0", "line 1", "line 2"}));
        CHECK(coropipe::test::counted::live == guard.start + 1);
    }
    CHECK(guard.balanced());
    CHECK(read_file(file) == "line 0\nline 1\nline 2\n");
}
