/**
 * Loads the configuration file (JSON or YAML), applies environment overrides and validates it.
 * Errors name the offending key (`readers[0].door: ...`) so an installer can fix the file.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { configSchema, type Config } from './config-schema.ts';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function keyPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}

export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = {}): Config {
  const input = (raw ?? {}) as Record<string, unknown>;
  if (typeof input !== 'object' || Array.isArray(input)) throw new ConfigError('configuration must be an object');
  const merged: Record<string, unknown> = { ...input };
  if (env.DOORCTL_DATA_DIR) merged.dataDir = env.DOORCTL_DATA_DIR;
  if (env.DOORCTL_LISTEN) {
    const m = /^(.*?)(?::(\d+))?$/.exec(env.DOORCTL_LISTEN.trim())!;
    const api = { ...((input.api as object) ?? {}) } as Record<string, unknown>;
    if (m[1]) api.host = m[1].replace(/^\[(.*)\]$/, '$1');
    if (m[2]) api.port = Number(m[2]);
    merged.api = api;
  }
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${keyPath(i.path)}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return result.data;
}

/** Reads `file` (absent → defaults, i.e. simulation on a machine without GPIO). */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Config {
  if (!file) return parseConfig({}, env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read configuration ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`configuration ${file} is not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  return parseConfig(raw, env);
}
