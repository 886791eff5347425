/*
 * Measures every interrupt service routine in CPU cycles, from the moment simavr vectors to it
 * (the vector's jmp, prologue and body included) to its RETI. The hardware's own 4-cycle
 * interrupt response before the vector is not included.
 */
#ifndef BRIDGE_SIM_ISR_PROBE_H
#define BRIDGE_SIM_ISR_PROBE_H

#include <sim_avr.h>

void isr_probe_init(avr_t *avr);
/* Prints "ISR <vector> count=<n> max=<cycles>" for each vector that ran. */
void isr_probe_report(FILE *out);

#endif
