# agora-sim --trace FILE writes a readable trace that shows the faults, the
# network's frames and the nodes' logs; the same seed twice gives the same
# JSON line (hash included).
execute_process(COMMAND ${SIM} --scenario presence --seed 5 --seconds 16 --faults --trace ${OUT}
                OUTPUT_VARIABLE first RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "agora-sim failed (${rc}): ${first}")
endif()
execute_process(COMMAND ${SIM} --scenario presence --seed 5 --seconds 16 --faults
                OUTPUT_VARIABLE second)
if(NOT first STREQUAL second)
  message(FATAL_ERROR "one seed, two results:\n${first}${second}")
endif()
file(READ ${OUT} trace)
foreach(part "fault: " "net: n" "sim: n1 starts" " info: linked to node ")
  string(FIND "${trace}" "${part}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the trace has no \"${part}\"")
  endif()
endforeach()
