/**
 * Structured logger the server writes to; pino, bunyan and winston child loggers fit.
 * The server never passes tokens or event/command payloads to it.
 */
export interface Logger {
  debug?(obj: Record<string, unknown>, msg?: string): void;
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

/** Lowest level a {@link createJsonLogger} logger writes. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function serializable(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    out[key] = value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
  }
  return out;
}

/**
 * A logger that writes one JSON object per line to stderr, dropping entries below `level`.
 * The server's default is `createJsonLogger('warn')`.
 */
export function createJsonLogger(level: LogLevel = 'warn', write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const min = LEVELS[level];
  const log = (lvl: LogLevel) => (obj: Record<string, unknown>, msg?: string) => {
    if (LEVELS[lvl] < min) return;
    write(`${JSON.stringify({ level: lvl, time: new Date().toISOString(), ...(msg === undefined ? {} : { msg }), ...serializable(obj) })}\n`);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** A logger that drops everything (`logger: null`). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
