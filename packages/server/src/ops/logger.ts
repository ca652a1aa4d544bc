import { pino, type DestinationStream } from 'pino';

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

/**
 * Paths pino censors (`[redacted]`) wherever they appear in a log object, as a second
 * line of defence: the server itself never passes tokens or payloads to its logger, but
 * application code logging through `server.logger` might.
 */
export const REDACT_PATHS: readonly string[] = [
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'secret',
  '*.secret',
  'publishSecret',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  'headers["sec-websocket-protocol"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["sec-websocket-protocol"]',
];

const LOG_LEVELS: ReadonlySet<string> = new Set(['debug', 'info', 'warn', 'error']);

/** The level of the default logger: `SINYAL_LOG_LEVEL` when it names a level, else `warn`. */
export function envLogLevel(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const level = env.SINYAL_LOG_LEVEL?.trim().toLowerCase();
  return level !== undefined && LOG_LEVELS.has(level) ? (level as LogLevel) : 'warn';
}

/**
 * A pino logger as the server uses by default: JSON lines (`level` as a label, ISO
 * `time`) on stderr, at `level` and above, with {@link REDACT_PATHS} censored.
 * Pass `destination` (any `{ write(line) }`) to send the lines elsewhere.
 */
export function createPinoLogger(level: LogLevel = envLogLevel(), destination: DestinationStream = process.stderr): Logger {
  return pino(
    {
      level,
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    },
    destination,
  );
}

/** A logger that drops everything (`logger: null`). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
