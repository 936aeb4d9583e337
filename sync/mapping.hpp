// The mapping: how the job's source columns go into its destination columns, checked against
// the live source and destination before any row moves (tables, columns, counts, types, keys,
// the split key), with every problem at its place in the job file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "diagnostics.hpp"
#include "job.hpp"
#include "value.hpp"

namespace syncpath::sync {

struct MappingRow {
  std::string source_column, destination_column;
  ColumnType source_type, destination_type;
  std::string conversion;  // "always" | "per value" | "never"
};

struct Mapping {
  std::vector<MappingRow> rows;
  std::vector<std::string> keys;  // conflict key for replace/upsert
  std::string split_key_kind;     // "integer" | "date" | "" (no split)
};

// Connects to both sides and checks tables, columns, counts, types and keys; every problem goes
// to `diags` at the job file's place (unknown names get "did you mean"). The mapping is returned
// when there is none.
std::optional<Mapping> check_mapping(const Job& job, Diagnostics& diags);

// A type as --explain shows it: the database's own name when known.
std::string type_label(const ColumnType& t);

}  // namespace syncpath::sync
