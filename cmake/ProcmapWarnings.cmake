# Warnings for every procmap target: -Wall -Wextra always, -Werror in CI.
function(procmap_warnings target)
    target_compile_options(${target} PRIVATE
        -Wall -Wextra -Wshadow -Wpointer-arith -Wformat=2 -Wstrict-prototypes
        -Wmissing-prototypes -Wno-unused-parameter
        $<$<BOOL:${PROCMAP_WERROR}>:-Werror>)
endfunction()
