// Unit tests of the extension with mocked `vscode` and `vscode-languageclient/node` modules:
// VS Code itself cannot be downloaded here. Run: npm test (node --test).
const { test, beforeEach } = require('node:test');
const assert = require('node:assert');
const Module = require('node:module');
const path = require('node:path');

const calls = { clients: [], commands: {}, configListeners: [], errors: [], executed: [] };
let settings = {};
let pythonExtension; // the ms-python.python extension's exports, when "installed"
let errorChoice; // the button the user clicks on an error message
const vscodeMock = {
  workspace: {
    workspaceFolders: [{ uri: { fsPath: '/home/u/proj' } }],
    getConfiguration: (section) => ({ get: (k, d) => settings[`${section}.${k}`] ?? d }),
    onDidChangeConfiguration: (fn) => {
      calls.configListeners.push(fn);
      return { dispose() {} };
    },
  },
  commands: {
    registerCommand: (id, fn) => {
      calls.commands[id] = fn;
      return { dispose() {} };
    },
    executeCommand: async (...args) => {
      calls.executed.push(args);
    },
  },
  window: {
    showErrorMessage: async (message, ...items) => {
      calls.errors.push({ message, items });
      return errorChoice;
    },
  },
  extensions: {
    getExtension: (id) =>
      id === 'ms-python.python' && pythonExtension
        ? { isActive: false, activate: async () => pythonExtension, exports: pythonExtension }
        : undefined,
  },
};
class FakeLanguageClient {
  constructor(id, name, serverOptions, clientOptions) {
    Object.assign(this, { id, name, serverOptions, clientOptions, started: false, stopped: false });
    this.outputChannel = { shown: false, show: () => { this.outputChannel.shown = true; } };
    calls.clients.push(this);
  }
  async start() { this.started = true; }
  async stop() { this.stopped = true; }
}
const lcMock = { LanguageClient: FakeLanguageClient, TransportKind: { stdio: 0, ipc: 1 } };

const origLoad = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'vscode') return vscodeMock;
  if (request === 'vscode-languageclient/node') return lcMock;
  return origLoad.apply(this, arguments);
};
const ext = require(path.join(__dirname, '..', 'out', 'extension.js'));
const pkg = require('../package.json');

// A fake machine: these files exist, PATH is this, the platform is that.
let files = new Set();
beforeEach(() => {
  calls.clients = [];
  calls.commands = {};
  calls.configListeners = [];
  calls.errors = [];
  calls.executed = [];
  settings = {};
  pythonExtension = undefined;
  errorChoice = undefined;
  files = new Set(['/opt/djsa/bin/djsa', '/new/djsa', '/usr/local/bin/djsa']);
  ext.host.exists = (p) => files.has(p);
  ext.host.env = { PATH: '/usr/bin:/usr/local/bin' };
  ext.host.platform = 'linux';
});

const context = () => ({ extensionPath: '/nonexistent', subscriptions: [] });

test('activation starts `djsa server` over stdio for Python files', async () => {
  settings['djsa.path'] = '/opt/djsa/bin/djsa';
  const ctx = context();
  await ext.activate(ctx);
  assert.strictEqual(calls.clients.length, 1);
  const c = calls.clients[0];
  assert.strictEqual(c.id, 'djsa'); // vscode-languageclient reads `djsa.trace.server` by this id
  assert.ok(c.started);
  assert.deepStrictEqual(c.serverOptions, { command: '/opt/djsa/bin/djsa', args: ['server'], transport: 0 });
  assert.deepStrictEqual(c.clientOptions.documentSelector, [{ scheme: 'file', language: 'python' }]);
  assert.deepStrictEqual(c.clientOptions.initializationOptions, {});
  assert.strictEqual(ctx.subscriptions.length, 3);
  await ext.deactivate();
  assert.ok(c.stopped);
});

test('djsa.docsBaseUrl is passed as an initialization option', async () => {
  settings['djsa.docsBaseUrl'] = 'https://djsa.example/checks/';
  await ext.activate(context());
  assert.deepStrictEqual(calls.clients[0].clientOptions.initializationOptions, { docsBaseUrl: 'https://djsa.example/checks/' });
  await ext.deactivate();
});

test('djsa.databaseUrl is passed as an initialization option and djsa.* settings are synchronized', async () => {
  settings['djsa.databaseUrl'] = 'sqlite:///tmp/db.sqlite3';
  await ext.activate(context());
  const opts = calls.clients[0].clientOptions;
  assert.deepStrictEqual(opts.initializationOptions, { databaseUrl: 'sqlite:///tmp/db.sqlite3' });
  assert.deepStrictEqual(opts.synchronize, { configurationSection: 'djsa' });
  await ext.deactivate();
});

test('changing djsa.path restarts the server with the new binary', async () => {
  await ext.activate(context());
  assert.strictEqual(calls.clients[0].serverOptions.command, '/usr/local/bin/djsa');
  settings['djsa.path'] = '/new/djsa';
  await calls.configListeners[0]({ affectsConfiguration: (s) => s === 'djsa.path' });
  assert.strictEqual(calls.clients.length, 2);
  assert.ok(calls.clients[0].stopped);
  assert.strictEqual(calls.clients[1].serverOptions.command, '/new/djsa');
  assert.ok(calls.clients[1].started);
  // Unrelated settings do not restart it.
  await calls.configListeners[0]({ affectsConfiguration: (s) => s === 'editor.fontSize' });
  assert.strictEqual(calls.clients.length, 2);
  await ext.deactivate();
});

test('commands: restart and show output', async () => {
  await ext.activate(context());
  await calls.commands['djsa.restartServer']();
  assert.strictEqual(calls.clients.length, 2);
  calls.commands['djsa.showOutput']();
  assert.ok(calls.clients[1].outputChannel.shown);
  await ext.deactivate();
});

test('every registered command is declared in contributes.commands and vice versa', async () => {
  await ext.activate(context());
  const declared = pkg.contributes.commands.map((c) => c.command).sort();
  assert.deepStrictEqual(Object.keys(calls.commands).sort(), declared);
  await ext.deactivate();
});

test('package.json contributes are well-formed', () => {
  assert.ok(pkg.main && pkg.engines && pkg.engines.vscode && pkg.publisher);
  assert.match(pkg.dependencies['vscode-languageclient'], /^\^11\./);
  const props = pkg.contributes.configuration.properties;
  const validTypes = new Set(['string', 'boolean', 'number', 'integer', 'array', 'object', 'null']);
  const validScopes = new Set(['application', 'machine', 'machine-overridable', 'window', 'resource', 'language-overridable']);
  for (const [key, p] of Object.entries(props)) {
    assert.match(key, /^djsa\.[a-zA-Z.]+$/, `${key} must be namespaced djsa.*`);
    for (const t of [].concat(p.type)) assert.ok(validTypes.has(t), `${key}: bad type ${t}`);
    assert.ok(p.description || p.markdownDescription, `${key}: needs a description`);
    if (p.scope) assert.ok(validScopes.has(p.scope), `${key}: bad scope ${p.scope}`);
    if (p.enum) assert.ok(p.enum.includes(p.default), `${key}: default not in enum`);
  }
  assert.ok(props['djsa.path'] && props['djsa.trace.server']);
  assert.strictEqual(props['djsa.path'].scope, 'machine-overridable');
  assert.deepStrictEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations, ['djsa.path', 'djsa.databaseUrl']);
  assert.strictEqual(props['djsa.databaseUrl'].scope, 'machine-overridable');
});

// ---- Binary resolution: the djsa.path setting, then the Python environment, then PATH.

const resolve = (input) => ext.resolveServer({ exists: (p) => files.has(p), pathEnv: '/usr/bin:/usr/local/bin', platform: 'linux', ...input });

test('resolution: the djsa.path setting wins over the Python environment and PATH', () => {
  files.add('/home/u/proj/.venv/bin/djsa');
  assert.deepStrictEqual(resolve({ configured: '/opt/djsa/bin/djsa', interpreter: '/home/u/proj/.venv/bin/python' }), {
    found: true, command: '/opt/djsa/bin/djsa', source: 'setting',
  });
  // A bare command name is the user's choice and is run as given; blank means unset.
  assert.deepStrictEqual(resolve({ configured: 'djsa-nightly' }), { found: true, command: 'djsa-nightly', source: 'setting' });
  assert.strictEqual(resolve({ configured: '   ' }).command, '/usr/local/bin/djsa');
  // A path that does not exist is an error naming it, not a silent fallback.
  const r = resolve({ configured: '/nope/djsa', interpreter: '/home/u/proj/.venv/bin/python' });
  assert.strictEqual(r.found, false);
  assert.match(r.message, /djsa\.path setting names \/nope\/djsa, which does not exist/);
});

test('resolution: djsa beside the Python interpreter comes before PATH', () => {
  files.add('/home/u/proj/.venv/bin/djsa');
  assert.deepStrictEqual(resolve({ interpreter: '/home/u/proj/.venv/bin/python' }), {
    found: true, command: '/home/u/proj/.venv/bin/djsa', source: 'python',
  });
  // An environment directory instead of an interpreter.
  assert.strictEqual(resolve({ interpreter: '/home/u/proj/.venv' }).command, '/home/u/proj/.venv/bin/djsa');
  // An interpreter whose environment has no djsa: PATH.
  assert.deepStrictEqual(resolve({ interpreter: '/usr/bin/python3' }), { found: true, command: '/usr/local/bin/djsa', source: 'path' });
});

test('resolution on Windows: Scripts\\djsa.exe of a venv or a base/conda interpreter, PATH with ;', () => {
  files = new Set(['C:\\proj\\.venv\\Scripts\\djsa.exe', 'C:\\Miniconda3\\Scripts\\djsa.exe', 'C:\\tools\\djsa.exe']);
  const win = (input) => ext.resolveServer({ exists: (p) => files.has(p), platform: 'win32', pathEnv: 'C:\\Windows;C:\\tools', ...input });
  assert.strictEqual(win({ interpreter: 'C:\\proj\\.venv\\Scripts\\python.exe' }).command, 'C:\\proj\\.venv\\Scripts\\djsa.exe');
  assert.strictEqual(win({ interpreter: 'C:\\Miniconda3\\python.exe' }).command, 'C:\\Miniconda3\\Scripts\\djsa.exe');
  assert.deepStrictEqual(win({}), { found: true, command: 'C:\\tools\\djsa.exe', source: 'path' });
});

test('resolution: nothing found names the three places', () => {
  files = new Set();
  const r = resolve({ interpreter: '/home/u/proj/.venv/bin/python', interpreterSource: 'the Python extension' });
  assert.strictEqual(r.found, false);
  assert.match(r.message, /no djsa executable found/);
  assert.match(r.message, /djsa\.path setting \(not set\)/);
  assert.match(r.message, /Python environment of \/home\/u\/proj\/\.venv\/bin\/python \(the Python extension\)/);
  assert.match(r.message, /PATH/);
  assert.match(r.message, /pip install djsa/);
  assert.match(resolve({ pathEnv: '' }).message, /the Python environment \(no interpreter selected\), PATH/);
});

test('activation: the Python extension\'s active environment provides djsa', async () => {
  files.add('/home/u/proj/.venv/bin/djsa');
  let changed;
  pythonExtension = {
    environments: {
      getActiveEnvironmentPath: () => ({ path: '/home/u/proj/.venv', id: 'x' }),
      resolveEnvironment: async (env) => {
        assert.strictEqual(env.path, '/home/u/proj/.venv');
        return { executable: { uri: { fsPath: '/home/u/proj/.venv/bin/python' } } };
      },
      onDidChangeActiveEnvironmentPath: (fn) => {
        changed = fn;
        return { dispose() {} };
      },
    },
  };
  const ctx = context();
  await ext.activate(ctx);
  assert.strictEqual(calls.clients[0].serverOptions.command, '/home/u/proj/.venv/bin/djsa');
  assert.strictEqual(ctx.subscriptions.length, 4);
  // Another interpreter selected: a new server from that environment.
  files.add('/other/env/bin/djsa');
  pythonExtension.environments.getActiveEnvironmentPath = () => ({ path: '/other/env/bin/python' });
  pythonExtension.environments.resolveEnvironment = async () => undefined;
  await changed();
  assert.ok(calls.clients[0].stopped);
  assert.strictEqual(calls.clients[1].serverOptions.command, '/other/env/bin/djsa');
  await ext.deactivate();
});

test('activation: an older Python extension (execution details) provides the interpreter', async () => {
  files.add('/envs/a/bin/djsa');
  pythonExtension = { settings: { getExecutionDetails: () => ({ execCommand: ['/envs/a/bin/python'] }) } };
  await ext.activate(context());
  assert.strictEqual(calls.clients[0].serverOptions.command, '/envs/a/bin/djsa');
  await ext.deactivate();
});

test('activation: without the Python extension, python.defaultInterpreterPath is used', async () => {
  files.add('/home/u/proj/venv/bin/djsa');
  settings['python.defaultInterpreterPath'] = '${workspaceFolder}/venv/bin/python';
  await ext.activate(context());
  assert.strictEqual(calls.clients[0].serverOptions.command, '/home/u/proj/venv/bin/djsa');
  await ext.deactivate();
});

test('activation: no binary anywhere shows one clear error and starts nothing', async () => {
  files = new Set();
  errorChoice = 'Open Settings';
  await ext.activate(context());
  assert.strictEqual(calls.clients.length, 0);
  assert.strictEqual(calls.errors.length, 1);
  assert.match(calls.errors[0].message, /Looked in: the djsa\.path setting \(not set\), the Python environment \(no interpreter selected\), PATH/);
  assert.deepStrictEqual(calls.errors[0].items, ['Open Settings']);
  assert.deepStrictEqual(calls.executed, [['workbench.action.openSettings', 'djsa.path']]);
  // Installing it and restarting then works.
  files.add('/usr/local/bin/djsa');
  await calls.commands['djsa.restartServer']();
  assert.strictEqual(calls.clients.length, 1);
  assert.ok(calls.clients[0].started);
  await ext.deactivate();
});
