import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * User settings for a test workbench: no welcome page, no chat, no update or telemetry traffic,
 * and dialogs drawn by the workbench (not the OS), so that screenshots show them and the
 * flows can press their buttons in every host.
 */
export const USER_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'window.dialogStyle': 'custom',
  'window.commandCenter': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'editor.minimap.enabled': false,
  'files.autoSave': 'off',
  'security.workspace.trust.untrustedFiles': 'open',
  // The extension host would otherwise poll for listening ports with `sh -c ps ...` every few
  // seconds: load on a small machine, and processes the untrusted flow would have to tell apart.
  'remote.autoForwardPorts': false,
};

export function writeUserSettings(userDataDir: string, extra: Record<string, unknown> = {}): void {
  const dir = path.join(userDataDir, 'User');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({ ...USER_SETTINGS, ...extra }, null, 2));
}
