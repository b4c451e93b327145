// Core costs of coropipe, each next to its peers in the same run:
//
// 1. ns per element through a pipeline over ints: source -> filter (1 stage)
//    and source -> filter -> running min (3 stages), written as coropipe
//    stages, as a chain of coropipe generators, with range-v3 views, and as
//    a hand loop.
// 2. Coroutine frame bytes of a grep stage and a running-min stage
//    (`frame_bytes` counters, exact sizes the compiler asked for).
// 3. Create + first resume + destroy of `range | stage | stage | stage`,
//    frames from the recycling allocator vs from plain `::operator new`.
// 4. Issue 12: a minimal hand-written generator chain (`minimal::gen`, the
//    yardstick), coropipe generators and user-written stages doing the same
//    work, part by part, pulled and pushed.
// 5. `send` into a two-way coroutine through 0 to 1000 levels of
//    delegation: forwarded to the innermost, so the cost does not grow.
//
// Run: build/release/bench/bench_core_bench (see docs/BENCHMARKS.md).
// The `per_elem` counter is seconds per source element (1.8n = 1.8 ns).
#include <coropipe/coropipe.hpp>
#include <coropipe/detail/frame_allocator.hpp>


#include <benchmark/benchmark.h>

#include <range/v3/view/filter.hpp>
#include <range/v3/view/transform.hpp>

#include <algorithm>
#include <climits>
#include <coroutine>
#include <cstddef>
#include <functional>
#include <memory>
#include <new>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

// ---- data and the per-element work ------------------------------------------

constexpr std::size_t element_count = 4096; // 16 KiB: stays in L1, so we measure overhead

const std::vector<int>& input_data() {
    static const std::vector<int> data = [] {
        std::mt19937 rng(42);
        std::uniform_int_distribution<int> dist(0, 1 << 20);
        std::vector<int> v(element_count);
        for (int& x : v) {
            x = dist(rng);
        }
        return v;
    }();
    return data;
}

// Drops 1 in 16 at random: a realistic but mostly predictable branch.
inline bool keep(int x) noexcept { return x % 16 != 0; }
// For range-v3: a lambda is inlined into the view, a function pointer may not be.
constexpr auto keep_fn = [](int x) noexcept { return keep(x); };

void set_rate(benchmark::State& st) {
    const auto n = static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(element_count);
    st.SetItemsProcessed(n);
    st.counters["per_elem"] =
        benchmark::Counter(static_cast<double>(element_count),
                           benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// ---- coropipe stages ----------------------------------------------------------

coropipe::stage<int> filter_stage() {
    while (int* x = co_await coropipe::input) {
        if (keep(*x)) {
            co_yield *x;
        }
    }
}

coropipe::stage<int> running_min_stage() {
    int m = INT_MAX;
    while (int* x = co_await coropipe::input) {
        m = std::min(m, *x);
        co_yield m;
    }
}

coropipe::stage<int> pass_stage() {
    while (int* x = co_await coropipe::input) {
        co_yield *x;
    }
}

// ---- coropipe generators --------------------------------------------------------

coropipe::generator<int> source_gen(std::span<const int> data) {
    for (int x : data) {
        co_yield x;
    }
}

coropipe::generator<int> filter_gen(coropipe::generator<int> in) {
    for (int& x : in) {
        if (keep(x)) {
            co_yield x;
        }
    }
}

coropipe::generator<int> running_min_gen(coropipe::generator<int> in) {
    int m = INT_MAX;
    for (int& x : in) {
        m = std::min(m, x);
        co_yield m;
    }
}

// ---- the peer: a minimal hand-written generator ---------------------------------
//
// What a C++20 user writes in 40 lines for GCC 12 without a library: no
// delegation, no exception transport, frames from plain operator new. The
// yardstick for coropipe's generators and user-written stages (issue 12).

namespace minimal {

template <class T>
class gen {
public:
    struct promise_type {
        const T* value = nullptr;
        gen get_return_object() noexcept { return gen{std::coroutine_handle<promise_type>::from_promise(*this)}; }
        std::suspend_always initial_suspend() const noexcept { return {}; }
        std::suspend_always final_suspend() const noexcept { return {}; }
        std::suspend_always yield_value(const T& v) noexcept {
            value = std::addressof(v);
            return {};
        }
        void return_void() const noexcept {}
        void unhandled_exception() const { throw; }
    };
    struct iterator {
        std::coroutine_handle<promise_type> h;
        iterator& operator++() {
            h.resume();
            return *this;
        }
        const T& operator*() const noexcept { return *h.promise().value; }
        bool operator==(std::default_sentinel_t) const noexcept { return h.done(); }
    };
    explicit gen(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
    gen(gen&& other) noexcept : h_(std::exchange(other.h_, {})) {}
    gen& operator=(gen&&) = delete;
    ~gen() {
        if (h_) {
            h_.destroy();
        }
    }
    iterator begin() {
        h_.resume();
        return {h_};
    }
    std::default_sentinel_t end() const noexcept { return {}; }

private:
    std::coroutine_handle<promise_type> h_;
};

} // namespace minimal

minimal::gen<int> source_minimal(std::span<const int> data) {
    for (int x : data) {
        co_yield x;
    }
}

minimal::gen<int> filter_minimal(minimal::gen<int> in) {
    for (int x : in) {
        if (keep(x)) {
            co_yield x;
        }
    }
}

minimal::gen<int> running_min_minimal(minimal::gen<int> in) {
    int m = INT_MAX;
    for (int x : in) {
        m = std::min(m, x);
        co_yield m;
    }
}

// ---- 1. ns per element ------------------------------------------------------------

// Source only: how much iterating a range costs before any stage.
void source_hand(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        for (int x : data) {
            benchmark::DoNotOptimize(x);
        }
    }
    set_rate(st);
}

void source_generator(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        for (int x : source_gen(data)) {
            benchmark::DoNotOptimize(x);
        }
    }
    set_rate(st);
}

// 1 stage: source -> filter.
void filter_hand(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        for (int x : data) {
            if (keep(x)) {
                benchmark::DoNotOptimize(x);
            }
        }
    }
    set_rate(st);
}

void filter_range_v3(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        for (int x : data | ranges::views::filter(keep_fn)) {
            benchmark::DoNotOptimize(x);
        }
    }
    set_rate(st);
}

void filter_generators(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        for (int x : filter_gen(source_gen(data))) {
            benchmark::DoNotOptimize(x);
        }
    }
    set_rate(st);
}

// vector | stage: the range itself is the source (no source coroutine).
void filter_stage_from_vector(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        for (int x : data | filter_stage()) {
            benchmark::DoNotOptimize(x);
        }
    }
    set_rate(st);
}

// The built-in filter: a fused element stage, run inline after the source.
void filter_builtin(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        for (int x : source_gen(data) | coropipe::filter(keep_fn)) {
            benchmark::DoNotOptimize(x);
        }
    }
    set_rate(st);
}

void filter_builtin_from_vector(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        for (int x : data | coropipe::filter(keep_fn)) {
            benchmark::DoNotOptimize(x);
        }
    }
    set_rate(st);
}

// 3 stages: source -> filter -> running min.
void three_hand(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        int m = INT_MAX;
        for (int x : data) {
            if (keep(x)) {
                m = std::min(m, x);
                benchmark::DoNotOptimize(m);
            }
        }
    }
    set_rate(st);
}

void three_range_v3(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        int m = INT_MAX; // the running min's state, outside the (const-callable) lambda
        auto view = data | ranges::views::filter(keep_fn) | ranges::views::transform([&m](int x) {
                        m = std::min(m, x);
                        return m;
                    });
        for (int x : view) {
            benchmark::DoNotOptimize(x);
        }
    }
    set_rate(st);
}

// The yardstick: three minimal generators (see `minimal::gen`).
void three_minimal(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        for (int x : running_min_minimal(filter_minimal(source_minimal(data)))) {
            benchmark::DoNotOptimize(x);
        }
    }
    set_rate(st);
}

void three_generators(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        for (int x : running_min_gen(filter_gen(source_gen(data)))) {
            benchmark::DoNotOptimize(x);
        }
    }
    set_rate(st);
}

// Three coroutines: a generator source and two stages.
void three_stages(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        for (int x : source_gen(data) | (filter_stage() | running_min_stage())) {
            benchmark::DoNotOptimize(x);
        }
    }
    set_rate(st);
}

// The vector is the source: two stage coroutines.
void three_stages_from_vector(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        for (int x : data | (filter_stage() | running_min_stage())) {
            benchmark::DoNotOptimize(x);
        }
    }
    set_rate(st);
}

// The built-in stages: a generator source, then filter and running_min fused
// into the consumer's loop (fused.hpp).
void three_builtin(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        for (int x : source_gen(data) | coropipe::filter(keep_fn) | coropipe::running_min(std::identity{})) {
            benchmark::DoNotOptimize(x);
        }
    }
    set_rate(st);
}

void three_builtin_from_vector(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        for (int x : data | coropipe::filter(keep_fn) | coropipe::running_min(std::identity{})) {
            benchmark::DoNotOptimize(x);
        }
    }
    set_rate(st);
}

// The same two built-in stages as a coroutine (their form after a coroutine
// stage, in push mode or type-erased): both steps share one frame.
void three_builtin_as_stage(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        auto fused = (coropipe::filter(keep_fn) | coropipe::running_min(std::identity{})).build<int>();
        for (int x : source_gen(data) | std::move(fused)) {
            benchmark::DoNotOptimize(x);
        }
    }
    set_rate(st);
}

void three_stages_builtin_running_min(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        for (int x : source_gen(data) | (filter_stage() | coropipe::running_min(std::identity{}))) {
            benchmark::DoNotOptimize(x);
        }
    }
    set_rate(st);
}

// ---- issue 12: what each part of a user-written stage chain costs ---------------
//
// Against the minimal generator chain above, one hop at a time: one
// generator, source -> filter, then the three-coroutine chain pulled, and
// the same two stages pushed (the Asio runtime's direction).

void source_minimal_only(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        for (int x : source_minimal(data)) {
            benchmark::DoNotOptimize(x);
        }
    }
    set_rate(st);
}

void filter_minimal_chain(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        for (int x : filter_minimal(source_minimal(data))) {
            benchmark::DoNotOptimize(x);
        }
    }
    set_rate(st);
}

// generator | stage: the head takes straight from the generator.
void filter_stage_from_generator(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        for (int x : source_gen(data) | filter_stage()) {
            benchmark::DoNotOptimize(x);
        }
    }
    set_rate(st);
}

coropipe::sink<int> consume() {
    while (int* x = co_await coropipe::input) {
        benchmark::DoNotOptimize(*x);
    }
}

// Pushed: the driver sends each element into filter -> running min -> a sink.
void three_stages_pushed(benchmark::State& st) {
    const auto& data = input_data();
    for (auto _ : st) {
        auto chain = filter_stage() | running_min_stage() | consume();
        for (int x : data) {
            chain.send(x);
        }
        chain.close();
    }
    set_rate(st);
}

BENCHMARK(source_minimal_only);
BENCHMARK(filter_minimal_chain);
BENCHMARK(filter_stage_from_generator);
BENCHMARK(three_stages_pushed);

BENCHMARK(source_hand);
BENCHMARK(source_generator);
BENCHMARK(filter_hand);
BENCHMARK(filter_range_v3);
BENCHMARK(filter_generators);
BENCHMARK(filter_stage_from_vector);
BENCHMARK(filter_builtin);
BENCHMARK(filter_builtin_from_vector);
BENCHMARK(three_hand);
BENCHMARK(three_range_v3);
BENCHMARK(three_minimal);
BENCHMARK(three_generators);
BENCHMARK(three_stages);
BENCHMARK(three_stages_from_vector);
BENCHMARK(three_builtin);
BENCHMARK(three_builtin_from_vector);
BENCHMARK(three_builtin_as_stage);
BENCHMARK(three_stages_builtin_running_min);

// ---- 2. frame bytes -----------------------------------------------------------------
//
// `last_frame_size()` is the size the compiler asked for in the latest frame
// allocation on this thread; a stage allocates its frame when it is called
// (lazy: before its body runs), so reading it right after the call gives that
// stage's frame. The loop measures creating and destroying one such stage.

// User-written equivalents of the built-in stages, measured whether or not
// the built-ins exist, so the two can be compared.
coropipe::stage<std::string_view> user_grep(std::string needle) {
    while (std::string_view* line = co_await coropipe::input) {
        if (line->find(needle) != std::string_view::npos) {
            co_yield *line;
        }
    }
}

template <class Make>
void frame_bytes(benchmark::State& st, Make make) {
    for (auto _ : st) {
        auto s = make();
        benchmark::DoNotOptimize(s);
    }
    auto s = make();
    st.counters["frame_bytes"] = static_cast<double>(coropipe::detail::last_frame_size());
}

BENCHMARK_CAPTURE(frame_bytes, user_grep, [] { return user_grep("ERROR"); });
BENCHMARK_CAPTURE(frame_bytes, user_running_min, [] { return running_min_stage(); });
BENCHMARK_CAPTURE(frame_bytes, user_filter, [] { return filter_stage(); });
BENCHMARK_CAPTURE(frame_bytes, generator_source, [] { return source_gen(input_data()); });
BENCHMARK_CAPTURE(frame_bytes, builtin_grep, [] { return coropipe::grep("ERROR"); });
BENCHMARK_CAPTURE(frame_bytes, builtin_running_min,
                  [] { return coropipe::running_min(std::identity{}).template build<int>(); });
// The coroutine forms of fused stages (after a coroutine stage, pushed, type-erased);
// piped after a source they have no frame at all.
BENCHMARK_CAPTURE(frame_bytes, builtin_filter, [] { return coropipe::filter(keep_fn).template build<int>(); });
BENCHMARK_CAPTURE(frame_bytes, builtin_filter_running_min, [] {
    return (coropipe::filter(keep_fn) | coropipe::running_min(std::identity{})).template build<int>();
});

// ---- 3. create + first resume + destroy -------------------------------------------
//
// The same stage coroutine twice: once with coropipe's promise (frames from
// the per-thread recycling cache), once with a promise derived from it that
// only replaces operator new/delete by the global ones (glibc malloc). The
// extra `plain_new_t` parameter selects that promise through
// std::coroutine_traits; the chain core (recycled) and the range source
// (make_unique) are allocated the same way in both.

struct plain_new_t {};

template <class In, class Out>
struct plain_new_promise : coropipe::detail::stage_promise<In, Out> {
    static void* operator new(std::size_t size) { return ::operator new(size); }
    static void operator delete(void* frame, std::size_t size) noexcept { ::operator delete(frame, size); }
};

} // namespace

template <class In, class Out, class... Args>
struct std::coroutine_traits<coropipe::stage<In, Out>, plain_new_t, Args...> {
    using promise_type = plain_new_promise<In, Out>;
};

namespace {

coropipe::stage<int> pass_stage_plain(plain_new_t) {
    while (int* x = co_await coropipe::input) {
        co_yield *x;
    }
}

const std::vector<int> one_element = {7};

void create_resume_destroy_recycled(benchmark::State& st) {
    for (auto _ : st) {
        auto p = one_element | (pass_stage() | pass_stage() | pass_stage());
        benchmark::DoNotOptimize(*p.begin());
    }
}

void create_resume_destroy_plain_new(benchmark::State& st) {
    plain_new_t plain;
    for (auto _ : st) {
        auto p = one_element | (pass_stage_plain(plain) | pass_stage_plain(plain) | pass_stage_plain(plain));
        benchmark::DoNotOptimize(*p.begin());
    }
}

// The same shape with generators (no chain core, no range source object).
void create_resume_destroy_generators(benchmark::State& st) {
    for (auto _ : st) {
        auto g = running_min_gen(filter_gen(source_gen(one_element)));
        benchmark::DoNotOptimize(*g.begin());
    }
}

// Source -> filter -> running min with the built-in stages: fused, so the
// generator is the only frame.
void create_resume_destroy_fused(benchmark::State& st) {
    for (auto _ : st) {
        auto p = source_gen(one_element) | coropipe::filter(keep_fn) | coropipe::running_min(std::identity{});
        benchmark::DoNotOptimize(*p.begin());
    }
}

BENCHMARK(create_resume_destroy_recycled);
BENCHMARK(create_resume_destroy_plain_new);
BENCHMARK(create_resume_destroy_generators);
BENCHMARK(create_resume_destroy_fused);

// ---- 5. send through a delegation stack (issue 12) -----------------------------
//
// `auto r = co_yield coropipe::from(sub)` in a two-way coroutine: send goes
// straight to the innermost delegate, so its cost must not grow with the
// depth (PEP 380 forwards level by level: O(depth) in CPython).

// Delegates to `depth` nested coroutines; the innermost keeps a running sum.
coropipe::coroutine<int, int, int> delegating(int depth) {
    if (depth == 0) {
        int total = 0;
        for (;;) {
            total += co_yield total;
        }
    }
    const int r = co_yield coropipe::from(delegating(depth - 1));
    co_return r;
}

void send_delegated(benchmark::State& st) {
    auto c = delegating(static_cast<int>(st.range(0)));
    int i = 0;
    for (auto _ : st) {
        benchmark::DoNotOptimize(c.send(++i & 7));
    }
    st.counters["depth"] = static_cast<double>(st.range(0));
}

BENCHMARK(send_delegated)->Arg(0)->Arg(1)->Arg(10)->Arg(1000);

} // namespace

BENCHMARK_MAIN();
