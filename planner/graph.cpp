#include "graph.hpp"

// Boost 1.74's named_graph returns an empty boost::optional that g++ 12 flags as used
// uninitialized once the sanitizers change inlining (a false positive inside Boost's headers).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/filtered_graph.hpp>
#include <boost/graph/visitors.hpp>
#include <boost/pending/queue.hpp>

#include <algorithm>

namespace syncpath {

namespace {

enum class VertexKind { network, internet, vswitch, group, host, source };
enum class EdgeKind { link, vswitch_in, attachment, host_in, source_in };

struct VertexProps {
  VertexKind kind = VertexKind::network;
  std::size_t index = 0;  // into the topology's vector of that kind
};
struct EdgeProps {
  EdgeKind kind = EdgeKind::link;
  std::size_t index = 0;  // links: into Topology::links
};

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, VertexProps, EdgeProps>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;
using Edge = boost::graph_traits<Graph>::edge_descriptor;

// Path search walks networks over links only: another group's attachments or a source's
// placement must never bridge two networks.
struct LinkEdgesOnly {
  const Graph* g = nullptr;
  bool operator()(const Edge& e) const { return (*g)[e].kind == EdgeKind::link; }
};
struct NetworksOnly {
  const Graph* g = nullptr;
  bool operator()(const Vertex& v) const { return (*g)[v].kind == VertexKind::network; }
};

// Records, for each vertex reached, the network and link it was reached from.
class PredecessorRecorder : public boost::default_bfs_visitor {
 public:
  PredecessorRecorder(std::vector<long>& net, std::vector<long>& link) : net_(net), link_(link) {}
  template <typename E, typename G>
  void tree_edge(E e, const G& g) const {
    auto s = boost::source(e, g), t = boost::target(e, g);
    net_[t] = static_cast<long>(s);
    link_[t] = static_cast<long>(g[e].index);
  }

 private:
  std::vector<long>& net_;
  std::vector<long>& link_;
};

}  // namespace

struct TopologyGraph::Impl {
  Graph g;
  std::size_t network_count = 0;
};

TopologyGraph::TopologyGraph(const Topology& t) : impl_(std::make_unique<Impl>()) {
  auto& g = impl_->g;
  impl_->network_count = t.networks.size();
  // Networks first, so a network's vertex number is its index in Topology::networks.
  for (std::size_t i = 0; i < t.networks.size(); ++i) boost::add_vertex(VertexProps{VertexKind::network, i}, g);
  Vertex internet = boost::add_vertex(VertexProps{VertexKind::internet, 0}, g);
  auto network_vertex = [&](std::string_view id) -> std::optional<Vertex> {
    if (id == kInternet) return internet;
    const Network* n = t.find_network(id);
    if (!n) return std::nullopt;
    return static_cast<Vertex>(n - t.networks.data());
  };
  for (std::size_t i = 0; i < t.links.size(); ++i) {
    auto a = network_vertex(t.links[i].between[0]), b = network_vertex(t.links[i].between[1]);
    if (a && b && *a != internet && *b != internet) boost::add_edge(*a, *b, EdgeProps{EdgeKind::link, i}, g);
  }
  for (std::size_t i = 0; i < t.networks.size(); ++i) {
    for (std::size_t j = 0; j < t.networks[i].vswitches.size(); ++j) {
      Vertex v = boost::add_vertex(VertexProps{VertexKind::vswitch, j}, g);
      boost::add_edge(static_cast<Vertex>(i), v, EdgeProps{EdgeKind::vswitch_in, j}, g);
    }
  }
  for (std::size_t i = 0; i < t.resource_groups.size(); ++i) {
    const auto& rg = t.resource_groups[i];
    Vertex v = boost::add_vertex(VertexProps{VertexKind::group, i}, g);
    for (std::size_t a = 0; a < rg.attachments.size(); ++a)
      if (auto n = network_vertex(rg.attachments[a].network)) boost::add_edge(v, *n, EdgeProps{EdgeKind::attachment, a}, g);
    for (std::size_t h = 0; h < rg.hosts.size(); ++h) {
      Vertex hv = boost::add_vertex(VertexProps{VertexKind::host, h}, g);
      boost::add_edge(v, hv, EdgeProps{EdgeKind::host_in, h}, g);
      if (auto n = network_vertex(rg.hosts[h].network)) boost::add_edge(hv, *n, EdgeProps{EdgeKind::host_in, h}, g);
    }
  }
  for (std::size_t i = 0; i < t.data_sources.size(); ++i) {
    Vertex v = boost::add_vertex(VertexProps{VertexKind::source, i}, g);
    if (auto n = network_vertex(t.data_sources[i].network)) boost::add_edge(v, *n, EdgeProps{EdgeKind::source_in, i}, g);
  }
}

TopologyGraph::~TopologyGraph() = default;

std::size_t TopologyGraph::vertex_count() const { return boost::num_vertices(impl_->g); }
std::size_t TopologyGraph::edge_count() const { return boost::num_edges(impl_->g); }

TopologyGraph::Search TopologyGraph::search_from(const std::vector<std::size_t>& start_networks) const {
  const Graph& g = impl_->g;
  Search s;
  std::size_t n = boost::num_vertices(g);
  s.pred_network_.assign(n, -1);
  s.pred_link_.assign(n, -1);
  std::vector<Vertex> starts;
  for (auto i : start_networks) {
    if (i >= impl_->network_count) continue;
    starts.push_back(static_cast<Vertex>(i));
    s.pred_network_[i] = static_cast<long>(i);
  }
  if (starts.empty()) return s;
  boost::filtered_graph<Graph, LinkEdgesOnly, NetworksOnly> fg(g, LinkEdgesOnly{&g}, NetworksOnly{&g});
  std::vector<boost::default_color_type> color(n, boost::white_color);
  auto color_map = boost::make_iterator_property_map(color.begin(), boost::get(boost::vertex_index, g));
  boost::queue<Vertex> queue;
  boost::breadth_first_search(fg, starts.begin(), starts.end(), queue,
                              PredecessorRecorder(s.pred_network_, s.pred_link_), color_map);
  return s;
}

std::optional<NetworkPath> TopologyGraph::Search::path_to(std::size_t network) const {
  if (network >= pred_network_.size() || pred_network_[network] < 0) return std::nullopt;
  NetworkPath p;
  std::size_t at = network;
  p.networks.push_back(at);
  while (pred_network_[at] != static_cast<long>(at)) {
    p.links.push_back(static_cast<std::size_t>(pred_link_[at]));
    at = static_cast<std::size_t>(pred_network_[at]);
    p.networks.push_back(at);
  }
  std::reverse(p.networks.begin(), p.networks.end());
  std::reverse(p.links.begin(), p.links.end());
  return p;
}

}  // namespace syncpath
