#pragma once
// Running the real `coropipe` binary from a golden test.

#include "child_process.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

namespace coropipe::test {

inline const std::string coropipe_binary = COROPIPE_BINARY_DIR "/pipelines/coropipe";

/// Runs `coropipe ARGS...`; fails the test if the program was not built.
inline process_result run_coropipe(std::vector<std::string> args, const run_options& options = {}) {
    if (::access(coropipe_binary.c_str(), X_OK) != 0) {
        FAIL("no program at " << coropipe_binary << ": build the target coropipe_cli first");
    }
    args.insert(args.begin(), coropipe_binary);
    return run_process(args, options);
}

/// Runs `coropipe ARGS...` with `input` on its standard input.
inline process_result coropipe_stdin(std::vector<std::string> args, std::string input) {
    run_options options;
    options.input = std::move(input);
    return run_coropipe(std::move(args), options);
}

} // namespace coropipe::test
