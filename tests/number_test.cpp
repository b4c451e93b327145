#include <coropipe/number.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

using coropipe::number;

namespace {

number parsed(std::string_view text) {
    const std::optional<number> n = number::parse(text);
    REQUIRE(n.has_value());
    return *n;
}

std::string printed(std::string_view text) { return parsed(text).to_string(); }

} // namespace

TEST_CASE("number::parse reads the decimal forms from_chars reads", "[number][parse]") {
    CHECK(parsed("42") == number::from_int(42));
    CHECK(parsed("-3.25").to_double() == -3.25);
    CHECK(parsed(".5").to_double() == 0.5);
    CHECK(parsed("-.5").to_double() == -0.5);
    CHECK(parsed("5.").to_double() == 5.0);
    CHECK(parsed("1e3") == number::from_int(1000));
    CHECK(parsed("1E3") == number::from_int(1000));
    CHECK(parsed("2.5E-4").to_double() == 2.5e-4);
    CHECK(parsed("1e+2") == number::from_int(100));
    CHECK(parsed("007") == number::from_int(7));
    CHECK(parsed("-0") == number::from_int(0));
}

TEST_CASE("number::parse rejects what is not the whole of a decimal number", "[number][parse]") {
    const auto text = GENERATE(as<std::string>{}, "", "-", ".", "+5", " 5", "5 ", "12ms", "1,5", "0x10", "inf", "nan",
                               "-inf", "1e", "1e+", "e3", "1.2.3", "--1", "1-", std::string("1\0", 2));
    CAPTURE(text);
    CHECK_FALSE(number::parse(text).has_value());
}

TEST_CASE("integers print exactly and never in exponent form", "[number][format]") {
    CHECK(printed("200000") == "200000");
    CHECK(printed("100000") == "100000");
    CHECK(printed("12345678901234567890") == "12345678901234567890");
    CHECK(printed("-9223372036854775809") == "-9223372036854775809");
    CHECK(printed("99999999999999999999999999999999999999") == "99999999999999999999999999999999999999"); // 38 digits
    CHECK(printed("1e20") == "100000000000000000000");
    CHECK(printed("0") == "0");
    CHECK(printed("-0") == "0");
    CHECK(parsed("12345678901234567890").exact());
    CHECK(parsed("12345678901234567890").is_integer());
}

TEST_CASE("decimals print their digits without trailing zeros or exponent", "[number][format]") {
    CHECK(printed("2.50") == "2.5");
    CHECK(printed("4.00") == "4");
    CHECK(printed("0.001") == "0.001");
    CHECK(printed("-0.5") == "-0.5");
    CHECK(printed("1.5e-3") == "0.0015");
    CHECK(printed("1.25e2") == "125");
    CHECK(printed("0.000") == "0");
    CHECK(parsed("7.00").is_integer());
    CHECK_FALSE(parsed("7.01").is_integer());
}

TEST_CASE("integers and decimals compare exactly", "[number][compare]") {
    CHECK(parsed("12345678901234567890") != parsed("12345678901234567891"));
    CHECK(parsed("12345678901234567890") < parsed("12345678901234567891"));
    CHECK(parsed("1.0") == parsed("1"));
    CHECK(parsed("1.10") == parsed("1.1"));
    CHECK(parsed("-2") < parsed("0.5"));
    CHECK(parsed("0.1") < parsed("0.10000000000000000001"));
    CHECK(parsed("99999999999999999999999999999999999999") > parsed("0.00000000000000000000000000000000000001"));
    CHECK(parsed("-99999999999999999999999999999999999999") < parsed("-0.1"));
    CHECK(parsed("500") > number::from_int(499));
    CHECK(parsed("5e2") == number::from_int(500));
}

TEST_CASE("numbers beyond 38 digits or the scale are approximate", "[number][parse]") {
    const number big = parsed("123456789012345678901234567890123456789012345"); // 45 digits
    CHECK_FALSE(big.exact());
    CHECK(big.to_double() == 1.23456789012345678901234567890123456789012345e44);
    CHECK(big > parsed("99999999999999999999999999999999999999"));

    const number huge = parsed("1e400");
    CHECK(std::isinf(huge.to_double()));
    CHECK(huge.to_double() > 0);
    CHECK(huge.to_string() == "inf");
    CHECK(parsed("-1e400").to_string() == "-inf");
    CHECK(parsed("1e-400").to_double() == 0.0);
    CHECK(parsed("1e-400") < parsed("1e-300"));

    // An exponent too large for any counter saturates; the value is still +inf.
    CHECK(std::isinf(parsed("1e99999999999999999999999999").to_double()));
    // 10,000 digits: read, approximately.
    CHECK(std::isinf(parsed(std::string(10000, '9')).to_double()));
    CHECK(parsed("0." + std::string(10000, '0') + "1").to_double() == 0.0);
}

TEST_CASE("sums are exact while they fit, then approximate", "[number][add]") {
    CHECK((parsed("0.1") + parsed("0.2")).to_string() == "0.3");
    CHECK((parsed("0.10") + parsed("0.20")).to_string() == "0.3");
    CHECK((parsed("12345678901234567890") + parsed("1")).to_string() == "12345678901234567891");
    CHECK((parsed("1.5") + parsed("-1.5")).to_string() == "0");

    number sum;
    for (int i = 0; i < 1000; ++i) {
        sum += parsed("0.001");
    }
    CHECK(sum.to_string() == "1");
    CHECK(sum.exact());

    const number max38 = parsed("99999999999999999999999999999999999999");
    const number over = max38 + max38;
    CHECK_FALSE(over.exact());
    CHECK(over.to_double() == Approx(2e38));
    CHECK(over.to_string() == "200000000000000000000000000000000000000"); // fixed form, no exponent

    CHECK_FALSE((parsed("1") + parsed("1e400")).exact());
    CHECK(std::isnan((parsed("1e400") + parsed("-1e400")).to_double()));
}

TEST_CASE("averages are exact decimals when they can be", "[number][divide]") {
    CHECK(parsed("10").divided_by(4).to_string() == "2.5");
    CHECK(parsed("3").divided_by(3).to_string() == "1");
    CHECK(parsed("1").divided_by(8).to_string() == "0.125");
    CHECK(parsed("0").divided_by(7).to_string() == "0");
    CHECK(parsed("-7.5").divided_by(2).to_string() == "-3.75");
    const number third = parsed("1").divided_by(3);
    CHECK_FALSE(third.exact());
    CHECK(third.to_string() == "0.3333333333333333");
    CHECK(parsed("2").divided_by(3).to_string() == "0.6666666666666666");
    CHECK(std::isnan(parsed("1").divided_by(0).to_double()));
}

TEST_CASE("approximate values print in fixed form with the shortest round-trip digits", "[number][format]") {
    CHECK(number::from_double(0.1).to_string() == "0.1");
    CHECK(number::from_double(1e21).to_string() == "1000000000000000000000");
    CHECK(number::from_double(1.5e-7).to_string() == "0.00000015");
    CHECK(number::from_double(200000.0).to_string() == "200000");
    CHECK(number::from_double(200000.0).exact());
    const double tiny = std::numeric_limits<double>::denorm_min();
    const std::string s = number::from_double(-tiny).to_string();
    CHECK(s.size() <= number::max_chars);
    CHECK(s.starts_with("-0.000"));
    const std::string max = number::from_double(-std::numeric_limits<double>::max()).to_string();
    CHECK(max.size() == 310);
}

TEST_CASE("to_chars reports a buffer that is too small", "[number][format]") {
    char buf[4];
    const std::to_chars_result r = parsed("123456").to_chars(buf, buf + sizeof buf);
    CHECK(r.ec == std::errc::value_too_large);
    const std::to_chars_result ok = parsed("-1.5").to_chars(buf, buf + sizeof buf);
    CHECK(ok.ec == std::errc());
    CHECK(std::string_view(buf, ok.ptr) == "-1.5");
}

TEST_CASE("to_double is correctly rounded", "[number][convert]") {
    const auto text = GENERATE(as<std::string>{}, "0.1", "123456789.123456789", "12345678901234567890", "2.5e-10",
                               "0.30000000000000004", "9007199254740993", "1.7976931348623157e308");
    CAPTURE(text);
    double expected = 0;
    std::from_chars(text.data(), text.data() + text.size(), expected);
    CHECK(parsed(text).to_double() == expected);
}

TEST_CASE("from_int and from_uint hold every 64-bit value exactly", "[number][convert]") {
    CHECK(number::from_int(std::numeric_limits<std::int64_t>::min()).to_string() == "-9223372036854775808");
    CHECK(number::from_uint(std::numeric_limits<std::uint64_t>::max()).to_string() == "18446744073709551615");
    CHECK(number::from_uint(std::numeric_limits<std::uint64_t>::max()) > number::from_int(-1));
}
