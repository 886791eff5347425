#include <avr_ioport.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "stimulus.h"

/* Line index = channel * 2 + (0 for D0, 1 for D1); pins as in config.h of the firmware. */
static const struct {
	char port;
	int pin;
} line_pins[] = { { 'D', 2 }, { 'D', 3 }, { 'C', 0 }, { 'C', 1 } };
#define LINE_COUNT (sizeof line_pins / sizeof line_pins[0])
#define CHANNELS (LINE_COUNT / 2)

enum { EV_PULL, EV_RELEASE, EV_FRAME_END };

typedef struct {
	uint64_t cycle;
	uint64_t seq; /* keeps equal-cycle events in script order */
	uint8_t type;
	uint8_t line;
} event_t;

static event_t *heap;
static size_t heap_len, heap_cap;
static uint64_t next_seq;
static avr_irq_t *pin_irq[LINE_COUNT];
static int pulls[LINE_COUNT]; /* overlapping commands compose like open-collector outputs */
static uint64_t cursor, last_cycle;
static uint32_t rng;
static double cycles_per_us;

static bool earlier(const event_t *a, const event_t *b)
{
	return a->cycle < b->cycle || (a->cycle == b->cycle && a->seq < b->seq);
}

static void heap_push(uint64_t cycle, uint8_t type, uint8_t line)
{
	if (heap_len == heap_cap) {
		heap_cap = heap_cap ? heap_cap * 2 : 256;
		heap = realloc(heap, heap_cap * sizeof *heap);
		if (!heap) {
			perror("bridge-sim: realloc");
			exit(1);
		}
	}
	size_t i = heap_len++;
	heap[i] = (event_t){ cycle, next_seq++, type, line };
	while (i > 0 && earlier(&heap[i], &heap[(i - 1) / 2])) {
		event_t t = heap[i];
		heap[i] = heap[(i - 1) / 2];
		heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
	if (cycle > last_cycle)
		last_cycle = cycle;
}

static event_t heap_pop(void)
{
	event_t top = heap[0];
	heap[0] = heap[--heap_len];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < heap_len && earlier(&heap[l], &heap[m]))
			m = l;
		if (r < heap_len && earlier(&heap[r], &heap[m]))
			m = r;
		if (m == i)
			break;
		event_t t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
	return top;
}

static uint64_t monotonic_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void apply(avr_t *avr, const event_t *e)
{
	switch (e->type) {
	case EV_PULL:
		if (pulls[e->line]++ == 0)
			avr_raise_irq(pin_irq[e->line], 0);
		break;
	case EV_RELEASE:
		if (pulls[e->line] > 0 && --pulls[e->line] == 0)
			avr_raise_irq(pin_irq[e->line], 1);
		break;
	case EV_FRAME_END:
		printf("FRAME_END %u %llu %llu\n", e->line, (unsigned long long)avr->cycle,
				(unsigned long long)monotonic_us());
		break;
	}
}

static avr_cycle_count_t drive(avr_t *avr, avr_cycle_count_t when, void *param)
{
	(void)when;
	(void)param;
	while (heap_len && heap[0].cycle <= avr->cycle) {
		event_t e = heap_pop();
		apply(avr, &e);
	}
	return heap_len ? heap[0].cycle : 0;
}

static void reschedule(avr_t *avr)
{
	avr_cycle_timer_cancel(avr, drive, NULL);
	if (heap_len) {
		uint64_t at = heap[0].cycle;
		avr_cycle_timer_register(avr, at > avr->cycle ? at - avr->cycle : 1, drive, NULL);
	}
}

void stimulus_init(avr_t *avr, uint64_t first_cycle, uint32_t seed)
{
	cycles_per_us = avr->frequency / 1e6;
	cursor = first_cycle;
	rng = seed ? seed : 1;
	for (size_t i = 0; i < LINE_COUNT; i++) {
		pin_irq[i] = avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ(line_pins[i].port), line_pins[i].pin);
		/* Idle Wiegand lines are high (the reader's pull-ups). */
		avr_raise_irq(pin_irq[i], 1);
	}
}

bool stimulus_idle(void)
{
	return heap_len == 0;
}

uint64_t stimulus_end_cycle(void)
{
	return last_cycle > cursor ? last_cycle : cursor;
}

/* xorshift32: reproducible jitter for a given seed. */
static double jitter_unit(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return (rng / 4294967295.0) * 2.0 - 1.0;
}

static uint64_t us_to_cycles(double us)
{
	return (uint64_t)(us * cycles_per_us + 0.5);
}

static void pulse(int line, uint64_t at, double width_us)
{
	heap_push(at, EV_PULL, (uint8_t)line);
	heap_push(at + us_to_cycles(width_us), EV_RELEASE, (uint8_t)line);
}

static bool parse_channel(const char *s, int *ch)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < 0 || v >= (long)CHANNELS)
		return false;
	*ch = (int)v;
	return true;
}

static bool parse_positive(const char *s, double *v)
{
	char *end;
	*v = strtod(s, &end);
	return *end == '\0' && *v > 0;
}

/* D0, D1 or both → bit mask of lines within the channel. */
static int parse_lines(const char *s)
{
	if (!strcasecmp(s, "D0") || !strcmp(s, "0"))
		return 1;
	if (!strcasecmp(s, "D1") || !strcmp(s, "1"))
		return 2;
	if (!strcasecmp(s, "both"))
		return 3;
	return 0;
}

static bool cmd_frame(char **arg, int argc, uint64_t start)
{
	int ch;
	double pulse_us, interval_us, jitter_us = 0;
	if (argc < 5 || argc > 6 || !parse_channel(arg[1], &ch) || !parse_positive(arg[3], &pulse_us) ||
			!parse_positive(arg[4], &interval_us) || (argc == 6 && !parse_positive(arg[5], &jitter_us)))
		return false;
	size_t n = strlen(arg[2]);
	if (n == 0 || strspn(arg[2], "01") != n || interval_us <= pulse_us)
		return false;
	double t = 0, last_start = 0;
	for (size_t i = 0; i < n; i++) {
		last_start = t;
		pulse(ch * 2 + (arg[2][i] == '1'), start + us_to_cycles(t), pulse_us);
		double step = interval_us + jitter_us * jitter_unit();
		/* Jitter never lets the next pulse start before this one ended. */
		t += step > pulse_us + 1 ? step : pulse_us + 1;
	}
	/* Marks the end of the last bit's pulse, the reference for latency figures. */
	heap_push(start + us_to_cycles(last_start + pulse_us), EV_FRAME_END, (uint8_t)ch);
	return true;
}

bool stimulus_line(avr_t *avr, const char *text, bool *end)
{
	char buf[512];
	char *arg[8];
	int argc = 0;
	snprintf(buf, sizeof buf, "%s", text);
	char *hash = strchr(buf, '#');
	if (hash)
		*hash = '\0';
	for (char *tok = strtok(buf, " \t\r\n"); tok && argc < 8; tok = strtok(NULL, " \t\r\n"))
		arg[argc++] = tok;
	if (argc == 0)
		return true;

	uint64_t soonest = avr->cycle + us_to_cycles(1000);
	if (cursor < soonest)
		cursor = soonest;

	bool ok;
	if (!strcmp(arg[0], "frame")) {
		ok = cmd_frame(arg, argc, cursor);
	} else if (!strcmp(arg[0], "glitch") || !strcmp(arg[0], "stuck")) {
		int ch, lines = argc == 4 ? parse_lines(arg[2]) : 0;
		double amount;
		bool is_stuck = arg[0][0] == 's';
		ok = lines && parse_channel(arg[1], &ch) && parse_positive(arg[3], &amount) &&
				(is_stuck || lines != 3);
		for (int which = 0; ok && which < 2; which++)
			if (lines & (1 << which))
				pulse(ch * 2 + which, cursor, is_stuck ? amount * 1000 : amount);
	} else if (!strcmp(arg[0], "wait")) {
		double ms;
		ok = argc == 2 && parse_positive(arg[1], &ms);
		if (ok)
			cursor += us_to_cycles(ms * 1000);
	} else if (!strcmp(arg[0], "end")) {
		ok = argc == 1;
		*end = ok;
	} else {
		ok = false;
	}
	if (!ok)
		fprintf(stderr, "bridge-sim: ignored bad script line: %s", text);
	else
		reschedule(avr);
	return ok;
}
