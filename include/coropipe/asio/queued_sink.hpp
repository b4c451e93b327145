#pragma once

#include <coropipe/asio/counters.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace coropipe::asio {

namespace net = boost::asio;

/// Where a `queued_sink` writes: a file, a descriptor, a TCP peer. Its
/// members are called on the sink's executor, one at a time.
class sink_target {
public:
    using write_handler = net::any_completion_handler<void(boost::system::error_code, std::size_t)>;

    virtual ~sink_target() = default;

    /// Names the target in messages: `file /var/log/app.log`, `tcp 10.0.0.9:514`.
    virtual std::string describe() const = 0;

    /// Opens or connects if it has to, and writes a prefix of `bytes` (whole
    /// lines); completes with an error, if any, and how many bytes were
    /// written — also on an error: a disk that filled up mid-write took
    /// some. A target whose partial writes cannot be continued (a TCP
    /// connection that broke) says 0: the whole batch is sent again.
    /// `bytes` stay valid until the handler runs.
    virtual void async_write_some(std::string_view bytes, write_handler handler) = 0;

    /// Files: open the path again before the next write (logrotate).
    virtual void reopen() {}

    /// Giving up with `bytes` of a line written but not its end: remove them
    /// from the end of the target if it can (a file is truncated back to
    /// its last whole line). True when done.
    virtual bool discard_partial(std::size_t bytes) noexcept {
        (void)bytes;
        return false;
    }
};

/// A file appended to (O_APPEND | O_CREAT, `mode`), written with write(2)
/// on `executor` (the sink's). A write error (ENOSPC, EDQUOT, EFBIG, EIO) is
/// reported with what was written; the next write goes on from there, so a
/// line cut by a full disk is completed, not repeated. Opened at
/// construction (an error throws `std::system_error` naming the file); a
/// file that ends inside a line (its writer was killed mid-write) is first
/// ended with a newline, so that the lines appended stay whole.
std::unique_ptr<sink_target> make_file_target(const net::any_io_executor& executor, std::filesystem::path path,
                                              unsigned mode = 0640);

/// A descriptor (standard output), not owned, written with write(2).
std::unique_ptr<sink_target> make_descriptor_target(const net::any_io_executor& executor, int fd, std::string name);

/// A TCP peer, `host:port`, connected on the first write and again after a
/// failure; a batch cut by a broken connection is sent again whole (at
/// least once). A peer that has closed its side is noticed before writing.
std::unique_ptr<sink_target> make_tcp_target(const net::any_io_executor& executor, std::string host,
                                             std::string port);

/// Message levels of a `queued_sink`'s log.
enum class log_level { info, warning, error };

/// Settings of a `queued_sink`.
struct queued_sink_options {
    std::string name;                       ///< names the sink in messages
    std::size_t buffer_bytes = 4 << 20;     ///< output held in memory (bytes); producers wait beyond it
    std::chrono::milliseconds backoff_min{100};   ///< first retry delay after a failed write
    std::chrono::milliseconds backoff_max{10'000}; ///< doubled up to this
    std::chrono::milliseconds reminder{60'000};    ///< while failing, a reminder in the log this often
    /// How long output may wait to gather `linger_lines` lines before it is
    /// written (a Redis sink's fuller entries at a low rate); 0: written as
    /// soon as the previous write is done. Not while finishing, nor once
    /// more than one batch (256 KiB) is held.
    std::chrono::milliseconds linger{0};
    std::uint64_t linger_lines = 1; ///< with `linger`: this many lines are written at once
    /// A spool file (`coropipe/asio/spool.hpp`): output that does not fit in
    /// `buffer_bytes`, and at the end what could not be written, is kept
    /// there and replayed in order. Empty: none.
    std::filesystem::path spool;
    std::uint64_t spool_max_bytes = 1ULL << 30; ///< the spool file's size limit
    /// Told of what happens: the first error of an outage, reminders,
    /// recovery. Called on the sink's executor; default: nothing.
    std::function<void(log_level, const std::string&)> log;
};

/// The state of a sink, for `/health`.
struct sink_health {
    bool ok = true;
    std::string reason; ///< the last error, while not ok
    std::chrono::steady_clock::time_point since{}; ///< when it stopped being ok
    std::uint64_t held_lines = 0; ///< lines accepted and not yet written (in memory)
    std::uint64_t spooled_lines = 0; ///< lines in the spool, waiting to be replayed
};

/// How far a sink has got, in bytes of output since it was created:
/// `accepted` is what producers handed it, `settled` what of that is
/// written to the target (or kept in its spool). Both only grow. Once
/// `settled` reaches a value `accepted` had, everything the sink had
/// accepted by then is safe: a daemon's checkpoint of its inputs.
struct sink_progress {
    std::uint64_t accepted = 0;
    std::uint64_t settled = 0;
};

/// What a finished (or abandoned) sink could not write.
struct sink_report {
    std::uint64_t lines_written = 0;
    std::uint64_t lines_lost = 0; ///< accepted and never written (nor kept in the spool)
    std::uint64_t lines_spooled = 0; ///< kept in the spool, replayed by the next process
    std::string last_error;       ///< empty if none is outstanding
};

/// A bounded queue of output in front of one `sink_target`, shared by any
/// number of producers (a daemon's connections) on any threads: what a
/// daemon's `[sink]` is. Producers hand it whole lines; one writer on the
/// sink's executor writes them out in order.
///
/// - **Bounded**: `buffer_bytes` of output is held (bytes, not batches);
///   `try_write` takes what fits and says false otherwise; `async_write`
///   waits for room (backpressure: a run stops reading its source).
/// - **Nothing accepted is lost to a failing target**: a write error (a
///   full disk, a peer down) keeps the bytes, logs the error once, retries
///   with exponential backoff (reminding in the log every `reminder`), makes
///   `health()` not ok with the reason, and counts `errors` in the
///   counters; writing resumes by itself, where it stopped (a partial line
///   is completed first), and the recovery is logged.
/// - **Spool** (`queued_sink_options::spool`): output that does not fit in
///   memory goes to the spool file instead of waiting, and so does all that
///   comes after it until the spool is replayed (in order, once memory is
///   written); producers wait only when the spool is full too. What the
///   spool holds counts as settled (`progress`).
/// - **Finishing**: `finish(done)` once no producer will write again: what
///   is held is written, then `done(report)` runs; with a spool, while the
///   target fails, what is held goes to the spool at once instead (the
///   next process replays it). Lines waiting for `linger` are written at
///   once. `abandon(done)` gives up at once (a shutdown
///   deadline): `done(report)` says how many accepted lines were not
///   written (with a spool, they are kept there), and a file target is
///   truncated back to its last whole line.
/// - **Threads**: `try_write`, `async_write`, `reopen`, `health` and
///   `pending_lines` are thread-safe; `async_write`'s handler runs on its
///   own associated executor.
class queued_sink : public std::enable_shared_from_this<queued_sink> {
public:
    /// The writer starts at once on `executor` (a strand for a thread pool).
    /// A spool is opened here (an error throws `std::system_error` naming
    /// it); what it holds from an earlier process is written first, and
    /// what it had to drop (a torn tail) is logged.
    static std::shared_ptr<queued_sink> create(net::any_io_executor executor, std::unique_ptr<sink_target> target,
                                               queued_sink_options options, counters& metrics);

    ~queued_sink();

    /// Takes `bytes` (whole lines, `lines` of them) if they fit; false
    /// otherwise (nothing is taken).
    bool try_write(std::string_view bytes, std::uint64_t lines);

    /// Takes `bytes` once they fit (at once if they do); completes with
    /// `void(error_code)`: `operation_aborted` if the sink was abandoned
    /// meanwhile (nothing taken). `bytes` must stay valid until then.
    template <class Token>
    auto async_write(std::string_view bytes, std::uint64_t lines, Token&& token) {
        return net::async_initiate<Token, void(boost::system::error_code)>(
            [this](auto handler, std::string_view b, std::uint64_t n) {
                net::any_io_executor ex = net::get_associated_executor(handler, executor());
                wait_for_room(b, n, std::move(ex),
                              net::any_completion_handler<void(boost::system::error_code)>(std::move(handler)));
            },
            token, bytes, lines);
    }

    /// A lossy producer dropped `lines` because there was no room: counted
    /// in the sink's `dropped`.
    void note_dropped(std::uint64_t lines) noexcept;

    /// Files: reopen the path before the next write.
    void reopen();

    /// No producer writes again: write what is held, then call `done`.
    void finish(std::function<void(sink_report)> done);

    /// Give up now: `done` says what was not written.
    void abandon(std::function<void(sink_report)> done);

    sink_health health() const;
    std::uint64_t pending_lines() const;
    sink_progress progress() const;
    const queued_sink_options& options() const noexcept;

    struct impl; ///< (lib/asio_queued_sink.cpp)

private:
    explicit queued_sink(std::unique_ptr<impl> i);
    const net::any_io_executor& executor() const noexcept;
    void kick(); // the writer looks at the queue
    void wait_for_room(std::string_view bytes, std::uint64_t lines, net::any_io_executor handler_executor,
                       net::any_completion_handler<void(boost::system::error_code)> handler);

    std::unique_ptr<impl> impl_;
};

/// A copyable handle on a `queued_sink`, as `async_run`'s routes hold their
/// sinks: it forwards `try_write` and `async_write`.
class queued_sink_ref {
public:
    queued_sink_ref(std::shared_ptr<queued_sink> sink) noexcept : sink_(std::move(sink)) {}

    bool try_write(std::string_view bytes, std::uint64_t lines) { return sink_->try_write(bytes, lines); }

    /// A lossy producer dropped `lines` because the sink was full.
    void note_dropped(std::uint64_t lines) noexcept { sink_->note_dropped(lines); }

    template <class Token>
    auto async_write(std::string_view bytes, std::uint64_t lines, Token&& token) {
        return sink_->async_write(bytes, lines, std::forward<Token>(token));
    }

    queued_sink& operator*() const noexcept { return *sink_; }
    queued_sink* operator->() const noexcept { return sink_.get(); }
    const std::shared_ptr<queued_sink>& get() const noexcept { return sink_; }

private:
    std::shared_ptr<queued_sink> sink_;
};

} // namespace coropipe::asio
