# ctest agora-bench-smoke: runs `agora-bench --quick` and checks its output,
# never its timings: exit status 0, and every stdout line one JSON object
# with exactly the keys bench, metric (strings), value (a number) and unit
# (a string), covering every benchmark (echo only WITH_ECHO; cluster by its
# TCP floor at least, its other baselines only where installed; election
# only WITH_NODE).
#   cmake -DBENCH=path/to/agora-bench [-DWITH_ECHO=ON] [-DWITH_NODE=ON] -P check_smoke.cmake
cmake_minimum_required(VERSION 3.22)
if(NOT BENCH)
  message(FATAL_ERROR "usage: cmake -DBENCH=<agora-bench> -P check_smoke.cmake")
endif()

execute_process(COMMAND ${BENCH} --quick
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
message("${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "agora-bench --quick failed (${rc}):\n${out}")
endif()

string(REGEX REPLACE "\n$" "" out "${out}")
if(out STREQUAL "")
  message(FATAL_ERROR "agora-bench --quick printed nothing")
endif()
# One list element per line (JSON lines hold no ';' or '[' here, but escape
# ';' anyway so a stray one cannot split a line).
string(REPLACE ";" "\\;" out "${out}")
string(REPLACE "\n" ";" lines "${out}")

set(seen "")
set(n 0)
foreach(line IN LISTS lines)
  math(EXPR n "${n} + 1")
  string(JSON type ERROR_VARIABLE jerr TYPE "${line}")
  if(jerr OR NOT type STREQUAL "OBJECT")
    message(FATAL_ERROR "line ${n} is not a JSON object: ${line}")
  endif()
  string(JSON len LENGTH "${line}")
  if(NOT len EQUAL 4)
    message(FATAL_ERROR "line ${n} has ${len} keys, want 4: ${line}")
  endif()
  foreach(key_type bench:STRING metric:STRING value:NUMBER unit:STRING)
    string(REPLACE ":" ";" kt "${key_type}")
    list(GET kt 0 key)
    list(GET kt 1 want)
    string(JSON t ERROR_VARIABLE jerr TYPE "${line}" ${key})
    if(jerr OR NOT t STREQUAL want)
      message(FATAL_ERROR "line ${n}: key '${key}' should be a ${want}: ${line}")
    endif()
  endforeach()
  string(JSON bench GET "${line}" bench)
  list(APPEND seen ${bench})
  message("ok: ${line}")
endforeach()

set(expected routing fanout churn memory timers trace cross_vm parallel cluster)
if(WITH_ECHO)  # agora-echo is built (AGORA_BUILD_APPS)
  list(APPEND expected echo)
endif()
if(WITH_NODE)  # agora-node is built (AGORA_BUILD_APPS): election runs it
  list(APPEND expected election)
endif()
foreach(b IN LISTS expected)
  if(NOT b IN_LIST seen)
    message(FATAL_ERROR "no figure from benchmark '${b}'")
  endif()
endforeach()
message("agora-bench-smoke: ${n} valid JSON lines")
