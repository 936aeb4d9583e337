// The topology as a Boost.Graph graph: networks, the Internet, vSwitches, resource groups (and
// custom hosts) and data sources are vertices; links, vSwitch membership, attachments and
// placements are edges. Path search runs over the network/link subgraph. Boost stays in the .cpp.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "model.hpp"

namespace syncpath {

// A path through networks: networks[0] -links[0]- networks[1] - ... - networks.back().
struct NetworkPath {
  std::vector<std::size_t> networks;  // indices into Topology::networks
  std::vector<std::size_t> links;     // indices into Topology::links; size = networks.size() - 1
};

class TopologyGraph {
 public:
  explicit TopologyGraph(const Topology& topology);
  ~TopologyGraph();
  TopologyGraph(const TopologyGraph&) = delete;
  TopologyGraph& operator=(const TopologyGraph&) = delete;

  std::size_t vertex_count() const;
  std::size_t edge_count() const;

  // A breadth-first search over networks and links from a set of start networks: fewest hops.
  class Search {
   public:
    // The path from the nearest start network to `network`, or nullopt when none reaches it.
    std::optional<NetworkPath> path_to(std::size_t network) const;

   private:
    friend class TopologyGraph;
    std::vector<long> pred_network_;  // -1: unreached; self for a start
    std::vector<long> pred_link_;
  };
  Search search_from(const std::vector<std::size_t>& start_networks) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace syncpath
