/*
 * Turns timestamped line edges into Wiegand frames and line faults, one state per channel.
 * No I/O: results go to the emit callback as packet fields.
 */
#ifndef BRIDGE_FRAMER_H
#define BRIDGE_FRAMER_H

#include <stdint.h>
#include "packet.h"

typedef void (*framer_emit_t)(uint8_t kind, uint8_t channel, uint8_t bit_count, const uint8_t *data);

void framer_init(framer_emit_t emit);
/* One edge: line = channel * 2 + (0 for D0, 1 for D1); high = level after the edge. */
void framer_edge(uint8_t line, uint8_t high, uint32_t ticks);
/* A pulse on a channel that was over before its interrupt could read the line low: a glitch. */
void framer_unseen_pulse(uint8_t channel, uint32_t ticks);
/* Edges were lost: drop every frame in progress rather than send a wrong one. */
void framer_abort_all(void);
/* Time-driven work: end frames after silence, report stuck lines, expire glitch bursts. */
void framer_poll(uint32_t now);

#endif
