// An io_context as the tutorials' "central scheduler": coroutines that give
// up the thread at the points they choose, and a scheduler that decides who
// runs next.
//
//     def func1():                      def func2():
//         print('Function 1 part 1')        print('Function 2 part 1')
//         yield                             yield
//         ...                               ...
//         print('Function 1 part 5')        print('Function 2 part 5')
//
//     "Each coroutine yields control to a central scheduler so that other
//      coroutines can be activated."
//
// examples/interleave.cpp drives func1 and func2 by hand with next(). Here
// they are `net::awaitable`s on one io_context, and the scheduler is:
//
// 1. the io_context's queue itself: `co_await net::post(net::use_awaitable)`
//    is Python's bare `yield` — it puts the coroutine at the back of the
//    queue, so the ready coroutines take turns (round robin);
// 2. a scheduler coroutine that picks who runs, one part at a time, in the
//    tutorial's exact order a b a a b b b a a (each function waits for its
//    turn on a channel and reports back on another);
// 3. the same round robin with 10,000 coroutines, each counting down: one
//    thread, 10,000 live coroutines, 30,000 turns.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstddef>
#include <exception>
#include <iostream>
#include <string_view>
#include <vector>

namespace net = boost::asio;

namespace {

/// Rethrows out of io_context::run(), so that a failure is not silent.
void rethrow(std::exception_ptr e) {
    if (e) {
        std::rethrow_exception(e);
    }
}

// ---- 1. func1 and func2 taking turns ------------------------------------------

/// func1 or func2. `co_await net::post(...)` suspends the coroutine and
/// queues its resumption behind everything already ready: the other
/// function runs its next part meanwhile.
net::awaitable<void> func(int id) {
    for (int part = 1; part <= 5; ++part) {
        if (part > 1) {
            co_await net::post(net::use_awaitable); // Python's bare `yield`
        }
        std::cout << "Function " << id << " part " << part << '\n';
    }
}

// ---- 2. a scheduler that chooses -------------------------------------------------

/// A signal with no data; capacity 0, so a send waits for its receiver.
using turn_signal = net::experimental::channel<void(boost::system::error_code)>;

/// Runs one part per turn it is given, and says when the part is done.
net::awaitable<void> func_on_demand(int id, turn_signal* turn, turn_signal* done) {
    for (int part = 1; part <= 5; ++part) {
        const auto [closed] = co_await turn->async_receive(net::as_tuple(net::use_awaitable));
        if (closed) {
            // The scheduler is finished with us, like a Python generator
            // that is never advanced again.
            co_return;
        }
        std::cout << "Function " << id << " part " << part << '\n';
        co_await done->async_send(boost::system::error_code{}, net::use_awaitable);
    }
}

/// The tutorial's calls: next(a); next(b); next(a); next(a); next(b); ...
net::awaitable<void> choose(std::string_view order, turn_signal* a, turn_signal* b, turn_signal* done) {
    for (const char who : order) {
        co_await (who == 'a' ? a : b)->async_send(boost::system::error_code{}, net::use_awaitable);
        co_await done->async_receive(net::use_awaitable);
    }
    // func2 still waits for its part 5: end it, or run() would wait forever.
    a->close();
    b->close();
}

// ---- 3. many coroutines -------------------------------------------------------

struct countdown_log {
    std::size_t turns = 0;
    std::size_t live = 0;
    std::size_t peak_live = 0;
    std::vector<int> turn_order; ///< the id of the task that took each turn
    std::vector<int> finished;   ///< ids, in the order the tasks ended
};

/// Counts down from `from`, giving up the thread after each step.
net::awaitable<void> countdown(int id, int from, countdown_log* log) {
    ++log->live;
    if (log->live > log->peak_live) {
        log->peak_live = log->live;
    }
    for (int n = from; n > 0; --n) {
        if (log->turns < 6) {
            std::cout << "  task " << id << ": T-minus " << n << '\n';
        }
        ++log->turns;
        log->turn_order.push_back(id);
        co_await net::post(net::use_awaitable);
    }
    --log->live;
    log->finished.push_back(id);
}

void print_ids(const char* what, const std::vector<int>& ids, std::size_t first, std::size_t count) {
    std::cout << what;
    for (std::size_t i = first; i < first + count && i < ids.size(); ++i) {
        std::cout << ' ' << ids[i];
    }
    std::cout << '\n';
}

} // namespace

int main() {
    std::cout << "1. func1 and func2 yield to each other (the io_context's queue is the scheduler)\n";
    {
        net::io_context io(1);
        net::co_spawn(io, func(1), rethrow);
        net::co_spawn(io, func(2), rethrow);
        io.run();
    }

    std::cout << "\n2. a scheduler coroutine picks the tutorial's order: a b a a b b b a a\n";
    {
        net::io_context io(1);
        turn_signal turn_a(io, 0), turn_b(io, 0), done(io, 0);
        net::co_spawn(io, func_on_demand(1, &turn_a, &done), rethrow);
        net::co_spawn(io, func_on_demand(2, &turn_b, &done), rethrow);
        net::co_spawn(io, choose("abaabbbaa", &turn_a, &turn_b, &done), rethrow);
        io.run();
    }

    std::cout << "\n3. 10000 coroutines on one thread, task i counting down from 5 - i % 5\n";
    {
        constexpr int tasks = 10'000;
        net::io_context io(1);
        countdown_log log;
        for (int id = 0; id < tasks; ++id) {
            net::co_spawn(io, countdown(id, 5 - id % 5, &log), rethrow);
        }
        io.run();
        // Round robin: round r gives one turn to every task that still
        // counts, in the order they were started.
        std::vector<int> round_robin;
        for (int round = 0; round < 5; ++round) {
            for (int id = 0; id < tasks; ++id) {
                if (5 - id % 5 > round) {
                    round_robin.push_back(id);
                }
            }
        }
        std::cout << "  ...\n"
                  << "  turns taken:            " << log.turns << '\n'
                  << "  live at once, at most:  " << log.peak_live << '\n';
        print_ids("  first to finish:       ", log.finished, 0, 5);
        print_ids("  last to finish:        ", log.finished, log.finished.size() - 5, 5);
        std::cout << "  tasks finished:         " << log.finished.size() << '\n'
                  << "  turns in round-robin order: " << (log.turn_order == round_robin ? "yes" : "no") << '\n';
    }
}
