// The two readers: each turns its input into the Inventory, reporting what it cannot use as
// diagnostics (positions point into the input: a Terraform resource's line, an API file).
#pragma once

#include <string>
#include <vector>

#include "diagnostics.hpp"
#include "inventory.hpp"

namespace syncpath::import {

struct ReadInfo {
  std::string kind;            // "plan" | "state" | "aliyun"
  std::string format_version;  // Terraform's format_version
  std::size_t files = 0;       // aliyun: JSON files read
};

// `terraform show -json` of a plan or a state. False when the text is unusable (the reason is
// an error in `diags`); warnings never make it false.
bool read_terraform(const std::string& text, const std::string& file, Inventory& inv, Diagnostics& diags,
                    ReadInfo& info);

// One API response (raw body or `--pager` output) named by its call, e.g. "DescribeVSwitches";
// `qualifier` is what the file name adds after the call: a region id or an instance id.
bool read_aliyun_response(const std::string& call, const std::string& qualifier, const std::string& text,
                          const std::string& file, Inventory& inv, Diagnostics& diags);
// Every `*.json` file of `dir`, in name order. False when the folder cannot be read or holds no
// usable file.
bool read_aliyun_dir(const std::string& dir, Inventory& inv, Diagnostics& diags, ReadInfo& info);
// The calls read_aliyun_response understands (for docs, tests and "did you mean").
const std::vector<std::string>& aliyun_calls();

// The region of an availability zone id ("cn-hangzhou-h" -> "cn-hangzhou", "ap-southeast-1a" ->
// "ap-southeast-1"); "" when it does not look like one.
std::string region_of_zone(const std::string& zone);
// syncpath's word for an engine ("MySQL" -> "mysql", "PostgreSQL" -> "postgresql"); "" if unknown.
std::string source_type_of_engine(const std::string& engine);

}  // namespace syncpath::import
