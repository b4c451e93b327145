#include <coropipe/detail/chain.hpp>
#include <coropipe/error.hpp>

#include <cassert>

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

void* stage_links::input_ended() {
    set_input(input_mode::ended);
    pull_from = nullptr;
    if (chain_core* c = core(); c != nullptr && c->error) {
        std::rethrow_exception(std::exchange(c->error, {}));
    }
    return nullptr;
}

void chain::set_pulled(stage_links* from) noexcept {
    for (stage_links* l = tail_; l != nullptr; l = l->up) {
        l->set_pulled();
        l->set_input(l->up != nullptr ? input_mode::from_stage : input_mode::from_source);
        l->pull_from = l->up != nullptr ? l->up->self.address() : nullptr;
        // The stage reads up's slot at the start of up's promise.
        assert(l->up == nullptr || element_slot_at(l->pull_from) == l->up);
        if (l == from) {
            break;
        }
    }
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
    stage_links* first = next.head_;
    tail_->down = first;
    first->up = tail_;
    for (stage_links* l = next.tail_; l != nullptr && l != tail_; l = l->up) {
        l->set_core(core_);
    }
    tail_ = std::exchange(next.tail_, nullptr);
    next.head_ = nullptr;
    if (core_ != nullptr && core_->source != nullptr) {
        set_pulled(first); // appended to a pipeline
    }
}

void chain::attach(std::unique_ptr<source_base> source) {
    core().source = std::move(source);
    set_pulled(head_);
}

chain_core& chain::core() {
    if (core_ == nullptr) {
        if (empty()) {
            throw_error("coropipe: running an empty (moved-from) stage");
        }
        core_ = new chain_core;
        for (stage_links* l = tail_; l != nullptr; l = l->up) {
            l->set_core(core_);
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
    core();
    head_->set_input(input_mode::ended);
    head_->self.resume();
    rethrow_if_failed();
}

} // namespace coropipe::detail
