#include <avr/interrupt.h>
#include <util/atomic.h>
#include "clock.h"
#include "config.h"

static volatile uint16_t clock_high;

/* The main loop sleeps between interrupts; this compare match wakes it every millisecond. */
#define WAKE_PERIOD MS(1)

void clock_init(void)
{
	TCCR1A = 0;
	TCCR1B = _BV(CS11); /* prescaler 8: 0.5 us */
	OCR1A = WAKE_PERIOD;
	TIMSK1 = _BV(TOIE1) | _BV(OCIE1A);
}

uint32_t clock_ticks(void)
{
	uint16_t lo, hi;
	ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
	{
		lo = TCNT1;
		hi = clock_high;
		/* An overflow not yet serviced: the low half already wrapped. */
		if ((TIFR1 & _BV(TOV1)) && lo < 0x8000)
			hi++;
	}
	return ((uint32_t)hi << 16) | lo;
}

ISR(TIMER1_OVF_vect)
{
	clock_high++;
}

ISR(TIMER1_COMPA_vect)
{
	OCR1A += WAKE_PERIOD;
}
