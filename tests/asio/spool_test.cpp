// coropipe/asio/spool.hpp: records of output in an append-only file, on a
// real file: order, the size limit, replay across a reopen, a torn tail
// and a damaged record, the rewrite at a shutdown, the file's mode.
#include <coropipe/asio/spool.hpp>

#include "temp_file.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <sys/stat.h>

using coropipe::asio::spool;
using coropipe::test::temp_file;

namespace {

/// A path in /tmp, no file there, removed at scope exit.
struct spool_path {
    temp_file file;
    spool_path() { std::filesystem::remove(file.path); }
    ~spool_path() { std::filesystem::remove(file.path + ".new"); }
    const std::string& path() const { return file.path; }
};

std::string record_text(int i) {
    return "record " + std::to_string(i) + " line a\nrecord " + std::to_string(i) + " line b\n";
}

/// Every waiting record's bytes, in order, consumed as it is taken.
std::vector<std::string> replay(spool& s) {
    std::vector<std::string> got;
    while (std::optional<spool::record> r = s.take()) {
        got.push_back(r->bytes);
        s.consumed(*r);
    }
    return got;
}

/// A record of `record_text(i)`, i < 10, in the file: its header and payload.
const std::size_t record_size = 20 + record_text(0).size();

std::uintmax_t size_of(const std::string& path) {
    return std::filesystem::file_size(path);
}

} // namespace

TEST_CASE("A spool gives back its records in the order they were appended, then empties its file",
          "[asio][spool]") {
    spool_path p;
    spool s(p.path(), 1 << 20);
    std::vector<std::string> appended;
    for (int i = 0; i < 100; ++i) {
        appended.push_back(record_text(i));
        REQUIRE(s.append(appended.back(), 2));
    }
    CHECK(s.waiting() == 100);
    CHECK(s.waiting_lines() == 200);
    CHECK(replay(s) == appended);
    CHECK(s.held_lines() == 0);
    CHECK(size_of(p.path()) == 0);
}

TEST_CASE("A spool's file is created 0600", "[asio][spool]") {
    spool_path p;
    spool s(p.path(), 1 << 20);
    struct stat st {};
    REQUIRE(::stat(p.path().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("A spool refuses a record past its size limit and takes records again once emptied",
          "[asio][spool]") {
    spool_path p;
    const std::string text = record_text(1);
    spool s(p.path(), 3 * record_size);
    CHECK(s.append(text, 2));
    CHECK(s.append(text, 2));
    CHECK(s.append(text, 2));
    CHECK_FALSE(s.append(text, 2));
    CHECK(size_of(p.path()) == 3 * record_size);
    CHECK(replay(s).size() == 3);
    CHECK(s.append(text, 2));
}

TEST_CASE("Records not consumed are replayed by the next spool on the file, and consumed ones are not",
          "[asio][spool]") {
    spool_path p;
    {
        spool s(p.path(), 1 << 20);
        for (int i = 0; i < 5; ++i) {
            REQUIRE(s.append(record_text(i), 2));
        }
        std::optional<spool::record> first = s.take();
        REQUIRE(first);
        s.consumed(*first);
        REQUIRE(s.take()); // taken, not consumed: the process "dies" with it
    }
    spool s(p.path(), 1 << 20);
    CHECK(s.recovered().records == 4);
    CHECK(s.recovered().lines == 8);
    CHECK(s.recovered().torn_bytes == 0);
    CHECK(replay(s) == std::vector<std::string>{record_text(1), record_text(2), record_text(3), record_text(4)});
}

TEST_CASE("A torn tail is cut off at the next open and counted, and the records before it are kept",
          "[asio][spool]") {
    spool_path p;
    {
        spool s(p.path(), 1 << 20);
        REQUIRE(s.append(record_text(1), 2));
        REQUIRE(s.append(record_text(2), 2));
    }
    const std::uintmax_t whole = size_of(p.path());
    const std::uintmax_t cut = GENERATE(as<std::uintmax_t>{}, 1, 10, 25, record_size - 1); // into the last header, or its payload
    std::filesystem::resize_file(p.path(), whole - cut);
    spool s(p.path(), 1 << 20);
    CHECK(s.recovered().records == 1);
    CHECK(s.recovered().torn_bytes == record_size - cut);
    CHECK(size_of(p.path()) == record_size);
    REQUIRE(s.append(record_text(3), 2)); // appended after the last whole record
    CHECK(replay(s) == std::vector<std::string>{record_text(1), record_text(3)});
}

TEST_CASE("A record whose checksum does not match is dropped and counted, and the others are replayed",
          "[asio][spool]") {
    spool_path p;
    {
        spool s(p.path(), 1 << 20);
        for (int i = 0; i < 3; ++i) {
            REQUIRE(s.append(record_text(i), 2));
        }
    }
    {
        std::fstream f(p.path(), std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(static_cast<std::streamoff>(record_size + 20 + 3)); // a payload byte of the second record
        f.put('X');
    }
    spool s(p.path(), 1 << 20);
    CHECK(s.recovered().records == 2);
    CHECK(s.recovered().bad_records == 1);
    CHECK(s.recovered().bad_lines == 2);
    CHECK(replay(s) == std::vector<std::string>{record_text(0), record_text(2)});
}

TEST_CASE("Bytes that are no record end the scan and are cut off", "[asio][spool]") {
    spool_path p;
    {
        spool s(p.path(), 1 << 20);
        REQUIRE(s.append(record_text(0), 2));
    }
    std::ofstream(p.path(), std::ios::app | std::ios::binary) << std::string(100, 'g');
    spool s(p.path(), 1 << 20);
    CHECK(s.recovered().records == 1);
    CHECK(s.recovered().torn_bytes == 100);
    CHECK(replay(s) == std::vector<std::string>{record_text(0)});
}

TEST_CASE("rewrite puts what was held in memory before the waiting records, and drops the taken ones",
          "[asio][spool]") {
    spool_path p;
    {
        spool s(p.path(), 3 * record_size);
        REQUIRE(s.append(record_text(1), 2));
        REQUIRE(s.append(record_text(2), 2));
        REQUIRE(s.take()); // record 1: in memory, passed back below
        std::vector<spool::record> held(2);
        held[0].bytes = record_text(1);
        held[0].lines = 2;
        held[1].bytes = record_text(0);
        held[1].lines = 2;
        s.rewrite(held); // past max_bytes: nothing is refused at the end
        CHECK(s.held_lines() == 6);
    }
    struct stat st {};
    REQUIRE(::stat(p.path().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    spool s(p.path(), 1 << 20);
    CHECK(s.recovered().lines == 6);
    CHECK(replay(s) == std::vector<std::string>{record_text(1), record_text(0), record_text(2)});
}

TEST_CASE("A spool that cannot be opened throws, naming the file", "[asio][spool][errors]") {
    CHECK_THROWS_WITH(spool("/nonexistent-dir/spool", 1 << 20), Catch::Contains("/nonexistent-dir/spool"));
}

TEST_CASE("A spool file in use by another spool is refused, and free again once that one is closed",
          "[asio][spool][errors]") {
    spool_path p;
    {
        spool first(p.path(), 1 << 20);
        REQUIRE(first.append(record_text(0), 2));
        CHECK_THROWS_WITH(spool(p.path(), 1 << 20), Catch::Contains(p.path()) && Catch::Contains("in use"));
    }
    spool again(p.path(), 1 << 20);
    CHECK(replay(again) == std::vector<std::string>{record_text(0)});
}
