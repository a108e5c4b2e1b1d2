# README snippets as tests.
#
# Every fenced code block in README.md that opens with a line "```cpp" (at the
# start of a line) and whose first line is
#
#     // readme-test: NAME
#
# (NAME made of letters, digits, '_' and '-') is a complete program.
# A block whose first line is "// readme-excerpt: PATH" shows part of the
# source file PATH (relative to the project): the test readme-excerpt-LINE
# checks that its lines appear there verbatim. It is
# written to ${CMAKE_CURRENT_BINARY_DIR}/readme/NAME.cpp, built as the
# executable readme-NAME (linked to agora::vm, agora::actors, agora::drivers,
# agora::sim and fmt::fmt) and
# registered as the ctest test readme-NAME: exit code 0 passes. Other cpp
# blocks are left alone. A #line directive maps compiler errors and sanitizer
# reports back to README.md.
#
# The README is read with file(READ) and cut with string(FIND)/string(SUBSTRING)
# only — never through list operations — so ';', '[', ']', '\' and '${' in C++
# code reach the generated file unchanged. Files are rewritten only when their
# content changed, so a reconfigure does not rebuild untouched snippets.

set(_readme "${PROJECT_SOURCE_DIR}/README.md")
set(_readme_out "${CMAKE_CURRENT_BINARY_DIR}/readme")

# Reconfigure when README.md changes, and when it appears: the directory's
# timestamp changes when files are added to it.
if(EXISTS "${_readme}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_readme}")
else()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}")
endif()

# _agora_write_if_changed(<path> <content-variable-name>)
function(_agora_write_if_changed path var)
  if(EXISTS "${path}")
    file(READ "${path}" _old)
    if(_old STREQUAL ${var})
      return()
    endif()
  endif()
  file(WRITE "${path}" "${${var}}")
endfunction()

# _agora_line_count(<out-var> <text-variable-name>): number of '\n' in the text.
function(_agora_line_count out var)
  string(LENGTH "${${var}}" _with)
  string(REPLACE "\n" "" _stripped "${${var}}")
  string(LENGTH "${_stripped}" _without)
  math(EXPR _n "${_with} - ${_without}")
  set(${out} ${_n} PARENT_SCOPE)
endfunction()

set(_readme_names "")
if(EXISTS "${_readme}")
  file(READ "${_readme}" _text)
  string(REPLACE "\r\n" "\n" _text "${_text}")
  # A leading newline lets "\n```" find a fence on the very first line too.
  set(_rest "\n${_text}")
  set(_consumed_lines 0)   # newlines consumed = README line number where _rest starts

  while(TRUE)
    string(FIND "${_rest}" "\n```cpp" _at)
    if(_at EQUAL -1)
      break()
    endif()
    # Skip up to and including the newline in front of the fence.
    math(EXPR _skip "${_at} + 1")
    string(SUBSTRING "${_rest}" 0 ${_skip} _before)
    _agora_line_count(_n _before)
    math(EXPR _consumed_lines "${_consumed_lines} + ${_n}")
    string(SUBSTRING "${_rest}" ${_skip} -1 _rest)

    # The opening fence line: "```cpp" optionally followed by an info string.
    string(FIND "${_rest}" "\n" _eol)
    if(_eol EQUAL -1)
      break()  # fence on the last line, without a body
    endif()
    string(SUBSTRING "${_rest}" 0 ${_eol} _fence)
    math(EXPR _body_start "${_eol} + 1")
    string(SUBSTRING "${_rest}" ${_body_start} -1 _rest)
    set(_fence_line ${_consumed_lines})   # 1-based line of the fence
    math(EXPR _consumed_lines "${_consumed_lines} + 1")
    if(NOT _fence MATCHES "^```cpp([ \t].*)?$")
      continue()  # e.g. "```cppfront"
    endif()

    # The body runs up to the next line starting with ```.
    string(FIND "\n${_rest}" "\n```" _close)
    if(_close EQUAL -1)
      message(FATAL_ERROR "README.md:${_fence_line}: unterminated ```cpp block")
    endif()
    string(SUBSTRING "${_rest}" 0 ${_close} _body)
    string(SUBSTRING "${_rest}" ${_close} -1 _rest)
    _agora_line_count(_n _body)
    math(EXPR _consumed_lines "${_consumed_lines} + ${_n}")
    # _rest now starts at the closing fence line; the next search needs the
    # newline in front of a fence, so put the closing line back behind one.
    set(_rest "\n${_rest}")
    math(EXPR _consumed_lines "${_consumed_lines} - 1")

    # Is it a test? Look at the first line of the body.
    string(FIND "${_body}" "\n" _eol)
    if(_eol EQUAL -1)
      set(_first "${_body}")
    else()
      string(SUBSTRING "${_body}" 0 ${_eol} _first)
    endif()
    # An excerpt of a source file: its lines (after the marker) must appear
    # in that file, contiguous and verbatim — checked by a test, so the
    # README cannot drift from code that is built and tested elsewhere.
    if(_first MATCHES "^[ \t]*//[ \t]*readme-excerpt:[ \t]*([A-Za-z0-9_./-]+)[ \t]*$")
      set(_file "${CMAKE_MATCH_1}")
      string(SUBSTRING "${_body}" ${_eol} -1 _excerpt)
      string(SUBSTRING "${_excerpt}" 1 -1 _excerpt)   # drop the newline after the marker
      math(EXPR _excerpt_no "${_fence_line}")
      set(_excerpt_file "${_readme_out}/excerpt-${_excerpt_no}.txt")
      _agora_write_if_changed("${_excerpt_file}" _excerpt)
      add_test(NAME readme-excerpt-${_excerpt_no}
               COMMAND ${CMAKE_COMMAND} -DEXCERPT=${_excerpt_file}
                       -DSOURCE=${PROJECT_SOURCE_DIR}/${_file} -DWHERE=README.md:${_fence_line}
                       -P ${CMAKE_CURRENT_LIST_DIR}/check_excerpt.cmake)
      set_tests_properties(readme-excerpt-${_excerpt_no} PROPERTIES LABELS readme)
      list(APPEND _readme_names "excerpt-${_excerpt_no}")
      continue()
    endif()
    if(NOT _first MATCHES "^[ \t]*//[ \t]*readme-test:")
      continue()
    endif()
    if(NOT _first MATCHES "^[ \t]*//[ \t]*readme-test:[ \t]*([A-Za-z0-9_-]+)[ \t]*$")
      message(FATAL_ERROR "README.md:${_fence_line}: bad snippet marker '${_first}' "
                          "(expected '// readme-test: NAME', NAME of [A-Za-z0-9_-])")
    endif()
    set(_name "${CMAKE_MATCH_1}")
    if(_name IN_LIST _readme_names)
      message(FATAL_ERROR "README.md:${_fence_line}: duplicate snippet name '${_name}'")
    endif()
    list(APPEND _readme_names "${_name}")

    math(EXPR _first_line "${_fence_line} + 1")
    set(_source "#line ${_first_line} \"${_readme}\"\n${_body}")
    _agora_write_if_changed("${_readme_out}/${_name}.cpp" _source)

    add_executable(readme-${_name} "${_readme_out}/${_name}.cpp")
    target_link_libraries(readme-${_name} PRIVATE agora::vm agora::actors agora::drivers agora::sim fmt::fmt agora_warnings)
    add_test(NAME readme-${_name} COMMAND readme-${_name})
    set_tests_properties(readme-${_name} PROPERTIES LABELS readme)
  endwhile()
endif()

# Remove the generated sources of snippets that no longer exist.
file(GLOB _readme_stale "${_readme_out}/*.cpp" "${_readme_out}/*.txt")
foreach(_f IN LISTS _readme_stale)
  get_filename_component(_n "${_f}" NAME_WE)
  if(NOT _n IN_LIST _readme_names)
    file(REMOVE "${_f}")
  endif()
endforeach()
