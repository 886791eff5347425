#include <avr/interrupt.h>
#include <avr/io.h>
#include "uart.h"

#ifndef BAUD
#define BAUD 115200
#endif
/* setbaud picks double speed (U2X) when normal speed misses BAUD_TOL percent: at 16 MHz,
 * 115200 baud is 3.5 % off at normal speed and 2.1 % off with U2X (UBRR 16). */
#define BAUD_TOL 3
#include <util/setbaud.h>

/* Eight packets: more than the readers can produce between two main-loop passes. */
#define TX_SIZE 128
#define TX_MASK (TX_SIZE - 1)

static uint8_t tx_buf[TX_SIZE];
static volatile uint8_t tx_head; /* main loop only */
static volatile uint8_t tx_tail; /* UDRE ISR only */

void uart_init(void)
{
	UBRR0H = UBRRH_VALUE;
	UBRR0L = UBRRL_VALUE;
#if USE_2X
	UCSR0A = _BV(U2X0);
#else
	UCSR0A = 0;
#endif
	UCSR0C = _BV(UCSZ01) | _BV(UCSZ00); /* 8N1 */
	UCSR0B = _BV(TXEN0);
}

bool uart_write(const uint8_t *bytes, uint8_t len)
{
	uint8_t head = tx_head;
	uint8_t used = (head - tx_tail) & TX_MASK;
	if ((uint8_t)(TX_SIZE - 1 - used) < len)
		return false;
	while (len--) {
		tx_buf[head] = *bytes++;
		head = (head + 1) & TX_MASK;
	}
	tx_head = head;
	UCSR0B |= _BV(UDRIE0);
	return true;
}

ISR(USART_UDRE_vect)
{
	uint8_t tail = tx_tail;
	UDR0 = tx_buf[tail];
	tail = (tail + 1) & TX_MASK;
	tx_tail = tail;
	if (tail == tx_head)
		UCSR0B &= ~_BV(UDRIE0);
}
