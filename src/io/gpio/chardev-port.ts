/**
 * GPIO through the kernel character device (/dev/gpiochipN) using the libgpiod command-line tools,
 * for kernels without sysfs GPIO (Raspberry Pi OS Trixie) or when sysfs numbering is a nuisance.
 *
 * Outputs: one `gpioset` process per line holds the line at a level until it is signalled
 * (libgpiod 1.6 needs `--mode=signal`; 2.x holds by default and takes the chip with `-c`).
 * Changing the level means stopping that process and starting a new one, so for a few
 * milliseconds between the two the line is released.
 *
 * What happens to an output when its holder (or the daemon) dies: the kernel releases the line and
 * it reverts to its default, which on a Pi is an input with the SoC's pull resistor. It is NOT held
 * at the last level. The relay wiring therefore has to make "line released" mean "safe state":
 * common active-low relay modules have a pull-up on IN, so a floating line leaves the coil off;
 * for active-high modules fit a pull-down. With the coil off meaning "locked" (fail-secure strike
 * on the NO contact, maglock on the NC contact) a crash, a kill or the release gap above all leave
 * the door locked. See hardware/WIRING.md and src/io/relay.ts.
 *
 * Inputs: one `gpiomon` process per line prints each edge; levels go through the same software
 * debouncer as the other backends. The starting level comes from `gpioget`.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Clock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { GpioResolveError, selectHeaderChip, type GpioChipInfo } from './chip-resolver.ts';
import { Debouncer } from './debouncer.ts';
import {
  edgeWanted,
  type GpioPort,
  type GpioPortCommonOptions,
  type InputChangeHandler,
  type InputLine,
  type InputOptions,
  type InputPull,
  type Level,
  type OutputLine,
} from './gpio-port.ts';
import { parseLibgpiodVersion } from './libgpiod-version.ts';
import { SupervisedChild, type CommandLine } from './supervised-child.ts';

export type LibgpiodMajor = 1 | 2;

export interface GpiodTools {
  readonly gpioset: string;
  readonly gpiomon: string;
  readonly gpioget: string;
  readonly gpiodetect: string;
  /** Forces line-buffered stdout on gpiomon 2.x, which has no option for it. */
  readonly stdbuf: string;
}

export const DEFAULT_GPIOD_TOOLS: GpiodTools = {
  gpioset: 'gpioset',
  gpiomon: 'gpiomon',
  gpioget: 'gpioget',
  gpiodetect: 'gpiodetect',
  stdbuf: 'stdbuf',
};

export interface ChardevGpioPortOptions extends GpioPortCommonOptions {
  readonly clock: Clock;
  /** Paths of the libgpiod tools (tests point these at fake scripts). */
  readonly tools?: Partial<GpiodTools>;
  /** Chip name such as "gpiochip0"; default: found with gpiodetect by its pinctrl label. */
  readonly chip?: string;
  /** Skip `gpioset --version` detection. */
  readonly libgpiodMajor?: LibgpiodMajor;
  /** Unexpected helper exits tolerated per line before giving up (default 3). */
  readonly maxRestarts?: number;
}

/** Bias option spelling differs between libgpiod 1.6 and 2.x. */
const BIAS_NAMES: Record<LibgpiodMajor, Record<InputPull, string>> = {
  1: { up: 'pull-up', down: 'pull-down', none: 'disable' },
  2: { up: 'pull-up', down: 'pull-down', none: 'disabled' },
};

/** Parses `gpiodetect` lines such as "gpiochip0 [pinctrl-bcm2711] (58 lines)" (same in 1.6 and 2.x). */
export function parseGpiodetect(text: string): GpioChipInfo[] {
  const chips: GpioChipInfo[] = [];
  for (const line of text.split('\n')) {
    const m = /^(gpiochip\d+)\s+\[([^\]]*)\]\s+\((\d+) lines?\)/.exec(line.trim());
    if (m !== null) chips.push({ name: m[1]!, label: m[2]!, ngpio: Number(m[3]), base: 0 });
  }
  return chips;
}

/** Parses one gpiomon line in our formats ("17 1" on 1.6, "17 rising" on 2.x). */
export function parseGpiomonLine(line: string): { offset: number; level: Level } | undefined {
  const m = /^\s*(\d+)\s+(rising|falling|0|1)\b/.exec(line);
  if (m === null) return undefined;
  return { offset: Number(m[1]), level: m[2] === 'rising' || m[2] === '1' ? 1 : 0 };
}

export function gpiosetCommand(tools: GpiodTools, major: LibgpiodMajor, chip: string, offset: number, level: Level): CommandLine {
  const assignment = `${offset}=${level}`;
  return major === 1
    ? { command: tools.gpioset, args: ['--mode=signal', chip, assignment] }
    : { command: tools.gpioset, args: ['-c', chip, assignment] };
}

export function gpiomonCommand(tools: GpiodTools, major: LibgpiodMajor, chip: string, offset: number, pull?: InputPull): CommandLine {
  if (major === 1) {
    const bias = pull === undefined ? [] : [`--bias=${BIAS_NAMES[1][pull]}`];
    return { command: tools.gpiomon, args: ['--line-buffered', '--format=%o %e', ...bias, chip, String(offset)] };
  }
  const bias = pull === undefined ? [] : ['-b', BIAS_NAMES[2][pull]];
  return {
    command: tools.stdbuf,
    args: ['-oL', tools.gpiomon, '-c', chip, '-e', 'both', '-F', '%o %E', ...bias, String(offset)],
  };
}

export function gpiogetCommand(tools: GpiodTools, major: LibgpiodMajor, chip: string, offset: number, pull?: InputPull): CommandLine {
  if (major === 1) {
    const bias = pull === undefined ? [] : [`--bias=${BIAS_NAMES[1][pull]}`];
    return { command: tools.gpioget, args: [...bias, chip, String(offset)] };
  }
  const bias = pull === undefined ? [] : ['-b', BIAS_NAMES[2][pull]];
  return { command: tools.gpioget, args: ['--numeric', ...bias, '-c', chip, String(offset)] };
}

const SYNC_TIMEOUT_MS = 5000;

function runSync(cmd: CommandLine): string {
  return execFileSync(cmd.command, [...cmd.args], { encoding: 'utf8', timeout: SYNC_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
}

export class ChardevGpioPort implements GpioPort {
  readonly backend = 'chardev' as const;
  readonly major: LibgpiodMajor;
  readonly chip: string;
  private readonly tools: GpiodTools;
  private readonly children: SupervisedChild[] = [];
  private readonly debouncers: Debouncer[] = [];
  private errorCount = 0;

  /** Runs `gpioset --version` and `gpiodetect` synchronously (start-up only); throws if unusable. */
  constructor(private readonly opts: ChardevGpioPortOptions) {
    this.tools = { ...DEFAULT_GPIOD_TOOLS, ...opts.tools };
    this.major = opts.libgpiodMajor ?? this.detectMajor();
    this.chip = opts.chip ?? this.detectChip();
  }

  output(pin: number, initial: Level): OutputLine {
    let desired: Level = initial;
    const holder = this.supervise(`gpioset ${this.chip} ${pin}`, () => gpiosetCommand(this.tools, this.major, this.chip, pin, desired));
    return {
      pin,
      write: (level) => {
        if (level === desired && holder.running()) return;
        desired = level;
        holder.respawn();
      },
      read: () => desired,
    };
  }

  input(pin: number, opts: InputOptions, onChange: InputChangeHandler): InputLine {
    const debouncer = new Debouncer(this.opts.clock, opts.debounceMs, this.readInitial(pin, opts.pull), (level) => {
      if (edgeWanted(opts.edge, level)) onChange(level);
    });
    this.debouncers.push(debouncer);
    this.supervise(
      `gpiomon ${this.chip} ${pin}`,
      () => gpiomonCommand(this.tools, this.major, this.chip, pin, opts.pull),
      (child) => {
        if (child.stdout === null) return;
        createInterface({ input: child.stdout }).on('line', (line) => {
          const ev = parseGpiomonLine(line);
          if (ev === undefined || ev.offset !== pin) {
            this.fail(undefined, pin, `unparsed gpiomon output: ${line.slice(0, 80)}`);
            return;
          }
          debouncer.sample(ev.level);
        });
      },
    );
    return { pin, read: () => debouncer.level() };
  }

  errors(): number {
    return this.errorCount;
  }

  async close(): Promise<void> {
    for (const d of this.debouncers.splice(0)) d.dispose();
    await Promise.all(this.children.splice(0).map((c) => c.stop()));
  }

  private supervise(name: string, commandLine: () => CommandLine, onSpawn?: (child: ChildProcess) => void): SupervisedChild {
    const child = new SupervisedChild({
      name,
      logger: this.logger(),
      maxRestarts: this.opts.maxRestarts ?? 3,
      commandLine,
      onSpawn,
      onFailure: () => this.errorCount++,
    });
    this.children.push(child);
    return child;
  }

  private readInitial(pin: number, pull: InputPull | undefined): Level {
    try {
      return runSync(gpiogetCommand(this.tools, this.major, this.chip, pin, pull)).trim().endsWith('1') ? 1 : 0;
    } catch (err) {
      this.fail(err, pin, 'gpioget failed; assuming level 0 until the first edge');
      return 0;
    }
  }

  private detectChip(): string {
    const chips = parseGpiodetect(runSync({ command: this.tools.gpiodetect, args: [] }));
    if (chips.length === 0) {
      throw new GpioResolveError(
        'NO_CHIPS',
        'gpiodetect lists no GPIO chips: check that /dev/gpiochip* exists and the service user is in the gpio group',
      );
    }
    return selectHeaderChip(chips).name;
  }

  private detectMajor(): LibgpiodMajor {
    const text = runSync({ command: this.tools.gpioset, args: ['--version'] });
    const major = parseLibgpiodVersion(text)?.major;
    if (major === undefined) throw new Error(`unsupported libgpiod version: ${text.split('\n')[0]}`);
    return major;
  }

  private fail(err: unknown, pin: number, msg: string): void {
    this.errorCount++;
    this.logger().error({ err, bcmPin: pin }, `chardev: ${msg}`);
  }

  private logger() {
    return this.opts.logger ?? silentLogger;
  }
}
