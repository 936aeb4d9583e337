#pragma once
namespace syncpath {
inline constexpr const char* kVersion = "0.1.0";
}
