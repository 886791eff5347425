/*
 * Reader stimulus for the emulated bridge: parses script lines into pin events at exact CPU
 * cycles and drives the Wiegand data lines through simavr cycle timers.
 *
 * Script (one command per line, '#' starts a comment; times may have decimals):
 *   frame <ch> <bits> <pulse_us> <interval_us> [jitter_us]   send bits ("0"/"1"), D0 for 0, D1 for 1
 *   glitch <ch> <D0|D1> <width_us>                           one short low pulse
 *   stuck <ch> <D0|D1|both> <ms>                             hold the line(s) low
 *   wait <ms>                                                move the script cursor forward
 *   end                                                      no more commands
 * Every command starts at the script cursor; only `wait` moves it, so two commands without a
 * wait between them overlap (two channels at once). A command read after the cursor has
 * fallen behind emulated time starts 1 ms from now.
 */
#ifndef BRIDGE_SIM_STIMULUS_H
#define BRIDGE_SIM_STIMULUS_H

#include <stdbool.h>
#include <stdint.h>
#include <sim_avr.h>

void stimulus_init(avr_t *avr, uint64_t first_cycle, uint32_t seed);
/* Parses one script line; false (with a message on stderr) when it is not a valid command. */
bool stimulus_line(avr_t *avr, const char *line, bool *end);
/* True when every scheduled edge has been driven. */
bool stimulus_idle(void);
/* Where the script ends: its last scheduled edge or its final `wait`, whichever is later. */
uint64_t stimulus_end_cycle(void);

#endif
