# archlab_add_plugin(<name> SOURCES <files...> [CUDA] [NO_INSTALL] [OUTPUT_DIRECTORY <dir>])
#
# Builds one archlab plugin: a shared object named archlab_<name>.so in the plugin directory
# (ARCHLAB_PLUGIN_BUILD_DIR: <build>/plugins, which the loader searches). CUDA compiles the
# sources with nvcc as well, so the model's handler is also built for the device, when the
# project has CUDA enabled (archlab_enable_cuda(), ArchlabCuda.cmake); without CUDA the same
# sources build for the host only, and the cuda engine refuses the plugin.
function(archlab_add_plugin name)
  cmake_parse_arguments(ARG "CUDA;NO_INSTALL" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  if(NOT ARG_OUTPUT_DIRECTORY)
    set(ARG_OUTPUT_DIRECTORY "${ARCHLAB_PLUGIN_BUILD_DIR}")
  endif()
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "archlab_add_plugin(${name}): SOURCES is required")
  endif()
  set(target archlab_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  if(TARGET archlab::plugin_api)
    target_link_libraries(${target} PRIVATE archlab::plugin_api)
  else()
    target_link_libraries(${target} PRIVATE archlab_plugin_api)
  endif()
  set_target_properties(${target} PROPERTIES PREFIX "" OUTPUT_NAME "archlab_${name}"
                        LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}"
                        CXX_VISIBILITY_PRESET hidden CUDA_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  get_property(_languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if(ARG_CUDA AND "CUDA" IN_LIST _languages AND (NOT DEFINED ARCHLAB_ENABLE_CUDA OR ARCHLAB_ENABLE_CUDA))
    set_source_files_properties(${ARG_SOURCES} TARGET_DIRECTORY ${target} PROPERTIES LANGUAGE CUDA)
    set_target_properties(${target} PROPERTIES CUDA_RUNTIME_LIBRARY Shared)
    # Identical rounding on host and device: no fused multiply-adds.
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr -fmad=false>)
  endif()
  if(ARG_CUDA AND NOT "CUDA" IN_LIST _languages AND NOT DEFINED ARCHLAB_ENABLE_CUDA)
    message(STATUS "archlab_add_plugin(${name}): host code only (CUDA is not enabled in this project: call "
                   "archlab_enable_cuda() before archlab_add_plugin)")
  endif()
  if(ARCHLAB_PLUGIN_INSTALL_DIR AND NOT ARG_NO_INSTALL)
    install(TARGETS ${target} LIBRARY DESTINATION "${ARCHLAB_PLUGIN_INSTALL_DIR}")
  endif()
endfunction()
