#pragma once

#include <coropipe/generator.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace coropipe::cli {

/// What reading the inputs ran into.
struct input_status {
    bool failed = false; ///< a file could not be opened or read
};

/// The lines of `files` in turn, as one stream (`-` is standard input; no
/// files is standard input). A file that cannot be opened or read is
/// reported on stderr as `coropipe: FILE: <strerror>`, sets
/// `status->failed`, and the next file follows. Lazy: a file is opened when
/// the lines before it have been consumed; destroying the generator closes
/// the open file. `status` must outlive the generator.
generator<std::string_view> concatenated_lines(std::vector<std::string> files, input_status* status);

} // namespace coropipe::cli
