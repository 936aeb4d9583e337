// The benchmark's second reference: yaml-cpp's event parser alone (YAML::Parser with a
// handler that only counts events), the floor for any loader built on yaml-cpp.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <fstream>
#include <iostream>

namespace {
struct Counter : YAML::EventHandler {
  long events = 0;
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override { ++events; }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { ++events; }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override { ++events; }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    ++events;
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    ++events;
  }
  void OnMapEnd() override {}
};
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: yaml_events_ref FILE\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::cerr << "yaml_events_ref: cannot open " << argv[1] << '\n';
    return 2;
  }
  try {
    YAML::Parser parser(in);
    Counter counter;
    parser.HandleNextDocument(counter);  // one document, like the loader
    std::cout << "events: " << counter.events << '\n';
  } catch (const YAML::Exception& e) {
    std::cerr << "yaml_events_ref: " << e.what() << '\n';
    return 2;
  }
  return 0;
}
