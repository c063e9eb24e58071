# The action's CMake toolchain file (-DCMAKE_TOOLCHAIN_FILE for projects that
# bring none): the one copy is firmware/cmake/arm-none-eabi.cmake.
include("${CMAKE_CURRENT_LIST_DIR}/../firmware/cmake/arm-none-eabi.cmake")
