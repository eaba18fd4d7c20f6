import type { EnvironmentInfo } from '../../server/src/protocol';

/** Identifies one environment (a config file and its ini section) in maps and stored state. */
export function envKey(env: { configFile: string; section: string }): string {
  return `${env.configFile}#${env.section}`;
}

/** Whether the command arguments name this environment. */
export function sameEnv(a: { configFile: string; section: string }, b: { configFile: string; section: string }): boolean {
  return envKey(a) === envKey(b);
}

export type { EnvironmentInfo };
