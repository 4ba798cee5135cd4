/* test_user_names.c - the uid -> user name cache (user_names.h): read once
 * through the backend, remembered names kept, and every name sanitised the
 * same way whichever way it came.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mock_backend.h"
#include "user_names.h"

/* A name is read once per uid, a uid without a name too. */
static void
test_read_once(void)
{
    mock_backend *mock = mock_backend_new();
    pm_user_names *names = pm_user_names_new(&mock->base);

    mock_set_user(mock, 1000, "alice");
    g_assert_cmpstr(pm_user_names_get(names, 1000), ==, "alice");
    g_assert_cmpstr(pm_user_names_get(names, 1000), ==, "alice");
    g_assert_null(pm_user_names_get(names, 4242));
    g_assert_null(pm_user_names_get(names, 4242));
    g_assert_cmpuint(mock->user_name_calls, ==, 2);
    /* A clear forgets: the backend is asked again. */
    mock_set_user(mock, 1000, "alice2");
    pm_user_names_clear(names);
    g_assert_cmpstr(pm_user_names_get(names, 1000), ==, "alice2");
    g_assert_cmpuint(mock->user_name_calls, ==, 3);
    pm_user_names_free(names);
    pm_backend_free(&mock->base);
}

/* Names end in one-line tree items and table cells: control characters and
 * invalid UTF-8 never get through, read or remembered. */
static void
test_sanitised_both_ways(void)
{
    mock_backend *mock = mock_backend_new();
    pm_user_names *names = pm_user_names_new(&mock->base);
    pm_user_names *kept = pm_user_names_new(NULL);

    mock_set_user(mock, 7, "ev\til\n\xff");
    g_assert_cmpstr(pm_user_names_get(names, 7), ==, "ev il \xef\xbf\xbd");
    pm_user_names_remember(kept, 7, "ev\til\n\xff");
    g_assert_cmpstr(pm_user_names_get(kept, 7), ==, "ev il \xef\xbf\xbd");
    pm_user_names_free(names);
    pm_user_names_free(kept);
    pm_backend_free(&mock->base);
}

/* Without a backend only remembered names are known; the first one stays. */
static void
test_remembered(void)
{
    pm_user_names *names = pm_user_names_new(NULL);

    g_assert_null(pm_user_names_get(names, 0));
    pm_user_names_remember(names, 0, NULL);
    g_assert_null(pm_user_names_get(names, 0));
    pm_user_names_remember(names, 0, "root");
    pm_user_names_remember(names, 0, "toor");
    g_assert_cmpstr(pm_user_names_get(names, 0), ==, "root");
    pm_user_names_remember(names, G_MAXUINT32, "nobody-at-all");
    g_assert_cmpstr(pm_user_names_get(names, G_MAXUINT32), ==, "nobody-at-all");
    g_assert_cmpstr(pm_user_names_get(names, 0), ==, "root");
    pm_user_names_free(names);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/user-names/read-once", test_read_once);
    g_test_add_func("/user-names/sanitised-both-ways", test_sanitised_both_ways);
    g_test_add_func("/user-names/remembered", test_remembered);
    return g_test_run();
}
