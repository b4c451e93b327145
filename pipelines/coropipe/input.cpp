#include "input.hpp"

#include <coropipe/detail/field_scan.hpp>
#include <coropipe/detail/line_reader.hpp>
#include <coropipe/stages/follow.hpp>
#include <coropipe/stages/lines.hpp>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <system_error>
#include <utility>

namespace coropipe::cli {

namespace {
void report(const std::string& file, std::error_code error, input_status* status) {
    status->failed = true;
    std::fprintf(stderr, "coropipe: %s: %s\n", file == "-" ? "(standard input)" : file.c_str(),
                 error.message().c_str());
}

detail::line_reader open_input(const std::string& file) {
    return file == "-" ? detail::line_reader(0) : detail::line_reader(std::filesystem::path(file));
}
} // namespace

generator<std::string_view> concatenated_lines(std::vector<std::string> files, input_status* status,
                                               const detail::line_filter* filter) {
    if (files.empty()) {
        files.emplace_back("-");
    }
    // One generator, reading each file itself: no nested generator to
    // resume per line.
    const detail::line_filter all_lines({});
    for (const std::string& file : files) {
        bool failed = false;
        std::error_code error;
        try {
            detail::line_reader reader = open_input(file);
            detail::line_scanner scan(reader, filter != nullptr ? *filter : all_lines);
            while (std::optional<std::string_view> line = scan.next()) {
                co_yield *line;
            }
        } catch (const std::system_error& e) {
            failed = true;
            error = e.code();
        }
        // Reported outside the handler: GCC 12 would otherwise keep the
        // exception alive across the next co_yield.
        if (failed) {
            report(file, error, status);
        }
    }
}

void for_each_run(std::vector<std::string> files, const detail::line_filter& filter, input_status* status,
                  const std::function<bool(std::string_view run, std::size_t n)>& emit) {
    if (files.empty()) {
        files.emplace_back("-");
    }
    for (const std::string& file : files) {
        std::optional<detail::line_reader> reader;
        try {
            reader.emplace(open_input(file));
        } catch (const std::system_error& e) {
            report(file, e.code(), status);
            continue;
        }
        detail::line_scanner scan(*reader, filter);
        for (;;) {
            std::optional<std::string_view> run;
            std::size_t n = 0;
            try {
                run = scan.next_run(&n);
            } catch (const std::system_error& e) {
                report(file, e.code(), status);
                break;
            }
            if (!run) {
                break;
            }
            if (!emit(*run, n)) {
                return;
            }
        }
    }
}

void for_each_block(std::vector<std::string> files, input_status* status,
                    const std::function<void(std::string_view block)>& emit) {
    if (files.empty()) {
        files.emplace_back("-");
    }
    for (const std::string& file : files) {
        std::optional<detail::line_reader> reader;
        try {
            reader.emplace(open_input(file));
        } catch (const std::system_error& e) {
            report(file, e.code(), status);
            continue;
        }
        detail::line_blocks blocks(*reader);
        for (;;) {
            std::optional<std::string_view> block;
            try {
                block = blocks.next();
            } catch (const std::system_error& e) {
                report(file, e.code(), status);
                break;
            }
            if (!block) {
                break;
            }
            emit(*block);
        }
    }
}

generator<std::string_view> followed_lines(std::string file, int stop_fd, std::function<void()> on_idle,
                                           input_status* status) {
    // A write error from on_idle (flushing the output) is not a read error
    // of the file: it goes on to the caller.
    bool in_idle = false;
    follow_options options;
    options.stop_fd = stop_fd;
    options.on_idle = [&in_idle, on_idle = std::move(on_idle)] {
        in_idle = true;
        on_idle();
        in_idle = false;
    };
    options.on_event = [](follow_event event, const std::filesystem::path& path) {
        std::fprintf(stderr, "coropipe: %s: %s\n", path.c_str(), describe(event));
    };
    bool failed = false;
    std::error_code error;
    try {
        generator<std::string_view> source = follow(file, std::move(options));
        for (std::string_view line : source) {
            co_yield line;
        }
    } catch (const std::system_error& e) {
        if (in_idle) {
            throw;
        }
        failed = true;
        error = e.code();
    }
    if (failed) {
        status->failed = true;
        std::fprintf(stderr, "coropipe: %s: %s\n", file.c_str(), error.message().c_str());
    }
}

} // namespace coropipe::cli
