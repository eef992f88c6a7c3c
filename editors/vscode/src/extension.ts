import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

/** What binary resolution reads from the machine (replaced by the tests). */
export const host = {
  exists: (p: string): boolean => {
    try {
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  },
  env: process.env as Record<string, string | undefined>,
  platform: process.platform as string,
};

/** Where to look for `djsa`, in order: the setting, the Python environment, PATH. */
export interface ResolveInput {
  /** The `djsa.path` setting. */
  configured?: string | null;
  /** The project's Python interpreter (or environment directory), if one is known. */
  interpreter?: string;
  /** Where the interpreter came from, for messages. */
  interpreterSource?: string;
  platform?: string;
  pathEnv?: string;
  exists?: (p: string) => boolean;
}

export type Resolution =
  | { found: true; command: string; source: 'setting' | 'python' | 'path' }
  | { found: false; message: string };

/** The `djsa` executables that belong to a Python interpreter or environment directory. */
export function pythonEnvCandidates(interpreter: string, platform: string): string[] {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const exe = platform === 'win32' ? 'djsa.exe' : 'djsa';
  const scripts = platform === 'win32' ? 'Scripts' : 'bin';
  const dir = p.dirname(interpreter);
  return [
    // <venv>/bin/python -> <venv>/bin/djsa; <venv>\Scripts\python.exe -> <venv>\Scripts\djsa.exe
    p.join(dir, exe),
    // A base or conda interpreter on Windows: <prefix>\python.exe -> <prefix>\Scripts\djsa.exe
    p.join(dir, scripts, exe),
    // The environment directory itself was given.
    p.join(interpreter, scripts, exe),
  ].filter((c, i, all) => all.indexOf(c) === i);
}

/**
 * The server binary: the `djsa.path` setting, else `djsa` installed in the project's Python
 * environment (beside its interpreter), else `djsa` on PATH. When none is found, a message that
 * names the three places.
 */
export function resolveServer(input: ResolveInput): Resolution {
  const platform = input.platform ?? host.platform;
  const exists = input.exists ?? host.exists;
  const configured = input.configured?.trim();
  if (configured) {
    const looksLikePath = configured.includes('/') || configured.includes('\\');
    if (!looksLikePath || exists(configured)) {
      return { found: true, command: configured, source: 'setting' };
    }
    return {
      found: false,
      message: `djsa: the djsa.path setting names ${configured}, which does not exist. Fix the setting, or clear it to use the djsa installed in the Python environment or on PATH.`,
    };
  }
  const searched: string[] = [];
  if (input.interpreter) {
    for (const c of pythonEnvCandidates(input.interpreter, platform)) {
      if (exists(c)) return { found: true, command: c, source: 'python' };
    }
    searched.push(`the Python environment of ${input.interpreter}${input.interpreterSource ? ` (${input.interpreterSource})` : ''}`);
  } else {
    searched.push('the Python environment (no interpreter selected)');
  }
  const exe = platform === 'win32' ? 'djsa.exe' : 'djsa';
  const p = platform === 'win32' ? path.win32 : path.posix;
  const delimiter = platform === 'win32' ? ';' : ':';
  const pathEnv = input.pathEnv ?? host.env.PATH ?? host.env.Path ?? '';
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const c = p.join(dir, exe);
    if (exists(c)) return { found: true, command: c, source: 'path' };
  }
  searched.push('PATH');
  return {
    found: false,
    message: `djsa: no djsa executable found. Looked in: the djsa.path setting (not set), ${searched.join(', ')}. Install it into the project's environment (pip install djsa) or set djsa.path.`,
  };
}

/** The ms-python extension's API, as far as it is used here (both its current and older shapes). */
interface PythonApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
    resolveEnvironment?(env: { path: string } | string): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
  settings?: {
    getExecutionDetails?(resource?: vscode.Uri): { execCommand?: string[] };
  };
}

async function pythonApi(): Promise<PythonApi | undefined> {
  const ext = vscode.extensions?.getExtension<PythonApi>('ms-python.python');
  if (!ext) return undefined;
  try {
    return ext.isActive ? ext.exports : await ext.activate();
  } catch {
    return undefined;
  }
}

/**
 * The project's interpreter: the Python extension's active environment when that extension is
 * installed, else the `python.defaultInterpreterPath` setting.
 */
export async function findInterpreter(): Promise<{ interpreter?: string; source?: string }> {
  const resource = vscode.workspace.workspaceFolders?.[0]?.uri;
  const api = await pythonApi();
  try {
    const active = api?.environments?.getActiveEnvironmentPath(resource);
    if (active?.path) {
      const resolved = await api?.environments?.resolveEnvironment?.(active);
      const exe = resolved?.executable?.uri?.fsPath;
      return { interpreter: exe || active.path, source: 'the Python extension' };
    }
    const cmd = api?.settings?.getExecutionDetails?.(resource)?.execCommand;
    if (cmd && cmd.length > 0 && cmd[0]) return { interpreter: cmd[0], source: 'the Python extension' };
  } catch {
    // An older or failing Python extension: fall back to the setting.
  }
  const setting = vscode.workspace.getConfiguration('python').get<string>('defaultInterpreterPath');
  if (setting && setting.trim() !== '' && setting.trim() !== 'python') {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
    return {
      interpreter: setting.trim().replace(/\$\{workspaceFolder\}/g, folder),
      source: 'python.defaultInterpreterPath',
    };
  }
  return {};
}

/** What the language client is started with (exported for the tests); undefined with a message
 *  when there is no binary to start. */
export async function clientConfig(): Promise<
  | { serverOptions: ServerOptions; clientOptions: LanguageClientOptions; source: string }
  | { error: string }
> {
  const config = vscode.workspace.getConfiguration('djsa');
  const configured = config.get<string | null>('path');
  const { interpreter, source } = configured?.trim() ? {} : await findInterpreter();
  const resolution = resolveServer({ configured, interpreter, interpreterSource: source });
  if (!resolution.found) return { error: resolution.message };
  const serverOptions: ServerOptions = {
    command: resolution.command,
    args: ['server'],
    transport: TransportKind.stdio,
  };
  const initializationOptions: Record<string, unknown> = {};
  const docsBaseUrl = config.get<string | null>('docsBaseUrl');
  if (docsBaseUrl) initializationOptions.docsBaseUrl = docsBaseUrl;
  // Live drift; later changes reach the server as workspace/didChangeConfiguration (`djsa.*`).
  const databaseUrl = config.get<string | null>('databaseUrl');
  if (databaseUrl) initializationOptions.databaseUrl = databaseUrl;
  const clientOptions: LanguageClientOptions = {
    // Python files on disk; the server registers its own file watchers (`**/*.py`,
    // pyproject.toml, djsa.toml) through dynamic registration.
    documentSelector: [{ scheme: 'file', language: 'python' }],
    initializationOptions,
    synchronize: { configurationSection: 'djsa' },
  };
  return { serverOptions, clientOptions, source: resolution.source };
}

/** Start a client with the current settings, or say why there is none. */
async function startClient(): Promise<void> {
  const cfg = await clientConfig();
  if ('error' in cfg) {
    client = undefined;
    const choice = await vscode.window.showErrorMessage(cfg.error, 'Open Settings');
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'djsa.path');
    }
    return;
  }
  client = new LanguageClient('djsa', 'djsa', cfg.serverOptions, cfg.clientOptions);
  await client.start();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand('djsa.restartServer', async () => {
      await restart();
    }),
    vscode.commands.registerCommand('djsa.showOutput', () => client?.outputChannel.show()),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (
        e.affectsConfiguration('djsa.path') ||
        e.affectsConfiguration('djsa.docsBaseUrl') ||
        e.affectsConfiguration('python.defaultInterpreterPath')
      ) {
        await restart();
      }
    }),
  );
  // A different interpreter may mean a different djsa.
  const api = await pythonApi();
  const onEnv = api?.environments?.onDidChangeActiveEnvironmentPath;
  if (onEnv) context.subscriptions.push(onEnv(async () => restart()));
  await startClient();
}

/** A new client with the current settings (a changed `djsa.path` needs a new process). */
async function restart(): Promise<void> {
  await client?.stop();
  await startClient();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
