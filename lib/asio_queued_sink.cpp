// coropipe::asio::queued_sink: a bounded, shared output queue in front of a
// sink_target, with one writer that retries what fails.
#include <coropipe/detail/count_lines.hpp>
#include <coropipe/asio/queued_sink.hpp>

#include <coropipe/asio/spool.hpp>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <deque>
#include <mutex>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

namespace coropipe::asio {

namespace {

// Producers' output is appended to the last batch while it is smaller than
// this: the writer writes up to about this much at once.
constexpr std::size_t batch_bytes = 256 * 1024;

using room_handler = net::any_completion_handler<void(boost::system::error_code)>;

/// A producer waiting for room, and the executor its handler runs on.
struct waiting_handler {
    net::any_io_executor executor;
    room_handler handler;
};

/// Runs the handler on its own executor, never inside the caller.
void complete_later(waiting_handler w, boost::system::error_code ec) {
    net::any_io_executor ex = w.executor;
    net::post(ex, [h = std::move(w.handler), ec]() mutable { std::move(h)(ec); });
}

std::string seconds_since(std::chrono::steady_clock::time_point t) {
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t);
    return std::to_string(s.count()) + " s";
}

} // namespace

struct queued_sink::impl {
    struct batch {
        std::string bytes;
        std::uint64_t lines = 0;
        bool sealed = false; // being written: nothing is appended to it
        std::chrono::steady_clock::time_point first_at{}; // with a linger: when its first bytes came
        std::vector<spool::record> from_spool; // replayed: these records (without their bytes) are consumed once written
    };
    struct waiter {
        std::string_view bytes;
        std::uint64_t lines;
        waiting_handler handler;
    };

    impl(net::any_io_executor ex, std::unique_ptr<sink_target> t, queued_sink_options o, counters& m)
        : executor(std::move(ex)),
          target(std::move(t)),
          options(std::move(o)),
          metrics(m),
          timer(executor),
          linger_timer(executor),
          backoff(options.backoff_min) {}

    net::any_io_executor executor;
    std::unique_ptr<sink_target> target;
    queued_sink_options options;
    counters& metrics;
    net::steady_timer timer; // the retry backoff
    net::steady_timer linger_timer; // output waiting for more lines (options.linger)
    bool lingering = false;         // linger_timer is set

    mutable std::mutex mutex;
    std::deque<batch> queue;
    std::size_t queued = 0;     // bytes in `queue` not yet written
    std::size_t front_done = 0; // bytes of queue.front() written
    std::uint64_t held_lines = 0;
    std::uint64_t lines_written = 0;
    sink_progress progress;
    std::deque<waiter> waiters;
    std::unique_ptr<spool> disk; // the spool, if any
    bool spool_error = false;    // an append failed (logged once until one works again)
    bool writing = false; // a write or a retry wait is in progress
    bool retry_wait = false; // ... a retry wait
    bool finishing = false;
    bool abandoned = false;
    std::function<void(sink_report)> done;

    // The outage, while there is one.
    bool failing = false;
    std::string last_error;
    std::chrono::steady_clock::time_point failing_since{};
    std::chrono::steady_clock::time_point last_reminder{};
    std::uint64_t failed_writes = 0;
    std::chrono::milliseconds backoff;

    void log(log_level level, const std::string& message) const {
        if (options.log) {
            options.log(level, message);
        }
    }

    bool fits(std::size_t size) const noexcept { return queued == 0 || queued + size <= options.buffer_bytes; }

    // (locked) Appends output to the queue.
    void append(std::string_view bytes, std::uint64_t lines) {
        if (queue.empty() || queue.back().sealed || queue.back().bytes.size() + bytes.size() > batch_bytes) {
            queue.emplace_back();
            if (options.linger.count() > 0) {
                queue.back().first_at = std::chrono::steady_clock::now();
            }
        }
        batch& b = queue.back();
        b.bytes.append(bytes);
        b.lines += lines;
        queued += bytes.size();
        held_lines += lines;
        progress.accepted += bytes.size();
        metrics.buffer_bytes.fetch_add(static_cast<std::int64_t>(bytes.size()), std::memory_order_relaxed);
    }

    // (locked) Takes output: into memory if it fits and nothing is spooled
    // before it, else into the spool if there is one with room. False:
    // neither (nothing taken).
    bool store(std::string_view bytes, std::uint64_t lines) {
        if (disk && disk->waiting() != 0) {
            return to_spool(bytes, lines); // after what is spooled already
        }
        if (fits(bytes.size())) {
            append(bytes, lines);
            return true;
        }
        return disk && to_spool(bytes, lines);
    }

    // (locked)
    bool to_spool(std::string_view bytes, std::uint64_t lines) {
        try {
            if (!disk->append(bytes, lines)) {
                return false;
            }
        } catch (const std::system_error& e) {
            if (!std::exchange(spool_error, true)) {
                log(log_level::error, "sink " + options.name + ": " + e.what() + "; what does not fit waits");
            }
            return false;
        }
        spool_error = false;
        progress.accepted += bytes.size();
        progress.settled += bytes.size();
        return true;
    }

    // (locked) The oldest spooled records as the next batch; false if none.
    bool load_from_spool() {
        if (!disk || disk->waiting() == 0) {
            return false;
        }
        batch b;
        b.sealed = true;
        while (disk->waiting() != 0 && b.bytes.size() < batch_bytes) {
            std::optional<spool::record> r = disk->take(); // throws: a read error
            b.bytes += r->bytes;
            b.lines += r->lines;
            r->bytes = std::string();
            b.from_spool.push_back(std::move(*r));
        }
        queued += b.bytes.size();
        held_lines += b.lines;
        metrics.buffer_bytes.fetch_add(static_cast<std::int64_t>(b.bytes.size()), std::memory_order_relaxed);
        queue.push_back(std::move(b));
        return true;
    }

    // (locked) At the end: everything held goes to the spool, before what
    // it holds already; a file's partial last line is cut back first, so
    // the spool has it whole. False if the spool could not be written
    // (what is held is then lost, and counted).
    bool spool_held() {
        if (queue.empty()) {
            return true;
        }
        std::size_t from = front_done;
        if (const std::size_t partial = partial_line(); partial != 0 && target->discard_partial(partial)) {
            from -= partial;
        }
        const std::uint64_t front_written = front_lines_written();
        std::vector<spool::record> held;
        for (batch& b : queue) {
            spool::record r;
            r.bytes = held.empty() ? b.bytes.substr(from) : std::move(b.bytes);
            r.lines = held.empty() ? b.lines - front_written : b.lines;
            held.push_back(std::move(r));
        }
        try {
            disk->rewrite(held);
        } catch (const std::system_error& e) {
            log(log_level::error, "sink " + options.name + ": " + e.what() + "; " + std::to_string(held_lines) +
                                      " lines held in memory cannot be kept");
            return false;
        }
        lines_written += front_written;
        metrics.buffer_bytes.fetch_sub(static_cast<std::int64_t>(queued), std::memory_order_relaxed);
        queue.clear();
        queued = 0;
        front_done = 0;
        held_lines = 0;
        return true;
    }

    // (locked) With a linger: when the one batch held, too few lines yet,
    // is to be written (a time to come); else nothing (write it now).
    std::optional<std::chrono::steady_clock::time_point> linger_until() const {
        if (options.linger.count() <= 0 || finishing || queue.size() != 1) {
            return std::nullopt;
        }
        const batch& b = queue.front();
        if (b.sealed || b.lines >= options.linger_lines || !b.from_spool.empty()) {
            return std::nullopt; // (sealed: being written already, or cut by a failed write)
        }
        const auto until = b.first_at + options.linger;
        if (std::chrono::steady_clock::now() >= until) {
            return std::nullopt;
        }
        return until;
    }

    // (locked) Waiters whose output now fits, in order; their handlers to complete.
    std::vector<waiting_handler> admit() {
        std::vector<waiting_handler> admitted;
        while (!waiters.empty() && store(waiters.front().bytes, waiters.front().lines)) {
            waiter& w = waiters.front();
            admitted.push_back(std::move(w.handler));
            waiters.pop_front();
        }
        return admitted;
    }

    // (locked) How many bytes of the front batch's written part are a line
    // without its end.
    std::size_t partial_line() const noexcept {
        if (queue.empty() || front_done == 0) {
            return 0;
        }
        const std::string_view written(queue.front().bytes.data(), front_done);
        const std::size_t nl = written.rfind('\n');
        return nl == std::string_view::npos ? front_done : front_done - nl - 1;
    }

    // (locked) The whole lines of the front batch that are written: a target
    // that failed mid-batch (a full disk) holds them, though the batch
    // counts as written only once all of it is.
    std::uint64_t front_lines_written() const noexcept {
        if (queue.empty() || front_done == 0) {
            return 0;
        }
        const char* const bytes = queue.front().bytes.data();
        return std::min<std::uint64_t>(held_lines,
                                       coropipe::detail::count_newlines(std::string_view(bytes, front_done)));
    }

    // (locked)
    sink_report report() const {
        const std::uint64_t front = front_lines_written();
        sink_report r;
        r.lines_written = lines_written + front;
        r.lines_lost = held_lines - front;
        r.lines_spooled = disk ? disk->held_lines() : 0;
        if (failing) {
            r.last_error = last_error;
        }
        return r;
    }
};

std::shared_ptr<queued_sink> queued_sink::create(net::any_io_executor executor, std::unique_ptr<sink_target> target,
                                                 queued_sink_options options, counters& metrics) {
    auto i = std::make_unique<impl>(std::move(executor), std::move(target), std::move(options), metrics);
    if (!i->options.spool.empty()) {
        i->disk = std::make_unique<spool>(i->options.spool, i->options.spool_max_bytes);
        const spool_recovery& r = i->disk->recovered();
        const std::string name = "sink " + i->options.name + ": spool " + i->options.spool.string() + ": ";
        if (r.bad_records != 0 || r.torn_bytes != 0) {
            i->log(log_level::warning, name + "dropped " + std::to_string(r.bad_records) +
                                           " records with a bad checksum (" + std::to_string(r.bad_lines) +
                                           " lines) and a torn tail of " + std::to_string(r.torn_bytes) + " bytes");
        }
        if (r.records != 0) {
            i->log(log_level::info, name + std::to_string(r.lines) + " lines from before are written first");
        }
    }
    auto sink = std::shared_ptr<queued_sink>(new queued_sink(std::move(i)));
    if (sink->impl_->disk && sink->impl_->disk->waiting() != 0) {
        sink->kick();
    }
    return sink;
}

queued_sink::queued_sink(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
queued_sink::~queued_sink() = default;

namespace {

/// The writer's steps, on the sink's executor.
struct writer {
    std::shared_ptr<queued_sink> self;
    queued_sink::impl* s;

    void pump() const {
        std::unique_lock lock(s->mutex);
        if (s->writing || s->abandoned) {
            return;
        }
        if (s->queue.empty()) {
            try {
                s->load_from_spool();
            } catch (const std::system_error& e) {
                lock.unlock();
                failed(boost::system::error_code(e.code().value(), boost::system::system_category()));
                return;
            }
        }
        if (s->queue.empty()) {
            if (s->finishing && s->done) {
                auto done = std::exchange(s->done, nullptr);
                const sink_report r = s->report();
                s->disk.reset(); // done with it: the spool file is free for the next sink (a reload)
                lock.unlock();
                done(r);
            }
            return;
        }
        if (const auto until = s->linger_until()) {
            if (!std::exchange(s->lingering, true)) {
                s->linger_timer.expires_at(*until);
                s->linger_timer.async_wait(net::bind_executor(s->executor, [w = *this](boost::system::error_code) {
                    {
                        std::lock_guard guard(w.s->mutex);
                        w.s->lingering = false;
                    }
                    w.pump(); // (the batch's time, or a later batch's: pump sets the timer again)
                }));
            }
            return;
        }
        queued_sink::impl::batch& front = s->queue.front();
        front.sealed = true;
        const std::string_view rest = std::string_view(front.bytes).substr(s->front_done);
        s->writing = true;
        lock.unlock();
        s->target->async_write_some(rest, net::bind_executor(s->executor, [w = *this](boost::system::error_code ec,
                                                                                     std::size_t n) {
            w.written(ec, n);
        }));
    }

    void written(boost::system::error_code ec, std::size_t n) const {
        std::vector<waiting_handler> admitted;
        {
            std::lock_guard lock(s->mutex);
            s->writing = false;
            if (s->abandoned) {
                return;
            }
            queued_sink::impl::batch& front = s->queue.front();
            n = std::min(n, front.bytes.size() - s->front_done);
            s->front_done += n;
            s->queued -= n;
            if (front.from_spool.empty()) {
                s->progress.settled += n; // (spooled output was settled when it was spooled)
            }
            s->metrics.buffer_bytes.fetch_sub(static_cast<std::int64_t>(n), std::memory_order_relaxed);
            s->metrics.bytes_out.fetch_add(n, std::memory_order_relaxed);
            if (s->front_done == front.bytes.size()) {
                s->lines_written += front.lines;
                s->held_lines -= front.lines;
                s->metrics.lines_out.fetch_add(front.lines, std::memory_order_relaxed);
                for (const spool::record& r : front.from_spool) {
                    try {
                        s->disk->consumed(r);
                    } catch (const std::system_error& e) {
                        s->log(log_level::error, "sink " + s->options.name + ": " + e.what() +
                                                     " (the record may be written again by the next process)");
                    }
                }
                s->queue.pop_front();
                s->front_done = 0;
            }
            admitted = s->admit();
        }
        for (waiting_handler& h : admitted) {
            complete_later(std::move(h), {});
        }
        if (ec) {
            failed(ec);
            return;
        }
        recovered();
        pump();
    }

    void failed(boost::system::error_code ec) const {
        s->metrics.errors.fetch_add(1, std::memory_order_relaxed);
        if (spool_at_end(ec.message())) {
            return;
        }
        const auto now = std::chrono::steady_clock::now();
        std::string message = "sink " + s->options.name + ": " + s->target->describe() + ": " + ec.message();
        std::uint64_t held = 0;
        bool first = false;
        bool remind = false;
        {
            std::lock_guard lock(s->mutex);
            held = s->held_lines;
            first = !s->failing;
            if (first) {
                s->failing = true;
                s->failing_since = now;
                s->last_reminder = now;
                s->failed_writes = 0;
            } else if (now - s->last_reminder >= s->options.reminder) {
                s->last_reminder = now;
                remind = true;
            }
            ++s->failed_writes;
            s->last_error = ec.message();
        }
        if (first) {
            s->log(log_level::error, message + "; keeping " + std::to_string(held) +
                                         " lines and retrying (backoff up to " +
                                         std::to_string(s->options.backoff_max.count()) + " ms)");
        } else if (remind) {
            s->log(log_level::warning, message + "; still failing after " + seconds_since(s->failing_since) + ", " +
                                           std::to_string(s->failed_writes) + " attempts, " + std::to_string(held) +
                                           " lines held");
        }
        s->timer.expires_after(s->backoff);
        s->backoff = std::min(s->backoff * 2, s->options.backoff_max);
        {
            std::lock_guard lock(s->mutex);
            s->writing = true; // the retry wait
            s->retry_wait = true;
        }
        s->timer.async_wait(net::bind_executor(s->executor, [w = *this](boost::system::error_code) {
            {
                std::lock_guard lock(w.s->mutex);
                w.s->writing = false;
                w.s->retry_wait = false;
            }
            w.pump();
        }));
    }

    /// Finishing with a spool while the target fails: what is held goes to
    /// the spool now, and the sink is done (the next process writes it).
    /// False if that is not the case (no spool, not finishing, a write in
    /// progress).
    bool spool_at_end(const std::string& error) const {
        std::function<void(sink_report)> done;
        sink_report r;
        {
            std::lock_guard lock(s->mutex);
            if (!s->disk || !s->finishing || !s->done || s->abandoned || (s->writing && !s->retry_wait)) {
                return false;
            }
            s->failing = true;
            s->last_error = error;
            s->spool_held();
            s->abandoned = true; // nothing more is written
            done = std::exchange(s->done, nullptr);
            r = s->report();
            s->disk.reset(); // the spool file is free for the next sink
        }
        s->timer.cancel();
        s->log(log_level::warning, "sink " + s->options.name + ": " + s->target->describe() + ": " + error + "; " +
                                       std::to_string(r.lines_spooled) + " lines kept in the spool " +
                                       s->options.spool.string() + " for the next start");
        done(r);
        return true;
    }

    void recovered() const {
        bool was_failing = false;
        std::string since;
        std::uint64_t attempts = 0;
        {
            std::lock_guard lock(s->mutex);
            was_failing = std::exchange(s->failing, false);
            since = seconds_since(s->failing_since);
            attempts = s->failed_writes;
        }
        s->backoff = s->options.backoff_min;
        if (was_failing) {
            s->log(log_level::info, "sink " + s->options.name + ": " + s->target->describe() +
                                        ": writing again after " + since + " (" + std::to_string(attempts) +
                                        " failed attempts)");
        }
    }
};

} // namespace

bool queued_sink::try_write(std::string_view bytes, std::uint64_t lines) {
    bool kick = false;
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->abandoned || !impl_->waiters.empty() || !impl_->store(bytes, lines)) {
            return false;
        }
        kick = !impl_->writing;
    }
    if (kick) {
        net::post(impl_->executor, [w = writer{shared_from_this(), impl_.get()}] { w.pump(); });
    }
    return true;
}

void queued_sink::kick() {
    net::post(impl_->executor, [w = writer{shared_from_this(), impl_.get()}] { w.pump(); });
}

const net::any_io_executor& queued_sink::executor() const noexcept {
    return impl_->executor;
}

void queued_sink::wait_for_room(std::string_view bytes, std::uint64_t lines, net::any_io_executor handler_executor,
                                room_handler h) {
    waiting_handler handler{std::move(handler_executor), std::move(h)};
    bool kick = false;
    boost::system::error_code ec;
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->abandoned) {
            ec = net::error::operation_aborted;
        } else if (impl_->waiters.empty() && impl_->store(bytes, lines)) {
            kick = !impl_->writing;
        } else {
            impl_->waiters.push_back({bytes, lines, std::move(handler)});
            return;
        }
    }
    if (kick) {
        net::post(impl_->executor, [w = writer{shared_from_this(), impl_.get()}] { w.pump(); });
    }
    complete_later(std::move(handler), ec);
}

void queued_sink::note_dropped(std::uint64_t lines) noexcept {
    impl_->metrics.dropped.fetch_add(lines, std::memory_order_relaxed);
}

void queued_sink::reopen() {
    net::post(impl_->executor, [self = shared_from_this()] { self->impl_->target->reopen(); });
}

void queued_sink::finish(std::function<void(sink_report)> done) {
    net::post(impl_->executor, [w = writer{shared_from_this(), impl_.get()}, done = std::move(done)]() mutable {
        bool failing = false;
        std::string error;
        {
            std::lock_guard lock(w.s->mutex);
            w.s->finishing = true;
            w.s->done = std::move(done);
            failing = w.s->failing;
            error = w.s->last_error;
        }
        w.s->linger_timer.cancel(); // (what lingers is written now: nothing waits for the timer)
        if (failing && w.spool_at_end(error)) {
            return;
        }
        w.pump();
    });
}

void queued_sink::abandon(std::function<void(sink_report)> done) {
    net::post(impl_->executor, [self = shared_from_this(), done = std::move(done)] {
        impl& s = *self->impl_;
        std::deque<impl::waiter> waiters;
        sink_report r;
        std::size_t partial = 0;
        {
            std::lock_guard lock(s.mutex);
            s.abandoned = true;
            waiters.swap(s.waiters);
            if (s.disk) {
                s.spool_held(); // (cuts a partial line back itself)
            } else {
                partial = s.partial_line();
            }
            r = s.report();
            s.disk.reset(); // the spool file is free for the next sink
        }
        s.timer.cancel();
        s.linger_timer.cancel();
        if (partial != 0) {
            s.target->discard_partial(partial);
        }
        for (impl::waiter& w : waiters) {
            complete_later(std::move(w.handler), net::error::operation_aborted);
        }
        if (done) {
            done(r);
        }
    });
}

sink_health queued_sink::health() const {
    std::lock_guard lock(impl_->mutex);
    sink_health h;
    h.ok = !impl_->failing;
    h.reason = impl_->failing ? impl_->last_error : std::string();
    h.since = impl_->failing_since;
    h.held_lines = impl_->held_lines;
    h.spooled_lines = impl_->disk ? impl_->disk->held_lines() : 0;
    return h;
}

std::uint64_t queued_sink::pending_lines() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->held_lines;
}

sink_progress queued_sink::progress() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->progress;
}

const queued_sink_options& queued_sink::options() const noexcept {
    return impl_->options;
}

} // namespace coropipe::asio
