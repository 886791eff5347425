/**
 * Fake libgpiod command-line tools as real shell scripts in a temp dir. They run as real child
 * processes and keep their "hardware" in files:
 *   out-<offset>     "<level> <pid>" while a gpioset holds the line, "released" after SIGTERM/SIGINT
 *   events-<offset>  lines the fake gpiomon streams out (append to simulate edges)
 *   level-<offset>   what gpioget reports
 *   calls.log        one line per invocation: tool name and argv
 *   gpioset-fail     if present, gpioset exits 1 at once (line busy)
 */
import { appendFileSync, chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GpiodTools } from './chardev-port.ts';

export interface FakeGpiod {
  readonly dir: string;
  readonly tools: Partial<GpiodTools>;
  outState(offset: number): { level: number; pid: number } | 'released' | undefined;
  emit(offset: number, line: string): void;
  setInputLevel(offset: number, level: 0 | 1): void;
  calls(tool?: string): string[][];
  remove(): void;
}

const DETECT_PI5 = [
  'gpiochip0 [gpio-brcmstb@107d508500] (32 lines)',
  'gpiochip1 [gpio-brcmstb@107d508520] (4 lines)',
  'gpiochip4 [pinctrl-rp1] (54 lines)',
].join('\n');

export function makeFakeGpiod(version: 'v1.6.3' | 'v2.1.2', detect = DETECT_PI5): FakeGpiod {
  const dir = mkdtempSync(join(tmpdir(), 'doorctl-gpiod-'));
  const script = (name: string, body: string) => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/bash\nD='${dir}'\necho "${name} $*" >> "$D/calls.log"\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };
  const tools: Partial<GpiodTools> = {
    gpioset: script(
      'gpioset',
      `if [ "$1" = "--version" ]; then echo "gpioset (libgpiod) ${version}"; exit 0; fi
[ -e "$D/gpioset-fail" ] && { echo "gpioset: unable to request lines: Device or resource busy" >&2; exit 1; }
assign="\${@: -1}"; off="\${assign%%=*}"; val="\${assign#*=}"
trap 'echo released > "$D/out-$off"; exit 0' TERM INT
echo "$val $$" > "$D/out-$off.tmp" && mv "$D/out-$off.tmp" "$D/out-$off"
while :; do sleep 0.05; done`,
    ),
    gpiomon: script(
      'gpiomon',
      `off="\${@: -1}"; touch "$D/events-$off"
exec tail -s 0.05 -n +1 -f "$D/events-$off"`,
    ),
    gpioget: script('gpioget', `off="\${@: -1}"; cat "$D/level-$off" 2>/dev/null || echo 0`),
    gpiodetect: script('gpiodetect', `cat <<'X'\n${detect}\nX`),
  };
  return {
    dir,
    tools,
    outState(offset) {
      const f = join(dir, `out-${offset}`);
      if (!existsSync(f)) return undefined;
      const text = readFileSync(f, 'utf8').trim();
      if (text === 'released') return 'released';
      const [level, pid] = text.split(' ').map(Number);
      return { level: level ?? -1, pid: pid ?? -1 };
    },
    emit(offset, line) {
      appendFileSync(join(dir, `events-${offset}`), `${line}\n`);
    },
    setInputLevel(offset, level) {
      writeFileSync(join(dir, `level-${offset}`), `${level}\n`);
    },
    calls(tool) {
      const f = join(dir, 'calls.log');
      if (!existsSync(f)) return [];
      return readFileSync(f, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' '))
        .filter((c) => tool === undefined || c[0] === tool);
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | false, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
