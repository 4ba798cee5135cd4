# Sanitizer and fuzzing builds; both off by default.
#
#   -DPROCMAP_SANITIZE=ON  AddressSanitizer + UndefinedBehaviorSanitizer on
#                          every target (gcc or clang); UB aborts.  The plugin
#                          then needs the ASan runtime preloaded into tshark
#                          (tests/reliability/README.md, `./run sanitize`).
#   -DPROCMAP_FUZZ=ON      the libFuzzer targets of tests/fuzz (clang only):
#                          coverage instrumentation plus ASan + UBSan on the
#                          libraries they test (`./run fuzz`).
option(PROCMAP_SANITIZE "Build with ASan and UBSan (tests must preload ASan into tshark)" OFF)
option(PROCMAP_FUZZ "Build the libFuzzer targets of tests/fuzz (clang only)" OFF)

set(PROCMAP_SANITIZER_FLAGS
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)

if(PROCMAP_FUZZ)
    if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
        message(FATAL_ERROR "PROCMAP_FUZZ needs clang (libFuzzer): configure with CC=clang "
                            "(Debian: clang, libclang-rt-14-dev)")
    endif()
    add_compile_options(-fsanitize=fuzzer-no-link ${PROCMAP_SANITIZER_FLAGS})
    add_link_options(${PROCMAP_SANITIZER_FLAGS})
elseif(PROCMAP_SANITIZE)
    add_compile_options(${PROCMAP_SANITIZER_FLAGS})
    add_link_options(${PROCMAP_SANITIZER_FLAGS})
endif()
