# cmake -DIN=<file> -DOUT=<cpp> -DSYM=<identifier> -DNAME=<logical name> -P embed_file.cmake
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){24})" "\\1\n" bytes "${bytes}")
file(WRITE ${OUT}
"// Generated from ${NAME} by cmake/embed_file.cmake; do not edit.
#include \"sm121probe/kernels.hpp\"
namespace sm121probe::kernels {
namespace {
// Trailing NUL so the text can also be used as a C string.
const unsigned char data[] = {
${bytes}0x00};
const embedded_file ${SYM} = {\"${NAME}\", std::string_view(reinterpret_cast<const char*>(data), ${size})};
const registration ${SYM}_registration{&${SYM}};
}  // namespace
}  // namespace sm121probe::kernels
")
