# Settings every Rill-owned target shares. Third-party code never gets these.
function(rill_target_defaults target)
  target_compile_definitions(${target} PRIVATE
    QT_NO_CONTEXTLESS_CONNECT
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_URL_CAST_FROM_STRING
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_USE_QSTRINGBUILDER)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
  if(RILL_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# One test executable per area, holding several Qt Test classes (see
# tests/common/testregistry.h). Each class becomes its own CTest entry,
# named AREA.CLASS, so failures point at a class and ctest -j spreads them.
#   rill_add_test_area(template SOURCES tst_a.cpp tst_b.cpp CLASSES TstA TstB LIBRARIES Rill::Core)
function(rill_add_test_area area)
  cmake_parse_arguments(ARG "" "" "SOURCES;CLASSES;LIBRARIES;ENVIRONMENT" ${ARGN})
  set(exe tst_${area})
  add_executable(${exe} ${ARG_SOURCES} ${PROJECT_SOURCE_DIR}/tests/common/testmain.cpp)
  target_include_directories(${exe} PRIVATE ${PROJECT_SOURCE_DIR}/tests/common)
  target_link_libraries(${exe} PRIVATE Qt6::Test ${ARG_LIBRARIES})
  set_target_properties(${exe} PROPERTIES AUTOMOC ON)
  rill_target_defaults(${exe})
  foreach(cls IN LISTS ARG_CLASSES)
    add_test(NAME ${area}.${cls} COMMAND ${exe} ${cls})
    set_tests_properties(${area}.${cls} PROPERTIES
      # RILL_CHAT_SECRET_STORE=off: no test touches the keyring of whoever runs it.
      ENVIRONMENT "QT_QPA_PLATFORM=offscreen;RILL_SOURCE_DIR=${PROJECT_SOURCE_DIR};RILL_CHAT_SECRET_STORE=off;${ARG_ENVIRONMENT}")
  endforeach()
endfunction()

# For a test that runs Qt WebEngine in its own process. Under the sanitizers
# (RILL_SANITIZE) the ASan runtime checks every sized delete in the process,
# Chromium's too, and Chromium inside Qt 6.4's WebEngine deletes some objects
# through a base of another size (new-delete-type-mismatch, allocated and
# freed inside libQt6WebEngineCore alone). ASan cannot suppress that check by
# library, so it is off for these processes only; everything else stays on.
#   rill_webengine_test(webengine.TstWebEngineClient)
function(rill_webengine_test test)
  if(RILL_SANITIZE)
    set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT_MODIFICATION
      "ASAN_OPTIONS=string_append::new_delete_type_mismatch=0")
  endif()
endfunction()

# The RUNPATH of a binary installed outside the program and library folders
# (the QML plugin in LIBDIR/qt6/qml/Rill): relative, back to LIBDIR. None
# under the prefix /usr, where the loader finds LIBDIR by itself (see the
# top-level CMakeLists.txt).
#   rill_install_rpath(RillQmlplugin ${RILL_INSTALL_QMLDIR}/Rill)
function(rill_install_rpath target installed_in)
  if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set_target_properties(${target} PROPERTIES INSTALL_RPATH "") # Qt gives plugins one of its own
    return()
  endif()
  file(RELATIVE_PATH rel "${CMAKE_INSTALL_PREFIX}/${installed_in}" "${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}")
  set_target_properties(${target} PROPERTIES INSTALL_RPATH "$ORIGIN/${rel}")
endfunction()
