# CMake toolchain file for bare-metal Arm (arm-none-eabi-gcc), shipped with
# allhw-ci. The action passes it as -DCMAKE_TOOLCHAIN_FILE to projects that do
# not bring their own. It picks no CPU: the project's own flags (-mcpu=...,
# -mthumb, linker script) decide what is built.
#
# Where the compiler comes from: the action puts the toolchain's bin/ first
# on PATH and also exports ARM_NONE_EABI_BIN=<that bin/>; without either,
# whatever arm-none-eabi-gcc is on PATH is used.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(_allhw_prefix arm-none-eabi-)
if(DEFINED ENV{ARM_NONE_EABI_BIN} AND NOT "$ENV{ARM_NONE_EABI_BIN}" STREQUAL "")
  set(_allhw_prefix "$ENV{ARM_NONE_EABI_BIN}/arm-none-eabi-")
endif()

set(CMAKE_C_COMPILER "${_allhw_prefix}gcc")
set(CMAKE_CXX_COMPILER "${_allhw_prefix}g++")
set(CMAKE_ASM_COMPILER "${_allhw_prefix}gcc")
set(CMAKE_AR "${_allhw_prefix}ar" CACHE FILEPATH "archiver")
set(CMAKE_RANLIB "${_allhw_prefix}ranlib" CACHE FILEPATH "ranlib")
set(CMAKE_OBJCOPY "${_allhw_prefix}objcopy" CACHE FILEPATH "objcopy")
set(CMAKE_OBJDUMP "${_allhw_prefix}objdump" CACHE FILEPATH "objdump")
set(CMAKE_SIZE "${_allhw_prefix}size" CACHE FILEPATH "size")

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
