#include "totals.hpp"
namespace syncpath::sync {
double Totals::records_per_second() const { return seconds > 0 ? static_cast<double>(records_read) / seconds : 0.0; }
}  // namespace syncpath::sync
