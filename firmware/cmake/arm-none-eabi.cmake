# CMake toolchain file for bare-metal Arm (arm-none-eabi-gcc). The one copy:
# generated projects and examples/synth use it from firmware/cmake/, and the
# action passes it (through cmake/arm-none-eabi.cmake) as
# -DCMAKE_TOOLCHAIN_FILE to projects that do not bring their own. It picks no
# CPU: the project's own flags (-mcpu=..., -mthumb, linker script) decide.
#
# Where the compiler comes from, first found: ARM_TOOLCHAIN_DIR (a cache
# variable or the environment: a directory holding arm-none-eabi-gcc), the
# environment's ARM_NONE_EABI_BIN (the action exports the bin/ of the
# toolchain it installed, and also puts it first on PATH), else PATH.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(ARM_TOOLCHAIN_DIR "$ENV{ARM_TOOLCHAIN_DIR}" CACHE PATH "Directory holding arm-none-eabi-gcc (empty: ARM_NONE_EABI_BIN, else PATH)")
if(ARM_TOOLCHAIN_DIR)
  set(_arm_prefix "${ARM_TOOLCHAIN_DIR}/arm-none-eabi-")
elseif(DEFINED ENV{ARM_NONE_EABI_BIN} AND NOT "$ENV{ARM_NONE_EABI_BIN}" STREQUAL "")
  set(_arm_prefix "$ENV{ARM_NONE_EABI_BIN}/arm-none-eabi-")
else()
  set(_arm_prefix "arm-none-eabi-")
endif()

set(CMAKE_C_COMPILER "${_arm_prefix}gcc")
set(CMAKE_CXX_COMPILER "${_arm_prefix}g++")
set(CMAKE_ASM_COMPILER "${_arm_prefix}gcc")
set(CMAKE_AR "${_arm_prefix}ar" CACHE FILEPATH "archiver")
set(CMAKE_RANLIB "${_arm_prefix}ranlib" CACHE FILEPATH "ranlib")
set(CMAKE_OBJCOPY "${_arm_prefix}objcopy" CACHE FILEPATH "objcopy")
set(CMAKE_OBJDUMP "${_arm_prefix}objdump" CACHE FILEPATH "objdump")
set(CMAKE_SIZE "${_arm_prefix}size" CACHE FILEPATH "size")

# A bare-metal test program cannot link without the project's linker script:
# let CMake's compiler checks build a static library instead.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Look for libraries and headers in the target's world, programs in the host's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Plain diagnostics (CMake 3.24+): the action's problem matchers read the lines as printed.
set(CMAKE_COLOR_DIAGNOSTICS OFF)
