// The benchmark's reference: only parses the file with yaml-cpp (YAML::LoadFile) and counts
// the top-level keys, so the ratio shows what the loader adds on top of the YAML parse.
#include <yaml-cpp/yaml.h>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: yaml_parse_ref FILE\n";
    return 2;
  }
  try {
    YAML::Node root = YAML::LoadFile(argv[1]);
    std::cout << "parsed: " << root.size() << " top-level keys\n";
  } catch (const YAML::Exception& e) {
    std::cerr << "yaml_parse_ref: " << e.what() << '\n';
    return 2;
  }
  return 0;
}
