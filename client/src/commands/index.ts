import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { configureDatabase, selectDatabase } from './database';
import { downgradeBase, downgradeOne, downgradeTo, stamp, upgradeHeads, upgradeTo } from './migrate';
import { mergeHeads, newRevision } from './newRevision';
import { showSql } from './showSql';
import { copyRevisionId, loadMore, openFile, refresh, showOutput } from './view';

/**
 * Every command, in one table (after rust-analyzer): its title for error messages, what it
 * does, and whether it needs the language server or runs Alembic. While the server is down a
 * command that needs it says so instead of failing somewhere inside; in Restricted Mode a
 * command that runs Alembic or connects to a database refuses (the menus hide them too).
 */

type Handler = (ctx: Ctx, ...args: unknown[]) => unknown;

interface Command {
  title: string;
  run: Handler;
  /** Needs the language server's model. */
  server: boolean;
  /** Runs Alembic or connects to a database: only in a trusted workspace. */
  trusted: boolean;
}

const TABLE: Record<string, Command> = {
  'alembicPilot.showOutput': { title: 'Show Output', run: showOutput, server: false, trusted: false },
  'alembicPilot.refresh': { title: 'Refresh', run: refresh, server: true, trusted: false },
  'alembicPilot.loadMore': { title: 'Load More', run: loadMore, server: true, trusted: false },
  'alembicPilot.openFile': { title: 'Open File', run: openFile, server: true, trusted: false },
  'alembicPilot.copyRevisionId': { title: 'Copy Revision Id', run: copyRevisionId, server: true, trusted: false },
  'alembicPilot.newRevision': { title: 'New Revision', run: newRevision, server: true, trusted: false },
  'alembicPilot.mergeHeads': { title: 'Merge Heads', run: mergeHeads, server: true, trusted: false },
  'alembicPilot.upgradeHeads': { title: 'Upgrade to Head(s)', run: upgradeHeads, server: true, trusted: true },
  'alembicPilot.downgradeOne': { title: 'Downgrade One Step', run: downgradeOne, server: true, trusted: true },
  'alembicPilot.downgradeBase': { title: 'Downgrade to Base', run: downgradeBase, server: true, trusted: true },
  'alembicPilot.upgradeTo': { title: 'Upgrade to Here', run: upgradeTo, server: true, trusted: true },
  'alembicPilot.downgradeTo': { title: 'Downgrade to Here', run: downgradeTo, server: true, trusted: true },
  'alembicPilot.stamp': { title: 'Stamp Here', run: stamp, server: true, trusted: true },
  'alembicPilot.showSql': { title: 'Show SQL', run: showSql, server: true, trusted: true },
  'alembicPilot.configureDatabase': { title: 'Configure Database', run: configureDatabase, server: true, trusted: true },
  'alembicPilot.selectDatabase': { title: 'Select Database', run: selectDatabase, server: true, trusted: true },
};

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  return Object.entries(TABLE).map(([id, command]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      if (command.trusted && !ctx.trusted) {
        void vscode.window.showWarningMessage(`${command.title} runs Alembic or connects to a database, which Alembic Pilot does only in a trusted workspace.`);
        return;
      }
      if (command.server && !ctx.api) {
        void vscode.window.showWarningMessage(`${command.title}: the Alembic Pilot language server is not running.`, 'Show Output').then((c) => c && ctx.output.show(true));
        return;
      }
      try {
        await command.run(ctx, ...args);
      } catch (error) {
        ctx.output.error(`${command.title} failed.`, error);
        const choice = await vscode.window.showErrorMessage(`${command.title} failed: ${error instanceof Error ? error.message : String(error)}`, 'Show Log');
        if (choice) ctx.output.show(true);
      }
    }),
  );
}

/** The command ids, for the test that holds package.json to this table. */
export const COMMAND_IDS = Object.keys(TABLE);
