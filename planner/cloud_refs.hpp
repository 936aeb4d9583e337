// What syncpath knows of the real resources behind a topology's items when it imported them
// (`syncpath import`, `--from terraform|aliyun`): where each item came from, its Terraform
// address, its cloud id and the few attributes the code renderers need (a VPC's route table,
// a DataWorks network's id, ...). Plain data, and optional: a topology read from YAML has none,
// and the renderers then work from the topology's ids alone.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

namespace syncpath {

enum class RefKind { network, vswitch, link, group, attachment, source, account };

struct CloudRef {
  std::string source;   // the item's origin as the YAML comment names it: an address or an API call
  std::string address;  // the Terraform resource address (module path included); empty otherwise
  std::string id;       // the cloud id; empty when not known yet (a resource a plan creates)
  std::map<std::string, std::string> attrs;  // route_table_id, region, provider, network_id, ...

  std::string attr(std::string_view key) const {
    auto it = attrs.find(std::string(key));
    return it == attrs.end() ? std::string() : it->second;
  }
};

class CloudRefs {
 public:
  // `key` is the item's topology id (a data source's name; an attachment's "group/network").
  CloudRef& at(RefKind kind, std::string_view key) { return refs_[make_key(kind, key)]; }
  const CloudRef* find(RefKind kind, std::string_view key) const {
    auto it = refs_.find(make_key(kind, key));
    return it == refs_.end() ? nullptr : &it->second;
  }
  bool empty() const { return refs_.empty(); }

 private:
  static std::string make_key(RefKind kind, std::string_view key) {
    return std::to_string(static_cast<int>(kind)) + ':' + std::string(key);
  }
  std::unordered_map<std::string, CloudRef> refs_;
};

}  // namespace syncpath
