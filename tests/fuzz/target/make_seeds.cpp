// Writes the generated fuzz seeds (seeds.hpp) into a directory.
//   make_seeds DIR
#include "fuzz/seeds.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds DIR\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  for (const auto& [name, data] : sm121probe::testing::fuzz::seeds()) {
    std::ofstream f(dir / name, std::ios::binary);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!f) {
      std::cerr << "cannot write " << (dir / name) << "\n";
      return 1;
    }
  }
  std::cout << "wrote " << sm121probe::testing::fuzz::seeds().size() << " seeds to " << dir << "\n";
  return 0;
}
