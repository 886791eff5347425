/* The 16-byte bridge packet of the serial-bridge contract (sync 0xA5 ... CRC-8/0x07). */
#ifndef BRIDGE_PACKET_H
#define BRIDGE_PACKET_H

#include <stdint.h>

#define PACKET_SIZE 16
#define PACKET_DATA_SIZE 11
#define PACKET_SYNC 0xA5

enum {
	PACKET_FRAME = 0x01,
	PACKET_HEARTBEAT = 0x02,
	PACKET_LINE_FAULT = 0x03,
};

enum {
	FAULT_D0_STUCK_LOW = 1,
	FAULT_D1_STUCK_LOW = 2,
	FAULT_BOTH_LOW = 3,
	FAULT_GLITCH = 4,
};

uint8_t packet_crc8(const uint8_t *bytes, uint8_t len);

/* data may be 0 for an all-zero data field. */
void packet_build(uint8_t out[PACKET_SIZE], uint8_t kind, uint8_t channel, uint8_t bit_count,
		const uint8_t *data);

#endif
