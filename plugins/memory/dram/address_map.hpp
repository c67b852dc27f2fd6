// memory.dram address maps: which bits of a burst's number (address / burst bytes) select the
// channel, rank, bank group, bank, column and row, written as other DRAM simulators write them:
// two-letter fields from the most significant end, Ramulator 2 style ("RoRaBaCoBgCh") or
// DRAMsim3 style ("rorabacobgch"). Ro row, Ra rank, Bg bank group, Ba bank (within its group),
// Co column (burst within the row), Ch channel; each of the six exactly once.
//
// A field takes the burst number modulo its count (bit slicing when the counts are powers of
// two, as in those simulators), lowest field first; the highest field takes what is left.
//
// The `mapping` parameter is a Choice: the two named maps of earlier versions, then every order
// of the six fields in both spellings, generated here. The framework has no free-text parameter
// type, so the spellings are enumerated (README.md, "Address mapping").
#pragma once

#include <array>
#include <cstdint>

namespace archlab::dram {

enum MapField : std::uint8_t { kRowField, kRankField, kGroupField, kBankField, kColumnField, kChannelField };
inline constexpr std::uint32_t kMapFields = 6;
inline constexpr std::uint32_t kMapOrders = 720; ///< 6!
inline constexpr std::uint32_t kNamedMaps = 2;   ///< row_bank_column, row_column_bank
inline constexpr char kFieldCodes[kMapFields][3] = {"Ro", "Ra", "Bg", "Ba", "Co", "Ch"};

/// A map: its fields from the most significant end.
using MapOrder = std::array<std::uint8_t, kMapFields>;

/// The k-th order of the six fields in lexicographic order of MapField (k < 720).
constexpr MapOrder nth_order(std::uint32_t k) {
  std::uint8_t left[kMapFields] = {0, 1, 2, 3, 4, 5};
  std::uint32_t remaining = kMapFields;
  std::uint32_t factorial = 120; // 5!
  MapOrder order{};
  for (std::uint32_t i = 0; i < kMapFields; ++i) {
    const std::uint32_t pick = k / factorial;
    k %= factorial;
    order[i] = left[pick];
    for (std::uint32_t j = pick; j + 1 < remaining; ++j)
      left[j] = left[j + 1];
    --remaining;
    if (remaining > 0) factorial /= remaining;
  }
  return order;
}

/// The map of choice `index` of the `mapping` parameter.
constexpr MapOrder map_of_choice(std::uint32_t index) {
  if (index == 0) return {kRowField, kRankField, kBankField, kColumnField, kGroupField, kChannelField};
  if (index == 1) return {kRowField, kColumnField, kRankField, kBankField, kGroupField, kChannelField};
  return nth_order((index - kNamedMaps) % kMapOrders);
}

inline constexpr char kNamedMapChoices[] = "row_bank_column|row_column_bank";
inline constexpr std::uint32_t kMapChoicesLength =
    sizeof(kNamedMapChoices) - 1 + 2 * kMapOrders * (1 + 2 * kMapFields) + 1;

/// "row_bank_column|row_column_bank|RoRaBgBaCoCh|...|rorabgbacoch|...": the `mapping` choices,
/// first the 720 orders capitalised as Ramulator writes them, then the same in lower case.
constexpr std::array<char, kMapChoicesLength> make_map_choices() {
  std::array<char, kMapChoicesLength> text{};
  std::uint32_t at = 0;
  for (std::uint32_t i = 0; i + 1 < sizeof(kNamedMapChoices); ++i)
    text[at++] = kNamedMapChoices[i];
  for (std::uint32_t lower = 0; lower < 2; ++lower) {
    for (std::uint32_t k = 0; k < kMapOrders; ++k) {
      text[at++] = '|';
      for (const std::uint8_t field : nth_order(k)) {
        const char first = kFieldCodes[field][0];
        text[at++] = lower != 0 ? static_cast<char>(first - 'A' + 'a') : first;
        text[at++] = kFieldCodes[field][1];
      }
    }
  }
  text[at] = '\0';
  return text;
}

inline constexpr std::array<char, kMapChoicesLength> kMapChoices = make_map_choices();

static_assert(nth_order(0) == MapOrder{0, 1, 2, 3, 4, 5});
static_assert(nth_order(kMapOrders - 1) == MapOrder{5, 4, 3, 2, 1, 0});
static_assert(kMapChoices[kMapChoicesLength - 1] == '\0');

} // namespace archlab::dram
