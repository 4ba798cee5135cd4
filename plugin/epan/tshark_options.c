/* tshark_options.c - the -T and -e options of a tshark command line.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tshark_options.h"

#include <string.h>

/* tshark 4.0's short options that take an argument (its getopt string:
 * OPTSTRING_CAPTURE_COMMON, OPTSTRING_DISSECT_COMMON and its own). */
#define OPTIONS_WITH_ARGUMENT "aAbBcfFisydKNRtuYMCeEGHjJoOrSTUwWXz"

/* "-T fields", "-Tfields", "-qT fields" (the last -T counts), "-e NAME",
 * "-eNAME".  An option's argument is never taken for an option ("-Y -T"
 * is a filter).  Long options are passed over: none of them is -T or -e,
 * and the separate value of one is not an option. */
const char *
pm_tshark_options_read(const char *arguments, gsize length, GPtrArray *fields)
{
    const char *end = arguments + length, *format = NULL;

    for (const char *arg = arguments; arg < end; arg += strlen(arg) + 1) {
        if (arg[0] != '-' || arg[1] == '\0' || arg[1] == '-')
            continue;
        for (const char *option = arg + 1; *option != '\0'; option++) {
            const char *value;

            if (strchr(OPTIONS_WITH_ARGUMENT, *option) == NULL)
                continue;                       /* a flag: -q, -V, -2 ... */
            if (option[1] != '\0') {
                value = option + 1;
            } else {
                value = arg + strlen(arg) + 1;  /* the next argument */
                if (value >= end)
                    return format;
                arg = value;
            }
            if (*option == 'T')
                format = value;
            else if (*option == 'e')
                g_ptr_array_add(fields, (gpointer)value);
            break;
        }
    }
    return format;
}
