#pragma once

namespace archlab {
inline constexpr const char* kVersion = "0.1.0";
}  // namespace archlab
