import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AcceptExistingCommand } from '../../../server/src/protocol';

/**
 * package.json's contributions held to the client's code and to the project's conventions:
 * every command registered in the command table is contributed (and the reverse), menus name
 * only contributed commands, item-only commands stay out of the palette, anything that runs
 * Alembic is hidden in Restricted Mode, and the settings that choose what runs are restricted.
 */

const repo = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
  activationEvents: string[];
  capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } };
  contributes: {
    commands: { command: string; title: string; category: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    views: Record<string, { id: string; when?: string }[]>;
    configuration: { properties: Record<string, { scope?: string }> };
  };
};
const table = readFileSync(path.join(repo, 'client/src/commands/index.ts'), 'utf8');
const registered = [...table.matchAll(/^ {2}'(alembicPilot\.\w+)': \{ title: '[^']+', run: \w+, server: (?:true|false), trusted: (true|false) \}/gm)].map((m) => ({ id: m[1]!, trusted: m[2] === 'true' }));
const contributed = manifest.contributes.commands.map((c) => c.command);
/**
 * Commands the language server executes (`executeCommandProvider`): vscode-languageclient
 * registers them, so the manifest contributes them without a client command table entry.
 */
const serverCommands = [AcceptExistingCommand.command];
const itemOnly = ['alembicPilot.upgradeTo', 'alembicPilot.downgradeTo', 'alembicPilot.stamp', 'alembicPilot.showSql', 'alembicPilot.copyRevisionId', 'alembicPilot.openFile', 'alembicPilot.loadMore'];

describe('package.json contributions', () => {
  it('contributes exactly the commands the client registers, each as alembicPilot.<verb> in category Alembic', () => {
    expect(registered.length).toBeGreaterThan(10);
    expect([...contributed].sort()).toEqual([...registered.map((r) => r.id), ...serverCommands].sort());
    for (const c of manifest.contributes.commands) {
      expect(c.command).toMatch(/^alembicPilot\.[a-z][A-Za-z]+$/);
      expect(c.category).toBe('Alembic');
    }
  });

  it('hides item-only commands from the palette and shows the rest only in a project', () => {
    const palette = new Map(manifest.contributes.menus['commandPalette']!.map((m) => [m.command, m.when]));
    for (const id of contributed) {
      expect(palette.has(id), id).toBe(true);
      if (itemOnly.includes(id)) expect(palette.get(id), id).toBe('false');
      else expect(palette.get(id), id).toMatch(/^alembicPilot\.inProject\b/);
    }
  });

  it('names only contributed commands in menus, scoped to the Revisions view', () => {
    for (const [menu, items] of Object.entries(manifest.contributes.menus)) {
      for (const item of items) {
        expect(contributed, `${menu}: ${item.command}`).toContain(item.command);
        if (menu.startsWith('view/')) expect(item.when).toMatch(/^view == alembicPilot\.revisions\b/);
        if (menu === 'view/item/context') expect(item.when).toMatch(/viewItem =~/);
      }
    }
  });

  it('offers nothing that runs Alembic or connects to a database in Restricted Mode', () => {
    const trustedOnly = new Set(registered.filter((r) => r.trusted).map((r) => r.id));
    expect(trustedOnly).toContain('alembicPilot.upgradeHeads');
    expect(trustedOnly).toContain('alembicPilot.showSql');
    for (const items of Object.values(manifest.contributes.menus)) {
      for (const item of items) {
        if (trustedOnly.has(item.command) && item.when !== 'false') expect(item.when, item.command).toContain('isWorkspaceTrusted');
      }
    }
    expect(manifest.capabilities.untrustedWorkspaces.supported).toBe('limited');
    expect(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.sort()).toEqual(['alembicPilot.alembicCommand', 'alembicPilot.cwd', 'alembicPilot.databases']);
  });

  it('shows the view only in a project and keeps per-project settings resource-scoped', () => {
    expect(manifest.contributes.views['alembicPilot']).toEqual([expect.objectContaining({ id: 'alembicPilot.revisions', when: 'alembicPilot.inProject' })]);
    for (const key of ['databases', 'alembicCommand', 'cwd', 'versionTable']) {
      expect(manifest.contributes.configuration.properties[`alembicPilot.${key}`]?.scope, key).toBe('resource');
    }
    // A Python file opened at start-up activates at once, without waiting for VS Code's search of
    // the workspace for the workspaceContains events (seconds on a large one); outside a project
    // the server finds no environment and stays idle.
    expect(manifest.activationEvents).toEqual(['workspaceContains:**/alembic.ini', 'workspaceContains:**/pyproject.toml', 'onLanguage:python']);
  });
});
