#include "mapping.hpp"

#include <algorithm>
#include <memory>

#include "connector.hpp"

namespace syncpath::sync {

namespace {

const ColumnInfo* find_column(const Shape& s, const std::string& name) {
  for (const auto& c : s.columns)
    if (c.name == name) return &c;
  return nullptr;
}

std::vector<std::string> names_of(const Shape& s) {
  std::vector<std::string> out;
  for (const auto& c : s.columns) out.push_back(c.name);
  return out;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& names) {
  std::string n = nearest(word, names);
  return n.empty() ? "" : "; did you mean '" + n + "'?";
}

SourcePos at(const SourcePos& p, const SourcePos& fallback) { return p.line > 0 ? p : fallback; }

// Where column i of a side is named: its item in `columns`, else the list, else the side.
SourcePos column_at(const JobSide& e, std::size_t i) {
  return at(i < e.column_pos.size() ? e.column_pos[i] : SourcePos{}, at(e.columns_place.value, e.pos));
}

// One side, connected and described; problems reported at the side's places.
struct Side {
  const JobSide& job;
  const char* what;  // "source" | "destination"
  std::unique_ptr<Connection> conn;
  Shape shape;
  bool described = false;

  void open(Diagnostics& diags) {
    const SourcePos p = at(job.data_source_place.value, job.pos);
    try {
      conn = connect(job);
    } catch (const ConnectorError& e) {
      diags.error(p, std::string(what) + "-unavailable", e.what());
      return;
    }
    try {
      bool is_query = !job.query.empty();
      shape = is_query ? conn->describe_query(job.query) : conn->describe_table(job.table);
    } catch (const ConnectorError& e) {
      diags.error(p, "describe-failed", std::string(what) + ": " + e.what());
      return;
    }
    const bool csv_source_missing = job.data_source.type == SourceType::csv && what[0] == 's' && !shape.error.empty();
    if (!shape.found || csv_source_missing) {
      std::string hint;
      if (job.query.empty() && !job.table.empty()) {
        try {
          std::vector<std::string> names = conn->table_names();
          names.erase(std::remove(names.begin(), names.end(), "syncpath_slices"), names.end());
          hint = did_you_mean(job.table, names);
        } catch (const ConnectorError&) {
        }
      }
      const SourcePos where = job.query.empty() ? at(job.table_place.value, p) : at(job.query_place.value, p);
      diags.error(where, job.query.empty() ? "unknown-table" : "bad-query", std::string(what) + ": " + shape.error + hint);
      return;
    }
    described = true;
  }
};

}  // namespace

std::string type_label(const ColumnType& t) { return t.native.empty() ? std::string(to_string(t.kind)) : t.native; }

std::optional<Mapping> check_mapping(const Job& job, Diagnostics& diags) {
  const JobSide& src = job.source;
  const JobSide& dst = job.destination;
  // A jsonl source is a file someone repaired by hand: every unusable line is reported with its
  // place before any row moves, as a job file's problems are.
  if (src.jsonl && !check_jsonl_file(resolve_path(src, src.data_source.path), diags)) return std::nullopt;
  const std::size_t errors_before = diags.error_count();
  Side s{src, "source", nullptr, {}, false}, d{dst, "destination", nullptr, {}, false};
  s.open(diags);
  d.open(diags);

  Mapping m;
  // Source columns: the listed ones (each checked), or every column of the source.
  std::vector<ColumnInfo> sinfo;
  std::vector<std::string> scols = src.columns.empty() && s.described ? names_of(s.shape) : src.columns;
  if (s.described)
    for (std::size_t i = 0; i < scols.size(); ++i) {
      if (const ColumnInfo* c = find_column(s.shape, scols[i])) sinfo.push_back(*c);
      else
        diags.error(column_at(src, i), "unknown-column",
                    "source has no column '" + scols[i] + "'" + did_you_mean(scols[i], names_of(s.shape)));
    }
  // Destination columns: the listed ones, or the source's names.
  const std::vector<std::string>& dcols = dst.columns.empty() ? scols : dst.columns;
  std::vector<ColumnInfo> dinfo;
  if (d.described)
    for (std::size_t i = 0; i < dcols.size(); ++i) {
      if (d.shape.free_form) {
        ColumnInfo c;
        c.name = dcols[i];
        c.type.native = "csv field";
        dinfo.push_back(c);
      } else if (const ColumnInfo* c = find_column(d.shape, dcols[i])) {
        dinfo.push_back(*c);
      } else {
        diags.error(dst.columns.empty() ? column_at(src, i) : column_at(dst, i), "unknown-column",
                    "destination table '" + dst.table + "' has no column '" + dcols[i] + "'" + did_you_mean(dcols[i], names_of(d.shape)));
      }
    }
  // Both lists written with different lengths is the rules' column-count (job_rules.cpp).
  const bool counts_match = dcols.size() == scols.size();
  if (s.described && !counts_match && (src.columns.empty() || dst.columns.empty()))
    diags.error(at(dst.columns_place.value, dst.pos), "column-count",
                "destination maps " + std::to_string(dcols.size()) + " columns but the source gives " + std::to_string(scols.size()) +
                    "; columns map one-to-one by position");
  // Types, pair by pair, when both sides and every column are known.
  if (counts_match && sinfo.size() == scols.size() && dinfo.size() == dcols.size())
    for (std::size_t i = 0; i < dinfo.size(); ++i) {
      MappingRow r;
      r.source_column = sinfo[i].name;
      r.destination_column = dinfo[i].name;
      r.source_type = sinfo[i].type;
      r.destination_type = dinfo[i].type;
      Convertibility c = convertibility(r.source_type, r.destination_type);
      r.conversion = c == Convertibility::always ? "always" : c == Convertibility::per_value ? "per value" : "never";
      if (c == Convertibility::never)
        diags.error(dst.columns.empty() ? column_at(src, i) : column_at(dst, i), "type-mismatch",
                    "source column '" + r.source_column + "' (" + type_label(r.source_type) + ") cannot be converted to destination column '" +
                        r.destination_column + "' (" + type_label(r.destination_type) + "); map another column or cast in a source query");
      m.rows.push_back(std::move(r));
    }
  if (!src.split_key.empty() && s.described) {
    const SourcePos p = at(src.split_key_place.value, src.pos);
    const ColumnInfo* k = find_column(s.shape, src.split_key);
    if (!k)
      diags.error(p, "unknown-column", "split_key: source has no column '" + src.split_key + "'" + did_you_mean(src.split_key, names_of(s.shape)));
    else if (k->type.kind == TypeKind::integer || k->type.kind == TypeKind::any)  // any: an untyped SQLite column, the values decide
      m.split_key_kind = "integer";
    else if (k->type.kind == TypeKind::date || k->type.kind == TypeKind::datetime)
      m.split_key_kind = "date";
    else
      diags.error(p, "bad-split-key", "split_key '" + src.split_key + "' is " + type_label(k->type) + "; it must be an integer or date column");
  }
  if (d.described && dst.data_source.type != SourceType::csv) {
    m.keys = dst.key_columns.empty() ? d.shape.primary_key : dst.key_columns;
    for (std::size_t i = 0; i < dst.key_columns.size(); ++i)
      if (!find_column(d.shape, dst.key_columns[i]))
        diags.error(at(i < dst.key_pos.size() ? dst.key_pos[i] : SourcePos{}, at(dst.keys_place.value, dst.pos)), "unknown-column",
                    "keys: destination has no column '" + dst.key_columns[i] + "'" + did_you_mean(dst.key_columns[i], names_of(d.shape)));
    const bool needs_keys = dst.write_mode == WriteMode::upsert || (dst.write_mode == WriteMode::replace && dst.data_source.type == SourceType::postgresql);
    if (needs_keys && dst.data_source.type != SourceType::mysql) {
      const std::string mode = dst.write_mode == WriteMode::upsert ? "upsert" : "replace";
      if (m.keys.empty())
        diags.error(at(dst.write_mode_place.value, dst.pos), "no-key",
                    "write_mode " + mode + " needs a key: table '" + dst.table + "' has no primary key; add 'keys: [column, ...]' naming a unique key");
      for (std::size_t i = 0; i < m.keys.size(); ++i)
        if (std::find(dcols.begin(), dcols.end(), m.keys[i]) == dcols.end())
          diags.error(dst.key_columns.empty() ? at(dst.columns_place.value, dst.pos) : at(i < dst.key_pos.size() ? dst.key_pos[i] : SourcePos{}, dst.pos),
                      "key-not-mapped", "key column '" + m.keys[i] + "' must be among the destination columns the job writes");
    }
  }
  if (diags.error_count() > errors_before || !s.described || !d.described) return std::nullopt;
  return m;
}

}  // namespace syncpath::sync
