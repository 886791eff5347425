import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from './load-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('configuration', () => {
  it('defaults to a two-door simulation on loopback with data in ./data', () => {
    const cfg = parseConfig({});
    expect(cfg.dataDir).toBe('./data');
    expect(cfg.api.host).toBe('127.0.0.1');
    expect(cfg.readers.map((r) => [r.id, r.door, r.capture.type])).toEqual([['door1', 1, 'sim'], ['door2', 2, 'sim']]);
    expect(cfg.doors.map((d) => [d.id, d.lockType, d.pulseMs])).toEqual([[1, 'fail-secure', 3000], [2, 'fail-secure', 3000]]);
  });

  it('names the bad key in the error', () => {
    expect(() => parseConfig({ readers: [{ id: 'a', door: 'one' }] })).toThrow(/readers\[0\]\.door/);
    expect(() => parseConfig({ readers: [{ id: 'a', door: 2 }], doors: [{ id: 1 }] })).toThrow(/readers\[0\]\.door: no door 2/);
    expect(() => parseConfig({ api: { prot: 1 } })).toThrow(/api: Unrecognized key/);
    expect(() => parseConfig({ timeZone: 'Mars/Base' })).toThrow(/timeZone: unknown IANA time zone/);
    expect(() => parseConfig({ readers: [{ id: 'a', door: 1, keypad: { mode: '5bit' } }] })).toThrow(ConfigError);
  });

  it('applies environment overrides for the data dir and listen address', () => {
    const cfg = parseConfig({ api: { port: 9000 } }, { DOORCTL_DATA_DIR: '/var/lib/x', DOORCTL_LISTEN: '0.0.0.0:8443' });
    expect(cfg.dataDir).toBe('/var/lib/x');
    expect([cfg.api.host, cfg.api.port]).toEqual(['0.0.0.0', 8443]);
    expect(parseConfig({}, { DOORCTL_LISTEN: '[::1]' }).api.host).toBe('::1');
  });

  it('reads YAML and JSON files and reports unreadable or malformed ones', () => {
    const y = join(dir, 'c.yaml');
    writeFileSync(y, 'timeZone: Europe/Berlin\nreaders:\n  - id: front\n    door: 1\n    capture: { type: serial, path: /dev/ttyUSB0, kind: wiegand-bridge }\n');
    const cfg = loadConfig(y, {});
    expect(cfg.timeZone).toBe('Europe/Berlin');
    expect(cfg.readers[0]!.capture).toEqual({ type: 'serial', path: '/dev/ttyUSB0', kind: 'wiegand-bridge', channel: 0 });
    const j = join(dir, 'c.json');
    writeFileSync(j, '{"representation": "hex"');
    expect(() => loadConfig(j, {})).toThrow(/not valid JSON/);
    expect(() => loadConfig(join(dir, 'missing.yaml'), {})).toThrow(/cannot read configuration/);
  });
});

describe('shipped example configuration', () => {
  it('validates', () => {
    const cfg = loadConfig(new URL('../../hardware/config.example.yaml', import.meta.url).pathname, {});
    expect(cfg.readers.map((r) => r.capture.type)).toEqual(['gpiomon', 'serial']);
    expect(cfg.doors[1]!.lockType).toBe('fail-safe');
  });

  it('asks for no more real-time priority than the systemd unit allows the service', () => {
    const cfg = loadConfig(new URL('../../hardware/config.example.yaml', import.meta.url).pathname, {});
    const unit = readFileSync(new URL('../../systemd/doorctl.service', import.meta.url), 'utf8');
    const limit = Number(/^LimitRTPRIO=(\d+)\s*$/m.exec(unit)?.[1]);
    expect(cfg.eventLoop.realtimePriority).toBeGreaterThan(0);
    expect(cfg.eventLoop.realtimePriority).toBeLessThanOrEqual(limit);
  });
});
