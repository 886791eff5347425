/* UART0 transmit at BAUD 8N1 through a ring buffer drained by the data-register-empty interrupt. */
#ifndef BRIDGE_UART_H
#define BRIDGE_UART_H

#include <stdint.h>
#include <stdbool.h>

void uart_init(void);
/* Queues all len bytes or none (false when the ring lacks room: the caller counts the drop). */
bool uart_write(const uint8_t *bytes, uint8_t len);

#endif
