#include "input.hpp"

#include <coropipe/stages/lines.hpp>

#include <cstdio>
#include <system_error>
#include <utility>

namespace coropipe::cli {

generator<std::string_view> concatenated_lines(std::vector<std::string> files, input_status* status) {
    if (files.empty()) {
        files.emplace_back("-");
    }
    for (const std::string& file : files) {
        const bool is_stdin = file == "-";
        bool failed = false;
        std::error_code error;
        try {
            generator<std::string_view> source = is_stdin ? lines(0) : lines(file);
            for (std::string_view line : source) {
                co_yield line;
            }
        } catch (const std::system_error& e) {
            failed = true;
            error = e.code();
        }
        // Reported outside the handler: GCC 12 would otherwise keep the
        // exception alive across the next co_yield.
        if (failed) {
            status->failed = true;
            std::fprintf(stderr, "coropipe: %s: %s\n", is_stdin ? "(standard input)" : file.c_str(),
                         error.message().c_str());
        }
    }
}

} // namespace coropipe::cli
