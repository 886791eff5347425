/*
 * Wiegand serial bridge for an ATmega328P at 16 MHz: two reader channels in, 16-byte packets
 * out on UART0 (pins and wiring in WIRING.md).
 * Interrupts only timestamp edges; everything else runs here, between idle sleeps.
 */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>
#include "capture.h"
#include "clock.h"
#include "config.h"
#include "framer.h"
#include "packet.h"
#include "uart.h"

#ifdef HAVE_SIMAVR_SECTION
/* Tells simavr the core and clock; lives in its own ELF section, never in the flashed image. */
#include "avr_mcu_section.h"
AVR_MCU(F_CPU, "atmega328p");
#endif

static uint32_t led_on_since;
static uint8_t led_on;
/* Packets that found the transmit ring full; kept for a debugger, never expected to grow. */
static volatile uint16_t tx_dropped;

static void send_packet(uint8_t kind, uint8_t channel, uint8_t bit_count, const uint8_t *data)
{
	uint8_t packet[PACKET_SIZE];
	packet_build(packet, kind, channel, bit_count, data);
	if (!uart_write(packet, PACKET_SIZE))
		tx_dropped++;
	if (kind == PACKET_FRAME) {
		PORTB |= _BV(PB5);
		led_on = 1;
		led_on_since = clock_ticks();
	}
}

static void drain_edges(uint32_t now)
{
	edge_t edge;
	while (capture_pop(&edge, now)) {
		if (edge.code & EDGE_UNRESOLVED)
			framer_unseen_pulse((edge.code & EDGE_LINE_MASK) >> 1, edge.ticks);
		else
			framer_edge(edge.code & EDGE_LINE_MASK, edge.code & EDGE_HIGH, edge.ticks);
	}
	if (capture_take_overflow())
		framer_abort_all();
}

/* Sleeps until the next interrupt unless edges are already waiting (no lost wake-up). */
static void idle(void)
{
	cli();
	if (!capture_pending()) {
		sleep_enable();
		sei();
		sleep_cpu();
		sleep_disable();
	}
	sei();
}

int main(void)
{
	DDRB |= _BV(PB5);
	clock_init();
	uart_init();
	framer_init(send_packet);
	capture_init();
	set_sleep_mode(SLEEP_MODE_IDLE);
	sei();

	/* A heartbeat at once tells the host the bridge (re)started. */
	send_packet(PACKET_HEARTBEAT, 0, 0, 0);
	uint32_t last_heartbeat = clock_ticks();

	for (;;) {
		/* Time first, then edges: an edge queued in between is newer than now, so the silence
		 * check below never ends a frame that has just received a bit. */
		uint32_t now = clock_ticks();
		drain_edges(now);
		framer_poll(now);
		if (now - last_heartbeat >= HEARTBEAT_PERIOD) {
			last_heartbeat += HEARTBEAT_PERIOD;
			send_packet(PACKET_HEARTBEAT, 0, 0, 0);
		}
		if (led_on && now - led_on_since >= LED_ON_TIME) {
			PORTB &= ~_BV(PB5);
			led_on = 0;
		}
		idle();
	}
}
