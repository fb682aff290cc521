/*
 * forkloop.c - measure the cost of a full process lifecycle.
 *
 * One "lifecycle" is: fork() a child, the child immediately calls _exit(7),
 * and the parent reaps it with waitpid() and verifies the exit status.
 *
 * Usage: forkloop [iterations] [workers]
 *   iterations  total number of lifecycles to run (default 20000)
 *   workers     number of parallel worker processes (default 1); the
 *               iterations are split evenly between them
 *
 * Output (the last line is meant to be machine-parsed):
 *   iterations: <N> workers: <W> elapsed: <seconds> s
 *   lifecycles/s: <integer rate>
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_ITERATIONS 20000L
#define CHILD_STATUS 7

/* Print an error message (optionally with errno text) and abort. */
static void die(const char *what, int with_errno)
{
    if (with_errno)
        fprintf(stderr, "forkloop: %s: %s\n", what, strerror(errno));
    else
        fprintf(stderr, "forkloop: %s\n", what);
    exit(EXIT_FAILURE);
}

/* Parse a strictly positive integer command-line argument. */
static long parse_positive(const char *text, const char *name)
{
    char *end;
    long value;

    errno = 0;
    value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value <= 0) {
        fprintf(stderr, "forkloop: invalid %s '%s' (need a positive integer)\n",
                name, text);
        exit(EXIT_FAILURE);
    }
    return value;
}

/* waitpid() that retries when interrupted by a signal. */
static pid_t wait_for(pid_t pid, int *status)
{
    pid_t r;

    do {
        r = waitpid(pid, status, 0);
    } while (r < 0 && errno == EINTR);
    return r;
}

/*
 * Run `count` fork/_exit/waitpid cycles in the calling process.
 * Any failure or unexpected child status aborts the whole process.
 */
static void run_lifecycles(long count)
{
    for (long i = 0; i < count; i++) {
        pid_t pid = fork();

        if (pid < 0)
            die("fork", 1);
        if (pid == 0)
            _exit(CHILD_STATUS); /* child: leave immediately, skip atexit/stdio */

        int st;
        if (wait_for(pid, &st) != pid)
            die("waitpid", 1);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != CHILD_STATUS) {
            fprintf(stderr,
                    "forkloop: child %ld did not exit with status %d (raw status 0x%x)\n",
                    (long)pid, CHILD_STATUS, (unsigned)st);
            exit(EXIT_FAILURE);
        }
    }
}

/* Seconds elapsed between two CLOCK_MONOTONIC readings. */
static double seconds_between(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
    long iterations = DEFAULT_ITERATIONS;
    long workers = 1;

    if (argc > 3) {
        fprintf(stderr, "usage: %s [iterations] [workers]\n", argv[0]);
        return EXIT_FAILURE;
    }
    if (argc > 1)
        iterations = parse_positive(argv[1], "iterations");
    if (argc > 2)
        workers = parse_positive(argv[2], "workers");
    if (workers > iterations)
        workers = iterations; /* never start a worker with nothing to do */

    /* Make sure nothing buffered gets duplicated into forked children. */
    fflush(stdout);

    struct timespec start, end;
    if (clock_gettime(CLOCK_MONOTONIC, &start) != 0)
        die("clock_gettime", 1);

    if (workers == 1) {
        /* Single worker: run the loop directly in this process. */
        run_lifecycles(iterations);
    } else {
        /*
         * Several workers: fork one process per worker, each running its
         * share of the iterations (the remainder is spread over the first
         * few workers so the total is exactly `iterations`). A worker
         * signals success by exiting with status 0.
         */
        pid_t *pids = calloc((size_t)workers, sizeof *pids);
        if (pids == NULL)
            die("out of memory", 0);

        for (long w = 0; w < workers; w++) {
            long share = iterations / workers + (w < iterations % workers ? 1 : 0);
            pid_t pid = fork();

            if (pid < 0)
                die("fork (worker)", 1);
            if (pid == 0) {
                run_lifecycles(share);
                _exit(EXIT_SUCCESS);
            }
            pids[w] = pid;
        }

        int failed = 0;
        for (long w = 0; w < workers; w++) {
            int st;
            if (wait_for(pids[w], &st) != pids[w])
                die("waitpid (worker)", 1);
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                fprintf(stderr, "forkloop: worker %ld (pid %ld) failed (raw status 0x%x)\n",
                        w, (long)pids[w], (unsigned)st);
                failed = 1;
            }
        }
        free(pids);
        if (failed)
            die("aborting: at least one worker failed", 0);
    }

    if (clock_gettime(CLOCK_MONOTONIC, &end) != 0)
        die("clock_gettime", 1);

    double elapsed = seconds_between(&start, &end);
    long rate = elapsed > 0.0 ? (long)((double)iterations / elapsed + 0.5) : 0;

    printf("iterations: %ld workers: %ld elapsed: %.6f s\n", iterations, workers, elapsed);
    printf("lifecycles/s: %ld\n", rate);
    return EXIT_SUCCESS;
}
