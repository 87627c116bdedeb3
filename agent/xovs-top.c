/* agent/xovs-top.c: the live views of the xovs command line.
 *
 *   xovs [--rpc=unix:PATH] top [--interval=SECONDS] [--iterations=N]
 *        [FIELD=VALUE ...]
 *   xovs [--rpc=unix:PATH] graph PORT [--seconds N] --png FILE
 *
 * `top` asks the agent for port-stats-list every interval and shows the
 * busiest ports first (packets per second, then bits per second), as
 * top(1) does: on a terminal it takes the whole screen (the alternate
 * screen, restored at exit) and 'q' quits; otherwise it prints one table
 * per interval.  FIELD=VALUE filters as on port-stats-list (kind=vif).
 *
 * `graph` asks for port-stats-history and has gnuplot (Debian's
 * gnuplot-nox; its pngcairo terminal) draw the port's packet and bit rates
 * into a PNG.  Both take --dry-run (print the request, send nothing), so
 * the documented lines can be checked without an agent. */
#include <config.h>

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "agent/rpc.h"
#include "agent/xovs-cli.h"
#include "lib/xovs-dirs.h"
#include "util.h"

#define EXIT_REJECTED 1
#define EXIT_USAGE 2

struct live_options {
    char *target; /* "unix:PATH", malloc'd */
    bool dry_run; /* print the request, send nothing */
    char **args;  /* the verb's own arguments */
    size_t n_args;
};

static void live_usage(const char *format, ...)
    OVS_PRINTF_FORMAT(1, 2) OVS_NO_RETURN;

static void
live_usage(const char *format, ...)
{
    va_list args;

    fputs("xovs: ", stderr);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputs(" (see: xovs help top, xovs help graph)\n", stderr);
    exit(EXIT_USAGE);
}

/* ---------------------------------------------------------------------- */
/* top. */

static volatile sig_atomic_t stop_requested;
static struct termios saved_tio;
static bool tio_saved;  /* 'saved_tio' must be put back at exit */
static bool fullscreen; /* the alternate screen is on */

static void
on_signal(int sig OVS_UNUSED)
{
    stop_requested = 1;
}

static void
restore_terminal(void)
{
    if (fullscreen) {
        fputs("\033[?25h\033[?1049l", stdout); /* cursor, main screen */
        fflush(stdout);
        fullscreen = false;
    }
    if (tio_saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
        tio_saved = false;
    }
}

/* Keys one at a time, no echo, and the screen to ourselves. */
static void
setup_terminal(void)
{
    struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    atexit(restore_terminal); /* also after an unreachable agent */

    if (isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &saved_tio)) {
        struct termios raw = saved_tio;
        raw.c_lflag &= ~(ICANON | ECHO);
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        tio_saved = !tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    }
    if (isatty(STDOUT_FILENO)) {
        fputs("\033[?1049h\033[?25l", stdout); /* alternate screen */
        fullscreen = true;
    }
}

/* Waits up to 'ms' for a key.  Returns true if the user asked to quit. */
static bool
wait_key(int ms)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        if (stop_requested) {
            return true;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long long left = ms
                         - ((now.tv_sec - start.tv_sec) * 1000LL
                            + (now.tv_nsec - start.tv_nsec) / 1000000);
        if (left <= 0) {
            return false;
        }
        struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
        int n = poll(&pfd, tio_saved ? 1 : 0, left);
        if (n > 0) {
            char c;
            ssize_t r = read(STDIN_FILENO, &c, 1);
            if (r == 0) {
                tio_saved = tio_saved && isatty(STDIN_FILENO);
                continue;
            } else if (r == 1 && (c == 'q' || c == 'Q')) {
                return true;
            }
        }
    }
}

static long long
row_int(struct json_object *row, const char *key)
{
    struct json_object *v;
    return json_object_object_get_ex(row, key, &v) ? json_object_get_int64(v)
                                                   : 0;
}

static const char *
row_str(struct json_object *row, const char *key)
{
    struct json_object *v;
    return (json_object_object_get_ex(row, key, &v) ? json_object_get_string(v)
                                                    : "");
}

/* Busiest first: packets per second, then bits per second, then name. */
static int
compare_rows(const void *a_, const void *b_)
{
    struct json_object *a = *(struct json_object *const *)a_;
    struct json_object *b = *(struct json_object *const *)b_;
    long long pa = row_int(a, "rx-pps") + row_int(a, "tx-pps");
    long long pb = row_int(b, "rx-pps") + row_int(b, "tx-pps");
    long long ba = row_int(a, "rx-bps") + row_int(a, "tx-bps");
    long long bb = row_int(b, "rx-bps") + row_int(b, "tx-bps");
    return (pa != pb   ? (pa < pb ? 1 : -1)
            : ba != bb ? (ba < bb ? 1 : -1)
                       : strcmp(row_str(a, "name"), row_str(b, "name")));
}

/* 'v' in at most 7 characters: 950, 12.3k, 4.56M, 1.20G. */
static void
human(char *buf, size_t size, double v)
{
    static const char *const units[] = {"", "k", "M", "G", "T"};
    size_t u = 0;
    while (v >= 1000 && u + 1 < ARRAY_SIZE(units)) {
        v /= 1000;
        u++;
    }
    snprintf(buf, size, u ? (v < 10 ? "%.2f%s" : "%.1f%s") : "%.0f%s", v,
             units[u]);
}

static void
top_draw(struct json_object *rows, int interval_ms, bool screen)
{
    size_t n = json_object_array_length(rows);
    struct json_object **sorted = xcalloc(n ? n : 1, sizeof *sorted);
    for (size_t i = 0; i < n; i++) {
        sorted[i] = json_object_array_get_idx(rows, i);
    }
    qsort(sorted, n, sizeof *sorted, compare_rows);

    size_t height = 24;
    struct winsize ws;
    if (screen && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row) {
        height = ws.ws_row;
    }
    size_t max_rows = screen ? (height > 4 ? height - 4 : 1) : n;

    time_t now = time(NULL);
    char clock[16];
    strftime(clock, sizeof clock, "%H:%M:%S", localtime(&now));
    if (screen) {
        fputs("\033[H\033[2J", stdout);
    }
    printf("xovs top - %s - %zu ports, busiest first - every %g s%s\n\n",
           clock, n, interval_ms / 1000.0, screen ? " - q quits" : "");
    printf("%-15s %-4s %9s %9s %9s %9s %8s %12s %12s\n", "PORT", "KIND",
           "RX pps", "TX pps", "RX bit/s", "TX bit/s", "drops/s", "RX packets",
           "TX packets");
    for (size_t i = 0; i < n && i < max_rows; i++) {
        struct json_object *r = sorted[i];
        char rx_pps[16], tx_pps[16], rx_bps[16], tx_bps[16], drops[16];
        human(rx_pps, sizeof rx_pps, row_int(r, "rx-pps"));
        human(tx_pps, sizeof tx_pps, row_int(r, "tx-pps"));
        human(rx_bps, sizeof rx_bps, row_int(r, "rx-bps"));
        human(tx_bps, sizeof tx_bps, row_int(r, "tx-bps"));
        human(drops, sizeof drops, row_int(r, "drops-ps"));
        printf("%-15.15s %-4.4s %9s %9s %9s %9s %8s %12lld %12lld\n",
               row_str(r, "name"), row_str(r, "kind"), rx_pps, tx_pps, rx_bps,
               tx_bps, drops, row_int(r, "rx-packets"),
               row_int(r, "tx-packets"));
    }
    if (n > max_rows) {
        printf("(%zu more)\n", n - max_rows);
    }
    if (!screen) {
        putchar('\n');
    }
    fflush(stdout);
    free(sorted);
}

static int
top_main(const struct live_options *o)
{
    const struct xrpc_verb *verb = xrpc_verb_find("port-stats-list");
    struct json_object *params = json_object_new_object();
    double interval = 1;
    long iterations = 0;

    for (size_t i = 0; i < o->n_args; i++) {
        const char *a = o->args[i];
        char *end;
        if (!strncmp(a, "--interval=", 11)) {
            interval = strtod(a + 11, &end);
            if (!a[11] || *end || !(interval >= 0.1 && interval <= 3600)) {
                live_usage("--interval: \"%s\" is not 0.1..3600 seconds",
                           a + 11);
            }
        } else if (!strncmp(a, "--iterations=", 13)) {
            iterations = strtol(a + 13, &end, 10);
            if (!a[13] || *end || iterations < 1 || iterations > 1000000) {
                live_usage("--iterations: \"%s\" is not 1..1000000", a + 13);
            }
        } else if (a[0] == '-') {
            live_usage("top: unknown option %s", a);
        } else {
            const char *eq = strchr(a, '=');
            if (!eq || eq == a) {
                live_usage("top: %s: expected FIELD=VALUE", a);
            }
            char *key = xmemdup0(a, eq - a);
            char *bad = xrpc_check_param_name(verb, key);
            if (bad || !strcmp(key, "params")) {
                live_usage("top: %s is not a field of port-stats-list", key);
            }
            json_object_object_add(params, key,
                                   json_object_new_string(eq + 1));
            free(key);
        }
    }
    if (o->dry_run) {
        char *line = xrpc_request_line(1, "port-stats-list", params);
        fputs(line, stdout);
        free(line);
        json_object_put(params);
        return 0;
    }

    int interval_ms = lround(interval * 1000);
    setup_terminal();
    for (long i = 0; !stop_requested; i++) {
        char *error;
        struct json_object *rows
            = xovs_cli_call(o->target, "port-stats-list", params, &error);
        if (!rows || !json_object_is_type(rows, json_type_array)) {
            restore_terminal();
            fprintf(stderr, "xovs: %s\n",
                    error ? error : "the agent's answer is not a list");
            free(error);
            json_object_put(rows);
            json_object_put(params);
            return EXIT_REJECTED;
        }
        top_draw(rows, interval_ms, fullscreen);
        json_object_put(rows);
        if ((iterations && i + 1 >= iterations) || wait_key(interval_ms)) {
            break;
        }
    }
    restore_terminal();
    json_object_put(params);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* graph. */

/* Runs "gnuplot SCRIPT".  Returns 0, or a message (malloc'd). */
static char *
run_gnuplot(const char *script)
{
    pid_t pid = fork();
    if (pid < 0) {
        return xasprintf("fork: %s", ovs_strerror(errno));
    } else if (!pid) {
        execlp("gnuplot", "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return xasprintf("waitpid: %s", ovs_strerror(errno));
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        return xstrdup("gnuplot is not installed (Debian: gnuplot-nox)");
    } else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        return xstrdup("gnuplot failed (its message is above)");
    }
    return NULL;
}

static int
graph_main(const struct live_options *o)
{
    const char *port = NULL, *png = NULL;
    long seconds = 300;

    for (size_t i = 0; i < o->n_args; i++) {
        const char *a = o->args[i];
        const char *val = NULL;
        bool is_seconds = false;
        if (!strcmp(a, "--seconds") || !strcmp(a, "--png")) {
            if (i + 1 >= o->n_args) {
                live_usage("graph: %s needs a value", a);
            }
            is_seconds = !strcmp(a, "--seconds");
            val = o->args[++i];
        } else if (!strncmp(a, "--seconds=", 10)) {
            is_seconds = true;
            val = a + 10;
        } else if (!strncmp(a, "--png=", 6)) {
            val = a + 6;
        } else if (a[0] == '-') {
            live_usage("graph: unknown option %s", a);
        } else if (!port) {
            port = a;
            continue;
        } else {
            live_usage("graph: one PORT only (%s, then %s)", port, a);
        }
        if (is_seconds) {
            char *end;
            seconds = strtol(val, &end, 10);
            if (!*val || *end || seconds < 1 || seconds > 3600) {
                live_usage("graph: --seconds: \"%s\" is not 1..3600", val);
            }
        } else {
            png = val;
        }
    }
    if (!port) {
        live_usage("graph: which port? (a VIF's port vif<domid>.<device>, "
                   "a NIC, a bond, or a record's uuid)");
    }
    if (!png || !*png) {
        live_usage("graph: --png FILE is required");
    }
    if (strpbrk(png, "'\n")) {
        live_usage("graph: --png: a file name with ' or a newline is not "
                   "supported");
    }

    struct json_object *params = json_object_new_object();
    char *secs = xasprintf("%ld", seconds);
    json_object_object_add(params, "name", json_object_new_string(port));
    json_object_object_add(params, "seconds", json_object_new_string(secs));
    free(secs);
    if (o->dry_run) {
        char *line = xrpc_request_line(1, "port-stats-history", params);
        fputs(line, stdout);
        free(line);
        json_object_put(params);
        return 0;
    }

    char *error;
    struct json_object *h
        = xovs_cli_call(o->target, "port-stats-history", params, &error);
    json_object_put(params);
    if (!h) {
        fprintf(stderr, "xovs: %s\n", error);
        free(error);
        return EXIT_REJECTED;
    }
    struct json_object *points = NULL;
    json_object_object_get_ex(h, "points", &points);
    size_t n = json_object_is_type(points, json_type_array)
                   ? json_object_array_length(points)
                   : 0;
    if (!n) {
        fprintf(stderr,
                "xovs: %s: no traffic in the last %ld s (its counters did "
                "not move), nothing to plot\n",
                row_str(h, "name"), seconds);
        json_object_put(h);
        return EXIT_REJECTED;
    }
    long long now = row_int(h, "now-ms");

    char script[] = "/tmp/xovs-graph.XXXXXX";
    int fd = mkstemp(script);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        fprintf(stderr, "xovs: cannot write a gnuplot script: %s\n",
                ovs_strerror(errno));
        json_object_put(h);
        return EXIT_REJECTED;
    }
    fprintf(f,
            "set terminal pngcairo size 1000,700 font 'sans,10'\n"
            "set output '%s'\n"
            "$data << EOD\n",
            png);
    for (size_t i = 0; i < n; i++) {
        struct json_object *p = json_object_array_get_idx(points, i);
        fprintf(f, "%.3f %lld %lld %lld %lld %lld\n",
                (row_int(p, "time-ms") - now) / 1000.0, row_int(p, "rx-pps"),
                row_int(p, "tx-pps"), row_int(p, "rx-bps"),
                row_int(p, "tx-bps"), row_int(p, "drops-ps"));
    }
    fprintf(f,
            "EOD\n"
            "set multiplot layout 2,1 title \"xovs: %s (%s), the last %ld "
            "s\"\n"
            "set xrange [-%ld:0]\n"
            "set yrange [0:*]\n"
            "set grid\n"
            "set key top left\n"
            "set format y '%%.1s%%c'\n"
            "set ylabel 'packets/s'\n"
            "plot $data using 1:2 with linespoints lw 2 title 'rx (from "
            "the port into OVS)', '' using 1:3 with linespoints lw 2 "
            "title 'tx (from OVS to the port)', '' using 1:6 with "
            "linespoints lw 2 title 'drops'\n"
            "set ylabel 'bit/s'\n"
            "set xlabel 'seconds (0 = now)'\n"
            "plot $data using 1:4 with linespoints lw 2 title 'rx', '' "
            "using 1:5 with linespoints lw 2 title 'tx'\n"
            "unset multiplot\n",
            row_str(h, "name"), row_str(h, "kind"), seconds, seconds);
    bool write_failed = ferror(f);
    write_failed |= fclose(f) != 0;
    json_object_put(h);

    char *failure = write_failed ? xstrdup("cannot write a gnuplot script")
                                 : run_gnuplot(script);
    unlink(script);
    if (failure) {
        fprintf(stderr, "xovs: graph: %s\n", failure);
        free(failure);
        return EXIT_REJECTED;
    }
    return 0;
}

/* ---------------------------------------------------------------------- */

static void
help_top(void)
{
    printf("top: a live view of the busiest VIFs, PIFs and bonds\n\n"
           "usage: xovs top [--interval=SECONDS] [--iterations=N] "
           "[FIELD=VALUE ...]\n\n"
           "  --interval=SECONDS     refresh every SECONDS (default 1)\n"
           "  --iterations=N         stop after N tables (default: until q)\n"
           "  FIELD=VALUE            only ports whose port-stats-list FIELD "
           "is VALUE\n\n"
           "Ports are sorted by packets per second.  On a terminal q "
           "quits.\n");
}

static void
help_graph(void)
{
    printf("graph: plot a port's recent packet and bit rates into a PNG\n\n"
           "usage: xovs graph PORT [--seconds N] --png FILE\n\n"
           "  PORT                   vif<domid>.<device>, a NIC, bond<N>, "
           "or a record's uuid\n"
           "  --seconds N            the last N seconds, 1..3600 (default "
           "300)\n"
           "  --png FILE             where to write the PNG (required)\n\n"
           "Needs gnuplot (Debian: gnuplot-nox).\n");
}

bool
xovs_live_main(int argc, char *argv[], int *rc)
{
    struct live_options o = {.target = NULL};
    const char *verb = NULL;
    bool help = false;

    /* The first word that is not an option is the verb. */
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-') {
            verb = argv[i];
            if (!strcmp(verb, "help") && i + 1 < argc) {
                help = true;
                verb = argv[i + 1];
            }
            break;
        }
    }
    if (!verb || (strcmp(verb, "top") && strcmp(verb, "graph"))) {
        return false;
    }
    if (help) {
        if (!strcmp(verb, "top")) {
            help_top();
        } else {
            help_graph();
        }
        *rc = 0;
        return true;
    }

    const char *target = getenv("XOVS_RPC");
    bool seen_verb = false;
    o.args = xcalloc(argc, sizeof *o.args);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strncmp(a, "--rpc=", 6)) {
            target = a + 6;
        } else if (!strcmp(a, "--dry-run")) {
            o.dry_run = true;
        } else if (!seen_verb && !strcmp(a, verb)) {
            seen_verb = true;
        } else if (!seen_verb) {
            live_usage("%s: %s goes after the verb", verb, a);
        } else {
            o.args[o.n_args++] = argv[i];
        }
    }
    o.target = target && *target ? xstrdup(target) : xovs_default_agent_rpc();
    *rc = !strcmp(verb, "top") ? top_main(&o) : graph_main(&o);
    free(o.target);
    free(o.args);
    return true;
}
