# The board layers, for any firmware project (examples/synth, generated MLF projects).
#
# Include this BEFORE project(): it checks BOARD and picks the default toolchain file.
#
#   set(BOARD mps2_an500)                 # or -DBOARD=... (default: f746_disco)
#   include(path/to/firmware/boards/boards.cmake)
#   project(app LANGUAGES C)
#   add_executable(app main.c ...)
#   allhw_board_firmware(app)             # board sources, CPU flags, linker script, .hex/.bin
#
# Variables it sets, for projects that want the parts:
#   ALLHW_BOARDS          the boards there are layers for
#   ALLHW_CPU_FLAGS       compiler and linker flags for the board's CPU (the same as
#                         "cpuFlags" in src/build/boards.json; a test checks that)
#   ALLHW_BOARD_DIR       firmware/boards/<BOARD>
#   ALLHW_LINKER_SCRIPT   firmware/boards/<BOARD>/<BOARD>.ld
#   ALLHW_BOARD_SOURCES   the board layer's C files (allhw_board_firmware adds them)
#   ALLHW_PROTOCOL_SOURCES  the UART receive ring and the line assembler (the project lists
#                         them: the board layer feeds the ring, the application drains it)
#   ALLHW_BOARD_INCLUDE_DIRS  board.h, the board's headers, the protocol headers
# Options: RX_BUFFER_SIZE (UART receive ring, bytes), LINE_BUFFER_SIZE (longest line, bytes).
include_guard(GLOBAL)

get_filename_component(ALLHW_FIRMWARE_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

set(ALLHW_BOARDS f746_disco mps2_an500)
set(BOARD "f746_disco" CACHE STRING "Board to build for: one of ${ALLHW_BOARDS}")
set_property(CACHE BOARD PROPERTY STRINGS ${ALLHW_BOARDS})
if(NOT BOARD IN_LIST ALLHW_BOARDS)
  string(REPLACE ";" ", " _allhw_boards "${ALLHW_BOARDS}")
  message(FATAL_ERROR "Unknown BOARD '${BOARD}'. Supported boards: ${_allhw_boards}")
endif()

if(BOARD STREQUAL "f746_disco")
  # STM32F746NG: Cortex-M7 with the single-precision FPU
  set(ALLHW_CPU_FLAGS -mcpu=cortex-m7 -mthumb -mfpu=fpv5-sp-d16 -mfloat-abi=hard)
elseif(BOARD STREQUAL "mps2_an500")
  # AN500: Cortex-M7 with the double-precision FPU
  set(ALLHW_CPU_FLAGS -mcpu=cortex-m7 -mthumb -mfpu=fpv5-d16 -mfloat-abi=hard)
endif()

if(NOT CMAKE_TOOLCHAIN_FILE)
  set(CMAKE_TOOLCHAIN_FILE "${ALLHW_FIRMWARE_DIR}/cmake/arm-none-eabi.cmake")
endif()

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE MinSizeRel CACHE STRING "Build type" FORCE)
endif()

set(RX_BUFFER_SIZE 8192 CACHE STRING "UART receive ring buffer size in bytes")
set(LINE_BUFFER_SIZE 4096 CACHE STRING "Line buffer size in bytes")

set(ALLHW_BOARD_DIR "${ALLHW_FIRMWARE_DIR}/boards/${BOARD}")
set(ALLHW_LINKER_SCRIPT "${ALLHW_BOARD_DIR}/${BOARD}.ld")
set(ALLHW_BOARD_SOURCES
  "${ALLHW_BOARD_DIR}/startup.c"
  "${ALLHW_BOARD_DIR}/board.c"
  "${ALLHW_FIRMWARE_DIR}/boards/common/board_common.c"
)
set(ALLHW_PROTOCOL_SOURCES
  "${ALLHW_FIRMWARE_DIR}/protocol/rx_ring.c"
  "${ALLHW_FIRMWARE_DIR}/protocol/line_protocol.c"
)
set(ALLHW_BOARD_INCLUDE_DIRS
  "${ALLHW_FIRMWARE_DIR}/boards"
  "${ALLHW_FIRMWARE_DIR}/boards/common"
  "${ALLHW_BOARD_DIR}"
  "${ALLHW_FIRMWARE_DIR}/protocol"
)

# Make <target> a firmware image for BOARD: the board layer and the protocol's
# receive path as sources, the CPU flags, the linker script, a map file and the
# .hex and .bin images next to the ELF (<target>.elf).
function(allhw_board_firmware target)
  set(_common "${ALLHW_FIRMWARE_DIR}/boards/common")
  target_sources(${target} PRIVATE ${ALLHW_BOARD_SOURCES})
  set_target_properties(${target} PROPERTIES OUTPUT_NAME ${target} SUFFIX ".elf")
  target_include_directories(${target} PRIVATE ${ALLHW_BOARD_INCLUDE_DIRS})
  target_compile_definitions(${target} PRIVATE
    RX_BUFFER_SIZE=${RX_BUFFER_SIZE}
    LINE_BUFFER_SIZE=${LINE_BUFFER_SIZE}
    ALLHW_BOARD_${BOARD}=1
  )
  target_compile_options(${target} PRIVATE
    ${ALLHW_CPU_FLAGS}
    -std=c11 -Wall -Wextra -ffunction-sections -fdata-sections -ffreestanding -g
  )
  target_link_options(${target} PRIVATE
    ${ALLHW_CPU_FLAGS}
    -nostartfiles --specs=nano.specs --specs=nosys.specs
    -T${ALLHW_LINKER_SCRIPT} -L${_common}
    -Wl,--gc-sections -Wl,-Map=${CMAKE_CURRENT_BINARY_DIR}/${target}.map -Wl,--print-memory-usage
  )
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS
    ${ALLHW_LINKER_SCRIPT} ${_common}/common_sections.ld)

  if(NOT CMAKE_OBJCOPY)
    string(REGEX REPLACE "gcc(\\.exe)?$" "objcopy\\1" CMAKE_OBJCOPY "${CMAKE_C_COMPILER}")
  endif()
  set(_out "${CMAKE_CURRENT_BINARY_DIR}/${target}")
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_OBJCOPY} -O ihex $<TARGET_FILE:${target}> ${_out}.hex
    COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:${target}> ${_out}.bin
    BYPRODUCTS ${_out}.hex ${_out}.bin
    COMMENT "${target}.hex, ${target}.bin (${BOARD})"
    VERBATIM
  )
endfunction()
