# CUDA the way archlab builds it, for archlab itself and for projects that build plugins or
# programs against an installed archlab (the package config includes this file).
#
# archlab_enable_cuda(): enables CUDA for the calling project with archlab's settings: sm_90
# unless CMAKE_CUDA_ARCHITECTURES is set, the shared CUDA runtime (the framework and every plugin
# must share one libcudart.so, so that device memory and kernels of one are valid in the others),
# and nvcc's C++20 flag. A macro, because enable_language() must run at file scope: call it after
# project() and find_package(archlab), before archlab_add_plugin(... CUDA).
macro(archlab_enable_cuda)
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 90)  # H100 / H200
  endif()
  set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)
  enable_language(CUDA)
  archlab_cuda_cxx20()
endmacro()

# CMake 3.25 predates nvcc 13 and does not know its C++20 flag; teach it (also for a project
# that enabled CUDA itself, in project()).
macro(archlab_cuda_cxx20)
  if(NOT CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
    set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
    set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
    list(APPEND CMAKE_CUDA_COMPILE_FEATURES cuda_std_20)
  endif()
endmacro()
