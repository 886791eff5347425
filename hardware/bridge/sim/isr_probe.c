#include <stdio.h>
#include <sim_interrupts.h>
#include "isr_probe.h"

#define VECTORS 64

static uint64_t count[VECTORS], max_cycles[VECTORS];
static uint64_t entered_at;
static unsigned running;

/* The table-wide RUNNING irq carries the vector number on entry and 0 on the final RETI. */
static void on_running(struct avr_irq_t *irq, uint32_t vector, void *param)
{
	avr_t *avr = param;
	(void)irq;
	if (vector) {
		running = vector < VECTORS ? vector : 0;
		entered_at = avr->cycle;
		return;
	}
	if (!running)
		return;
	uint64_t took = avr->cycle - entered_at;
	count[running]++;
	if (took > max_cycles[running])
		max_cycles[running] = took;
	running = 0;
}

void isr_probe_init(avr_t *avr)
{
	avr_irq_t *irq = avr_get_interrupt_irq(avr, AVR_INT_ANY);
	avr_irq_register_notify(irq + AVR_INT_IRQ_RUNNING, on_running, avr);
}

void isr_probe_report(FILE *out)
{
	for (unsigned v = 1; v < VECTORS; v++)
		if (count[v])
			fprintf(out, "ISR %u count=%llu max=%llu\n", v, (unsigned long long)count[v],
					(unsigned long long)max_cycles[v]);
}
