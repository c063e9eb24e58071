# The generic MLF firmware (firmware/mlf) for a project generated from an MLF tarball.
#
#   set(BOARD f746_disco)                             # or -DBOARD=...
#   include(firmware/mlf/mlf.cmake)                   # before project(): includes boards.cmake
#   project(model LANGUAGES C)
#   add_executable(model model_io.c codegen/host/src/default_lib0.c ...)
#   allhw_mlf_firmware(model WORKSPACE_BYTES 3088
#                      [TVM_INCLUDE_DIR runtime/include])   # the tarball's, when it has one
#
# allhw_mlf_firmware adds main.c, the protocol, the value parsers, the backend
# runtime (firmware/mlf/runtime/backend.c: workspace, errors, abort) and the board
# layer (allhw_board_firmware), and the include directories: firmware/mlf
# (model_io.h) and the TVM headers, TVM_INCLUDE_DIR or else firmware/mlf/runtime/include.
# LINE_BUFFER_SIZE (set it before the include) must hold the longest #input line.
include_guard(GLOBAL)
include(${CMAKE_CURRENT_LIST_DIR}/../boards/boards.cmake)

set(ALLHW_MLF_DIR "${CMAKE_CURRENT_LIST_DIR}")

function(allhw_mlf_firmware target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "WORKSPACE_BYTES;TVM_INCLUDE_DIR" "")
  if(NOT DEFINED ARG_WORKSPACE_BYTES OR NOT ARG_WORKSPACE_BYTES MATCHES "^[0-9]+$")
    message(FATAL_ERROR "allhw_mlf_firmware(${target}): WORKSPACE_BYTES <bytes> is required (the MLF metadata's workspace size)")
  endif()
  if(ARG_TVM_INCLUDE_DIR)
    set(_tvm_include "${ARG_TVM_INCLUDE_DIR}")
  else()
    set(_tvm_include "${ALLHW_MLF_DIR}/runtime/include")
  endif()
  target_sources(${target} PRIVATE
    "${ALLHW_MLF_DIR}/main.c"
    "${ALLHW_MLF_DIR}/mlf_protocol.c"
    "${ALLHW_MLF_DIR}/values.c"
    "${ALLHW_MLF_DIR}/float_text.c"
    "${ALLHW_MLF_DIR}/runtime/backend.c"
    ${ALLHW_PROTOCOL_SOURCES}
  )
  target_include_directories(${target} PRIVATE "${ALLHW_MLF_DIR}" "${_tvm_include}")
  target_compile_definitions(${target} PRIVATE ALLHW_WORKSPACE_BYTES=${ARG_WORKSPACE_BYTES})
  # Generated operators call libm (expf, roundf, ...).
  target_link_libraries(${target} PRIVATE m)
  allhw_board_firmware(${target})
  # GNU C for the generated code: TVM's kernels may use GNU extensions (asm, typeof).
  # After the board's flags, which say -std=c11: the last -std wins.
  target_compile_options(${target} PRIVATE -std=gnu11)
endfunction()
