// The assembled topology as a YAML tree, each item with the comment that names its source.
#pragma once

#include "assemble.hpp"
#include "yaml_tree.hpp"

namespace syncpath::import {

YNode write_topology(const Assembled& assembled);

}  // namespace syncpath::import
