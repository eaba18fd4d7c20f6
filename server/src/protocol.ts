/**
 * Alembic Pilot's own LSP messages. Each is a namespace with its method name and its types, as
 * vscode-eslint does, so that the client and the server share one definition.
 */

export interface GraphRevision {
  id: string;
  /** Absolute path of the revision file. */
  file: string;
  downRevisions: string[];
  dependsOn: string[];
  /** Labels after Alembic's propagation along the branch. */
  branchLabels: string[];
  message: string;
  isHead: boolean;
  isBranchPoint: boolean;
  isMergePoint: boolean;
}

export interface GraphEnvironment {
  /** The alembic.ini or pyproject.toml that defines the environment. */
  configFile: string;
  section: string;
  heads: string[];
  bases: string[];
  /** Newest first, in `alembic history` order. */
  revisions: GraphRevision[];
  problemCount: number;
}

/** Sent by the client to draw the revision tree; the server owns the model and answers from it. */
export namespace GraphRequest {
  export const method = 'alembicPilot/graph';
  export interface Params {
    /** Restrict the answer to the environment of this config file. */
    configFile?: string;
  }
  export interface Result {
    environments: GraphEnvironment[];
  }
}

/** Sent by the server whenever the model of an environment changes, so the client can refresh. */
export namespace GraphChangedNotification {
  export const method = 'alembicPilot/graphChanged';
  export interface Params {
    configFile: string;
  }
}

/**
 * The commands a client can run for the server's CodeLenses: upgrade or downgrade the database
 * of an environment to a revision. Each takes `[revision, configFile]`.
 */
export namespace RevisionCommands {
  export const upgradeTo = 'alembicPilot.upgradeTo';
  export const downgradeTo = 'alembicPilot.downgradeTo';
  export type Arguments = [revision: string, configFile: string];
}

/**
 * Sent by the client in `initialize`, as `capabilities.experimental.alembicPilot`: which of
 * {@link RevisionCommands} it can run. The server shows a CodeLens only for a declared
 * command, so a client without them never shows a lens that does nothing.
 */
export namespace ClientCapabilities {
  export const key = 'alembicPilot';
  export interface Value {
    commands?: string[];
  }

  /** The declared commands, from the untyped `experimental` capabilities. */
  export function commands(experimental: unknown): Set<string> {
    if (typeof experimental !== 'object' || experimental === null) return new Set();
    const ours: unknown = (experimental as Record<string, unknown>)[key];
    if (typeof ours !== 'object' || ours === null) return new Set();
    const list: unknown = (ours as Record<string, unknown>)['commands'];
    return new Set(Array.isArray(list) ? list.filter((c): c is string => typeof c === 'string') : []);
  }
}

/**
 * "Accept Existing Migrations": a `workspace/executeCommand` the server advertises, so the
 * client's command palette runs it without code of its own. It records each environment's
 * current heads as `lock-rules-start-after` (or only the environment of `configFile`).
 */
export namespace AcceptExistingCommand {
  export const command = 'alembicPilot.acceptExistingMigrations';
  export type Arguments = [configFile?: string];
  export interface Result {
    accepted: { configFile: string; pyproject: string; heads: string[] }[];
    /** One message per environment that could not be written. */
    failed: string[];
  }
}
