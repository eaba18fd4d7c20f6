/**
 * Why a database could not be read, in a few kinds the client can act on (ask for a password,
 * offer "Configure Database", show the reason in the view) and one message a person can act
 * on. Every message names the database by its redacted URL, never with its password.
 */

export type DatabaseErrorKind =
  /** Nothing listens at the host and port (or socket). */
  | 'refused'
  /** Connecting or the query took longer than our short limits. */
  | 'timeout'
  /** The server rejected the credentials (SQLSTATE 28P01, 28000) or wanted a password we lack. */
  | 'authentication'
  /** The host name does not resolve. */
  | 'dns'
  /** TLS failed: the server has none, or its certificate was not accepted, or it requires TLS. */
  | 'ssl'
  /** The server has no database of that name (3D000). */
  | 'missing-database'
  /** The user may not read the version table (42501). */
  | 'permission-denied'
  /** The server went away while we were connected (shutdown, crash, network). */
  | 'connection-lost'
  /** The version table holds an id that no revision file declares. */
  | 'unknown-revision'
  /** The URL cannot be used: not PostgreSQL, an unknown driver, or not a URL. */
  | 'unsupported-url'
  | 'other';

export class DatabaseError extends Error {
  override name = 'DatabaseError';

  constructor(
    readonly kind: DatabaseErrorKind,
    /** The whole message, with the URL redacted. */
    message: string,
    readonly details: {
      /** The database as shown to people: the URL without its password. */
      display?: string;
      /** PostgreSQL's SQLSTATE, when the server sent one. */
      sqlstate?: string;
      /**
       * True when the server asked for a password and rejected (or got none): the client then
       * asks for one and keeps it in SecretStorage.
       */
      needsPassword?: boolean;
      /** For `unknown-revision`: the ids no file knows. */
      unknownRevisions?: string[];
    } = {},
  ) {
    super(message);
  }

  get needsPassword(): boolean {
    return this.details.needsPassword === true;
  }
}

interface PgLikeError {
  code?: unknown;
  message?: unknown;
  errno?: unknown;
  hostname?: unknown;
}

/** Replaces every occurrence of each secret (and its URL-encoded form) with `***`. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret === undefined || secret.length < 2) continue;
    // Longest first: the password as it is may be a part of an encoded form (`a%` of `a%25`).
    for (const form of [...quotedForms(secret)].sort((a, b) => b.length - a.length)) out = out.split(form).join('***');
  }
  // Any URL with credentials that slipped through (a URL we were not told about) loses its password too.
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s]*@/gi, '$1:***@');
}

/**
 * The ways a password appears in text: as it is; percent-encoded as JavaScript and Python's
 * `urllib.parse.quote(safe="")` do; and as SQLAlchemy writes it into a URL it renders, which
 * escapes only `:`, `@` and `/`.
 */
function quotedForms(secret: string): Set<string> {
  const uri = encodeURIComponent(secret);
  return new Set([
    secret,
    uri,
    uri.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    secret.replace(/[:@/]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  ]);
}

/**
 * Turns what `pg` or the network threw into a DatabaseError. `display` is the redacted URL;
 * `secrets` are removed from any text taken from the error, in case a server echoes one;
 * `hadPassword` tells a rejected password from a missing one.
 */
export function classifyPgError(error: unknown, display: string, secrets: readonly (string | undefined)[] = [], hadPassword = false): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as PgLikeError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const raw = typeof e.message === 'string' ? e.message : String(error);
  const text = redactSecrets(raw, secrets);
  const at = `the database at ${display}`;
  const make = (kind: DatabaseErrorKind, message: string, extra: Partial<DatabaseError['details']> = {}): DatabaseError =>
    new DatabaseError(kind, message, { display, ...(code && /^[0-9A-Z]{5}$/.test(code) ? { sqlstate: code } : {}), ...extra });

  switch (code) {
    case '28P01':
      return hadPassword
        ? make('authentication', `The password for ${at} was rejected (${text}).`, { needsPassword: true })
        : make('authentication', `The server of ${display} asks for a password, and none is set (${text}).`, { needsPassword: true });
    case '28000':
      if (/no encryption/i.test(raw)) return make('ssl', `The server at ${display} accepts only TLS connections here (${text}); add sslmode=require to the URL.`);
      return make('authentication', `The server refused the login to ${at}: ${text}.`);
    case '3D000':
      return make('missing-database', `${text[0]?.toUpperCase() ?? ''}${text.slice(1)} on the server of ${display}; create it or fix the database name in the URL.`);
    case '42501':
      return make('permission-denied', `The user of ${display} may not read the version table: ${text}. Grant it SELECT on the table.`);
    case '57014':
      return make('timeout', `Reading ${at} took too long and was cancelled (${text}).`);
    case '57P01':
    case '57P02':
    case '57P03':
    case '08006':
    case '08003':
    case '08001':
      return make('connection-lost', `The server of ${display} closed the connection: ${text}.`);
    case 'ECONNREFUSED':
      return make('refused', `Nothing accepts connections for ${at} (connection refused). Is PostgreSQL running there?`);
    case 'ENOENT':
      return make('refused', `There is no PostgreSQL socket for ${at} (${text}). Is PostgreSQL running there?`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return make('dns', `The host name of ${display} does not resolve (${code}).`);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return make('timeout', `${at[0]!.toUpperCase()}${at.slice(1)} cannot be reached (${code}).`);
    case 'ECONNRESET':
    case 'EPIPE':
      return make('connection-lost', `The connection to ${at} was reset.`);
    default:
      break;
  }
  if (code !== undefined && /^(ERR_TLS|ERR_SSL|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO|CERT_)/.test(code)) {
    return make('ssl', `The TLS certificate of ${display} was not accepted (${code}: ${text}).`);
  }
  if (/does not support SSL/i.test(raw)) return make('ssl', `The server of ${display} does not support TLS, but the URL requires it (sslmode).`);
  if (/timeout|timed out/i.test(raw)) return make('timeout', `Connecting to ${at} timed out.`);
  if (/password must be a string|no password|password authentication/i.test(raw)) {
    return make('authentication', `The server of ${display} asks for a password, and none is set.`, { needsPassword: true });
  }
  if (/terminated unexpectedly|Connection terminated|connection.*closed|Client has encountered a connection error/i.test(raw)) {
    return make('connection-lost', `The connection to ${at} was lost: ${text}.`);
  }
  return make('other', `Reading ${at} failed: ${text}`);
}
