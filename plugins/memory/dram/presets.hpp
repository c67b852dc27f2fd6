// memory.dram presets: organisation, timings and energies of four DRAM families, with where each
// number comes from. Host-only data: the model resolves a preset into its State at time 0.
//
// Timings are in picoseconds, rounded up to whole clocks (tCK) the way a controller programs them
// (nX = ceil(tX / tCK)). "nCK" below is a count of those clocks.
//
// Energies are derived from datasheet currents (IDD) with the usual method (Micron TN-40-07,
// "Calculating Memory Power for DDR4 SDRAM"; the DRAMPower model does the same):
//   activate + precharge = VDD * (IDD0 * tRC - IDD3N * tRAS - IDD2N * (tRC - tRAS))
//   read burst           = VDD * (IDD4R - IDD3N) * tBL
//   write burst          = VDD * (IDD4W - IDD3N) * tBL
//   all-bank refresh     = VDD * (IDD5B - IDD3N) * tRFC
// I/O termination, background (standby) power and VPP are not included. README.md lists the
// sources and what is only an estimate.
#pragma once

#include <cstdint>

#include <archlab/event.hpp>

namespace archlab::dram {

enum class RefreshMode : std::uint32_t { Preset = 0, AllBank = 1, PerBank = 2, None = 3 };

struct Preset {
  const char* name;
  // organisation of one channel (a DDR4 DIMM channel, an LPDDR5 x16 channel, an HBM pseudo channel)
  std::uint32_t channels; ///< the preset's default channel count per component
  std::uint32_t ranks;
  std::uint32_t bank_groups;
  std::uint32_t banks_per_group;
  std::uint32_t rows;         ///< rows per bank
  std::uint64_t row_size;     ///< bytes in one row of one bank across the channel (the page)
  std::uint32_t bus_width;    ///< data bits per channel
  std::uint32_t burst_length; ///< beats per burst
  // timings (ps)
  Tick tCK, tRCD, tCL, tCWL, tRP, tRAS, tBL, tCCD_S, tCCD_L, tRRD_S, tRRD_L, tFAW, tWR, tWTR_S, tWTR_L, tRTP;
  Tick tREFI, tRFC, tRFCpb;
  RefreshMode refresh;
  // energies (pJ): per activate+precharge pair, per read burst, per write burst, per refresh
  // command (all-bank: the whole rank; per-bank: one bank)
  double act_energy, read_energy, write_energy, refresh_energy;
};

// DDR4-3200AA (22-22-22), x8 8 Gb devices, 8 devices per rank (a 64-bit channel), JEDEC JESD79-4.
// tCK 0.625 ns; tAA = tRCD = tRP = 13.75 ns (22 nCK), tRAS 32 ns, tRC 45.75 ns, CWL 16 nCK,
// tCCD_S 4 nCK, tCCD_L = max(5 nCK, 5 ns), tRRD_S = max(4 nCK, 2.5 ns), tRRD_L = max(4 nCK, 4.9 ns),
// tFAW 21 ns (1 KB page), tWR 15 ns, tWTR_S 2.5 ns, tWTR_L 7.5 ns, tRTP 7.5 ns, tREFI 7.8 us,
// tRFC1 350 ns (8 Gb): the speed-bin and 8 Gb values as a DDR4-3200AA module's SPD reports them.
// 8 Gb x8: 4 bank groups x 4 banks, 65536 rows, 1 KB page per device (8 KB per rank); BL8.
// Energy: Micron 8 Gb x8 DDR4-3200 currents (VDD 1.2 V, IDD0 57 mA, IDD2N 37, IDD3N 52,
// IDD4R 168, IDD4W 150, IDD5B 250), as transcribed in DRAMsim3 configs/DDR4_8Gb_x8_3200.ini:
// per device 522 pJ activate, 348 pJ read, 294 pJ write, 83.2 nJ refresh; times 8 devices.
// clang-format off
inline constexpr Preset kDdr4_3200{
    "ddr4_3200", 1, 1, 4, 4, 65536, 8192, 64, 8,
    625, 13750, 13750, 10000, 13750, 32000, 2500, 2500, 5000, 2500, 5000, 21250, 15000, 2500, 7500, 7500,
    7800000, 350000, 0, RefreshMode::AllBank,
    4176.0, 2784.0, 2352.0, 665280.0};

// LPDDR5-6400, x16 channel in bank-group mode (4 bank groups x 4 banks), BL16, JEDEC JESD209-5.
// CK 800 MHz (tCK 1.25 ns, WCK:CK 4:1), 16 beats in 2 nCK; RL 17 nCK, WL 9 nCK (set A);
// tRCD 18 ns, tRPpb 18 ns, tRAS 42 ns, tWR 34 ns, tRTP 7.5 ns, tRRD 5 ns, tFAW 20 ns (BG mode),
// tCCD 2 nCK (other group) / 4 nCK (same group), tWTR_S 6.25 ns, tWTR_L 12 ns; tREFI 3.906 us,
// 16 Gb: tRFCab 280 ns, tRFCpb 160 ns; 2 KB page, 65536 rows. Values as gem5 (DRAMInterface.py,
// LPDDR5_6400_1x16_BG_BL16) and Ramulator 2 (python/ramulator/dram/lpddr5.py) transcribe them.
// Four channels: a x64 package. Refresh per bank, as LPDDR5 controllers do.
// Energy: no public LPDDR5 IDD table was found; the defaults take the DDR4 x8 device's figures
// per byte moved (43.5 pJ/B read, 36.75 pJ/B write), its activate energy per 1 KB of page (x2),
// and its refresh energy per bank and Gb (x2, 16 Gb). Estimates; override when you have better.
inline constexpr Preset kLpddr5_6400{
    "lpddr5", 4, 1, 4, 4, 65536, 2048, 16, 16,
    1250, 18750, 21250, 11250, 18750, 42500, 2500, 2500, 5000, 5000, 5000, 20000, 35000, 6250, 12500, 7500,
    3906000, 280000, 160000, RefreshMode::PerBank,
    1044.0, 1392.0, 1176.0, 10395.0};

// HBM2E at 3.2 Gb/s per pin, pseudo-channel mode (JEDEC JESD235): 64-bit pseudo channels, BL4
// (32 B per burst in 2 nCK at CK 1.6 GHz), 4 bank groups x 4 banks, 1 KB page, 65536 rows (1 GiB
// per pseudo channel, 16 GiB in a stack of 16). JESD235 leaves array timings to vendor
// datasheets; these hold the nanosecond values of Ramulator 2's HBM2-2400 preset
// (python/ramulator/dram/hbm2.py: tCL = tRCD = tRP ~14.2 ns, tRAS 33.3 ns, tWR 15.8 ns,
// tRTP 5 ns, CWL 5 ns, tWTR_S 6.7 ns, tWTR_L 8.3 ns, tCCD_L 3.3 ns) and its JESD235D refresh and
// RAS-to-RAS figures (tRRD 4 ns, tFAW 15 ns, tREFI 3.9 us, 8 Gb per pseudo channel: tRFC 350 ns,
// tRFCSB 160 ns), rounded up to 0.625 ns clocks. Per-bank (single-bank) refresh.
// Energy: HBM2 currents from DRAMsim3 configs/HBM2_8Gb_x128.ini (VDD 1.2 V, IDD0 65 mA, IDD2N 40,
// IDD3N 55, IDD4R 390, IDD4W 500, IDD5B 250; a 128-bit legacy channel, 2 KB page, BL4 in 2 ns,
// tRFC 260 ns): 828 pJ per 2 KB activate, 804 / 1068 pJ per 64 B read / write, 60.8 nJ per
// all-bank refresh of 16 banks. Halved for a pseudo channel's 1 KB page and 32 B burst; a single
// bank refresh is 1/16 of the all-bank figure, halved again for the half-width bank.
inline constexpr Preset kHbm2e_3200{
    "hbm2e", 16, 1, 4, 4, 65536, 1024, 64, 4,
    625, 14375, 14375, 5000, 14375, 33750, 1250, 1250, 3750, 4375, 4375, 15000, 16250, 6875, 8750, 5000,
    3900000, 350000, 160000, RefreshMode::PerBank,
    414.0, 402.0, 534.0, 1901.0};

// HBM3 at 6.4 Gb/s per pin (JEDEC JESD238): 32-bit pseudo channels, BL8 (32 B per burst in
// 1.25 ns), 4 bank groups x 4 banks, 1 KB page, 65536 rows. JESD238 leaves array timings to
// vendor datasheets; these are Ramulator 2's HBM3_6400Mbps preset (python/ramulator/dram/hbm3.py,
// tCK 0.625 ns: nCL = nRCDRD = nRP 26, nRAS 48, nWR 24, nRTP 6, nCWL 8, nCCDS 2, nCCDL 4, nWTRS 8,
// nWTRL 12; tRRD 5 ns, tFAW 15 ns, tREFI 3.9 us, 8 Gb per pseudo channel: tRFC 450 ns,
// tRFCpb 200 ns). A stack has 32 pseudo channels: the preset's 16 are half a stack (a component
// holds at most 16 channels), so model a stack as two components. Per-bank refresh.
// Energy: no public HBM3 IDD table was found; the HBM2E figures are reused.
inline constexpr Preset kHbm3_6400{
    "hbm3", 16, 1, 4, 4, 65536, 1024, 32, 8,
    625, 16250, 16250, 5000, 16250, 30000, 1250, 1250, 2500, 5000, 5000, 15000, 15000, 5000, 7500, 3750,
    3900000, 450000, 200000, RefreshMode::PerBank,
    414.0, 402.0, 534.0, 1901.0};

// clang-format on

/// The `preset` choice, index 0 being "custom" (nothing filled in).
inline constexpr const Preset* kPresets[] = {nullptr, &kDdr4_3200, &kLpddr5_6400, &kHbm2e_3200, &kHbm3_6400};
inline constexpr const char* kPresetChoices = "custom|ddr4_3200|lpddr5|hbm2e|hbm3";

} // namespace archlab::dram
