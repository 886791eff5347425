#include <avr/interrupt.h>
#include <avr/io.h>
#include "capture.h"

/* 32 bits' worth of edges per reader at 2 readers: far more than the main loop ever lags. */
#define RING_SIZE 64
#define RING_MASK (RING_SIZE - 1)

static volatile uint8_t ring_code[RING_SIZE];
static volatile uint16_t ring_ticks[RING_SIZE];
static volatile uint8_t ring_head; /* written by the ISRs only (they never nest) */
static volatile uint8_t ring_tail; /* written by the main loop only */
static volatile uint8_t ring_overflow;
static uint8_t pinc_last;

/* Inlined so the edge interrupts save few registers and stay short. */
__attribute__((always_inline)) static inline void push(uint8_t code, uint16_t ticks)
{
	uint8_t head = ring_head;
	uint8_t next = (head + 1) & RING_MASK;
	if (next == ring_tail) {
		ring_overflow = 1;
		return;
	}
	ring_code[head] = code;
	ring_ticks[head] = ticks;
	ring_head = next;
}

void capture_init(void)
{
	/* Inputs with pull-ups: an unconnected reader reads idle (high), not noise. */
	DDRD &= ~(_BV(PD2) | _BV(PD3));
	PORTD |= _BV(PD2) | _BV(PD3);
	DDRC &= ~(_BV(PC0) | _BV(PC1));
	PORTC |= _BV(PC0) | _BV(PC1);
	pinc_last = PINC;

	/* INT0/INT1 on any logical change: falling starts a pulse, rising ends it. */
	EICRA = _BV(ISC00) | _BV(ISC10);
	EIFR = _BV(INTF0) | _BV(INTF1);
	EIMSK = _BV(INT0) | _BV(INT1);

	PCMSK1 = _BV(PCINT8) | _BV(PCINT9);
	PCIFR = _BV(PCIF1);
	PCICR = _BV(PCIE1);
}

ISR(INT0_vect)
{
	uint16_t t = TCNT1;
	push(0 | ((PIND & _BV(PD2)) ? EDGE_HIGH : 0), t);
}

ISR(INT1_vect)
{
	uint16_t t = TCNT1;
	push(1 | ((PIND & _BV(PD3)) ? EDGE_HIGH : 0), t);
}

ISR(PCINT1_vect)
{
	uint16_t t = TCNT1;
	uint8_t pins = PINC;
	uint8_t changed = (pins ^ pinc_last) & (_BV(PC0) | _BV(PC1));
	pinc_last = pins;
	if (changed & _BV(PC0))
		push(2 | ((pins & _BV(PC0)) ? EDGE_HIGH : 0), t);
	if (changed & _BV(PC1))
		push(3 | ((pins & _BV(PC1)) ? EDGE_HIGH : 0), t);
	if (!changed)
		push(2 | EDGE_UNRESOLVED, t);
}

bool capture_pending(void)
{
	return ring_head != ring_tail;
}

bool capture_pop(edge_t *edge, uint32_t now)
{
	uint8_t tail = ring_tail;
	if (tail == ring_head)
		return false;
	edge->code = ring_code[tail];
	/* The ISRs never write the slot at the tail (a full ring drops instead), so no lock. */
	edge->ticks = now + (int16_t)(ring_ticks[tail] - (uint16_t)now);
	ring_tail = (tail + 1) & RING_MASK;
	return true;
}

bool capture_take_overflow(void)
{
	if (!ring_overflow)
		return false;
	ring_overflow = 0;
	return true;
}
