#include <iostream>

#include "app.hpp"
#include "line_buffer.hpp"

int main(int argc, char** argv) {
  syncpath::cli::line_buffer_stderr();
  const int rc = syncpath::cli::run(argc, argv, std::cout, std::cerr);
  std::cerr.flush();
  return rc;
}
