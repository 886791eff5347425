#include <string.h>
#include "config.h"
#include "framer.h"

typedef struct {
	uint8_t bits[PACKET_DATA_SIZE];
	uint8_t count;		/* bits received, MAX_FRAME_BITS + 1 once the frame overflowed */
	uint32_t last_bit;	/* falling edge of the last bit */
	uint32_t max_interval;	/* longest falling-to-falling interval in this frame */
	uint8_t low;		/* bit 0: D0 is low, bit 1: D1 is low */
	uint32_t fall[2];	/* when each line went low */
	uint8_t stuck_reported; /* fault code last sent for this low episode, 0 when none */
	uint8_t glitches;
	uint8_t glitch_reported;
	uint32_t last_glitch;
	uint32_t last_unseen;	/* last pulse that was over before its interrupt read the pin */
} channel_t;

static channel_t channels[CHANNEL_COUNT];
static framer_emit_t emit_packet;

static inline int32_t since(uint32_t now, uint32_t then)
{
	return (int32_t)(now - then);
}

static void reset_frame(channel_t *c)
{
	memset(c->bits, 0, sizeof c->bits);
	c->count = 0;
	c->max_interval = 0;
}

void framer_init(framer_emit_t emit)
{
	emit_packet = emit;
	memset(channels, 0, sizeof channels);
}

void framer_abort_all(void)
{
	for (uint8_t ch = 0; ch < CHANNEL_COUNT; ch++)
		reset_frame(&channels[ch]);
}

static void add_bit(channel_t *c, uint8_t value, uint32_t at)
{
	if (c->count > 0) {
		uint32_t interval = at - c->last_bit;
		if (interval > c->max_interval)
			c->max_interval = interval;
	}
	c->last_bit = at;
	if (c->count >= MAX_FRAME_BITS) {
		c->count = MAX_FRAME_BITS + 1;
		return;
	}
	if (value)
		c->bits[c->count >> 3] |= (uint8_t)(0x80 >> (c->count & 7));
	c->count++;
}

/* A quiet window ends a glitch burst: the next burst is reported again. */
static void expire_glitches(channel_t *c, uint32_t now)
{
	if (c->glitches && since(now, c->last_glitch) > (int32_t)GLITCH_WINDOW) {
		c->glitches = 0;
		c->glitch_reported = 0;
	}
}

static void count_glitch(uint8_t channel, uint32_t ticks)
{
	channel_t *c = &channels[channel];
	expire_glitches(c, ticks);
	c->last_glitch = ticks;
	if (c->glitches < 255)
		c->glitches++;
	if (c->glitches >= GLITCH_BURST && !c->glitch_reported) {
		uint8_t data[PACKET_DATA_SIZE] = { FAULT_GLITCH };
		emit_packet(PACKET_LINE_FAULT, channel, 0, data);
		c->glitch_reported = 1;
	}
}

void framer_unseen_pulse(uint8_t channel, uint32_t ticks)
{
	channel_t *c = &channels[channel];
	/* Both edges of such a pulse may each raise an interrupt that reads the line high: count once. */
	uint8_t echo = c->glitches && since(ticks, c->last_unseen) < (int32_t)GLITCH_MAX_WIDTH;
	c->last_unseen = ticks;
	if (!echo)
		count_glitch(channel, ticks);
}

void framer_edge(uint8_t line, uint8_t high, uint32_t ticks)
{
	uint8_t channel = line >> 1;
	uint8_t which = line & 1;
	uint8_t mask = (uint8_t)(1 << which);
	channel_t *c = &channels[channel];

	if (!high) {
		if (!(c->low & mask)) {
			c->low |= mask;
			c->fall[which] = ticks;
		}
		return;
	}
	if (!(c->low & mask)) {
		/* Rose without a seen fall: the pulse ended before the interrupt could read it. */
		framer_unseen_pulse(channel, ticks);
		return;
	}
	c->low &= (uint8_t)~mask;
	uint32_t width = ticks - c->fall[which];
	if (width < GLITCH_MAX_WIDTH)
		count_glitch(channel, ticks);
	else if (width <= PULSE_MAX_WIDTH)
		add_bit(c, which, c->fall[which]);
}

static uint32_t gap_timeout(const channel_t *c)
{
	if (c->count < 2)
		return GAP_CEILING;
	uint32_t gap = c->max_interval * GAP_FACTOR;
	if (gap < GAP_FLOOR)
		return GAP_FLOOR;
	if (gap > GAP_CEILING)
		return GAP_CEILING;
	return gap;
}

static void poll_stuck(uint8_t channel, channel_t *c, uint32_t now)
{
	uint8_t stuck = 0;
	for (uint8_t which = 0; which < 2; which++)
		if ((c->low & (1 << which)) && since(now, c->fall[which]) > (int32_t)STUCK_LOW_TIME)
			stuck |= (uint8_t)(1 << which);
	/* The stuck mask is the fault code: 1 = D0, 2 = D1, 3 = both. */
	if (stuck && stuck != c->stuck_reported) {
		uint8_t data[PACKET_DATA_SIZE] = { stuck };
		emit_packet(PACKET_LINE_FAULT, channel, 0, data);
		c->stuck_reported = stuck;
	}
	if (!c->low)
		c->stuck_reported = 0;
}

static uint8_t pulse_in_progress(const channel_t *c, uint32_t now)
{
	for (uint8_t which = 0; which < 2; which++)
		if ((c->low & (1 << which)) && since(now, c->fall[which]) <= (int32_t)PULSE_MAX_WIDTH)
			return 1;
	return 0;
}

static void poll_frame_end(uint8_t channel, channel_t *c, uint32_t now)
{
	if (!c->count || pulse_in_progress(c, now))
		return;
	if (since(now, c->last_bit) <= (int32_t)gap_timeout(c))
		return;
	/* Longer than the contract's 88 bits: not a Wiegand frame, nothing trustworthy to send. */
	if (c->count <= MAX_FRAME_BITS)
		emit_packet(PACKET_FRAME, channel, c->count, c->bits);
	reset_frame(c);
}

void framer_poll(uint32_t now)
{
	for (uint8_t ch = 0; ch < CHANNEL_COUNT; ch++) {
		channel_t *c = &channels[ch];
		poll_stuck(ch, c, now);
		poll_frame_end(ch, c, now);
		expire_glitches(c, now);
	}
}
