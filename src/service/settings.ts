/**
 * Wiegand settings behind POST /access/general/wiegand/type: the representation mode (how
 * identifier numbers are written on the API) and each reader's accepted formats.
 *
 * Changing the mode never rewrites stored numbers: storage keeps the integer, only its text form
 * follows the mode (44 entered in hex mode is 68 and stays 68, shown as `44` in hex mode and `68`
 * in decimal mode). The mode is read on every number parse, so it is kept in memory.
 */
import type { RepresentationMode } from '../wiegand/credential-number.ts';
import { FORMATS, RAW_FORMAT_NAME, findFormat } from '../wiegand/format/formats.ts';
import type { Db } from '../storage/database.ts';
import type { SettingsRepository } from '../storage/settings.ts';
import { InvalidInputError } from './invalid-input.ts';

export const REPRESENTATION_MODES = ['decimal', 'hex'] as const satisfies readonly RepresentationMode[];

export interface ReaderFormats {
  readonly id: string;
  readonly formats: readonly string[];
}

export interface WiegandSettings {
  readonly representation: RepresentationMode;
  readonly readers: readonly ReaderFormats[];
}

export interface WiegandSettingsChange {
  readonly representation?: RepresentationMode;
  readonly readers?: readonly ReaderFormats[];
}

export interface SettingsServiceDeps {
  readonly db: Db;
  readonly settings: SettingsRepository;
  /** From the configuration: used until a value has been stored through the API. */
  readonly defaults: WiegandSettings;
  /** Told after a change is stored (the daemon re-applies reader formats). */
  readonly onChange?: (s: WiegandSettings) => void;
}

const KEY_MODE = 'wiegand.representation';
const KEY_FORMATS = 'wiegand.reader_formats';

/** Every name a reader's format list may hold. */
export const FORMAT_NAMES: readonly string[] = [...FORMATS.map((f) => f.name), RAW_FORMAT_NAME];

function isMode(v: unknown): v is RepresentationMode {
  return v === 'decimal' || v === 'hex';
}

export type SettingsService = ReturnType<typeof createSettingsService>;

export function createSettingsService(deps: SettingsServiceDeps) {
  const { settings, defaults } = deps;
  const storedMode = settings.get(KEY_MODE);
  let mode: RepresentationMode = isMode(storedMode) ? storedMode : defaults.representation;

  function readers(): ReaderFormats[] {
    const stored = settings.get(KEY_FORMATS);
    const overrides = stored !== null && typeof stored === 'object' ? (stored as Record<string, unknown>) : {};
    return defaults.readers.map((r) => {
      const f = overrides[r.id];
      return { id: r.id, formats: Array.isArray(f) && f.every((x) => typeof x === 'string') ? f : r.formats };
    });
  }

  function current(): WiegandSettings {
    return { representation: mode, readers: readers() };
  }

  return {
    mode: (): RepresentationMode => mode,
    get: current,
    /** Checks everything first (InvalidInputError names the field), then stores it all. */
    update(change: WiegandSettingsChange): WiegandSettings {
      const known = new Set(defaults.readers.map((r) => r.id));
      change.readers?.forEach((r, i) => {
        if (!known.has(r.id)) throw new InvalidInputError('body', ['readers', i, 'id'], `no reader '${r.id}'`);
        r.formats.forEach((name, j) => {
          if (name !== RAW_FORMAT_NAME && !findFormat(name)) {
            throw new InvalidInputError('body', ['readers', i, 'formats', j], `unknown format '${name}'`);
          }
        });
      });
      deps.db.withTransaction(() => {
        if (change.representation !== undefined) settings.set(KEY_MODE, change.representation);
        if (change.readers !== undefined) {
          const stored = settings.get(KEY_FORMATS);
          const merged = { ...(stored !== null && typeof stored === 'object' ? stored : {}) } as Record<string, readonly string[]>;
          for (const r of change.readers) merged[r.id] = r.formats;
          settings.set(KEY_FORMATS, merged);
        }
      });
      if (change.representation !== undefined) mode = change.representation;
      const result = current();
      deps.onChange?.(result);
      return result;
    },
  };
}
