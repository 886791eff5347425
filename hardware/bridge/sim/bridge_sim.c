/*
 * bridge-sim: runs build/bridge.elf on an emulated ATmega328P at 16 MHz (simavr), drives the
 * reader lines from a script read on stdin (syntax in stimulus.h) and exposes UART0 on a
 * pseudo-terminal, so the host's serial code reads the firmware as it would a USB adapter.
 *
 * Usage: bridge-sim [--elf PATH] [--fast] [--tail-ms N] [--seed N]
 * stdout, one line each:
 *   PTY <path>                              once, when the pty is ready
 *   FRAME_END <ch> <cycle> <monotonic_us>   last bit of a `frame` driven
 *   PKT <first> <last> <monotonic_us> <hex> a valid packet left the UART (uart_tap.h)
 *   ISR <vector> count=<n> max=<cycles>     at exit, per interrupt vector (isr_probe.h)
 *   DONE cycles=<n> packets=<n> dropped_bytes=<n>
 * It exits <tail-ms> (default 300) after the script's end once stdin ends or says `end`,
 * or on SIGTERM/SIGINT. Emulated time is paced to the wall clock unless --fast.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libgen.h>
#include <sim_avr.h>
#include <sim_elf.h>
#include <parts/uart_pty.h>
#include "isr_probe.h"
#include "stimulus.h"
#include "uart_tap.h"

#define DEFAULT_FREQUENCY 16000000u
#define HOUSEKEEPING_US 1000u
/* Edges start after the firmware has configured its pins. */
#define FIRST_EDGE_US 20000u

static struct {
	const char *elf;
	bool fast;
	unsigned tail_ms;
	uint32_t seed;
} opt = { NULL, false, 300, 1 };

static volatile sig_atomic_t stop_requested;
static bool input_done;
static char line_buf[4096];
static size_t line_len;
static uint64_t wall0_ns, cycle0;
static uart_pty_t pty;

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Sleeping is done by the pacing below; simavr's own sleep would add to it. */
static void no_sleep(avr_t *avr, avr_cycle_count_t how_long)
{
	(void)avr;
	(void)how_long;
}

static void pace(avr_t *avr)
{
	if (opt.fast)
		return;
	uint64_t target = wall0_ns + (avr->cycle - cycle0) * 1000000000ull / avr->frequency;
	uint64_t now = monotonic_ns();
	if (target > now) {
		struct timespec ts = { (time_t)((target - now) / 1000000000u), (long)((target - now) % 1000000000u) };
		nanosleep(&ts, NULL);
	}
}

static void read_script(avr_t *avr)
{
	while (!input_done) {
		ssize_t n = read(STDIN_FILENO, line_buf + line_len, sizeof line_buf - 1 - line_len);
		if (n == 0) {
			input_done = true;
			break;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				input_done = true;
			break;
		}
		line_len += (size_t)n;
		char *start = line_buf, *nl;
		while (!input_done && (nl = memchr(start, '\n', line_len - (size_t)(start - line_buf)))) {
			*nl = '\0';
			stimulus_line(avr, start, &input_done);
			start = nl + 1;
		}
		line_len -= (size_t)(start - line_buf);
		memmove(line_buf, start, line_len);
		if (line_len == sizeof line_buf - 1) {
			fprintf(stderr, "bridge-sim: script line too long, dropped\n");
			line_len = 0;
		}
	}
}

static bool finished(avr_t *avr)
{
	if (stop_requested)
		return true;
	if (!input_done || !stimulus_idle())
		return false;
	uint64_t tail = (uint64_t)opt.tail_ms * (avr->frequency / 1000u);
	return avr->cycle >= stimulus_end_cycle() + tail;
}

/* Once per emulated millisecond: keep pace with the wall clock and take new script lines. */
static avr_cycle_count_t housekeeping(avr_t *avr, avr_cycle_count_t when, void *param)
{
	(void)param;
	pace(avr);
	read_script(avr);
	return when + (avr_cycle_count_t)HOUSEKEEPING_US * (avr->frequency / 1000000u);
}

static void parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--elf") && i + 1 < argc)
			opt.elf = argv[++i];
		else if (!strcmp(argv[i], "--fast"))
			opt.fast = true;
		else if (!strcmp(argv[i], "--tail-ms") && i + 1 < argc)
			opt.tail_ms = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			opt.seed = (uint32_t)strtoul(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "usage: %s [--elf PATH] [--fast] [--tail-ms N] [--seed N] < script\n", argv[0]);
			exit(2);
		}
	}
}

/* Default firmware: bridge.elf next to this program (both live in build/). */
static const char *default_elf(void)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 16);
	if (n <= 0)
		return "build/bridge.elf";
	path[n] = '\0';
	char *dir = dirname(path);
	memmove(path, dir, strlen(dir) + 1);
	strcat(path, "/bridge.elf");
	return path;
}

/* uart_pty also publishes /tmp/simavr-uart0; remove it so parallel runs leave nothing behind. */
static void remove_pty_symlink(void)
{
	char target[PATH_MAX];
	ssize_t n = readlink("/tmp/simavr-uart0", target, sizeof target - 1);
	if (n > 0) {
		target[n] = '\0';
		if (!strcmp(target, pty.pty.slavename))
			unlink("/tmp/simavr-uart0");
	}
}

int main(int argc, char **argv)
{
	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *elf = opt.elf ? opt.elf : default_elf();

	elf_firmware_t fw;
	memset(&fw, 0, sizeof fw);
	if (elf_read_firmware(elf, &fw) != 0) {
		fprintf(stderr, "bridge-sim: cannot read %s\n", elf);
		return 1;
	}
	if (!fw.mmcu[0])
		strcpy(fw.mmcu, "atmega328p");
	if (!fw.frequency)
		fw.frequency = DEFAULT_FREQUENCY;
	avr_t *avr = avr_make_mcu_by_name(fw.mmcu);
	if (!avr) {
		fprintf(stderr, "bridge-sim: unknown core %s\n", fw.mmcu);
		return 1;
	}
	avr_init(avr);
	avr_load_firmware(avr, &fw);
	avr->sleep = no_sleep;

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);

	uart_pty_init(avr, &pty);
	uart_pty_connect(&pty, '0');
	remove_pty_symlink();
	uart_tap_init(avr);
	isr_probe_init(avr);
	stimulus_init(avr, (uint64_t)FIRST_EDGE_US * (avr->frequency / 1000000u), opt.seed);
	printf("PTY %s\n", pty.pty.slavename);

	cycle0 = avr->cycle;
	wall0_ns = monotonic_ns();
	avr_cycle_timer_register_usec(avr, HOUSEKEEPING_US, housekeeping, NULL);

	int state = cpu_Running;
	while (!finished(avr) && state != cpu_Done && state != cpu_Crashed)
		state = avr_run(avr);

	isr_probe_report(stdout);
	printf("DONE cycles=%llu packets=%llu dropped_bytes=%llu\n", (unsigned long long)avr->cycle,
			(unsigned long long)uart_tap_packets(), (unsigned long long)uart_tap_dropped_bytes());
	fflush(stdout);
	if (state == cpu_Crashed) {
		fprintf(stderr, "bridge-sim: firmware crashed\n");
		return 1;
	}
	return 0;
}
