#include <coropipe/detail/chain.hpp>
#include <coropipe/error.hpp>

namespace coropipe::detail {

void chain::reset() noexcept {
    // Tail first: a stage's destructors may still flush into nothing but
    // their own state, and no frame refers to a destroyed one.
    for (stage_links* l = tail_; l != nullptr;) {
        stage_links* up = l->up;
        l->self.destroy();
        l = up;
    }
    head_ = tail_ = nullptr;
    delete std::exchange(core_, nullptr);
}

void chain::append(chain&& next) {
    if (next.core_ != nullptr) {
        throw_error("coropipe: a stage that has already run cannot be composed again");
    }
    if (next.empty()) {
        throw_error("coropipe: composing an empty (moved-from) stage");
    }
    if (empty()) {
        *this = std::move(next);
        return;
    }
    tail_->down = next.head_;
    next.head_->up = tail_;
    for (stage_links* l = next.tail_; l != nullptr && l != tail_; l = l->up) {
        l->core = core_;
    }
    tail_ = std::exchange(next.tail_, nullptr);
    next.head_ = nullptr;
}

void chain::attach(std::unique_ptr<source_base> source) {
    core().source = std::move(source);
}

chain_core& chain::core() {
    if (core_ == nullptr) {
        if (empty()) {
            throw_error("coropipe: running an empty (moved-from) stage");
        }
        core_ = new chain_core;
        for (stage_links* l = tail_; l != nullptr; l = l->up) {
            l->core = core_;
        }
    }
    return *core_;
}

void chain::rethrow_if_failed() {
    if (core_ != nullptr && core_->error) {
        std::rethrow_exception(std::exchange(core_->error, {}));
    }
}

void chain::finish() {
    if (done()) {
        rethrow_if_failed();
        return;
    }
    chain_core& c = core();
    c.pulling = false;
    head_->in_end = true;
    head_->self.resume();
    rethrow_if_failed();
}

} // namespace coropipe::detail
