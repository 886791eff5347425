/*
 * Pins, line settings and timing thresholds of the Wiegand serial bridge.
 * Times are in Timer1 ticks (prescaler 8 at 16 MHz = 0.5 us per tick).
 */
#ifndef BRIDGE_CONFIG_H
#define BRIDGE_CONFIG_H

#include <stdint.h>

#define TICKS_PER_US 2UL
#define US(x) ((uint32_t)(x) * TICKS_PER_US)
#define MS(x) ((uint32_t)(x) * 1000UL * TICKS_PER_US)

#define CHANNEL_COUNT 2
#define MAX_FRAME_BITS 88

/* Channel 0: D0 = PD2 (INT0, Arduino D2), D1 = PD3 (INT1, Arduino D3). */
/* Channel 1: D0 = PC0 (PCINT8, Arduino A0), D1 = PC1 (PCINT9, Arduino A1). */
/* Status LED: PB5 (Arduino D13), lit briefly after each frame packet. */

/* A low pulse shorter than this is a glitch, not a bit. */
#define GLITCH_MAX_WIDTH US(10)
/* A low pulse longer than this is not a bit (a stuck line being released, a bad reader). */
#define PULSE_MAX_WIDTH MS(2)
/* A line low for longer than this is stuck: one fault packet per episode. */
#define STUCK_LOW_TIME MS(50)
/* This many glitches on one channel, each within GLITCH_WINDOW of the last, send one fault packet. */
#define GLITCH_BURST 3
#define GLITCH_WINDOW MS(100)

/*
 * End of frame: silence of GAP_FACTOR times the longest bit interval seen in the frame,
 * clamped so a fast reader ends quickly and a 20 ms-interval SIA reader is never split.
 */
#define GAP_FACTOR 3
#define GAP_FLOOR MS(2)
#define GAP_CEILING MS(25)

#define HEARTBEAT_PERIOD MS(1000)
#define LED_ON_TIME MS(50)

#endif
