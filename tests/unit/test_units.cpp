#include <gtest/gtest.h>

#include <stdexcept>

#include "archlab/units.hpp"

using namespace archlab::units;

TEST(Units, TimeIsExactPicoseconds) {
  EXPECT_EQ(parse_time("2 ns"), 2000u);
  EXPECT_EQ(parse_time("0.1 ns"), 100u);
  EXPECT_EQ(parse_time("0.1ns"), 100u);
  EXPECT_EQ(parse_time("3 ps"), 3u);
  EXPECT_EQ(parse_time("1.5 us"), 1500000u);
  EXPECT_EQ(parse_time("1 ms"), 1000000000u);
  EXPECT_EQ(parse_time("2 s"), 2000000000000u);
  EXPECT_EQ(parse_time("1e3 ps"), 1000u);
  EXPECT_EQ(parse_time("  7 ns "), 7000u);
}

TEST(Units, TimeErrorsSayWhatIsValid) {
  try {
    parse_time("2");
    FAIL() << "a bare number must be rejected";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no unit"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("ns"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_time("2 parsecs"), std::invalid_argument);
  EXPECT_THROW(parse_time("ns"), std::invalid_argument);
  EXPECT_THROW(parse_time("-2 ns"), std::invalid_argument);
  EXPECT_THROW(parse_time("0.5 ps"), std::invalid_argument);  // below the time step
  EXPECT_THROW(parse_time("2 GHz"), std::invalid_argument);
}

TEST(Units, Frequency) {
  EXPECT_DOUBLE_EQ(parse_frequency("1.5 GHz"), 1.5e9);
  EXPECT_DOUBLE_EQ(parse_frequency("800 MHz"), 8e8);
  EXPECT_DOUBLE_EQ(parse_frequency("10 Hz"), 10.0);
  EXPECT_THROW(parse_frequency("1.5"), std::invalid_argument);
  EXPECT_THROW(parse_frequency("1.5 ns"), std::invalid_argument);
}

TEST(Units, SizeDecimalAndBinary) {
  EXPECT_EQ(parse_size("64 KiB"), 65536u);
  EXPECT_EQ(parse_size("64 KB"), 64000u);
  EXPECT_EQ(parse_size("2 MiB"), 2u * 1024 * 1024);
  EXPECT_EQ(parse_size("1 GB"), 1000000000u);
  EXPECT_EQ(parse_size("128 B"), 128u);
  EXPECT_THROW(parse_size("1.5 B"), std::invalid_argument);
  EXPECT_THROW(parse_size("64"), std::invalid_argument);
  EXPECT_THROW(parse_size("64 kib"), std::invalid_argument);
}

TEST(Units, Bandwidth) {
  EXPECT_DOUBLE_EQ(parse_bandwidth("256 GB/s"), 256e9);
  EXPECT_DOUBLE_EQ(parse_bandwidth("1.6 TB/s"), 1.6e12);
  EXPECT_DOUBLE_EQ(parse_bandwidth("1 GiB/s"), 1073741824.0);
  EXPECT_THROW(parse_bandwidth("256 GB"), std::invalid_argument);
  EXPECT_THROW(parse_bandwidth("256"), std::invalid_argument);
}

TEST(Units, FormatTime) {
  EXPECT_EQ(format_time(12), "12 ps");
  EXPECT_EQ(format_time(1500), "1.500 ns");
}

TEST(Units, QuantityOfAnyDimensionInItsBaseUnit) {
  EXPECT_DOUBLE_EQ(parse_quantity("16 KiB"), 16384.0);
  EXPECT_DOUBLE_EQ(parse_quantity("1.5 GHz"), 1.5e9);
  EXPECT_DOUBLE_EQ(parse_quantity("2 ns"), 2000.0);
  EXPECT_DOUBLE_EQ(parse_quantity("1 GB/s"), 1e9);
  EXPECT_EQ(base_scale("MiB"), 1048576.0);
  EXPECT_EQ(base_scale("B/s"), 1.0);
  EXPECT_FALSE(base_scale("kib").has_value());
  EXPECT_THROW(parse_quantity("16"), std::invalid_argument);
  EXPECT_THROW(parse_quantity("16 parsec"), std::invalid_argument);
  EXPECT_NE(known_units().find("KiB"), std::string::npos);
}
