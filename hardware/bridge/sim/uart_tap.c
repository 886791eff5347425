#include <avr_uart.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "../src/packet.h"
#include "uart_tap.h"

static uint8_t buf[PACKET_SIZE];
static uint64_t byte_cycle[PACKET_SIZE];
static unsigned len;
static uint64_t packets, dropped;

static uint64_t monotonic_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void on_byte(struct avr_irq_t *irq, uint32_t value, void *param)
{
	avr_t *avr = param;
	(void)irq;
	byte_cycle[len] = avr->cycle;
	buf[len++] = (uint8_t)value;
	if (len == PACKET_SIZE) {
		if (buf[0] == PACKET_SYNC && packet_crc8(buf, PACKET_SIZE - 1) == buf[PACKET_SIZE - 1]) {
			printf("PKT %llu %llu %llu ", (unsigned long long)byte_cycle[0], (unsigned long long)avr->cycle,
					(unsigned long long)monotonic_us());
			for (unsigned i = 0; i < PACKET_SIZE; i++)
				printf("%02X", buf[i]);
			printf("\n");
			packets++;
			len = 0;
		} else {
			memmove(buf, buf + 1, --len);
			memmove(byte_cycle, byte_cycle + 1, len * sizeof byte_cycle[0]);
			dropped++;
		}
	}
}

void uart_tap_init(avr_t *avr)
{
	avr_irq_t *out = avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT);
	avr_irq_register_notify(out, on_byte, avr);
}

uint64_t uart_tap_packets(void)
{
	return packets;
}

uint64_t uart_tap_dropped_bytes(void)
{
	return dropped;
}
