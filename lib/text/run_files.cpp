// `run_files`: a text pipeline over files, standard input or a followed
// file, written to a descriptor (the `coropipe` utility's driver).
#include <coropipe/text_pipeline.hpp>

#include <coropipe/detail/field_scan.hpp> // line_blocks
#include <coropipe/detail/follow.hpp>
#include <coropipe/detail/line_reader.hpp>
#include <coropipe/detail/output_buffer.hpp> // write_all
#include <coropipe/stages/follow.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

namespace coropipe {

namespace {

// Output is written when this much is held, or at once when line-buffered.
constexpr std::size_t write_threshold = 64 * 1024;

/// Where a run's output goes: written to `fd_` by `flush`, or counted only.
class output_sink {
public:
    output_sink(text_run& run, int fd, const file_run_options& options) noexcept
        : run_(&run), fd_(fd), options_(&options) {}

    /// After a feed: true to go on reading.
    bool after_feed() {
        if (options_->stop_at_first && run_->lines_out() > 0) {
            run_->output().clear();
            return false;
        }
        if (options_->count_only || options_->stop_at_first) {
            run_->output().clear();
        } else if (options_->line_buffered || run_->output().size() >= write_threshold) {
            flush();
        }
        return true;
    }

    void flush() {
        std::string& out = run_->output();
        if (options_->count_only || options_->stop_at_first) {
            out.clear();
            return;
        }
        detail::write_all(fd_, out);
        out.clear();
    }

private:
    text_run* run_;
    int fd_;
    const file_run_options* options_;
};

/// Tells the caller of input events, and notes the failures.
struct input_events {
    const file_run_options* options;
    file_run_result* result;

    void operator()(const std::string& file, std::error_code code, std::string_view what = {}) const {
        if (code) {
            result->input_failed = true;
        }
        if (options->on_input_event) {
            options->on_input_event(file, code, what);
        }
    }
};

detail::line_reader open_input(const std::string& file) {
    return file == "-" ? detail::line_reader(0) : detail::line_reader(std::filesystem::path(file));
}

/// Feeds the blocks of `reader` to `run`; false when the run wants no more.
/// A read error is told and ends this input (true: the next may follow).
/// `writing` is set while output is written from inside a read (a follower
/// flushes before it waits), so that a write error is not taken for a read
/// error.
bool feed_reader(detail::line_reader& reader, text_run& run, output_sink& out, const std::string& file,
                 const input_events& tell, const bool& writing) {
    detail::line_blocks blocks(reader);
    for (;;) {
        std::optional<std::string_view> block;
        try {
            block = blocks.next();
        } catch (const std::system_error& e) {
            if (writing) {
                throw;
            }
            tell(file, e.code());
            return true;
        }
        if (!block) {
            return true;
        }
        const bool more = run.feed(*block);
        if (!out.after_feed() || !more) {
            return false;
        }
    }
}

} // namespace

file_run_result run_files(const text_pipeline& pipeline, std::vector<std::string> files, int out_fd,
                          const file_run_options& options) {
    if (files.empty()) {
        files.emplace_back("-");
    }
    text_run run = pipeline.start();
    output_sink out(run, out_fd, options);
    file_run_result result;
    bool writing = false;
    const input_events tell{&options, &result};

    // -f on standard input reads it to its end, as tail does on a pipe.
    if (options.follow && files.size() == 1 && files[0] != "-") {
        const std::string& file = files[0];
        follow_options f;
        f.stop_fd = options.stop_fd;
        f.on_idle = [&run, &out, &writing] {
            // Before the follower waits (at least once a poll interval):
            // windows the clock has closed, and what is held, go out now.
            writing = true;
            run.tick();
            out.flush();
            writing = false;
        };
        f.on_event = [&tell](follow_event event, const std::filesystem::path& path) {
            tell(path.string(), {}, describe(event));
        };
        std::optional<detail::line_reader> reader;
        try {
            reader.emplace(std::make_unique<detail::follow_source>(file, std::move(f)));
        } catch (const std::system_error& e) {
            tell(file, e.code()); // the follower could not start
        }
        // Outside the try: an output write error is not an input event.
        if (reader) {
            (void)feed_reader(*reader, run, out, file, tell, writing);
        }
    } else {
        for (const std::string& file : files) {
            std::optional<detail::line_reader> reader;
            try {
                reader.emplace(open_input(file));
            } catch (const std::system_error& e) {
                tell(file, e.code());
                continue;
            }
            if (!feed_reader(*reader, run, out, file, tell, writing)) {
                break;
            }
        }
    }
    run.finish();
    if (!(options.stop_at_first && run.lines_out() > 0)) {
        out.after_feed();
    }
    out.flush();
    result.lines_out = run.lines_out();
    return result;
}

} // namespace coropipe
