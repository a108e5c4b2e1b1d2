# cmake -DEXCERPT=file -DSOURCE=file -DWHERE=README.md:N -P check_excerpt.cmake
# Passes when the text of EXCERPT appears verbatim in SOURCE.
file(READ "${EXCERPT}" _excerpt)
if(NOT EXISTS "${SOURCE}")
  message(FATAL_ERROR "${WHERE}: the excerpt names ${SOURCE}, which does not exist")
endif()
file(READ "${SOURCE}" _source)
string(REPLACE "\r\n" "\n" _source "${_source}")
string(FIND "${_source}" "${_excerpt}" _at)
if(_at EQUAL -1)
  message(FATAL_ERROR "${WHERE}: this README excerpt is not (or no longer) in ${SOURCE}:\n${_excerpt}")
endif()
