import { PythonExtension } from '@vscode/python-extension';
import * as vscode from 'vscode';

const PYTHON_EXTENSION = 'ms-python.python';

/**
 * The interpreter the Python extension selected for a folder, when that extension is installed;
 * the runner tries it as `[python, -m, alembic]` after the `alembicCommand` setting. Asking
 * activates the Python extension, so it is done only when Alembic is about to run.
 */
export async function selectedInterpreter(resource: vscode.Uri, log: vscode.LogOutputChannel): Promise<string | undefined> {
  if (!vscode.extensions.getExtension(PYTHON_EXTENSION)) return undefined;
  try {
    const api = await PythonExtension.api();
    const active = api.environments.getActiveEnvironmentPath(resource);
    const resolved = await api.environments.resolveEnvironment(active);
    return resolved?.executable.uri?.fsPath ?? active.path;
  } catch (error) {
    log.warn(`The Python extension did not tell which interpreter is selected: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/** Opens the Python extension's interpreter picker, or says how to get one. */
export async function selectInterpreter(): Promise<void> {
  if (vscode.extensions.getExtension(PYTHON_EXTENSION)) {
    await vscode.commands.executeCommand('python.setInterpreter');
    return;
  }
  const choice = await vscode.window.showInformationMessage(
    'Selecting an interpreter needs the Python extension. Without it, set alembicPilot.alembicCommand, such as ["uv", "run", "alembic"], or create a .venv beside alembic.ini.',
    'Open Settings',
  );
  if (choice) await vscode.commands.executeCommand('workbench.action.openSettings', 'alembicPilot.alembicCommand');
}
