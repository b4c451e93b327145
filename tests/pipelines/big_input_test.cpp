// The coropipe utility on big inputs: the real binary as a child process,
// real files of 100-200 MB. Output must be byte-exact, and the child's peak
// memory (wait4's ru_maxrss) bounded by the longest line, not the file.

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstddef>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

using coropipe::test::process_result;
using coropipe::test::run_options;
using coropipe::test::run_process;
using coropipe::test::temp_dir;

namespace {

const std::string binary = COROPIPE_BINARY_DIR "/pipelines/coropipe";

constexpr long mib = 1024; // ru_maxrss is in KiB

process_result run_coropipe(std::vector<std::string> args, const run_options& options = {}) {
    if (::access(binary.c_str(), X_OK) != 0) {
        FAIL("no program at " << binary << ": build the target coropipe_cli first");
    }
    args.insert(args.begin(), binary);
    return run_process(args, options);
}

// The test process stays small on purpose: a child made by posix_spawn
// (vfork) starts with the parent's peak RSS in its ru_maxrss. So files are
// written and compared in blocks, and the output goes to a file.

/// Writes `size` bytes: `first`, then 'a's, then `last` and '\n'.
void write_one_line(const std::string& path, std::size_t size, char first, char last) {
    std::ofstream out(path, std::ios::binary);
    const std::string block(1 << 20, 'a');
    out.put(first);
    for (std::size_t left = size - 3; left != 0;) {
        const std::size_t n = std::min(left, block.size());
        out.write(block.data(), static_cast<std::streamsize>(n));
        left -= n;
    }
    out.put(last);
    out.put('\n');
}

/// True if the files hold the same bytes.
bool same_bytes(const std::string& a, const std::string& b) {
    std::ifstream fa(a, std::ios::binary);
    std::ifstream fb(b, std::ios::binary);
    std::vector<char> ba(1 << 20);
    std::vector<char> bb(1 << 20);
    for (;;) {
        fa.read(ba.data(), static_cast<std::streamsize>(ba.size()));
        fb.read(bb.data(), static_cast<std::streamsize>(bb.size()));
        if (fa.gcount() != fb.gcount() || !std::equal(ba.begin(), ba.begin() + fa.gcount(), bb.begin())) {
            return false;
        }
        if (fa.gcount() == 0) {
            return true;
        }
    }
}

} // namespace

/// Under AddressSanitizer, freed blocks stay resident in its quarantine
/// (256 MB by default): the children get a small one, so that their peak
/// RSS measures coropipe's buffers, not ASan's bookkeeping.
void small_asan_quarantine() {
#if defined(__SANITIZE_ADDRESS__)
    const char* options = std::getenv("ASAN_OPTIONS");
    std::string value = options == nullptr ? "" : options;
    if (value.find("quarantine_size_mb") == std::string::npos) {
        value += value.empty() ? "" : ":";
        value += "quarantine_size_mb=16";
        ::setenv("ASAN_OPTIONS", value.c_str(), 1);
    }
#endif
}

TEST_CASE("coropipe passes a 100 MB line whole, in memory bounded by that line", "[pipelines][big_input]") {
    small_asan_quarantine();
    temp_dir dir;
    constexpr std::size_t size = 100'000'000;
    const std::string path = dir.path("one-line.txt");
    write_one_line(path, size, 'X', 'X');
    const long bound_kb = 3 * static_cast<long>(size / 1024) + 32 * mib;

    run_options to_file;
    to_file.out_file = dir.path("out.txt");
    for (const std::string pipeline : {"grep X", "prefix X", "grep aX", "grep -v Y"}) {
        INFO(pipeline);
        const process_result r = run_coropipe({pipeline, path}, to_file);
        CHECK(r.status == 0);
        CHECK(r.err.empty());
        CHECK(same_bytes(to_file.out_file, path));
        CHECK(r.max_rss_kb > 0);
        CHECK(r.max_rss_kb < bound_kb);
    }
    const process_result none = run_coropipe({"grep Y", path});
    CHECK(none.status == 1);
    CHECK(none.out.empty());
    CHECK(none.max_rss_kb < bound_kb);
}

TEST_CASE("coropipe reads a 200 MB file of short lines in a few MB", "[pipelines][big_input]") {
    small_asan_quarantine();
    temp_dir dir;
    const std::string path = dir.path("short-lines.txt");
    std::size_t matches = 0;
    {
        std::ofstream out(path, std::ios::binary);
        std::string block;
        std::size_t written = 0;
        for (std::size_t i = 0; written < 200'000'000; ++i) {
            block += (i % 1000 == 0) ? "2026-11-23T11 ERROR line " : "2026-11-23T12 INFO line ";
            block += std::to_string(i);
            block += " some padding to make the line about eighty bytes long...\n";
            matches += i % 1000 == 0 ? 1 : 0;
            if (block.size() > (1 << 20)) {
                out.write(block.data(), static_cast<std::streamsize>(block.size()));
                written += block.size();
                block.clear();
            }
        }
        out.write(block.data(), static_cast<std::streamsize>(block.size()));
    }
    for (const std::string pipeline : {"grep ERROR", "prefix 2026-11-23T11", "grep ERROR | count --final"}) {
        INFO(pipeline);
        const process_result r = run_coropipe({"-c", pipeline, path});
        CHECK(r.status == 0);
        CHECK(r.out == (pipeline.ends_with("--final") ? "1\n" : std::to_string(matches) + "\n"));
        CHECK(r.max_rss_kb > 0);
        CHECK(r.max_rss_kb < 40 * mib);
    }
    // All of it through the printer, to a file: the output buffer is
    // bounded too, and the bytes are the input's.
    run_options to_file;
    to_file.out_file = dir.path("out.txt");
    const process_result all = run_coropipe({"grep line", path}, to_file);
    CHECK(all.status == 0);
    CHECK(same_bytes(to_file.out_file, path));
    CHECK(all.max_rss_kb < 40 * mib);
}
