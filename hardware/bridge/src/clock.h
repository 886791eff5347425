/* Free-running 32-bit tick counter: Timer1 (0.5 us per tick) extended by its overflow count. */
#ifndef BRIDGE_CLOCK_H
#define BRIDGE_CLOCK_H

#include <stdint.h>

void clock_init(void);

/* Current tick (32 bits wrap after 35 minutes; compare ticks by signed difference). */
uint32_t clock_ticks(void);

#endif
