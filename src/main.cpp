#include "sm121probe/cli/app.hpp"

int main(int argc, char** argv) { return sm121probe::cli::main(argc, argv); }
