/*
 * Edge capture: the pin interrupts only timestamp the new level of a data line and queue it;
 * the main loop turns edges into bits (framer.c).
 */
#ifndef BRIDGE_CAPTURE_H
#define BRIDGE_CAPTURE_H

#include <stdint.h>
#include <stdbool.h>

/* Edge code: bits 0-1 = line (channel * 2 + 0 for D0, + 1 for D1). */
#define EDGE_LINE_MASK 0x03
/* A pin-change interrupt with no visible change: a glitch shorter than the interrupt latency. */
#define EDGE_UNRESOLVED 0x40
/* The line's level read in the interrupt (1 = high = idle). */
#define EDGE_HIGH 0x80

typedef struct {
	uint8_t code;
	uint32_t ticks;
} edge_t;

void capture_init(void);
/*
 * Takes the oldest queued edge; false when none. The interrupts store only Timer1's 16 bits;
 * they are widened against now (a clock_ticks() value), which must be within 16 ms of the edge:
 * the main loop drains the queue within a fraction of a millisecond.
 */
bool capture_pop(edge_t *edge, uint32_t now);
bool capture_pending(void);
/* True once after edges were lost because the queue was full. */
bool capture_take_overflow(void);

#endif
