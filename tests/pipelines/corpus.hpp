#pragma once
// The benchmark's corpus for the golden tests of the programs.

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace coropipe::test {

/// The benchmark's corpus (coropipe-genlog --seed 11), 50,000 lines, made
/// once per test program, in a temporary directory.
inline const std::string& corpus_path() {
    static temp_dir dir;
    static const std::string path = [] {
        const process_result r = run_process({COROPIPE_GENLOG, "--seed", "11", "50000"});
        REQUIRE(r.status == 0);
        return dir.write("corpus.log", r.out);
    }();
    return path;
}

} // namespace coropipe::test
