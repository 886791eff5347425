/**
 * `doorctl run [--config FILE]`: the daemon. Without a configuration file (and DOORCTL_CONFIG unset)
 * it starts with the defaults, which on a machine without GPIO means simulation.
 * SIGTERM/SIGINT: relays to safe state, then an orderly stop. An uncaught error: relays to safe
 * state first, then exit non-zero so systemd restarts the service.
 */
import { ConfigError, loadConfig } from '../../config/load-config.ts';
import { createLogger } from '../../core/logger.ts';
import { startDaemon, type Daemon } from '../../daemon/start-daemon.ts';
import type { Command } from '../main.ts';

export const run: Command = async (args, io) => {
  let configFile = process.env.DOORCTL_CONFIG || undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--config' && args[i + 1]) configFile = args[++i];
    else if (args[i]?.startsWith('--config=')) configFile = args[i]!.slice('--config='.length);
    else {
      io.stderr.write(`doorctl run: unknown option '${args[i]}'\nusage: doorctl run [--config FILE]\n`);
      return 2;
    }
  }
  const logger = createLogger();
  let config;
  try {
    config = loadConfig(configFile);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`doorctl: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  let daemon: Daemon | null = null;
  const fatal = (err: unknown) => {
    try {
      daemon?.doors.safeState();
    } finally {
      logger.fatal({ err }, 'fatal error: relays in safe state, exiting');
      process.exit(1);
    }
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);

  try {
    daemon = await startDaemon({ config, logger });
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'controller failed to start');
    return 1;
  }
  logger.info({ gpio: daemon.gpioBackend, simSocket: daemon.simSocketPath }, 'controller running');

  return new Promise<number>((resolveExit) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'stopping');
      daemon!.stop().then(
        () => resolveExit(0),
        (err: unknown) => {
          logger.error({ err }, 'stop failed');
          resolveExit(1);
        },
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
};
