# Helpers shared by every component's CMakeLists.txt.

# Per-target warnings (never global flags).
function(depthlab_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wnon-virtual-dtor)
  if(DEPTHLAB_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# depthlab_test(NAME name SOURCES ... DEPS ... [LABELS ...])
# A GoogleTest binary registered with CTest; tests run from the build tree with the source root
# available as DEPTHLAB_SOURCE_DIR.
function(depthlab_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} GTest::gmock GTest::gtest GTest::gtest_main)
  target_compile_definitions(${T_NAME} PRIVATE DEPTHLAB_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
                                               DEPTHLAB_BINARY_DIR="${PROJECT_BINARY_DIR}")
  depthlab_warnings(${T_NAME})
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  set_tests_properties(${T_NAME} PROPERTIES ENVIRONMENT "OMP_NUM_THREADS=1")
  if(T_LABELS)
    set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()
