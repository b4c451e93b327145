// Running checkpoints of the followed files' offsets: every
// checkpoint_interval, the offsets whose lines every sink has settled
// (written, or kept in its spool) are saved to the state file. A kill -9
// then loses nothing; what came after the last checkpoint is read again
// (at least once).
#include "daemon_state.hpp"

#include "log.hpp"

namespace coropiped {

void daemon::schedule_checkpoint() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || !positions_.enabled() || config_.checkpoint_interval.count() <= 0) {
            return; // (a shutdown saves the final offsets itself; io_.stop() ends a pending wait)
        }
    }
    if (!checkpoint_timer_) {
        checkpoint_timer_ = std::make_unique<net::steady_timer>(io_);
    }
    checkpoint_timer_->expires_after(config_.checkpoint_interval);
    checkpoint_timer_->async_wait([self = weak_from_this()](boost::system::error_code ec) {
        auto d = self.lock();
        if (ec || !d) {
            return;
        }
        d->checkpoint();
        d->schedule_checkpoint();
    });
}

// Two steps: the offsets taken one interval ago are saved once every sink
// has settled what it had accepted then; the offsets accepted now, with
// what each sink has accepted now, become the next candidate. A source's
// offset is read before the sinks' counts, so those counts cover its lines.
void daemon::checkpoint() {
    std::vector<std::pair<std::string, coropipe::file_position>> accepted;
    std::vector<std::shared_ptr<coropipe::asio::queued_sink>> sinks;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            return;
        }
        for (const auto& [name, entry] : sources_) {
            if (std::optional<coropipe::file_position> at = entry.source->accepted()) {
                accepted.emplace_back(name, *at);
            }
        }
        for (const auto& [key, sink] : live_sinks_) {
            sinks.push_back(sink);
        }
    }
    if (candidate_) {
        bool settled = true;
        for (const auto& [weak, needed] : candidate_->sinks) {
            if (const auto sink = weak.lock(); sink && sink->progress().settled < needed) {
                settled = false; // a sink gone has finished: it wrote or reported what it held
            }
        }
        if (!settled) {
            return; // the same candidate is looked at again next time
        }
        for (const auto& [name, at] : candidate_->positions) {
            positions_.set(name, at);
        }
        candidate_.reset();
        std::string error;
        if (positions_.save(&error)) {
            ++metrics_.checkpoints;
        } else {
            ++metrics_.checkpoint_failures;
            log(log_level::error, "checkpoint: state file: " + error);
        }
    }
    if (accepted.empty()) {
        return;
    }
    checkpoint_candidate next;
    next.positions.insert(accepted.begin(), accepted.end());
    for (const auto& sink : sinks) {
        next.sinks.emplace_back(sink, sink->progress().accepted);
    }
    candidate_ = std::move(next);
}

} // namespace coropiped
