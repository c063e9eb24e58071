# CMake toolchain file for the GNU Arm Embedded toolchain (arm-none-eabi-gcc).
# Used by CMakeLists.txt when no CMAKE_TOOLCHAIN_FILE is given. The compiler
# is looked up on PATH, or under ARM_TOOLCHAIN_DIR (cache variable or
# environment) when set. CPU flags are set per board by the project.

set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(ARM_TOOLCHAIN_DIR "$ENV{ARM_TOOLCHAIN_DIR}" CACHE PATH "Directory holding arm-none-eabi-gcc (empty: PATH)")
if(ARM_TOOLCHAIN_DIR)
  set(_arm_prefix "${ARM_TOOLCHAIN_DIR}/arm-none-eabi-")
else()
  set(_arm_prefix "arm-none-eabi-")
endif()

set(CMAKE_C_COMPILER "${_arm_prefix}gcc")
set(CMAKE_ASM_COMPILER "${_arm_prefix}gcc")
set(CMAKE_CXX_COMPILER "${_arm_prefix}g++")
set(CMAKE_OBJCOPY "${_arm_prefix}objcopy" CACHE FILEPATH "objcopy")
set(CMAKE_SIZE "${_arm_prefix}size" CACHE FILEPATH "size")

# No OS to link test programs against: test the compiler with a static library.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
