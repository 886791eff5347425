/*
 * Watches the bytes the firmware writes to UART0, re-aligns them into 16-byte bridge packets
 * exactly as a receiver must (drop one byte until sync and CRC fit) and prints each one:
 *   PKT <first_cycle> <last_cycle> <monotonic_us> <32 hex digits>
 * The cycles are when the firmware wrote the packet's first and last byte to UDR0.
 */
#ifndef BRIDGE_SIM_UART_TAP_H
#define BRIDGE_SIM_UART_TAP_H

#include <stdint.h>
#include <sim_avr.h>

void uart_tap_init(avr_t *avr);
uint64_t uart_tap_packets(void);
uint64_t uart_tap_dropped_bytes(void);

#endif
