// detail::block_splitter: bytes arriving in pieces become blocks of whole
// lines (what a text_run is fed), for newline, octet-counting and automatic
// framing, with max_line cutting, against a line-by-line model of the same
// rules over every way of splitting the input.
#include <coropipe/detail/block_splitter.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using namespace std::literals;
using coropipe::detail::block_splitter;
using coropipe::detail::syslog_framing;

namespace {

/// What a splitter handed on for a stream fed in the given pieces.
struct split_result {
    std::vector<std::string> blocks;
    std::vector<bool> in_piece; // whether each block was a view into the piece being fed
    std::string joined;         // the blocks, one after the other
    bool went_on = true;
};

split_result split(block_splitter& s, const std::vector<std::string_view>& pieces, bool finish = true) {
    split_result r;
    std::string_view current;
    auto on_block = [&](std::string_view block) {
        r.blocks.emplace_back(block);
        r.in_piece.push_back(std::greater_equal<>{}(block.data(), current.data()) &&
                             std::less_equal<>{}(block.data() + block.size(), current.data() + current.size()));
        r.joined += block;
        return true;
    };
    for (std::string_view piece : pieces) {
        current = piece;
        r.went_on = s.feed(piece, on_block) && r.went_on;
    }
    current = {};
    if (finish) {
        r.went_on = s.finish(on_block) && r.went_on;
    }
    return r;
}

/// The model of newline framing: each line cut to max_line, '\n' after each
/// but a last line without one; and how many lines were cut.
struct model_result {
    std::string text;
    std::size_t cut = 0;
    std::uint64_t lines = 0;
};

model_result model(std::string_view input, std::size_t max_line) {
    model_result m;
    while (!input.empty()) {
        const std::size_t nl = input.find('\n');
        std::string_view line = input.substr(0, nl);
        if (max_line != 0 && line.size() > max_line) {
            line = line.substr(0, max_line);
            ++m.cut;
        }
        m.text += line;
        ++m.lines;
        if (nl == std::string_view::npos) {
            break;
        }
        m.text += '\n';
        input.remove_prefix(nl + 1);
    }
    return m;
}

/// `text` cut at the given offsets.
std::vector<std::string_view> cut_at(std::string_view text, std::vector<std::size_t> cuts) {
    std::sort(cuts.begin(), cuts.end());
    std::vector<std::string_view> pieces;
    std::size_t from = 0;
    for (const std::size_t c : cuts) {
        pieces.push_back(text.substr(from, c - from));
        from = c;
    }
    pieces.push_back(text.substr(from));
    return pieces;
}

/// Random lines of random lengths (some empty, some long), with CR, NUL and
/// high bytes inside; with or without a final '\n'.
std::string random_text(std::mt19937& rng) {
    std::string text;
    const int lines = std::uniform_int_distribution<int>(0, 30)(rng);
    for (int i = 0; i < lines; ++i) {
        const int kind = std::uniform_int_distribution<int>(0, 9)(rng);
        const std::size_t length = kind == 0 ? 0 : kind == 1 ? std::uniform_int_distribution<std::size_t>(50, 300)(rng)
                                                              : std::uniform_int_distribution<std::size_t>(1, 20)(rng);
        for (std::size_t k = 0; k < length; ++k) {
            constexpr std::string_view alphabet = "abcXYZ 019=\r\t\0\xff"sv;
            text += alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)];
        }
        if (i + 1 < lines || std::uniform_int_distribution<int>(0, 1)(rng) == 0) {
            text += '\n';
        }
    }
    return text;
}

} // namespace

// ---- newline framing --------------------------------------------------------------

TEST_CASE("block_splitter hands on a piece's whole lines as one view into the piece", "[detail][block_splitter]") {
    block_splitter s;
    const std::string piece = "one\ntwo\nthree\npart";
    const split_result r = split(s, {piece}, false);
    REQUIRE(r.blocks == std::vector<std::string>{"one\ntwo\nthree\n"});
    CHECK(r.in_piece[0]);
    CHECK(s.lines() == 3);
    CHECK(s.carried() == 4);
}

TEST_CASE("block_splitter copies only a line that spans pieces, and hands it on before the next lines",
          "[detail][block_splitter]") {
    block_splitter s;
    const split_result r = split(s, {"a\nbe"sv, "gin"sv, "ning\nc\nd\n"sv}, false);
    REQUIRE(r.blocks == std::vector<std::string>{"a\n", "beginning\n", "c\nd\n"});
    CHECK(r.in_piece == std::vector<bool>{true, false, true});
    CHECK(s.carried() == 0);
    CHECK(s.lines() == 4);
}

TEST_CASE("block_splitter's finish hands on a last line without its newline, once", "[detail][block_splitter]") {
    block_splitter s;
    split_result r = split(s, {"x\ny\nlast"sv});
    CHECK(r.blocks == std::vector<std::string>{"x\ny\n", "last"});
    CHECK(s.lines() == 3);
    CHECK(s.carried() == 0);
    // Nothing is held any more: a second finish hands on nothing.
    r = split(s, {});
    CHECK(r.blocks.empty());
}

TEST_CASE("block_splitter hands on nothing for empty pieces and an empty stream", "[detail][block_splitter]") {
    block_splitter s;
    const split_result r = split(s, {""sv, ""sv});
    CHECK(r.blocks.empty());
    CHECK(r.went_on);
    CHECK(s.lines() == 0);
}

TEST_CASE("block_splitter keeps empty lines, CR, NUL and high bytes as they are", "[detail][block_splitter]") {
    block_splitter s;
    const std::string text = "\n\na\r\n\0b\xff\n\n"s;
    const split_result r = split(s, {text});
    CHECK(r.joined == text);
    CHECK(s.lines() == 5);
}

TEST_CASE("block_splitter gives the model's lines however the stream is split", "[detail][block_splitter]") {
    std::mt19937 rng(20261207);
    for (int round = 0; round < 2000; ++round) {
        const std::string text = random_text(rng);
        const std::size_t max_line = std::uniform_int_distribution<int>(0, 2)(rng) == 0
                                         ? 0
                                         : std::uniform_int_distribution<std::size_t>(1, 40)(rng);
        std::vector<std::size_t> cuts;
        const int n = text.empty() ? 0 : std::uniform_int_distribution<int>(0, 6)(rng);
        for (int i = 0; i < n; ++i) {
            cuts.push_back(std::uniform_int_distribution<std::size_t>(0, text.size())(rng));
        }
        INFO("round " << round << ", max_line " << max_line);
        block_splitter s(syslog_framing::newline, max_line);
        const split_result r = split(s, cut_at(text, cuts));
        const model_result m = model(text, max_line);
        REQUIRE(r.joined == m.text);
        CHECK(s.truncated() == m.cut);
        CHECK(s.lines() == m.lines);
        for (std::size_t b = 0; b + 1 < r.blocks.size(); ++b) {
            CHECK(r.blocks[b].back() == '\n'); // only the last block may lack it
        }
        CHECK(std::none_of(r.blocks.begin(), r.blocks.end(), [](const std::string& b) { return b.empty(); }));
    }
}

TEST_CASE("block_splitter cuts a line longer than max_line to its first max_line bytes",
          "[detail][block_splitter][max_line]") {
    SECTION("inside one piece: the lines around it stay one view") {
        block_splitter s(syslog_framing::newline, 4);
        const split_result r = split(s, {"ab\nabcdefgh\ncd\nabcd\n"sv});
        CHECK(r.blocks == std::vector<std::string>{"ab\n", "abcd\n", "cd\nabcd\n"});
        CHECK(r.in_piece == std::vector<bool>{true, false, true});
        CHECK(s.truncated() == 1);
        CHECK(s.lines() == 4);
    }
    SECTION("across pieces: the rest of the line is dropped up to its newline") {
        block_splitter s(syslog_framing::newline, 4);
        const split_result r = split(s, {"abc"sv, "defg"sv, "hij"sv, "kl\nnext\n"sv});
        CHECK(r.joined == "abcd\nnext\n");
        CHECK(s.truncated() == 1);
    }
    SECTION("a last line without newline is cut too") {
        block_splitter s(syslog_framing::newline, 3);
        const split_result r = split(s, {"ok\n"sv, "toolong"sv});
        CHECK(r.joined == "ok\ntoo");
        CHECK(s.truncated() == 1);
    }
    SECTION("a line of exactly max_line bytes is not cut") {
        block_splitter s(syslog_framing::newline, 4);
        const split_result r = split(s, {"ab"sv, "cd\nwxyz\n"sv});
        CHECK(r.joined == "abcd\nwxyz\n");
        CHECK(s.truncated() == 0);
    }
}

TEST_CASE("block_splitter's carried() counts every byte of the partial line held back",
          "[detail][block_splitter][carried]") {
    // A followed file saves its offset minus carried(): the partial line
    // must be read again whole, so every byte of it counts, also the bytes
    // that max_line has already dropped.
    SECTION("without a limit") {
        block_splitter s;
        (void)split(s, {"done\npart"sv, "ial"sv}, false);
        CHECK(s.carried() == 7);
    }
    SECTION("a partial line longer than max_line") {
        block_splitter s(syslog_framing::newline, 4);
        (void)split(s, {"done\nabcdef"sv, "ghij"sv}, false);
        CHECK(s.carried() == 10);
    }
    SECTION("nothing once the line has ended") {
        block_splitter s(syslog_framing::newline, 4);
        (void)split(s, {"abcdef"sv, "gh\n"sv}, false);
        CHECK(s.carried() == 0);
    }
}

TEST_CASE("block_splitter stops when on_block does, dropping the rest of the piece", "[detail][block_splitter]") {
    block_splitter s;
    std::vector<std::string> seen;
    auto take_one = [&](std::string_view block) {
        seen.emplace_back(block);
        return false;
    };
    CHECK(s.feed("lo"sv, take_one)); // held, no block yet
    CHECK_FALSE(s.feed("ng\nrest\nmore\n"sv, take_one));
    CHECK(seen == std::vector<std::string>{"long\n"});
}

TEST_CASE("block_splitter hands on a line several pieces long whole", "[detail][block_splitter]") {
    block_splitter s;
    const std::string big(1 << 20, 'x');
    split_result r = split(s, {big, big, "\nnext\n"sv}, false);
    CHECK(r.blocks.size() == 2);
    CHECK(r.blocks[0].size() == 2 * big.size() + 1);
    CHECK(s.carried() == 0);
}

// ---- octet counting and automatic framing -------------------------------------

TEST_CASE("block_splitter collects octet-counted frames into a block of lines", "[detail][block_splitter][octet]") {
    block_splitter s(syslog_framing::octet_counting);
    const split_result r = split(s, {"5 <1>ab6 <2>cd\n3 <3"sv, ">"sv});
    REQUIRE(r.blocks.size() == 2);
    CHECK(r.blocks[0] == "<1>ab\n<2>cd\n");
    CHECK(r.blocks[1] == "<3>\n");
    CHECK(s.lines() == 3);
}

TEST_CASE("block_splitter writes a newline inside a frame as #012, so a frame stays one line",
          "[detail][block_splitter][octet]") {
    block_splitter s(syslog_framing::octet_counting);
    const split_result r = split(s, {"8 <1>a\nbcd"sv});
    CHECK(r.joined == "<1>a#012bcd\n");
    CHECK(s.lines() == 1);
}

TEST_CASE("automatic framing passes newline-framed lines as views into the piece", "[detail][block_splitter][octet]") {
    block_splitter s(syslog_framing::automatic);
    const split_result r = split(s, {"<13>hello\n<14>world\npart"sv});
    REQUIRE(r.blocks.size() == 2);
    CHECK(r.blocks[0] == "<13>hello\n<14>world\n");
    CHECK(r.in_piece[0]);
    CHECK((r.blocks[1] == "part" || r.blocks[1] == "part\n")); // finish: the last line
    CHECK(s.lines() == 3);
}

TEST_CASE("automatic framing detects octet counting however the first bytes are split",
          "[detail][block_splitter][octet]") {
    const std::string stream = "12 <13>message1\n11 <14>message";
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        block_splitter s(syslog_framing::automatic);
        const split_result r = split(s, cut_at(stream, {cut}));
        INFO("cut at " << cut);
        CHECK(r.joined == "<13>message1\n<14>message\n");
    }
}

TEST_CASE("a malformed octet count turns the stream to newline framing, losing no byte and counting the error",
          "[detail][block_splitter][octet]") {
    block_splitter s(syslog_framing::octet_counting);
    const split_result r = split(s, {"5 <1>abx y\nz\n"sv});
    CHECK(r.joined == "<1>ab\nx y\nz\n");
    CHECK(s.framing_errors() == 1);
}

TEST_CASE("octet framing cuts a frame longer than max_line and counts it", "[detail][block_splitter][octet]") {
    block_splitter s(syslog_framing::octet_counting, 4);
    const split_result r = split(s, {"8 <1>abcde3 <2>"sv});
    CHECK(r.joined == "<1>a\n<2>\n");
    CHECK(s.truncated() == 1);
}
