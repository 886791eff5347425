#include "packet.h"

uint8_t packet_crc8(const uint8_t *bytes, uint8_t len)
{
	uint8_t crc = 0;
	while (len--) {
		crc ^= *bytes++;
		for (uint8_t i = 0; i < 8; i++)
			crc = (crc & 0x80) ? (uint8_t)((crc << 1) ^ 0x07) : (uint8_t)(crc << 1);
	}
	return crc;
}

void packet_build(uint8_t out[PACKET_SIZE], uint8_t kind, uint8_t channel, uint8_t bit_count,
		const uint8_t *data)
{
	out[0] = PACKET_SYNC;
	out[1] = kind;
	out[2] = channel;
	out[3] = bit_count;
	for (uint8_t i = 0; i < PACKET_DATA_SIZE; i++)
		out[4 + i] = data ? data[i] : 0;
	out[PACKET_SIZE - 1] = packet_crc8(out, PACKET_SIZE - 1);
}
